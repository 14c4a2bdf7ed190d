package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// The person's rights on an open case (GDPR arts. 16, 7(3) and 17, Regulation (EU)
// 2016/679 of 27 April 2016): rectification, consent changes and erasure reach the case
// workflow as updates, so that they are ordered with every other change and the
// workflow's own state (carried across continue-as-new) follows them. They are new
// handlers: histories recorded before them never call them, so no version marker is
// needed.
const (
	UpdateRectify = "beneficiary.rectify"
	UpdateConsent = "consent.set"
	UpdateErase   = "erase"

	// OutcomeErased is the outcome of a case erased while open.
	OutcomeErased = "erased"
	// ErasureRetention is the reason recorded for erasures by the retention workflow.
	ErasureRetention = "retention"
)

// RectifyInput tells the workflow which of the person's fields changed; their values
// stay in the database. The case keeps the categories recorded at reception (public,
// gender, age band): indicators describe the people as they were received.
type RectifyInput struct {
	Actor  Actor    `json:"actor"`
	Fields []string `json:"fields"`
}

// ConsentInput records the person's consent to sharing their data, given or withdrawn.
type ConsentInput struct {
	Actor       Actor  `json:"actor"`
	DataSharing bool   `json:"data_sharing"`
	Note        string `json:"note,omitempty"`
}

// EraseInput ends the case and wipes its personal data.
type EraseInput struct {
	Actor  Actor  `json:"actor"`
	Reason string `json:"reason"`
}

func (r *caseRun) registerRights(ctx workflow.Context) error {
	if err := handle(ctx, r, UpdateRectify, r.checkRectify, r.applyRectify); err != nil {
		return err
	}
	if err := handle(ctx, r, UpdateConsent, r.checkConsent, r.applyConsent); err != nil {
		return err
	}
	return handle(ctx, r, UpdateErase, r.checkErase, r.applyErase)
}

// holderOrCoordination admits the holding structure and the territory's coordination
// (the service checks the coordinator's territory).
func (r *caseRun) holderOrCoordination(a Actor) error {
	if a.Role == "coordinator" {
		return nil
	}
	return r.holder(a)
}

func (r *caseRun) notClosed() error {
	if r.c.Stage == StageClosed {
		return refuse(r.c, RefusalConflict, "", "the case is closed")
	}
	return nil
}

func (r *caseRun) checkRectify(in RectifyInput) error {
	return first(func() error { return r.holderOrCoordination(in.Actor) }, r.notClosed)
}

func (r *caseRun) applyRectify(ctx workflow.Context, in RectifyInput) {
	r.emit(ctx, in.Actor, "beneficiary_rectified", map[string]any{"fields": slices.Clone(in.Fields)})
	r.touch(ctx, true)
}

func (r *caseRun) checkConsent(in ConsentInput) error {
	return first(func() error { return r.holderOrCoordination(in.Actor) }, r.notClosed)
}

// applyConsent records the change. A withdrawal cancels the pending hand-off (the
// target's access ends with it); from then on the no-consent rules apply (no new
// hand-off: checkRequestHandoff, reassign).
func (r *caseRun) applyConsent(ctx workflow.Context, in ConsentInput) {
	r.c.ConsentDataSharing = in.DataSharing
	seq := r.emit(ctx, in.Actor, "consent_changed", map[string]any{"data_sharing": in.DataSharing, "note": in.Note})
	if !in.DataSharing && r.c.Handoff != nil {
		h := r.decide(ctx, in.Actor, HandoffCancelled, "", "consent withdrawn")
		r.c.Stage = h.FromStage
		seq = r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "consent_withdrawn": true})
		r.notify(seq, NotifyHandoffCancelled, h.ToStructureID, "", "", map[string]any{"handoff_id": h.ID})
	}
	r.touch(ctx, true)
}

func (r *caseRun) checkErase(in EraseInput) error {
	if in.Actor.Role != "coordinator" && in.Actor.Role != "admin" && in.Actor.Role != systemActor {
		return refuse(r.c, RefusalForbidden, "", "only the territory's coordination or an administrator may erase a case")
	}
	if r.c.ErasedAt != nil {
		return refuse(r.c, RefusalConflict, "", "the case is already erased")
	}
	return nil
}

// applyErase ends the case (a pending hand-off cancelled, open funding requests
// withdrawn) and wipes the personal data the workflow holds, in its state, in the
// batches not yet projected and in the notifications not yet delivered. The projection
// of this change erases the database's copy (activities: ProjectCase).
func (r *caseRun) applyErase(ctx workflow.Context, in EraseInput) {
	now := workflow.Now(ctx).UTC()
	from := r.c.Stage
	if r.c.Handoff != nil {
		h := r.decide(ctx, in.Actor, HandoffCancelled, "", "")
		seq := r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID})
		r.notify(seq, NotifyHandoffCancelled, h.ToStructureID, "", "", map[string]any{"handoff_id": h.ID})
	}
	if r.c.Stage != StageClosed {
		r.closeCase(ctx, OutcomeErased, "")
	}
	r.c.ErasedAt = &now
	r.c.ErasureReason = in.Reason
	r.c.Scrub()
	for i := range r.pending.Events {
		ScrubDetails(r.pending.Events[i].Details)
	}
	for i := range r.pending.Handoffs {
		r.pending.Handoffs[i].Scrub()
	}
	for i := range r.pending.Sessions {
		r.pending.Sessions[i].Summary = ""
	}
	if pr := r.pending.PlanRevision; pr != nil {
		for i := range pr.Actions {
			pr.Actions[i].Scrub()
		}
	}
	for _, pr := range r.pending.PlanRevisions {
		for i := range pr.Actions {
			pr.Actions[i].Scrub()
		}
	}
	for i := range r.pending.Notifications {
		r.pending.Notifications[i].Payload = map[string]any{"case_id": r.c.ID}
	}
	// Batches kept from a database outage carry personal data: the erasure supersedes
	// them (the database's copy is erased whole).
	r.unprojected = nil
	r.emit(ctx, in.Actor, "erased", map[string]any{"from_stage": from, "retention": in.Reason == ErasureRetention})
	r.touch(ctx, false)
}

// FreeTextKeys are the timeline details that hold free text (notes, reasons, titles,
// the occupation aimed at): an erasure removes them; codes, IDs, dates and amounts stay.
var FreeTextKeys = []string{"note", "reason", "title", "provider", "summary", "target_occupation", "decision_note", "close_note", "pause_reason", "competences"}

// ScrubDetails removes the free text of a timeline event's details.
func ScrubDetails(d map[string]any) {
	for _, k := range FreeTextKeys {
		delete(d, k)
	}
}

// Scrub removes the free text of a hand-off; structures, statuses and dates stay.
func (h *Handoff) Scrub() { h.Reason, h.Note, h.DecisionNote = "", "", "" }

// Scrub removes the free text of an action; its type, dates, hours, cost and status stay.
func (a *Action) Scrub() { a.Title, a.Provider, a.Notes = "", "", nil }

// Scrub removes every personal datum the case state holds: free texts, the project's
// occupation and competences, the actions' texts, the situation (employment, OETH,
// CPF balance), funders' reasons. Codes, dates, structures, stages and amounts stay.
func (c *Case) Scrub() {
	c.PauseReason, c.CloseNote = "", ""
	if c.Handoff != nil {
		h := *c.Handoff
		h.Scrub()
		c.Handoff = &h
	}
	if c.Project != nil {
		p := *c.Project
		p.TargetOccupation, p.Competences = "", nil
		c.Project = &p
	}
	actions := make([]Action, len(c.Actions))
	for i, a := range c.Actions {
		a.Scrub()
		actions[i] = a
	}
	c.Actions = actions
	c.Situation = nil
	refs := slices.Clone(c.FundingRequests)
	for i := range refs {
		refs[i].Reason = ""
	}
	c.FundingRequests = refs
	c.Requests = nil
}
