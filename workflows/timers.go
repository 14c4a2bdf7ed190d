package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// The deadline timer of the case loop: how a wait for the next deadline starts, ends
// and is cancelled, in each version of the workflow.

// awaitDeadline waits until cond holds or the deadline passes, and tells which. The
// timer of a wait that ends early is cancelled: AwaitWithTimeout would leave it on the
// server, to fire later for nothing, one per wake-up. Runs that waited before this change
// replay AwaitWithTimeout.
func (r *caseRun) awaitDeadline(ctx workflow.Context, wait time.Duration, cond func() bool) (bool, error) {
	if !r.has(ctx, "cancel-deadline-timers") {
		return workflow.AwaitWithTimeout(ctx, wait, cond)
	}
	if cond() {
		return true, nil
	}
	tctx, cancel := workflow.WithCancel(ctx)
	defer cancel()
	timer := workflow.NewTimer(tctx, wait)
	if err := workflow.Await(ctx, func() bool { return timer.IsReady() || cond() }); err != nil {
		return false, err
	}
	return !timer.IsReady(), nil
}

// sleepUntil waits until cond holds or the timer for next fires; the caller then looks
// at the deadlines again. The timer outlives the wait: a change that moves the deadline
// later (every human action moves the inactivity reminder) keeps it, and when it fires
// early the next wait arms one for the rest. Only a deadline that moves earlier than
// the timer replaces it. Runs since currentRun wait so; older ones replay awaitDeadline,
// which cancels and starts a timer at each change.
func (r *caseRun) sleepUntil(ctx workflow.Context, next time.Time, cond func() bool) error {
	if cond() {
		return nil
	}
	if r.timer != nil && (r.timer.IsReady() || r.timerAt.After(next)) {
		r.stopTimer()
	}
	if r.timer == nil {
		tctx, cancel := workflow.WithCancel(ctx)
		r.timer, r.timerAt, r.cancelTimer = workflow.NewTimer(tctx, next.Sub(workflow.Now(ctx))), next, cancel
	}
	timer := r.timer
	err := workflow.Await(ctx, func() bool { return timer.IsReady() || cond() })
	if timer.IsReady() && r.timer == timer {
		r.timer = nil
	}
	return err
}

// stopTimer cancels the deadline timer, if one runs: nothing is due any more.
func (r *caseRun) stopTimer() {
	if r.timer != nil {
		r.cancelTimer()
		r.timer = nil
	}
}
