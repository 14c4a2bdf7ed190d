package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The sweeper sweeps at its interval, goes on after a failed sweep and continues as new
// after outboxSweepsPerRun sweeps.
func TestOutboxWorkflowSweepsPeriodically(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(OutboxWorkflow, workflow.RegisterOptions{Name: OutboxWorkflowName})
	var at []time.Time
	var sweeps []OutboxSweep
	env.RegisterActivityWithOptions(func(ctx context.Context, s OutboxSweep) (OutboxSweepResult, error) {
		at = append(at, env.Now())
		sweeps = append(sweeps, s)
		if n := len(at); n >= 2 && n <= 4 { // the second sweep fails all its attempts
			return OutboxSweepResult{}, errors.New("database restarting")
		}
		return OutboxSweepResult{Attempted: 1, Delivered: 1}, nil
	}, activity.RegisterOptions{Name: ActivityRedriveOutbox})
	var orphanSweeps []OrphanSweep
	env.RegisterActivityWithOptions(func(ctx context.Context, s OrphanSweep) (OrphanSweepResult, error) {
		orphanSweeps = append(orphanSweeps, s)
		return OrphanSweepResult{}, nil
	}, activity.RegisterOptions{Name: ActivitySweepOrphans})
	env.ExecuteWorkflow(OutboxWorkflowName, OutboxInput{Interval: time.Minute})
	next := OutboxInput{}
	can := continuedAs(t, env.GetWorkflowError(), &next)
	if !can || next.Interval != time.Minute {
		t.Fatalf("did not continue as new with its input: %v %+v", env.GetWorkflowError(), next)
	}
	// The failed sweep is tried 3 times, then the sweeper sleeps and goes on.
	if want := outboxSweepsPerRun + 2; len(at) != want {
		t.Fatalf("%d sweeps, want %d", len(at), want)
	}
	if d := at[len(at)-1].Sub(at[len(at)-2]); d != time.Minute {
		t.Errorf("sweeps %v apart, want a minute", d)
	}
	if s := sweeps[0]; s.MinAge != defaultOutboxMinAge || s.Batch != defaultOutboxBatch {
		t.Errorf("sweep %+v, want the defaults", s)
	}
	// Every sweep also sweeps the personal details of creations that never started.
	if len(orphanSweeps) != outboxSweepsPerRun {
		t.Errorf("%d orphan sweeps, want %d", len(orphanSweeps), outboxSweepsPerRun)
	}
	if len(orphanSweeps) > 0 && orphanSweeps[0].MinAge != defaultOrphanMinAge {
		t.Errorf("orphan sweep %+v, want min age %v", orphanSweeps[0], defaultOrphanMinAge)
	}
}

func continuedAs(t *testing.T, err error, next *OutboxInput) bool {
	t.Helper()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) || can.WorkflowType == nil || can.WorkflowType.Name != OutboxWorkflowName {
		return false
	}
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, next); err != nil {
		t.Fatalf("decode continue-as-new input: %v", err)
	}
	return true
}
