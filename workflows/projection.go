package workflows

import (
	"encoding/json"
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
	return projectionOptionsAfter(ctx, s, 0)
}

// projectionAttempts is the bound on the attempts of one projection.
func projectionAttempts(s Settings) int {
	if s.ProjectionMaxAttempts <= 0 {
		return defaultProjectionMaxAttempts
	}
	return s.ProjectionMaxAttempts
}

// projectionOptionsAfter are projectionOptions for the attempts left after tried ones.
func projectionOptionsAfter(ctx workflow.Context, s Settings, tried int) workflow.Context {
	timeout := s.ProjectionTimeout
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
			MaximumAttempts:    int32(projectionAttempts(s) - tried),
		},
	})
}

// ProjectionResult is what a projection tells the case: the notifications it wrote that
// wait for a webhook. The others (recipients without one) were delivered to the log in
// the projection's transaction.
type ProjectionResult struct {
	Webhooks []string `json:"webhooks,omitempty"`
}

// localProjectionAttempts are the quick attempts of a projection inside the workflow
// task, before an outage goes on as an ordinary activity.
const localProjectionAttempts = 3

// localProjectionOptions bound the local try of a projection.
func localProjectionOptions(ctx workflow.Context, attempts int) workflow.Context {
	return workflow.WithLocalActivityOptions(ctx, workflow.LocalActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy: &temporal.RetryPolicy{
			InitialInterval:    100 * time.Millisecond,
			BackoffCoefficient: 2,
			MaximumAttempts:    int32(attempts),
		},
	})
}

// project writes one batch; the notifications it put in the outbox go to delivery.
//
// Runs since currentRun first try the write as a local activity, inside the workflow
// task that made the change: a change then costs one workflow task and no activity task
// (no round trip through the server's task queues). A refusal of the data stops there;
// an outage goes on as an ordinary activity for the rest of the attempts (the bound is
// the same), visible to the server and to supervision's workflow_problem probe while it
// retries. Only the notifications waiting for a webhook go to delivery.
func (r *caseRun) project(ctx workflow.Context, p Projection) error {
	if !r.current {
		if err := workflow.ExecuteActivity(projectionOptions(ctx, r.settings), ActivityProject, p).Get(ctx, nil); err != nil {
			return err
		}
		for _, n := range p.Notifications {
			r.undelivered = append(r.undelivered, n.ID)
		}
		return nil
	}
	var res ProjectionResult
	attempts := projectionAttempts(r.settings)
	local := min(localProjectionAttempts, attempts)
	// A local activity gets its argument as it is, not encoded: it runs beside the
	// workflow's code, which must not share a pointer or a map with it.
	own, err := detached(p)
	if err != nil {
		return temporal.NewNonRetryableApplicationError("projection not encodable", ProjectionDataError, err)
	}
	err = workflow.ExecuteLocalActivity(localProjectionOptions(ctx, local), ActivityProject, own).Get(ctx, &res)
	if err != nil && !isDataError(err) && local < attempts {
		err = workflow.ExecuteActivity(projectionOptionsAfter(ctx, r.settings, local), ActivityProject, p).Get(ctx, &res)
	}
	if err != nil {
		return err
	}
	r.undelivered = append(r.undelivered, res.Webhooks...)
	return nil
}

// detached is a deep copy of p, made as a regular activity's argument would be.
func detached(p Projection) (Projection, error) {
	var out Projection
	b, err := json.Marshal(p)
	if err == nil {
		err = json.Unmarshal(b, &out)
	}
	return out, err
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
