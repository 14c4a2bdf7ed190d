package workflows

import (
	"slices"

	"github.com/google/uuid"
	"go.temporal.io/sdk/workflow"
)

// Updates: the idempotency of human actions and the handler every action shares.

// updateID is the ID the caller gave the update (the API passes Idempotency-Key).
func updateID(ctx workflow.Context) string {
	if info := workflow.GetCurrentUpdateInfo(ctx); info != nil {
		return info.ID
	}
	return ""
}

func (r *caseRun) seen(ctx workflow.Context) bool {
	id := updateID(ctx)
	return id != "" && slices.Contains(r.c.Requests, id)
}

// remember keeps the ID of an applied update, so that its retry applies nothing. Only
// IDs a caller chose are kept: an update sent without a key gets a UUID made up by the
// SDK, which no caller will ever retry and which would push real keys out of the window.
func (r *caseRun) remember(ctx workflow.Context) {
	id := updateID(ctx)
	if id == "" || generatedUpdateID(id) {
		return
	}
	r.c.Requests = append(r.c.Requests, id)
	if n := len(r.c.Requests); n > maxRememberedRequests {
		r.c.Requests = slices.Clone(r.c.Requests[n-maxRememberedRequests:])
	}
}

// generatedUpdateID tells an update ID the SDK made up (a canonical UUID) from one a
// caller chose: the API names keyed updates "<update>:<Idempotency-Key>".
func generatedUpdateID(id string) bool {
	if len(id) != 36 {
		return false
	}
	_, err := uuid.Parse(id)
	return err == nil
}

// handle registers an update whose validation is check and whose change is apply.
// check runs twice: as the validator, so a refused request leaves no trace in the
// history, and again in the handler, because another update may have changed the case
// in between. apply must not block: the change and its events are atomic.
func handle[T any](ctx workflow.Context, r *caseRun, name string, check func(T) error, apply func(workflow.Context, T)) error {
	return workflow.SetUpdateHandlerWithOptions(ctx, name,
		func(ctx workflow.Context, in T) (UpdateResult, error) {
			if r.seen(ctx) {
				return r.answerSeen(ctx), nil
			}
			if err := check(in); err != nil {
				return UpdateResult{}, err
			}
			apply(ctx, in)
			r.remember(ctx)
			if name == UpdateReproject {
				// A repair is the workflow's own write, not its caller's.
				c, err := r.flush(ctx)
				return UpdateResult{Case: c}, err
			}
			return r.answer(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in T) error {
			if r.seen(ctx) {
				return nil
			}
			return check(in)
		}},
	)
}
