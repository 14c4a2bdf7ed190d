package workflows

import (
	"errors"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Defaults of the projection retry bounds when the settings leave them out.
const (
	defaultProjectionMaxAttempts = 10
	defaultProjectionTimeout     = 10 * time.Minute
)

// projectionOptions bound the retries of a projection: an outage is retried for a
// while, a refusal of the data (non-retryable) not at all, and the workflow goes on
// either way.
func projectionOptions(ctx workflow.Context, s Settings) workflow.Context {
	attempts, timeout := s.ProjectionMaxAttempts, s.ProjectionTimeout
	if attempts <= 0 {
		attempts = defaultProjectionMaxAttempts
	}
	if timeout <= 0 {
		timeout = defaultProjectionTimeout
	}
	return workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout:    30 * time.Second,
		ScheduleToCloseTimeout: timeout,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    time.Second,
			BackoffCoefficient: 2,
			MaximumInterval:    time.Minute,
			MaximumAttempts:    int32(attempts),
		},
	})
}

// ProjectionResult is what a projection tells the case: the notifications it wrote that
// wait for a webhook. The others (recipients without one) were delivered to the log in
// the projection's transaction.
type ProjectionResult struct {
	Webhooks []string `json:"webhooks,omitempty"`
}

// project writes one batch; the notifications it put in the outbox go to delivery.
//
// The write is an ordinary activity, which the server schedules once the workflow task
// that made the change is recorded: a local activity would write before that, and a
// worker that dies before the task completes leaves in the database a change the case
// never made (the fault suite found a hand-off accepted twice that way: the lost
// attempt's events, then the retried update's under other sequence numbers).
//
// The projection delivers to the log, in its transaction, the notifications whose
// recipient has no webhook. Runs since currentRun send only those waiting for a webhook
// to delivery; older runs send them all, and delivery skips those already delivered.
func (r *caseRun) project(ctx workflow.Context, p Projection) error {
	var res ProjectionResult
	if err := workflow.ExecuteActivity(projectionOptions(ctx, r.settings), ActivityProject, p).Get(ctx, &res); err != nil {
		return err
	}
	if !r.current {
		for _, n := range p.Notifications {
			r.undelivered = append(r.undelivered, n.ID)
		}
		return nil
	}
	r.undelivered = append(r.undelivered, r.askedAlready(p, res.Webhooks)...)
	return nil
}

// reproject projects again, oldest first, the batches that failed before. A batch the
// database refuses for its data stays and the next is tried; an outage stops the round
// (the rest would only wait as long again) and reproject reports it. What is left waits
// for the next change; once nothing is, the case's flag clears.
func (r *caseRun) reproject(ctx workflow.Context) (outage bool) {
	old := r.unprojected
	r.unprojected = nil
	var still []Projection
	for i, p := range old {
		if err := r.project(ctx, p); err != nil {
			still = append(still, p)
			if !isDataError(err) {
				still = append(still, old[i+1:]...)
				outage = true
				break
			}
		}
	}
	r.unprojected = append(still, r.unprojected...)
	if len(r.unprojected) == 0 {
		r.c.ProjectionFailedAt = nil
		return false
	}
	r.markProjectionFailed(ctx)
	return outage
}

func isDataError(err error) bool {
	var appErr *temporal.ApplicationError
	return errors.As(err, &appErr) && appErr.Type() == ProjectionDataError
}

// projectionFailed keeps a batch that could not be written and flags the case, so that
// its deadlines, contacts and funding changes go on instead of waiting for the database.
func (r *caseRun) projectionFailed(ctx workflow.Context, p Projection, err error) {
	// No error text in the log: a database's refusal may quote the data.
	kind := "outage"
	if isDataError(err) {
		kind = "data"
	}
	workflow.GetLogger(ctx).Error("projection failed: kept for the next change", "case_id", r.c.ID, "version", p.Case.Version, "kind", kind)
	r.unprojected = append(r.unprojected, p)
	r.markProjectionFailed(ctx)
}

func (r *caseRun) markProjectionFailed(ctx workflow.Context) {
	if r.c.ProjectionFailedAt == nil {
		now := workflow.Now(ctx).UTC()
		r.c.ProjectionFailedAt = &now
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumAttempts: 5},
	})
	f := ProjectionFailure{CaseID: r.c.ID, At: *r.c.ProjectionFailedAt}
	if err := workflow.ExecuteActivity(actx, ActivityMarkProjectionFailed, f).Get(ctx, nil); err != nil {
		workflow.GetLogger(ctx).Error("case not flagged for its failed projection", "case_id", r.c.ID)
	}
}

// ReprojectInput is the input of UpdateReproject (nothing: the workflow knows its state).
type ReprojectInput struct{}

// applyReproject bumps the version, so that the projection replaces whatever row is
// there; flush then writes the snapshot and retries the batches that had failed.
func (r *caseRun) applyReproject(ctx workflow.Context, _ ReprojectInput) {
	r.touch(ctx, false)
}

// flush projects the pending changes and returns the projected snapshot, which holds
// them (and maybe later ones). Runs since currentRun hand the work to the flusher, so
// that changes made while a projection runs go together in the next one: concurrent
// updates on one case make a few projections, not one each, and never write the same
// row at once. Older runs project each change in its own caller.
func (r *caseRun) flush(ctx workflow.Context) (Case, error) {
	if !r.current {
		return r.flushNow(ctx)
	}
	r.flushAsked++
	asked := r.flushAsked
	if err := workflow.Await(ctx, func() bool { return r.flushDone >= asked }); err != nil {
		return Case{}, err
	}
	return r.flushed, nil
}

// flusher projects, one batch at a time, what the flushes asked for.
func (r *caseRun) flusher(ctx workflow.Context) {
	for {
		if err := workflow.Await(ctx, func() bool { return r.flushDone < r.flushAsked }); err != nil {
			return
		}
		asked := r.flushAsked
		// flushNow fails only in runs from before record-projection-failure.
		snap, _ := r.flushNow(ctx)
		r.flushed, r.flushDone = snap, asked
	}
}

// flushNow projects the pending changes and returns the projected snapshot. A
// projection that finally fails is recorded on the case and kept for the next change
// (see projection.go): the change itself stands. Runs from before this change replay
// the old way, where the failure was the caller's.
func (r *caseRun) flushNow(ctx workflow.Context) (Case, error) {
	if r.callerWrites {
		return r.flushCumulative(ctx), nil
	}
	p := r.pending
	r.pending = Projection{}
	outage := len(r.unprojected) > 0 && r.reproject(ctx)
	snap := r.snapshot()
	p.Case = snap
	for i := range p.Notifications {
		p.Notifications[i].At = snap.UpdatedAt
	}
	if outage {
		// The database is still out: keep this batch too rather than wait again.
		r.unprojected = append(r.unprojected, p)
		snap.ProjectionFailedAt = r.c.ProjectionFailedAt
		return snap, nil
	}
	if err := r.project(ctx, p); err != nil {
		if !r.has(ctx, "record-projection-failure") {
			return Case{}, err
		}
		r.projectionFailed(ctx, p, err)
		snap.ProjectionFailedAt = r.c.ProjectionFailedAt
		return snap, nil
	}
	r.upsertSearchAttributes(ctx, &snap)
	return snap, nil
}
