package workflows

import (
	"context"
	"errors"
	"slices"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// TestRetentionRunCountsEachCaseOnceAndGoesOn: candidates come in batches until none
// is left; a case erased by an earlier, interrupted run is not counted again; a case
// whose erasure fails is left for the next run without stopping this one; the audit
// purge runs with the period's cutoff; the counts are recorded as the run goes.
func TestRetentionRunCountsEachCaseOnceAndGoesOn(t *testing.T) {
	var s testsuite.WorkflowTestSuite
	env := s.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(RetentionWorkflow, workflow.RegisterOptions{Name: RetentionWorkflowName})
	pending := []string{"a", "b", "c", "d", "e"}
	already := map[string]bool{"b": true} // erased by the run that was stopped
	var erasedBy []string
	var records []RetentionResult
	var purgedBefore time.Time
	reg := func(name string, f any) { env.RegisterActivityWithOptions(f, activity.RegisterOptions{Name: name}) }
	reg(ActivityRetentionRecord, func(_ context.Context, r RetentionResult) error { records = append(records, r); return nil })
	reg(ActivityRetentionMark, func(_ context.Context, in RetentionMarkInput) (RetentionMarkResult, error) {
		if !in.Cutoff.Equal(t0.Add(-730 * day)) {
			t.Errorf("cutoff %s", in.Cutoff)
		}
		return RetentionMarkResult{Listed: 3, Resumed: 1}, nil
	})
	reg(ActivityRetentionCandidates, func(_ context.Context, in RetentionCandidatesInput) ([]string, error) {
		var out []string
		for _, id := range pending {
			if !slices.Contains(in.Exclude, id) && len(out) < in.Limit {
				out = append(out, id)
			}
		}
		return out, nil
	})
	reg(ActivityRetentionErase, func(_ context.Context, id string) (bool, error) {
		if id == "d" {
			return false, errors.New("database refused")
		}
		pending = slices.DeleteFunc(pending, func(x string) bool { return x == id })
		erasedBy = append(erasedBy, id)
		return !already[id], nil
	})
	reg(ActivityRetentionCompact, func(context.Context) error { return nil })
	reg(ActivityRetentionPurgeAudit, func(_ context.Context, before time.Time) (int, error) { purgedBefore = before; return 7, nil })
	env.ExecuteWorkflow(RetentionWorkflowName, RetentionInput{After: 730 * day, Grace: 30 * day, AuditRetention: 365 * day, Batch: 2})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	var res RetentionResult
	if err := env.GetWorkflowResult(&res); err != nil {
		t.Fatal(err)
	}
	if res.Erased != 3 || res.Failed != 1 || res.Listed != 3 || res.Resumed != 1 || res.AuditPurged != 7 || res.FinishedAt == nil {
		t.Errorf("result = %+v: erased a, c, e (b was already), d failed", res)
	}
	if !slices.Equal(erasedBy, []string{"a", "b", "c", "e"}) {
		t.Errorf("erased %v", erasedBy)
	}
	if !purgedBefore.Equal(t0.Add(-365 * day)) {
		t.Errorf("audit purged before %s", purgedBefore)
	}
	if len(records) < 3 || records[len(records)-1].FinishedAt == nil || records[0].Erased != 0 {
		t.Errorf("records = %+v: at start, after each batch, at the end", records)
	}
}
