package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The coordination term: one small workflow per designation of a territory's
// coordinating pair (ID "coordination-term-<designation ID>", no personal data). The
// pair is designated for one year by a majority of the partners (convention of
// 28 September 2015); a durable timer reminds the coordination and the Région's
// supervisors before the term lapses, and tells them when it has lapsed, unless a newer
// designation has been voted meanwhile (the activity checks).
const (
	CoordinationTermWorkflowName = "CoordinationTerm"
	ActivityCoordinationTermNote = "CoordinationTermNotice"
	// DefaultTermReminder is how long before the term's end the reminder goes.
	DefaultTermReminder = 30 * 24 * time.Hour
)

// Kinds of the term's notifications.
const (
	NotifyTermEnding = "coordination_term_ending"
	NotifyTermLapsed = "coordination_term_lapsed"
)

// CoordinationTermWorkflowID is the workflow ID of a designation's term.
func CoordinationTermWorkflowID(designationID string) string {
	return "coordination-term-" + designationID
}

// CoordinationTermInput is a designation's term.
type CoordinationTermInput struct {
	DesignationID string `json:"designation_id"`
	TerritoryID   string `json:"territory_id"`
	// EndsAt is when the rights end: the start of the day after the term's last day,
	// in Paris.
	EndsAt time.Time `json:"ends_at"`
	// RemindBefore is how long before EndsAt the reminder goes; 0 means
	// DefaultTermReminder.
	RemindBefore time.Duration `json:"remind_before,omitempty"`
}

// TermNotice asks the activity to record one of the term's notifications.
type TermNotice struct {
	DesignationID string    `json:"designation_id"`
	TerritoryID   string    `json:"territory_id"`
	Kind          string    `json:"kind"`
	EndsAt        time.Time `json:"ends_at"`
}

// CoordinationTermWorkflow sleeps until the reminder, records it, sleeps until the
// term's end and records the lapse. Both timers are durable: a restart of workers or
// server loses neither.
func CoordinationTermWorkflow(ctx workflow.Context, in CoordinationTermInput) error {
	if in.RemindBefore <= 0 {
		in.RemindBefore = DefaultTermReminder
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 2 * time.Second, MaximumInterval: 10 * time.Minute},
	})
	for _, step := range []struct {
		at   time.Time
		kind string
	}{{in.EndsAt.Add(-in.RemindBefore), NotifyTermEnding}, {in.EndsAt, NotifyTermLapsed}} {
		if d := step.at.Sub(workflow.Now(ctx)); d > 0 {
			if err := workflow.Sleep(ctx, d); err != nil {
				return err
			}
		}
		notice := TermNotice{DesignationID: in.DesignationID, TerritoryID: in.TerritoryID, Kind: step.kind, EndsAt: in.EndsAt}
		if err := workflow.ExecuteActivity(actx, ActivityCoordinationTermNote, notice).Get(ctx, nil); err != nil {
			return err
		}
	}
	return nil
}
