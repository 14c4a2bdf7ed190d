package workflows

import "go.temporal.io/sdk/workflow"

// currentRun is the change that gathers every earlier change of the case workflow. A run
// started since it records this one version marker and takes every change listed in
// has as made, where older runs record one marker per change as they meet it. Each
// marker also costs a search-attribute upsert (the SDK's TemporalChangeVersion), that
// is, a visibility write on the server: one per run instead of up to fifteen.
//
// Its version 1 also brings the batching flusher (caseRun.flush), the kept deadline
// timer (sleepUntil), deliveries only for webhooks, and the opening search attributes
// taken as set (searchedAtStart). Its version 2 brings the caller's projection
// (callerWrites): still one marker per run.
const currentRun = "case-run-2026-11"

// startVersions reads the run's version once, at its start, where every replay meets it.
func (r *caseRun) startVersions(ctx workflow.Context) {
	v := workflow.GetVersion(ctx, currentRun, workflow.DefaultVersion, 2)
	r.current = v >= 1
	r.callerWrites = v >= 2
}

// has tells whether this run has the change changeID (its version 1). Runs started
// before currentRun ask the history, as they always did; later runs have them all.
// A change made after currentRun calls workflow.GetVersion itself.
func (r *caseRun) has(ctx workflow.Context, changeID string) bool {
	if r.current {
		return true
	}
	return workflow.GetVersion(ctx, changeID, workflow.DefaultVersion, 1) >= 1
}
