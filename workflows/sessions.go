package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// Corrections of recorded sessions. The service checks that the session belongs to the
// case (the projection holds sessions' content); the workflow keeps the rule that a
// deleted session stays deleted, and the order of corrections. New update handlers
// add no command to existing histories, so they need no version marker.

// correctable refuses corrections outside the holding structure, on a closed case, or
// of a session already deleted. A paused case may be corrected: a correction is not
// activity with the person.
func (r *caseRun) correctable(a Actor, sessionID string) error {
	return first(
		func() error { return r.holder(a) },
		func() error {
			if r.c.Stage == StageClosed {
				return refuse(r.c, RefusalConflict, "", "the case is closed")
			}
			return nil
		},
		func() error {
			if sessionID == "" || slices.Contains(r.c.RemovedSessionIDs, sessionID) {
				return refuse(r.c, RefusalNotFound, "", "no session %s in this case", sessionID)
			}
			return nil
		},
	)
}

func (r *caseRun) checkChangeSession(in ChangeSessionInput) error {
	return first(
		func() error { return r.correctable(in.Actor, in.Change.SessionID) },
		func() error {
			if len(in.Change.Fields()) == 0 {
				return refuse(r.c, RefusalInvalid, "", "nothing to change")
			}
			return nil
		},
	)
}

func (r *caseRun) applyChangeSession(ctx workflow.Context, in ChangeSessionInput) {
	r.pending.SessionChanges = append(r.pending.SessionChanges, in.Change)
	r.emit(ctx, in.Actor, "session_changed", map[string]any{"session_id": in.Change.SessionID, "fields": in.Change.Fields()})
	r.touch(ctx, false)
}

func (r *caseRun) checkRemoveSession(in RemoveSessionInput) error {
	return r.correctable(in.Actor, in.SessionID)
}

func (r *caseRun) applyRemoveSession(ctx workflow.Context, in RemoveSessionInput) {
	r.c.RemovedSessionIDs = append(slices.Clone(r.c.RemovedSessionIDs), in.SessionID)
	if r.c.Sessions > 0 {
		r.c.Sessions--
	}
	r.pending.RemovedSessions = append(r.pending.RemovedSessions, in.SessionID)
	r.emit(ctx, in.Actor, "session_removed", map[string]any{"session_id": in.SessionID})
	r.touch(ctx, false)
}
