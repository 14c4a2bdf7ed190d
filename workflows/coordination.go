package workflows

import (
	"time"

	"go.temporal.io/sdk/workflow"
)

// Updates a territory's coordination sends to a stuck case. The API checks that the
// coordinator's territory is the case's; the workflow checks the role and the state.
const (
	UpdateSupervisorRemind   = "supervision.remind"
	UpdateSupervisorReassign = "supervision.reassign"
	UpdateSupervisorTakeBack = "supervision.take-back"

	// NotifySupervisorReminder asks the holding structure to act on a stuck case.
	NotifySupervisorReminder = "supervisor_reminder"
	// NotifyCaseTakenBack tells a structure that coordination gave it a case.
	NotifyCaseTakenBack = "case_taken_back"
)

// SupervisionInput is a coordinator's action on a stuck case. StructureID is the new
// target (reassign) or the new holder (take-back); StructureCEPOperator tells whether it
// gives CEP levels 2 and 3.
type SupervisionInput struct {
	Actor                Actor  `json:"actor"`
	StructureID          string `json:"structure_id,omitempty"`
	StructureCEPOperator bool   `json:"structure_cep_operator,omitempty"`
	Reason               string `json:"reason,omitempty"`
}

func (r *caseRun) registerCoordination(ctx workflow.Context) error {
	if err := handle(ctx, r, UpdateSupervisorRemind, r.checkRemind, r.applyRemind); err != nil {
		return err
	}
	if err := handle(ctx, r, UpdateSupervisorReassign, r.checkReassign, r.applyReassign); err != nil {
		return err
	}
	return handle(ctx, r, UpdateSupervisorTakeBack, r.checkTakeBack, r.applyTakeBack)
}

func (r *caseRun) coordinator(a Actor) error {
	if a.Role != "coordinator" {
		return refuse(r.c, RefusalForbidden, "", "only the territory's coordination may do this")
	}
	if r.c.Stage == StageClosed {
		return refuse(r.c, RefusalConflict, "", "the case is closed")
	}
	return nil
}

func (r *caseRun) checkRemind(in SupervisionInput) error { return r.coordinator(in.Actor) }

// applyRemind reminds the holder (or the target of a pending hand-off) to act. It is not
// activity on the case: the inactivity clock keeps running.
func (r *caseRun) applyRemind(ctx workflow.Context, in SupervisionInput) {
	to := r.c.StructureID
	if h := r.c.Handoff; h != nil && h.Status == HandoffPending {
		to = h.ToStructureID
	}
	seq := r.emit(ctx, in.Actor, "supervisor_reminded", map[string]any{"to_structure_id": to, "reason": in.Reason, "stage": r.c.Stage})
	r.notify(seq, NotifySupervisorReminder, to, "", "", map[string]any{"reason": in.Reason, "stage": r.c.Stage})
	r.touch(ctx, false)
}

func (r *caseRun) checkReassign(in SupervisionInput) error {
	return first(
		func() error { return r.coordinator(in.Actor) },
		func() error {
			if r.c.Handoff == nil || r.c.Handoff.Status != HandoffPending {
				return refuse(r.c, RefusalConflict, "", "the case has no pending hand-off to reassign")
			}
			return r.active(StageHandoff)
		},
		func() error {
			if in.StructureID == "" || in.StructureID == r.c.StructureID || in.StructureID == r.c.Handoff.ToStructureID {
				return refuse(r.c, RefusalInvalid, "to_structure_id", "reassign the hand-off to a structure other than its holder and its current target")
			}
			return nil
		},
	)
}

// applyReassign cancels the pending hand-off and sends a new one, with fresh deadlines,
// to the structure coordination chose. The timeline shows both, so indicators count a
// cancelled hand-off and a new one sent.
func (r *caseRun) applyReassign(ctx workflow.Context, in SupervisionInput) {
	old := r.decide(ctx, in.Actor, HandoffCancelled, "", "reassigned by coordination: "+in.Reason)
	seq := r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": old.ID, "to_structure_id": old.ToStructureID,
		"note": old.DecisionNote, "reassigned_to": in.StructureID})
	r.notify(seq, NotifyHandoffCancelled, old.ToStructureID, "", "", map[string]any{"handoff_id": old.ID})

	now := workflow.Now(ctx).UTC()
	due := now.Add(r.settings.HandoffExpireAfter)
	var remindAt *time.Time
	if remind := now.Add(r.settings.HandoffRemindAfter); remind.Before(due) {
		remindAt = &remind
	}
	h := &Handoff{
		ID: r.newID("handoff"), FromStructureID: r.c.StructureID, ToStructureID: in.StructureID, Status: HandoffPending,
		Reason: old.Reason, Note: in.Reason, FromStage: old.FromStage, RequestedBy: in.Actor.UserID, RequestedAt: now,
		RemindAt: remindAt, DueAt: due,
	}
	r.c.Handoff = h
	seq = r.emit(ctx, in.Actor, "handoff_requested", map[string]any{
		"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "reason": h.Reason, "note": h.Note, "due_at": h.DueAt,
		"from_stage": h.FromStage, "reassigned_from": old.ID,
	})
	r.notify(seq, NotifyHandoffRequested, h.ToStructureID, "", "", map[string]any{
		"handoff_id": h.ID, "from_structure_id": h.FromStructureID, "reason": h.Reason, "due_at": h.DueAt,
	})
	r.recordHandoff()
	r.touch(ctx, true)
}

func (r *caseRun) checkTakeBack(in SupervisionInput) error {
	return first(
		func() error { return r.coordinator(in.Actor) },
		func() error {
			if in.StructureID == "" {
				return refuse(r.c, RefusalInvalid, "structure_id", "name the structure that takes the case")
			}
			return nil
		},
	)
}

// applyTakeBack gives the case to the structure coordination chose: a pending hand-off
// is cancelled; a new holder starts at reception without a referent; the escalation is
// cleared and the inactivity clock restarts.
func (r *caseRun) applyTakeBack(ctx workflow.Context, in SupervisionInput) {
	from, fromStage := r.c.StructureID, r.c.Stage
	if h := r.c.Handoff; h != nil && h.Status == HandoffPending {
		old := r.decide(ctx, in.Actor, HandoffCancelled, "", "taken back by coordination: "+in.Reason)
		seq := r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": old.ID, "to_structure_id": old.ToStructureID, "note": old.DecisionNote})
		r.notify(seq, NotifyHandoffCancelled, old.ToStructureID, "", "", map[string]any{"handoff_id": old.ID})
		r.c.Stage = old.FromStage
	}
	if in.StructureID != from {
		r.c.StructureID = in.StructureID
		r.c.StructureCEPOperator = in.StructureCEPOperator
		r.c.Stage = StageReception
		r.c.ReferentAdviserID = ""
	}
	r.c.Escalated = false
	seq := r.emit(ctx, in.Actor, "case_taken_back", map[string]any{"from_structure_id": from, "to_structure_id": in.StructureID,
		"from_stage": fromStage, "stage": r.c.Stage, "reason": in.Reason})
	r.notify(seq, NotifyCaseTakenBack, in.StructureID, "", "", map[string]any{"from_structure_id": from, "reason": in.Reason})
	r.touch(ctx, true)
}
