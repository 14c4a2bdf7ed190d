package workflows

import (
	"errors"
	"slices"
	"time"

	"go.temporal.io/sdk/workflow"
)

// Vocabularies the workflow checks; the API validates the same lists on input.
var (
	// DeclineReasons is the catalogue of reasons a structure may give to decline.
	DeclineReasons = []string{"not_in_remit", "no_capacity", "already_followed", "person_unreachable", "person_declined", "other"}
	// CloseOutcomes are the outcomes a case may close with.
	CloseOutcomes = []string{"job", "training", "vae", "business_creation", "information_given", "redirected", "abandoned", "other"}
	// OutcomeWithdrawn is recorded when the person withdraws.
	OutcomeWithdrawn = "withdrawn"
)

var openStages = []string{StageReception, StageCounselling, StageImplementation, StageAccueil, StageAccompagnement}

// planStages hold the action plan and its financing: level 3 of the 2014 model, the
// accompagnement personnalisé of the 2019 model.
var planStages = []string{StageImplementation, StageAccompagnement}

func (r *caseRun) registerHandlers(ctx workflow.Context) error {
	if err := workflow.SetQueryHandler(ctx, QueryState, func() (Case, error) { return r.snapshot(), nil }); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandler(ctx, UpdateOpen, func(ctx workflow.Context) (UpdateResult, error) {
		if err := workflow.Await(ctx, func() bool { return r.opened }); err != nil {
			return UpdateResult{}, err
		}
		// The opening is the API's to write, like any change since the caller's
		// projection; older runs wrote it before answering.
		return r.answerSeen(ctx), nil
	}); err != nil {
		return err
	}
	return errors.Join(
		handle(ctx, r, UpdateReproject, func(ReprojectInput) error { return nil }, r.applyReproject),
		handle(ctx, r, UpdateRequestHandoff, r.checkRequestHandoff, r.applyRequestHandoff),
		handle(ctx, r, UpdateAcceptHandoff, r.checkTargetDecision, r.applyAcceptHandoff),
		handle(ctx, r, UpdateDeclineHandoff, r.checkDecline, r.applyDeclineHandoff),
		handle(ctx, r, UpdateCancelHandoff, r.checkCancel, r.applyCancelHandoff),
		handle(ctx, r, UpdateStartCounselling, r.checkStartCounselling, r.applyStartCounselling),
		handle(ctx, r, UpdateAddSession, r.checkAddSession, r.applyAddSession),
		handle(ctx, r, UpdateChangeSession, r.checkChangeSession, r.applyChangeSession),
		handle(ctx, r, UpdateRemoveSession, r.checkRemoveSession, r.applyRemoveSession),
		handle(ctx, r, UpdateSetProject, r.checkSetProject, r.applySetProject),
		handle(ctx, r, UpdateStartImplementation, r.checkStartImplementation, r.applyStartImplementation),
		handle(ctx, r, UpdateStartLevel, r.checkStartLevel, r.applyStartLevel),
		handle(ctx, r, UpdateAddAction, r.checkAddAction, r.applyAddAction),
		handle(ctx, r, UpdateChangeAction, r.checkChangeAction, r.applyChangeAction),
		handle(ctx, r, UpdateRemoveAction, r.checkChangeAction, r.applyRemoveAction),
		handle(ctx, r, UpdatePause, r.checkPause, r.applyPause),
		handle(ctx, r, UpdateResume, r.checkResume, r.applyResume),
		handle(ctx, r, UpdateWithdraw, r.checkWithdraw, r.applyWithdraw),
		handle(ctx, r, UpdateClose, r.checkClose, r.applyClose),
		r.registerCoordination(ctx),
		r.registerFinancingHandlers(ctx),
		r.registerRights(ctx),
	)
}

// --- shared checks ---

// holder refuses an actor outside the holding structure.
func (r *caseRun) holder(a Actor) error {
	if a.StructureID == "" || a.StructureID != r.c.StructureID {
		return refuse(r.c, RefusalForbidden, "", "only users of the holding structure %s may do this", r.c.StructureID)
	}
	return nil
}

// active refuses closed or paused cases and stages outside allowed.
func (r *caseRun) active(allowed ...string) error {
	if r.c.Stage == StageClosed {
		return refuse(r.c, RefusalConflict, "", "the case is closed")
	}
	if r.c.Paused {
		return refuse(r.c, RefusalConflict, "", "the case is paused: resume it first")
	}
	if len(allowed) > 0 && !slices.Contains(allowed, r.c.Stage) {
		return refuse(r.c, RefusalConflict, "", "not allowed while the case is in stage %s", r.c.Stage)
	}
	return nil
}

func (r *caseRun) cepOperator(a Actor) error {
	if !r.c.StructureCEPOperator || !a.StructureCEPOperator {
		return refuse(r.c, RefusalForbidden, "", "CEP levels 2 and 3 are given only by CEP operators; %s is not one", r.c.StructureID)
	}
	return nil
}

func first(errs ...func() error) error {
	for _, f := range errs {
		if err := f(); err != nil {
			return err
		}
	}
	return nil
}

// --- hand-offs ---

func (r *caseRun) checkRequestHandoff(in RequestHandoffInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(openStages...) },
		func() error {
			if !r.c.ConsentDataSharing {
				return refuse(r.c, RefusalConflict, "consent.data_sharing", "the person has not consented to sharing their data: no hand-off without consent")
			}
			if in.ToStructureID == "" || in.ToStructureID == r.c.StructureID {
				return refuse(r.c, RefusalInvalid, "to_structure_id", "a hand-off goes to another structure")
			}
			return nil
		},
	)
}

func (r *caseRun) applyRequestHandoff(ctx workflow.Context, in RequestHandoffInput) {
	now := workflow.Now(ctx).UTC()
	due := now.Add(r.settings.HandoffExpireAfter)
	var remindAt *time.Time
	if remind := now.Add(r.settings.HandoffRemindAfter); remind.Before(due) {
		remindAt = &remind
	}
	id := in.HandoffID
	if id == "" {
		id = r.newID("handoff")
	}
	h := &Handoff{
		ID: id, FromStructureID: r.c.StructureID, ToStructureID: in.ToStructureID,
		Status: HandoffPending, Reason: in.Reason, Note: in.Note, FromStage: r.c.Stage,
		RequestedBy: in.Actor.UserID, RequestedAt: now, RemindAt: remindAt, DueAt: due,
	}
	r.c.Handoff = h
	r.c.Stage = StageHandoff
	seq := r.emit(ctx, in.Actor, "handoff_requested", map[string]any{
		"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "reason": h.Reason, "note": h.Note, "due_at": h.DueAt, "from_stage": h.FromStage,
	})
	r.notify(seq, NotifyHandoffRequested, h.ToStructureID, "", "", map[string]any{
		"handoff_id": h.ID, "from_structure_id": h.FromStructureID, "reason": h.Reason, "due_at": h.DueAt,
	})
	r.recordHandoff()
	r.touch(ctx, true)
}

func (r *caseRun) pendingHandoff(id string) error {
	h := r.c.Handoff
	if h == nil || h.ID != id {
		return refuse(r.c, RefusalNotFound, "", "no pending hand-off %s on this case", id)
	}
	return nil
}

func (r *caseRun) checkTargetDecision(in DecideHandoffInput) error {
	return first(
		func() error { return r.pendingHandoff(in.HandoffID) },
		func() error { return r.active(StageHandoff) },
		func() error {
			if in.Actor.StructureID != r.c.Handoff.ToStructureID {
				return refuse(r.c, RefusalForbidden, "", "only users of %s may answer this hand-off", r.c.Handoff.ToStructureID)
			}
			return nil
		},
	)
}

func (r *caseRun) checkDecline(in DecideHandoffInput) error {
	if err := r.checkTargetDecision(in); err != nil {
		return err
	}
	if !slices.Contains(DeclineReasons, in.ReasonCode) {
		return refuse(r.c, RefusalInvalid, "reason_code", "reason_code must be one of %v", DeclineReasons)
	}
	return nil
}

func (r *caseRun) decide(ctx workflow.Context, a Actor, status, reason, note string) *Handoff {
	now := workflow.Now(ctx).UTC()
	h := r.c.Handoff
	h.Status, h.DecidedBy, h.DecidedAt, h.RemindAt = status, a.UserID, &now, nil
	h.DeclineReason, h.DecisionNote = reason, note
	r.recordHandoff()
	r.c.Handoff = nil
	return h
}

func (r *caseRun) applyAcceptHandoff(ctx workflow.Context, in DecideHandoffInput) {
	h := r.decide(ctx, in.Actor, HandoffAccepted, "", in.Note)
	r.c.StructureID = h.ToStructureID
	r.c.StructureCEPOperator = in.TargetCEPOperator
	r.c.Stage = StageReception
	r.c.ReferentAdviserID = ""
	r.c.Escalated = false
	seq := r.emit(ctx, in.Actor, "handoff_accepted", map[string]any{"handoff_id": h.ID, "from_structure_id": h.FromStructureID, "note": in.Note})
	r.notify(seq, NotifyHandoffAccepted, h.FromStructureID, "", "", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID})
	r.touch(ctx, true)
}

func (r *caseRun) applyDeclineHandoff(ctx workflow.Context, in DecideHandoffInput) {
	h := r.decide(ctx, in.Actor, HandoffDeclined, in.ReasonCode, in.Note)
	r.c.Stage = h.FromStage
	seq := r.emit(ctx, in.Actor, "handoff_declined", map[string]any{
		"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "reason_code": in.ReasonCode, "note": in.Note, "returned_to_stage": h.FromStage,
	})
	r.notify(seq, NotifyHandoffDeclined, h.FromStructureID, "", "", map[string]any{
		"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "reason_code": in.ReasonCode, "note": in.Note,
	})
	r.touch(ctx, true)
}

func (r *caseRun) checkCancel(in DecideHandoffInput) error {
	return first(
		func() error { return r.pendingHandoff(in.HandoffID) },
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(StageHandoff) },
	)
}

func (r *caseRun) applyCancelHandoff(ctx workflow.Context, in DecideHandoffInput) {
	h := r.decide(ctx, in.Actor, HandoffCancelled, "", in.Note)
	r.c.Stage = h.FromStage
	seq := r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "note": in.Note})
	r.notify(seq, NotifyHandoffCancelled, h.ToStructureID, "", "", map[string]any{"handoff_id": h.ID})
	r.touch(ctx, true)
}

// --- levels 2 and 3 ---

func (r *caseRun) checkStartCounselling(in StartCounsellingInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error {
			return r.modelOnly(CEPModel2014, "counselling (level 2 of 2014)", "enter a level (accueil_individualise or accompagnement_personnalise)")
		},
		func() error { return r.active(StageReception, StageImplementation) },
		func() error { return r.cepOperator(in.Actor) },
		func() error {
			if in.AdviserID == "" {
				return refuse(r.c, RefusalInvalid, "adviser_id", "a referent adviser is required")
			}
			return nil
		},
	)
}

func (r *caseRun) applyStartCounselling(ctx workflow.Context, in StartCounsellingInput) {
	from := r.c.Stage
	r.c.Stage = StageCounselling
	r.c.ReferentAdviserID = in.AdviserID
	r.emit(ctx, in.Actor, "counselling_started", map[string]any{"referent_adviser_id": in.AdviserID, "from_stage": from})
	r.enterLevel(ctx, from)
	r.touch(ctx, true)
}

func (r *caseRun) checkAddSession(in AddSessionInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error {
			return r.active(StageCounselling, StageImplementation, StageAccueil, StageAccompagnement)
		},
	)
}

func (r *caseRun) applyAddSession(ctx workflow.Context, in AddSessionInput) {
	s := in.Session
	if s.ID == "" {
		s.ID = r.newID("session")
	}
	s.Stage = r.c.Stage
	if s.AdviserID == "" {
		s.AdviserID = in.Actor.UserID
	}
	r.c.Sessions++
	r.pending.Sessions = append(r.pending.Sessions, s)
	r.emit(ctx, in.Actor, "session_recorded", map[string]any{
		"session_id": s.ID, "date": s.Date, "duration_minutes": s.DurationMinutes, "mode": s.Mode,
	})
	r.touch(ctx, true)
}

func (r *caseRun) checkSetProject(in SetProjectInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(openStages...) },
	)
}

func (r *caseRun) applySetProject(ctx workflow.Context, in SetProjectInput) {
	p := in.Project
	p.Competences = slices.Clone(p.Competences)
	p.UpdatedAt = workflow.Now(ctx).UTC()
	p.UpdatedBy = in.Actor.UserID
	revised := r.c.Project != nil
	r.c.Project = &p
	r.emit(ctx, in.Actor, "project_set", map[string]any{
		"target_occupation": p.TargetOccupation, "rome_code": p.RomeCode, "maturity": p.Maturity, "autonomy": p.Autonomy, "revised": revised,
	})
	r.touch(ctx, true)
}

func (r *caseRun) checkStartImplementation(in ReasonInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error {
			return r.modelOnly(CEPModel2014, "implementation (level 3 of 2014)", "enter a level (accueil_individualise or accompagnement_personnalise)")
		},
		func() error { return r.active(StageReception, StageCounselling) },
		func() error { return r.cepOperator(in.Actor) },
		func() error {
			if r.c.Project == nil {
				return refuse(r.c, RefusalConflict, "project", "level 3 needs a project: set it first")
			}
			if r.c.Stage == StageReception && r.c.Project.Maturity != "mature" {
				return refuse(r.c, RefusalConflict, "project.maturity", "going from reception straight to level 3 needs a mature project (maturity is %s)", r.c.Project.Maturity)
			}
			return nil
		},
	)
}

func (r *caseRun) applyStartImplementation(ctx workflow.Context, in ReasonInput) {
	from := r.c.Stage
	r.c.Stage = StageImplementation
	if r.c.ReferentAdviserID == "" {
		r.c.ReferentAdviserID = in.Actor.UserID
	}
	r.emit(ctx, in.Actor, "implementation_started", map[string]any{"from_stage": from, "referent_adviser_id": r.c.ReferentAdviserID, "note": in.Reason})
	r.enterLevel(ctx, from)
	r.touch(ctx, true)
}

func (r *caseRun) checkAddAction(in ActionInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(planStages...) },
		func() error {
			if in.Action.ID != "" && r.actionIndex(in.Action.ID) >= 0 {
				return refuse(r.c, RefusalConflict, "", "the plan already has an action %s", in.Action.ID)
			}
			return nil
		},
	)
}

func (r *caseRun) revisePlan(ctx workflow.Context, a Actor, typ string, act Action) {
	r.c.PlanRevision++
	actions := make([]Action, len(r.c.Actions))
	for i, x := range r.c.Actions {
		x.Notes = slices.Clone(x.Notes)
		actions[i] = x
	}
	r.pending.addPlanRevision(PlanRevision{Revision: r.c.PlanRevision, Actions: actions, ActorID: a.UserID, At: workflow.Now(ctx).UTC()})
	r.emit(ctx, a, typ, map[string]any{"action_id": act.ID, "type": act.Type, "title": act.Title, "cost_eur": act.CostEUR, "plan_revision": r.c.PlanRevision})
	r.touch(ctx, true)
}

func (r *caseRun) applyAddAction(ctx workflow.Context, in ActionInput) {
	a := in.Action
	if a.ID == "" {
		a.ID = r.newID("action")
	}
	if a.Status == "" {
		a.Status = "planned"
	}
	r.c.Actions = append(r.c.Actions, a)
	r.revisePlan(ctx, in.Actor, "action_added", a)
}

func (r *caseRun) actionIndex(id string) int {
	return slices.IndexFunc(r.c.Actions, func(a Action) bool { return a.ID == id })
}

func (r *caseRun) checkChangeAction(in ActionInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(planStages...) },
		func() error {
			if r.actionIndex(in.Action.ID) < 0 {
				return refuse(r.c, RefusalNotFound, "", "no action %s in the plan", in.Action.ID)
			}
			return nil
		},
	)
}

func (r *caseRun) applyChangeAction(ctx workflow.Context, in ActionInput) {
	i := r.actionIndex(in.Action.ID)
	a := in.Action
	if a.Status == "" {
		a.Status = r.c.Actions[i].Status
	}
	r.c.Actions = slices.Clone(r.c.Actions)
	r.c.Actions[i] = a
	r.revisePlan(ctx, in.Actor, "action_changed", a)
}

func (r *caseRun) applyRemoveAction(ctx workflow.Context, in ActionInput) {
	i := r.actionIndex(in.Action.ID)
	a := r.c.Actions[i]
	r.c.Actions = slices.Delete(slices.Clone(r.c.Actions), i, i+1)
	r.revisePlan(ctx, in.Actor, "action_removed", a)
}

// --- pause, resume, withdraw, close ---

func (r *caseRun) checkPause(in ReasonInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active() },
	)
}

func (r *caseRun) applyPause(ctx workflow.Context, in ReasonInput) {
	now := workflow.Now(ctx).UTC()
	r.c.Paused, r.c.PausedAt, r.c.PauseReason = true, &now, in.Reason
	r.emit(ctx, in.Actor, "paused", map[string]any{"reason": in.Reason, "stage": r.c.Stage})
	r.touch(ctx, true)
}

func (r *caseRun) checkResume(in ReasonInput) error {
	if err := r.holder(in.Actor); err != nil {
		return err
	}
	if r.c.Stage == StageClosed {
		return refuse(r.c, RefusalConflict, "", "the case is closed")
	}
	if !r.c.Paused {
		return refuse(r.c, RefusalConflict, "", "the case is not paused")
	}
	return nil
}

// applyResume restarts the clocks: the paused time is added to the hand-off deadlines,
// since none of them ran while the person had paused.
func (r *caseRun) applyResume(ctx workflow.Context, in ReasonInput) {
	now := workflow.Now(ctx).UTC()
	var paused time.Duration
	if r.c.PausedAt != nil {
		paused = now.Sub(*r.c.PausedAt)
	}
	if h := r.c.Handoff; h != nil {
		if h.RemindAt != nil {
			t := h.RemindAt.Add(paused)
			h.RemindAt = &t
		}
		h.DueAt = h.DueAt.Add(paused)
		r.recordHandoff()
	}
	r.c.Paused, r.c.PausedAt, r.c.PauseReason = false, nil, ""
	r.emit(ctx, in.Actor, "resumed", map[string]any{"paused_for_seconds": int64(paused.Seconds()), "stage": r.c.Stage, "note": in.Reason})
	r.touch(ctx, true)
}

func (r *caseRun) checkWithdraw(in ReasonInput) error {
	if err := r.holder(in.Actor); err != nil {
		return err
	}
	if r.c.Stage == StageClosed {
		return refuse(r.c, RefusalConflict, "", "the case is already closed")
	}
	return nil
}

func (r *caseRun) closeCase(ctx workflow.Context, outcome, note string) {
	now := workflow.Now(ctx).UTC()
	r.c.Stage = StageClosed
	r.c.Outcome, r.c.CloseNote, r.c.ClosedAt = outcome, note, &now
	r.c.Paused, r.c.PausedAt = false, nil
	// Requests still open end with the case.
	for i, f := range r.c.FundingRequests {
		if FundingOpen(f.Status) {
			r.c.FundingRequests = slices.Clone(r.c.FundingRequests)
			r.c.FundingRequests[i].Status = FundingWithdrawn
			r.c.FundingRequests[i].Reason = fundingClosedReason
			r.signalFunding = append(r.signalFunding, fundingSignal{requestID: f.ID, event: FundingEvent{Kind: "withdraw", Reason: fundingClosedReason}})
			if r.awaitingFunding == nil {
				r.awaitingFunding = map[string]bool{}
			}
			r.awaitingFunding[f.ID] = true
		}
	}
}

// clearAlertAtClose lowers the financing alert of a case that closes: nobody acts on a
// closed case's financing any more, so it is no current alert; the timeline keeps it
// as history (financing_alert_raised, then financing_alert_cleared).
func (r *caseRun) clearAlertAtClose(ctx workflow.Context, a Actor) {
	if !r.c.FinancingAlert || !r.has(ctx, "clear-alert-at-close") {
		return
	}
	r.c.FinancingAlert = false
	r.emit(ctx, a, "financing_alert_cleared", map[string]any{"reason": "case_closed", "outcome": r.c.Outcome})
}

func (r *caseRun) applyWithdraw(ctx workflow.Context, in ReasonInput) {
	from := r.c.Stage
	if r.c.Handoff != nil {
		h := r.decide(ctx, in.Actor, HandoffCancelled, "", "the person withdrew")
		seq := r.emit(ctx, in.Actor, "handoff_cancelled", map[string]any{"handoff_id": h.ID, "to_structure_id": h.ToStructureID, "note": "the person withdrew"})
		r.notify(seq, NotifyHandoffCancelled, h.ToStructureID, "", "", map[string]any{"handoff_id": h.ID})
	}
	r.closeCase(ctx, OutcomeWithdrawn, in.Reason)
	r.emit(ctx, in.Actor, "withdrawn", map[string]any{"reason": in.Reason, "from_stage": from})
	r.clearAlertAtClose(ctx, in.Actor)
	r.levelEnded(ctx, from)
	r.touch(ctx, true)
}

func (r *caseRun) checkClose(in CloseInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(openStages...) },
		func() error {
			if !slices.Contains(CloseOutcomes, in.Outcome) {
				return refuse(r.c, RefusalInvalid, "outcome", "outcome must be one of %v", CloseOutcomes)
			}
			if open := r.openTrainingFunding(); in.Outcome == "training" && len(open) > 0 {
				return refuse(r.c, RefusalConflict, "outcome", "funding requests %v for the training are still open: wait for the decisions or withdraw them", open)
			}
			return nil
		},
	)
}

func (r *caseRun) applyClose(ctx workflow.Context, in CloseInput) {
	from := r.c.Stage
	r.closeCase(ctx, in.Outcome, in.Note)
	r.emit(ctx, in.Actor, "closed", map[string]any{"outcome": in.Outcome, "note": in.Note, "from_stage": from})
	r.clearAlertAtClose(ctx, in.Actor)
	r.levelEnded(ctx, from)
	r.touch(ctx, true)
}
