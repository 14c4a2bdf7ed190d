package workflows

import (
	"bytes"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/spro-cep/cep/internal/payloadcodec"
)

// TestReplayRecordedHistories replays histories of real cases recorded on the embedded
// server (internal/integration with CEP_RECORD_HISTORIES=1). A change to the workflow
// that would break cases already running fails here. The replayer decodes payloads as
// the worker does (internal/app.ClientOptions): histories recorded before payloads were
// encrypted and those recorded since must both replay.
func TestReplayRecordedHistories(t *testing.T) {
	files, err := filepath.Glob(filepath.Join("testdata", "*.json"))
	if err != nil {
		t.Fatal(err)
	}
	if len(files) == 0 {
		t.Fatal("no recorded histories in testdata")
	}
	raw, err := os.ReadFile(filepath.Join("testdata", "payload.keys"))
	if err != nil {
		t.Fatal(err)
	}
	keys, err := payloadcodec.ParseKeys(strings.TrimSpace(string(raw)))
	if err != nil {
		t.Fatal(err)
	}
	dc := payloadcodec.DataConverter(keys)
	// In protobuf JSON, metadata values are base64.
	marker := []byte(base64.StdEncoding.EncodeToString([]byte(payloadcodec.EncodingEncrypted)))
	shapes := map[bool]int{}
	for _, f := range files {
		t.Run(filepath.Base(f), func(t *testing.T) {
			b, err := os.ReadFile(f)
			if err != nil {
				t.Fatal(err)
			}
			shapes[bytes.Contains(b, marker)]++
			r, err := worker.NewWorkflowReplayerWithOptions(worker.WorkflowReplayerOptions{
				DataConverter: dc, FailureConverter: payloadcodec.FailureConverter(dc)})
			if err != nil {
				t.Fatal(err)
			}
			r.RegisterWorkflowWithOptions(CaseWorkflow, workflow.RegisterOptions{Name: CaseWorkflowName})
			if err := r.ReplayWorkflowHistoryFromJSONFile(nil, f); err != nil {
				t.Fatalf("replay of %s: %v", f, err)
			}
		})
	}
	if _, err := os.Stat(filepath.Join("testdata", "case_path.json")); err != nil {
		t.Fatal("the representative full-path history is missing")
	}
	// Runs since currentRun say so, with their version, in the TemporalChangeVersion
	// search attribute, which the codec leaves in clear (base64 in protobuf JSON). Each
	// version of the way cases run must have recorded histories.
	for v := 1; v <= 2; v++ {
		marker := fmt.Sprintf("%s-%d", currentRun, v)
		runs := 0
		for _, f := range files {
			if b, err := os.ReadFile(f); err == nil && mentions(t, b, marker) {
				runs++
			}
		}
		if runs == 0 {
			t.Errorf("no recorded history of a run at %s: that way of running cases is not replayed", marker)
		}
	}
	if shapes[true] == 0 || shapes[false] == 0 {
		t.Fatalf("want histories with encrypted payloads and from before encryption: %d and %d", shapes[true], shapes[false])
	}
}

// mentions tells whether a recorded history holds s in one of its base64 values.
func mentions(t *testing.T, history []byte, s string) bool {
	t.Helper()
	var v any
	if err := json.Unmarshal(history, &v); err != nil {
		t.Fatal(err)
	}
	var walk func(any) bool
	walk = func(v any) bool {
		switch x := v.(type) {
		case map[string]any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case []any:
			for _, e := range x {
				if walk(e) {
					return true
				}
			}
		case string:
			b, err := base64.StdEncoding.DecodeString(x)
			return err == nil && strings.Contains(string(b), s)
		}
		return false
	}
	return walk(v)
}
