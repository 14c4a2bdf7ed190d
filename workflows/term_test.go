package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// The term's reminder goes RemindBefore ahead of its end (30 days by default), the
// lapse notice at the end, each after a durable timer.
func TestCoordinationTermRemindsThenLapses(t *testing.T) {
	for _, tc := range []struct {
		name   string
		before time.Duration
		remind time.Duration // after the start
	}{
		{"default reminder", 0, 365*24*time.Hour - DefaultTermReminder},
		{"a week ahead", 7 * 24 * time.Hour, 358 * 24 * time.Hour},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var ts testsuite.WorkflowTestSuite
			env := ts.NewTestWorkflowEnvironment()
			env.SetStartTime(t0)
			env.RegisterWorkflowWithOptions(CoordinationTermWorkflow, workflow.RegisterOptions{Name: CoordinationTermWorkflowName})
			var kinds []string
			var at []time.Time
			env.RegisterActivityWithOptions(func(ctx context.Context, n TermNotice) error {
				kinds, at = append(kinds, n.Kind), append(at, env.Now())
				if n.DesignationID != "d1" || n.TerritoryID != "dreux" {
					t.Errorf("notice %+v", n)
				}
				return nil
			}, activity.RegisterOptions{Name: ActivityCoordinationTermNote})
			ends := t0.Add(365 * 24 * time.Hour)
			env.ExecuteWorkflow(CoordinationTermWorkflowName, CoordinationTermInput{DesignationID: "d1", TerritoryID: "dreux", EndsAt: ends, RemindBefore: tc.before})
			if err := env.GetWorkflowError(); err != nil {
				t.Fatal(err)
			}
			if len(kinds) != 2 || kinds[0] != NotifyTermEnding || kinds[1] != NotifyTermLapsed {
				t.Fatalf("notices %v", kinds)
			}
			if got := at[0].Sub(t0); got != tc.remind {
				t.Errorf("reminded %v after the start, want %v", got, tc.remind)
			}
			if !at[1].Equal(ends) {
				t.Errorf("lapse noticed at %v, want %v", at[1], ends)
			}
		})
	}
}

// A term recorded late (its reminder date passed) reminds at once.
func TestCoordinationTermRecordedLateRemindsAtOnce(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(CoordinationTermWorkflow, workflow.RegisterOptions{Name: CoordinationTermWorkflowName})
	var at []time.Time
	env.RegisterActivityWithOptions(func(ctx context.Context, n TermNotice) error {
		at = append(at, env.Now())
		return nil
	}, activity.RegisterOptions{Name: ActivityCoordinationTermNote})
	env.ExecuteWorkflow(CoordinationTermWorkflowName, CoordinationTermInput{DesignationID: "d1", TerritoryID: "t", EndsAt: t0.Add(24 * time.Hour)})
	if len(at) != 2 || !at[0].Equal(t0) || !at[1].Equal(t0.Add(24*time.Hour)) {
		t.Fatalf("notices at %v", at)
	}
}
