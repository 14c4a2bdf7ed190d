package workflows

import (
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// receiveFundingChanges applies what the requests reported; a refusal or a partial grant
// recomputes the plan, which may raise the shortfall alert.
func (r *caseRun) receiveFundingChanges(ctx workflow.Context) error {
	var ch FundingChange
	changed := false
	recompute := false
	// Reports may reach the case after it withdrew the request (see agree). Cases that
	// received reports before this change replay taking each as it came.
	agree := r.fundingChanges.Len() > 0 && r.has(ctx, "funding-views-agree")
	for r.fundingChanges.ReceiveAsync(&ch) {
		i := r.fundingIndex(ch.RequestID)
		if i < 0 {
			continue
		}
		if agree && !r.agree(ch, r.c.FundingRequests[i]) {
			continue
		}
		changed = true
		r.c.FundingRequests = slices.Clone(r.c.FundingRequests)
		ref := &r.c.FundingRequests[i]
		ref.Status = ch.Status
		if ch.AmountGranted != nil {
			g := *ch.AmountGranted
			ref.AmountGranted = &g
		}
		if ch.Reason != "" {
			ref.Reason = ch.Reason
		}
		by := Actor{UserID: systemActor, Role: systemActor, StructureID: r.c.StructureID}
		if ch.Actor != nil {
			by = *ch.Actor // the adviser who entered the funder's step
		}
		seq := r.emit(ctx, by, "funding_"+ch.Event, map[string]any{"request_id": ch.RequestID, "funder": ref.Funder,
			"status": ch.Status, "amount_granted_eur": ch.AmountGranted, "reason": ch.Reason, "label": ch.Label, "date": ch.Date})
		switch ch.Event {
		case "decided", "deadline_reminder", "deadline_passed", "deadline_late", "employer_silence", "employer_answer_due", "answer_overdue":
			r.notify(seq, NotifyFunding, r.c.StructureID, "", "", map[string]any{"request_id": ch.RequestID,
				"funder": ref.Funder, "event": ch.Event, "status": ch.Status, "label": ch.Label, "date": ch.Date})
		}
		if ch.Status == FundingRefused || ch.Status == FundingPartiallyGranted {
			recompute = true
		}
		r.touch(ctx, false)
	}
	if recompute && r.c.Stage != StageClosed && r.c.Financing != nil {
		if err := r.computeFinancing(ctx, Actor{UserID: systemActor, Role: systemActor, StructureID: r.c.StructureID}, "funding_decision"); err != nil {
			// The decision is recorded; the adviser can recompute the plan. A failed
			// computation must not fail the case.
			workflow.GetLogger(ctx).Error("financing plan not recomputed after a decision", "error", err)
		}
	}
	if changed {
		_, err := r.flush(ctx)
		return err
	}
	return nil
}

// agree tells whether a request's report changes the case's view of it. The request
// is the authority: a decision it made before it learnt of a withdrawal stands (the
// case, which counted the request withdrawn, takes the decision), while a report of an
// open status that crossed the withdrawal is stale and never reopens the request. A
// confirmation of what the case already shows changes nothing. Either way the case
// stops waiting for the request's answer.
func (r *caseRun) agree(ch FundingChange, ref FundingRef) bool {
	if ch.Event == "withdrawn_confirmed" || !FundingOpen(ch.Status) {
		delete(r.awaitingFunding, ch.RequestID)
	}
	if !FundingOpen(ref.Status) && FundingOpen(ch.Status) {
		return false
	}
	return ch.Status != ref.Status || (ch.Event != "withdrawn_confirmed" && ch.Event != "decided")
}

// awaitFundingAnswers waits, before the case ends, for the requests its closure
// withdrew to answer (a decision made meanwhile stands), for at most a minute: a request
// that does not answer keeps its own status. Cases closed before this change replay
// without the wait.
func (r *caseRun) awaitFundingAnswers(ctx workflow.Context) error {
	if len(r.awaitingFunding) == 0 || !r.has(ctx, "await-funding-answers") {
		return nil
	}
	until := workflow.Now(ctx).Add(time.Minute)
	for len(r.awaitingFunding) > 0 {
		wait := until.Sub(workflow.Now(ctx))
		if wait <= 0 {
			return nil
		}
		got, err := r.awaitDeadline(ctx, wait, func() bool { return r.fundingChanges.Len() > 0 })
		if err != nil || !got {
			return err
		}
		if err := r.receiveFundingChanges(ctx); err != nil {
			return err
		}
	}
	return nil
}
