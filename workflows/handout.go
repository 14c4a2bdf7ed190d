package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// The caller's projection (runs since version 2 of currentRun).
//
// An update used to answer once an activity had written its change: one workflow task
// to make the change, an activity task to write it, a second workflow task to answer.
// Now the update answers from its first workflow task with the batch of changes not yet
// written, and the caller (the API, in its service layer) writes that batch before it
// answers its own client, who reads their write as before. The caller's write comes
// after the server recorded the change, like an activity's; a local activity would
// write before, and a lost workflow task would leave a change the case never made.
//
// The caller may die between the server's answer and its write. So the workflow keeps
// what it handed out and writes it itself ProjectionConfirmAfter later, at
// continue-as-new and at the end: one write for a burst of changes rather than one per
// change. Notifications for a recipient without a webhook are delivered to the log by
// the write that first inserts them; those that wait for a webhook the caller names
// back (SignalDeliver), and the workflow's own write names them again. Every
// handed-out batch holds all that was not yet written by the workflow (Cumulative), so
// writers may finish in any order: the newest version written holds the older ones,
// which then write nothing.

// deadlineConfirm is the workflow's own write of what it handed to callers.
const deadlineConfirm = "projection_confirm"

// defaultConfirmAfter is ProjectionConfirmAfter when the settings leave it out.
const defaultConfirmAfter = time.Minute

// answer is what an update that changed the case answers.
func (r *caseRun) answer(ctx workflow.Context) (UpdateResult, error) {
	if r.callerWrites {
		return r.handOut(ctx), nil
	}
	c, err := r.flush(ctx)
	return UpdateResult{Case: c}, err
}

// answerSeen is what a retried update answers: the case as it stands and, since the
// caller's projection, what is still to write (the first answer's writer may have died).
func (r *caseRun) answerSeen(ctx workflow.Context) UpdateResult {
	if r.callerWrites {
		return r.handOut(ctx)
	}
	return UpdateResult{Case: r.snapshot()}
}

// handOut is the answer of runs since the caller's projection: the case as it is now
// and the cumulative batch for the caller to write.
//
// The search attributes follow the workflow's own writes, not each answer: a burst of
// changes makes one upsert, that is one visibility write on the server, and they show
// the case at most ProjectionConfirmAfter late.
func (r *caseRun) handOut(ctx workflow.Context) UpdateResult {
	snap := r.snapshot()
	r.stampNotifications(snap.UpdatedAt)
	r.confirmBy(ctx)
	b := r.pending.Since(BatchSize{})
	b.Case, b.Cumulative = snap, true
	// The previous answer's batch held the first items: a writer that finds the row
	// at its version writes only the rest. Reset at each of the workflow's own writes,
	// which shorten the batch.
	if r.handed != nil {
		b.Written = &Written{Base: r.handed.Base, Prefix: r.handed.Prefix}
	}
	r.handed = &Written{Base: snap.Version, Prefix: r.pending.size()}
	return UpdateResult{Case: snap, Batch: &b}
}

// confirmBy sets when the workflow writes what it hands out: ProjectionConfirmAfter
// from the first change it has not written. A later change keeps that time, so a burst
// of changes makes one write.
func (r *caseRun) confirmBy(ctx workflow.Context) {
	if r.pending.empty() && r.c.Version <= r.projectedVersion {
		return
	}
	now := workflow.Now(ctx)
	after := r.settings.ProjectionConfirmAfter
	if after <= 0 {
		after = defaultConfirmAfter
	}
	at := now.Add(after)
	if r.confirmAt == nil || at.Before(*r.confirmAt) {
		r.confirmAt = &at
	}
}

// stampNotifications dates the notifications not dated yet, once: every batch that
// carries one then carries the same row.
func (r *caseRun) stampNotifications(at time.Time) {
	for i := range r.pending.Notifications {
		if r.pending.Notifications[i].At.IsZero() {
			r.pending.Notifications[i].At = at
		}
	}
}

// flushCumulative is flushNow since the caller's projection: the workflow writes, as an
// activity, everything not yet written by itself, handed out or not, and keeps what
// changed meanwhile (the next write has it). A batch that fails goes to the failed
// batches as before, and is then written the old way: newer batches do not hold it.
func (r *caseRun) flushCumulative(ctx workflow.Context) Case {
	outage := len(r.unprojected) > 0 && r.reproject(ctx)
	snap := r.snapshot()
	r.stampNotifications(snap.UpdatedAt)
	n := r.pending.size()
	p := r.pending.Since(BatchSize{})
	p.Case, p.Cumulative, p.FollowUp = snap, true, r.followUp
	r.followUp = nil // with p, kept among the failed batches if it fails
	done := func() {
		// What changed while the write ran is due a full delay from now.
		r.pending = r.pending.Since(n)
		r.handed = nil
		r.confirmAt = nil
		if !r.pending.empty() || r.c.Version != snap.Version {
			r.confirmBy(ctx)
		}
	}
	if outage {
		p.Cumulative = false
		r.unprojected = append(r.unprojected, p)
		done()
		snap.ProjectionFailedAt = r.c.ProjectionFailedAt
		return snap
	}
	if err := r.project(ctx, p); err != nil {
		p.Cumulative = false
		r.projectionFailed(ctx, p, err)
		done()
		snap.ProjectionFailedAt = r.c.ProjectionFailedAt
		return snap
	}
	r.projectedVersion = snap.Version
	done()
	r.upsertSearchAttributes(ctx, &snap)
	return snap
}

// DeliverSignal names notifications a caller wrote that wait for a webhook.
type DeliverSignal struct {
	IDs []string `json:"ids"`
}

// receiveDeliverAsks queues for delivery what callers wrote for a webhook, once each:
// the workflow's own write of the same batch names them again (see project).
func (r *caseRun) receiveDeliverAsks() {
	var s DeliverSignal
	for r.deliverAsks.ReceiveAsync(&s) {
		for _, id := range s.IDs {
			if r.asked == nil {
				r.asked = map[string]bool{}
			}
			if !r.asked[id] {
				r.asked[id] = true
				r.undelivered = append(r.undelivered, id)
			}
		}
	}
}

// askedAlready drops from a projection's webhooks those a caller asked for already,
// and forgets the asks of the batch: no later batch holds those notifications.
func (r *caseRun) askedAlready(p Projection, webhooks []string) []string {
	if len(r.asked) == 0 {
		return webhooks
	}
	out := slices.DeleteFunc(slices.Clone(webhooks), func(id string) bool { return r.asked[id] })
	for _, n := range p.Notifications {
		delete(r.asked, n.ID)
	}
	return out
}
