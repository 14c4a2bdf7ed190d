package integration

import (
	"context"
	"os"
	"path/filepath"
	"testing"

	historypb "go.temporal.io/api/history/v1"
	"google.golang.org/protobuf/encoding/protojson"

	"github.com/spro-cep/cep/workflows"
)

// recordHistory writes a case's workflow history to workflows/testdata when
// CEP_RECORD_HISTORIES is set, for the replay test that guards running cases.
func recordHistory(t *testing.T, s *stack, caseID, name string) {
	t.Helper()
	recordRun(t, s, caseID, "", name)
}

// recordRun writes one run of a case workflow (the latest when runID is empty).
func recordRun(t *testing.T, s *stack, caseID, runID, name string) {
	t.Helper()
	if os.Getenv("CEP_RECORD_HISTORIES") == "" {
		return
	}
	it := s.app.Temporal.GetWorkflowHistory(context.Background(), workflows.WorkflowID(caseID), runID, false, 0)
	hist := &historypb.History{}
	for it.HasNext() {
		ev, err := it.Next()
		if err != nil {
			t.Fatal(err)
		}
		hist.Events = append(hist.Events, ev)
	}
	raw, err := protojson.MarshalOptions{Indent: "  "}.Marshal(hist)
	if err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join("..", "..", "workflows", "testdata", name+".json"), raw, 0o644); err != nil {
		t.Fatal(err)
	}
}
