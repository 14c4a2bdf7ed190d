package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The outbox sweeper: one workflow per deployment (its ID makes it a singleton however
// many workers start it) sends again every notification that is still undelivered once
// its case has given up retrying, e.g. after a webhook was down for hours.
const (
	OutboxWorkflowName    = "Outbox"
	OutboxWorkflowID      = "cep-outbox"
	ActivityRedriveOutbox = "RedriveOutbox"
	ActivitySweepOrphans  = "SweepOrphans"
)

// Defaults of the sweeper.
const (
	defaultOutboxInterval = 5 * time.Minute
	defaultOutboxMinAge   = 10 * time.Minute
	defaultOutboxBatch    = 50
	// defaultOrphanMinAge leaves creations in flight alone: a creation answers within
	// the update timeout (20 s), so a row this old without its workflow is an orphan.
	defaultOrphanMinAge = 10 * time.Minute
	// outboxSweepsPerRun keeps each run's history short.
	outboxSweepsPerRun = 100
)

// OutboxInput sets the sweeper's pace; zero values take the defaults.
type OutboxInput struct {
	// Interval is the time between sweeps.
	Interval time.Duration `json:"interval,omitempty"`
	// MinAge leaves younger rows to their case's own delivery.
	MinAge time.Duration `json:"min_age,omitempty"`
	// Batch is the most rows one sweep sends.
	Batch int `json:"batch,omitempty"`
	// OrphanMinAge is the age past which personal details without a workflow are
	// removed (the orphan sweep).
	OrphanMinAge time.Duration `json:"orphan_min_age,omitempty"`
}

// OutboxSweep is one sweep's work.
type OutboxSweep struct {
	MinAge time.Duration `json:"min_age"`
	Batch  int           `json:"batch"`
}

// OrphanSweep is one sweep of personal details left by creations that never started.
type OrphanSweep struct {
	MinAge time.Duration `json:"min_age"`
	Batch  int           `json:"batch"`
}

// OrphanSweepResult tells how an orphan sweep went.
type OrphanSweepResult struct {
	Checked int `json:"checked"`
	Removed int `json:"removed"`
}

// OutboxSweepResult tells how a sweep went.
type OutboxSweepResult struct {
	Attempted int `json:"attempted"`
	Delivered int `json:"delivered"`
}

// OutboxWorkflow sweeps the outbox every Interval and continues as new after a while;
// each sweep also removes the personal details of creations whose case workflow never
// started (the orphan sweep, since version "sweep-orphans"). A failed sweep is logged
// and the next one tries again.
func OutboxWorkflow(ctx workflow.Context, in OutboxInput) error {
	if in.Interval <= 0 {
		in.Interval = defaultOutboxInterval
	}
	if in.MinAge <= 0 {
		in.MinAge = defaultOutboxMinAge
	}
	if in.Batch <= 0 {
		in.Batch = defaultOutboxBatch
	}
	if in.OrphanMinAge <= 0 {
		in.OrphanMinAge = defaultOrphanMinAge
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 10 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: 10 * time.Second, MaximumAttempts: 3},
	})
	for range outboxSweepsPerRun {
		var res OutboxSweepResult
		if err := workflow.ExecuteActivity(actx, ActivityRedriveOutbox, OutboxSweep{MinAge: in.MinAge, Batch: in.Batch}).Get(ctx, &res); err != nil {
			workflow.GetLogger(ctx).Error("outbox sweep failed", "error", err)
		}
		if workflow.GetVersion(ctx, "sweep-orphans", workflow.DefaultVersion, 1) == 1 {
			var orphans OrphanSweepResult
			if err := workflow.ExecuteActivity(actx, ActivitySweepOrphans, OrphanSweep{MinAge: in.OrphanMinAge, Batch: in.Batch}).Get(ctx, &orphans); err != nil {
				workflow.GetLogger(ctx).Error("orphan sweep failed", "error", err)
			}
		}
		if err := workflow.Sleep(ctx, in.Interval); err != nil {
			return err
		}
	}
	return workflow.NewContinueAsNewError(ctx, OutboxWorkflowName, in)
}
