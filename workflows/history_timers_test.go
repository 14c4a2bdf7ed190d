package workflows

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// The histories recorded since deadline waits cancel their timers (*_v2.json) show it:
// a wait that ends early leaves a TIMER_CANCELED, not a timer that fires for nothing.
func TestRecordedHistoriesCancelTheirTimers(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*_v2.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no histories recorded with cancelled timers")
	}
	for _, f := range files {
		raw, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(string(raw), "EVENT_TYPE_TIMER_CANCELED") {
			t.Errorf("%s has no cancelled timer", f)
		}
	}
}
