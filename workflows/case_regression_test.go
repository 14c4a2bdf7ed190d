package workflows

import (
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"
)

// Regression tests for bugs found in the workflow code, now fixed.

// Was: when continue-as-new is due
// (shouldContinueAsNew) while an update handler is still running (e.g. waiting for its
// ProjectCase activity), the loop never blocks: the CAN branch is skipped because
// AllHandlersFinished is false, and woken() is immediately true because it includes
// shouldContinueAsNew, so workflow.Await / AwaitWithTimeout return at once (creating a new
// timer each time on the AwaitWithTimeout path). The workflow task never completes: with
// the SDK's CancelAwaitTimerOnCondition flag the root coroutine never yields (deadlock
// detector panic, task retried forever); without it, ExecuteUntilAllBlocked spins forever
// (here: the test environment hangs). Fixed: only wake for continue-as-new when it can be
// acted on, e.g. woken = version changed || contacts waiting ||
// (shouldContinueAsNew && AllHandlersFinished), and re-check AllHandlersFinished after
// drainDeliveries before returning the ContinueAsNewError.
func TestContinueAsNewWaitsForRunningUpdate(t *testing.T) {
	settings := testSettings
	settings.HistoryEventsLimit = 60
	ct := newCaseTest(t)
	upd := &outcome{label: "project.set(p1)", name: UpdateSetProject, id: "p1", sent: true}
	ct.at(time.Hour, func() {
		ct.env.UpdateWorkflow(UpdateSetProject, "p1", &testsuite.TestUpdateCallback{
			OnAccept: func() {
				upd.accepted = true
				// The history reaches the limit while the handler runs (it is about to
				// project its change): the workflow must let it finish, then continue
				// as new.
				ct.env.SetCurrentHistoryLength(60)
			},
			OnReject:   func(err error) { upd.rejected, upd.err = true, err },
			OnComplete: func(v any, err error) { upd.completed, upd.err = true, err },
		}, SetProjectInput{Actor: pe, Project: building})
	})
	in := openInput()
	in.Settings = settings
	done := make(chan struct{})
	go func() {
		defer close(done)
		ct.env.ExecuteWorkflow(CaseWorkflowName, in)
	}()
	select {
	case <-done:
	case <-time.After(5 * time.Second):
		// The environment's goroutine is left spinning; the process ends with the test run.
		t.Fatalf("workflow still running after 5s of wall time: the run loop is spinning")
	}
	wantOK(t, upd)
	next := continuedInput(t, ct.env.GetWorkflowError())
	if next.State == nil || next.State.Project == nil || countOf(next.State.Requests, "p1") != 1 {
		t.Errorf("carried state %+v", next.State)
	}
}

// Was (fireDeadline "handoff_expiry", with deadlines()
// 190-196): the inactivity clock does not run during a hand-off (deadlines() skips it in
// StageHandoff) but LastActivityAt is left at the request time, and the expiry only calls
// touch(ctx, false). When the case comes back from an expired hand-off, the inactivity
// deadline (request + InactivityRemindAfter) is therefore already due (with the default
// settings it is exactly the expiry instant), and an inactivity_reminder is sent to the
// holder in the same instant as the handoff_expired notifications, for a period during
// which the case was waiting on the other structure. Fixed: restart the inactivity clock
// when a hand-off ends by expiry, e.g. set c.InactivityRemindedAt = &now (keeping
// LastActivityAt as the last human activity), or count the inactivity from the later of
// LastActivityAt and the hand-off's DecidedAt.
func TestNoInactivityReminderRightAfterHandoffExpiry(t *testing.T) {
	ct := newCaseTest(t)
	ct.update(time.Hour, UpdateRequestHandoff, "req", requestTo(pe, sCap))
	ct.update(time.Hour+30*day+time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	for _, e := range ct.eventsOfType("inactivity_reminded") {
		t.Errorf("inactivity reminder at request%+v (last activity %v), right after the hand-off expired",
			e.At.Sub(t0.Add(time.Hour)), e.Details["last_activity_at"])
	}
}
