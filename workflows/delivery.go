package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Delivery of the notifications a case put in the outbox: a coroutine of the case sends
// them as they come; what it cannot deliver stays in the outbox for the sweeper.

func (r *caseRun) drainDeliveries(ctx workflow.Context) error {
	return workflow.Await(ctx, func() bool { return len(r.undelivered) == 0 && !r.delivering })
}

func (r *caseRun) deliveryLoop(ctx workflow.Context) {
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		// A few quick retries for a blip; a webhook down for longer is the outbox
		// sweeper's (OutboxWorkflow), which retries every undelivered row from one place.
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    5 * time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    5,
		},
	})
	for {
		if err := workflow.Await(ctx, func() bool { return len(r.undelivered) > 0 }); err != nil {
			return
		}
		ids := r.undelivered
		r.undelivered = nil
		r.delivering, r.delivery = true, ids
		if err := workflow.ExecuteActivity(actx, ActivityDeliver, ids).Get(ctx, nil); err != nil {
			// Undelivered rows stay in the outbox, listed by the API and visible to
			// supervision, and the outbox sweeper sends them again; the case itself
			// must go on.
			workflow.GetLogger(ctx).Error("notifications not delivered", "count", len(ids), "error", err)
		}
		r.delivering, r.delivery = false, nil
	}
}
