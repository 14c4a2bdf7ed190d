package workflows

import (
	"encoding/json"
	enumspb "go.temporal.io/api/enums/v1"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"

	"github.com/spro-cep/cep/internal/financing"
)

// Names of the funding request workflow and of the case's financing updates.
const (
	FundingRequestWorkflowName = "FundingRequest"

	UpdateSetSituation     = "situation.set"
	UpdateComputeFinancing = "financing.compute"
	UpdateRequestFunding   = "funding.request"
	UpdateWithdrawFunding  = "funding.withdraw"

	// SignalFundingEvent carries the funder's side to a funding request workflow:
	// submission, acknowledgement, decision, withdrawal.
	SignalFundingEvent = "funding.event"
	// SignalFundingChanged tells the case that one of its requests changed.
	SignalFundingChanged = "funding.changed"

	ActivityComputeFinancing = "ComputeFinancingPlan"
	ActivityProjectFunding   = "ProjectFundingRequest"
)

// Funding request statuses.
const (
	FundingDraft            = "draft"
	FundingSubmitted        = "submitted"
	FundingUnderReview      = "under_review"
	FundingGranted          = "granted"
	FundingPartiallyGranted = "partially_granted"
	FundingRefused          = "refused"
	FundingWithdrawn        = "withdrawn"
)

// Texts the workflows write for people, in French like every text people read:
// the reason of the requests withdrawn because the case closed, and the label of
// the funder's answer delay in a request's changes. Only the state and the
// activities' inputs carry them: changing them changes no command.
const (
	fundingClosedReason = "Dossier clôturé"
	funderAnswerLabel   = "Réponse du financeur"
)

// FundingRequestWorkflowID is the workflow ID of a funding request of a case.
func FundingRequestWorkflowID(caseID, requestID string) string {
	return "funding-" + caseID + "-" + requestID
}

// FundingOpen reports whether a request still waits for an answer.
func FundingOpen(status string) bool {
	return status == FundingDraft || status == FundingSubmitted || status == FundingUnderReview
}

// FundingDeadline is a dated step of a funding request (a legal request date, the
// employer's answer date, the funder's answer date).
type FundingDeadline struct {
	Label string `json:"label"`
	Date  string `json:"date"`
	// Kind tells what passing the date means: "request_by" (reminders before it while
	// in draft), "silence_is_acceptance" (the employer's silence is a yes), "answer_by"
	// (the employer should have answered), or "" (informative).
	Kind string `json:"kind,omitempty"`
}

// FundingRef is what the case keeps of each of its funding requests.
type FundingRef struct {
	ID              string            `json:"id"`
	Funder          string            `json:"funder"`
	ActionIDs       []string          `json:"action_ids"`
	AmountRequested float64           `json:"amount_requested_eur"`
	AmountGranted   *float64          `json:"amount_granted_eur,omitempty"`
	Status          string            `json:"status"`
	Deadlines       []FundingDeadline `json:"deadlines"`
	Reason          string            `json:"reason,omitempty"`
}

// FinancingSummary is what the case keeps of its latest financing plan; the plan itself
// is in the database, per revision.
type FinancingSummary struct {
	Revision     int       `json:"revision"`
	PlanRevision int       `json:"plan_revision"`
	Shortfall    bool      `json:"shortfall"`
	LeftToPayEUR float64   `json:"left_to_pay_eur"`
	ComputedAt   time.Time `json:"computed_at"`
}

// SituationInput sets the facts the funders' rules read.
type SituationInput struct {
	Actor     Actor     `json:"actor"`
	Situation Situation `json:"situation"`
	// Facts replace the case's facts beyond Situation; nil keeps none (as before they existed).
	Facts *financing.Facts `json:"facts,omitempty"`
}

// FundingRequestInput asks a funder to pay for actions of the plan.
type FundingRequestInput struct {
	Actor     Actor             `json:"actor"`
	RequestID string            `json:"request_id"`
	Funder    string            `json:"funder"`
	ActionIDs []string          `json:"action_ids"`
	AmountEUR float64           `json:"amount_eur"`
	Deadlines []FundingDeadline `json:"deadlines"`
}

// FundingWithdrawInput withdraws a request.
type FundingWithdrawInput struct {
	Actor     Actor  `json:"actor"`
	RequestID string `json:"request_id"`
	Reason    string `json:"reason,omitempty"`
}

// FundingChange is what a funding request reports to its case.
type FundingChange struct {
	RequestID     string   `json:"request_id"`
	Status        string   `json:"status"`
	Event         string   `json:"event"`
	AmountGranted *float64 `json:"amount_granted_eur,omitempty"`
	Reason        string   `json:"reason,omitempty"`
	Label         string   `json:"label,omitempty"`
	Date          string   `json:"date,omitempty"`
	// Actor is who entered the step (an adviser recording the funder's answer); nil for
	// what the request does by itself (deadlines) and for older reports.
	Actor *Actor `json:"actor,omitempty"`
}

// ComputeFinancingInput is what the plan is computed from.
type ComputeFinancingInput struct {
	CaseID       string       `json:"case_id"`
	Revision     int          `json:"revision"`
	PlanRevision int          `json:"plan_revision"`
	Situation    Situation    `json:"situation"`
	Actions      []Action     `json:"actions"`
	Requests     []FundingRef `json:"requests"`
	Today        time.Time    `json:"today"`
	// Facts: the situation facts beyond Situation (nil: unknown).
	Facts *financing.Facts `json:"facts,omitempty"`
}

// ComputedFinancing is the activity's answer: the plan as JSON for the database and the
// figures the case keeps.
type ComputedFinancing struct {
	Plan         map[string]any `json:"plan"`
	Shortfall    bool           `json:"shortfall"`
	LeftToPayEUR float64        `json:"left_to_pay_eur"`
	Reasons      []string       `json:"reasons,omitempty"`
}

// FinancingPlanRow is a computed plan to keep.
type FinancingPlanRow struct {
	Revision     int            `json:"revision"`
	PlanRevision int            `json:"plan_revision"`
	Shortfall    bool           `json:"shortfall"`
	LeftToPayEUR float64        `json:"left_to_pay_eur"`
	Plan         map[string]any `json:"plan"`
	ActorID      string         `json:"actor_id"`
	At           time.Time      `json:"at"`
}

func (r *caseRun) registerFinancingHandlers(ctx workflow.Context) error {
	if err := handle(ctx, r, UpdateSetSituation, r.checkSetSituation, r.applySetSituation); err != nil {
		return err
	}
	if err := handle(ctx, r, UpdateWithdrawFunding, r.checkWithdrawFunding, r.applyWithdrawFunding); err != nil {
		return err
	}
	if err := workflow.SetUpdateHandlerWithOptions(ctx, UpdateRequestFunding,
		func(ctx workflow.Context, in FundingRequestInput) (UpdateResult, error) {
			if r.seen(ctx) {
				return r.answerSeen(ctx), nil
			}
			if err := r.checkRequestFunding(in); err != nil {
				return UpdateResult{}, err
			}
			r.applyRequestFunding(ctx, in)
			r.remember(ctx)
			out, err := r.answer(ctx)
			if err != nil {
				return out, err
			}
			// The caller may act on the request at once (the funder's answer): its
			// workflow must exist before the answer goes. Requests made before this
			// change replay answering first.
			if r.has(ctx, "funding-started-before-answer") {
				if err := workflow.Await(ctx, func() bool { return r.fundingStarted[in.RequestID] }); err != nil {
					return out, err
				}
			}
			return out, nil
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in FundingRequestInput) error {
			if r.seen(ctx) {
				return nil
			}
			return r.checkRequestFunding(in)
		}},
	); err != nil {
		return err
	}
	return workflow.SetUpdateHandlerWithOptions(ctx, UpdateComputeFinancing,
		func(ctx workflow.Context, in ReasonInput) (UpdateResult, error) {
			if r.seen(ctx) {
				return r.answerSeen(ctx), nil
			}
			if err := r.checkComputeFinancing(in); err != nil {
				return UpdateResult{}, err
			}
			if err := r.computeFinancing(ctx, in.Actor, "computed"); err != nil {
				// Not remembered: a retry of this request must compute, not answer
				// success for a plan that was never made.
				return UpdateResult{}, err
			}
			r.remember(ctx)
			return r.answer(ctx)
		},
		workflow.UpdateHandlerOptions{Validator: func(ctx workflow.Context, in ReasonInput) error {
			if r.seen(ctx) {
				return nil
			}
			return r.checkComputeFinancing(in)
		}},
	)
}

func (r *caseRun) checkSetSituation(in SituationInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(openStages...) },
	)
}

func (r *caseRun) applySetSituation(ctx workflow.Context, in SituationInput) {
	s := in.Situation
	r.c.Situation = &s
	r.c.Facts = nil
	known := knownFacts(s)
	if in.Facts != nil {
		f := *in.Facts
		r.c.Facts = &f
		known = append(known, knownFacts(f)...)
		slices.Sort(known)
	}
	// The facts are personal (disability, job seeking): the timeline names only which
	// ones are known.
	r.emit(ctx, in.Actor, "situation_updated", map[string]any{"known_facts": known})
	r.touch(ctx, true)
}

func (r *caseRun) checkComputeFinancing(in ReasonInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(planStages...) },
		func() error {
			if len(r.c.Actions) == 0 {
				return refuse(r.c, RefusalConflict, "actions", "the action plan is empty: add actions first")
			}
			return nil
		},
	)
}

// computeFinancing runs the funders' rules in an activity (they read configured schemes)
// and records the plan. It blocks, so the state is read again after it.
//
// The revision number is reserved while the computation runs (another may start
// meanwhile) and only becomes the case's once a plan is made: a failed computation
// gives its number back unless a later one has already taken the next.
func (r *caseRun) computeFinancing(ctx workflow.Context, a Actor, why string) error {
	rev := max(r.c.FinancingRevision, r.reservedRevision) + 1
	r.reservedRevision = rev
	in := ComputeFinancingInput{CaseID: r.c.ID, Revision: rev, PlanRevision: r.c.PlanRevision,
		Actions: slices.Clone(r.c.Actions), Requests: slices.Clone(r.c.FundingRequests), Today: workflow.Now(ctx).UTC()}
	if r.c.Situation != nil {
		in.Situation = *r.c.Situation
	}
	if r.c.Facts != nil {
		f := *r.c.Facts
		in.Facts = &f
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 30 * time.Second,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 10},
	})
	var out ComputedFinancing
	if err := workflow.ExecuteActivity(actx, ActivityComputeFinancing, in).Get(ctx, &out); err != nil {
		if r.reservedRevision == rev {
			r.reservedRevision = rev - 1
		}
		return err
	}
	r.c.FinancingRevision = max(r.c.FinancingRevision, rev)
	now := workflow.Now(ctx).UTC()
	r.pending.addFinancingPlan(FinancingPlanRow{Revision: in.Revision, PlanRevision: in.PlanRevision, Shortfall: out.Shortfall,
		LeftToPayEUR: out.LeftToPayEUR, Plan: out.Plan, ActorID: a.UserID, At: now})
	if r.c.Financing != nil && r.c.Financing.Revision > in.Revision {
		// A later computation finished first: this older plan is kept in the
		// database but does not speak for the case.
		r.emit(ctx, a, "financing_plan_computed", map[string]any{"revision": in.Revision, "plan_revision": in.PlanRevision,
			"shortfall": out.Shortfall, "left_to_pay_eur": out.LeftToPayEUR, "why": why, "superseded": true})
		r.touch(ctx, false)
		return nil
	}
	r.c.Financing = &FinancingSummary{Revision: in.Revision, PlanRevision: in.PlanRevision, Shortfall: out.Shortfall,
		LeftToPayEUR: out.LeftToPayEUR, ComputedAt: now}
	r.emit(ctx, a, "financing_plan_computed", map[string]any{"revision": in.Revision, "plan_revision": in.PlanRevision,
		"shortfall": out.Shortfall, "left_to_pay_eur": out.LeftToPayEUR, "why": why})
	raised := out.Shortfall && !r.c.FinancingAlert
	r.c.FinancingAlert = out.Shortfall
	if raised {
		seq := r.emit(ctx, a, "financing_alert_raised", map[string]any{"revision": in.Revision, "reasons": out.Reasons, "left_to_pay_eur": out.LeftToPayEUR})
		payload := map[string]any{"revision": in.Revision, "left_to_pay_eur": out.LeftToPayEUR, "reasons": out.Reasons}
		r.notify(seq, NotifyFinancingShortfall, r.c.StructureID, "", "", payload)
		r.notify(seq, NotifyFinancingShortfall, "", r.c.TerritoryID, "coordinator", map[string]any{"revision": in.Revision, "left_to_pay_eur": out.LeftToPayEUR})
	}
	r.touch(ctx, a.UserID != systemActor)
	return nil
}

func (r *caseRun) fundingIndex(id string) int {
	return slices.IndexFunc(r.c.FundingRequests, func(f FundingRef) bool { return f.ID == id })
}

func (r *caseRun) checkRequestFunding(in FundingRequestInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error { return r.active(planStages...) },
		func() error {
			if r.c.Financing == nil {
				return refuse(r.c, RefusalConflict, "financing", "compute the financing plan before requesting funding")
			}
			if in.RequestID == "" {
				return refuse(r.c, RefusalInvalid, "request_id", "a funding request needs an ID")
			}
			if r.fundingIndex(in.RequestID) >= 0 {
				return refuse(r.c, RefusalConflict, "", "funding request %s already exists", in.RequestID)
			}
			for _, f := range r.c.FundingRequests {
				if f.Funder == in.Funder && FundingOpen(f.Status) && slices.ContainsFunc(in.ActionIDs, func(id string) bool { return slices.Contains(f.ActionIDs, id) }) {
					return refuse(r.c, RefusalConflict, "funder", "a request to %s for these actions is still open (%s)", in.Funder, f.ID)
				}
			}
			if len(in.ActionIDs) == 0 {
				return refuse(r.c, RefusalInvalid, "action_id", "no action of the plan is assigned to %s", in.Funder)
			}
			for _, id := range in.ActionIDs {
				if r.actionIndex(id) < 0 {
					return refuse(r.c, RefusalNotFound, "action_id", "no action %s in the plan", id)
				}
			}
			return nil
		},
	)
}

func (r *caseRun) applyRequestFunding(ctx workflow.Context, in FundingRequestInput) {
	ref := FundingRef{ID: in.RequestID, Funder: in.Funder, ActionIDs: slices.Clone(in.ActionIDs),
		AmountRequested: in.AmountEUR, Status: FundingDraft, Deadlines: slices.Clone(in.Deadlines)}
	r.c.FundingRequests = append(slices.Clone(r.c.FundingRequests), ref)
	r.emit(ctx, in.Actor, "funding_requested", map[string]any{"request_id": ref.ID, "funder": ref.Funder,
		"action_ids": ref.ActionIDs, "amount_eur": ref.AmountRequested})
	r.startFunding = append(r.startFunding, FundingInput{CaseID: r.c.ID, Ref: ref, Settings: r.settings, CreatedBy: in.Actor.UserID})
	r.touch(ctx, true)
}

func (r *caseRun) checkWithdrawFunding(in FundingWithdrawInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error {
			if r.c.Stage == StageClosed {
				return refuse(r.c, RefusalConflict, "", "the case is closed")
			}
			i := r.fundingIndex(in.RequestID)
			if i < 0 {
				return refuse(r.c, RefusalNotFound, "", "no funding request %s", in.RequestID)
			}
			if !FundingOpen(r.c.FundingRequests[i].Status) {
				return refuse(r.c, RefusalConflict, "", "the funding request is already %s", r.c.FundingRequests[i].Status)
			}
			return nil
		},
	)
}

func (r *caseRun) applyWithdrawFunding(ctx workflow.Context, in FundingWithdrawInput) {
	i := r.fundingIndex(in.RequestID)
	r.c.FundingRequests = slices.Clone(r.c.FundingRequests)
	r.c.FundingRequests[i].Status = FundingWithdrawn
	r.c.FundingRequests[i].Reason = in.Reason
	r.emit(ctx, in.Actor, "funding_withdrawn", map[string]any{"request_id": in.RequestID, "reason": in.Reason})
	r.signalFunding = append(r.signalFunding, fundingSignal{requestID: in.RequestID,
		event: FundingEvent{Kind: "withdraw", Reason: in.Reason, ActorID: in.Actor.UserID}})
	r.touch(ctx, true)
}

type fundingSignal struct {
	requestID string
	event     FundingEvent
}

// runFundingCommands starts the child workflows and sends the signals that updates
// queued; the main loop calls it so that handlers stay non-blocking.
func (r *caseRun) runFundingCommands(ctx workflow.Context) {
	for len(r.startFunding) > 0 {
		in := r.startFunding[0]
		r.startFunding = r.startFunding[1:]
		cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
			WorkflowID: FundingRequestWorkflowID(in.CaseID, in.Ref.ID),
			// The case withdraws open requests before it closes; abandoning lets each
			// record its own end rather than be terminated.
			ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
		})
		f := workflow.ExecuteChildWorkflow(cctx, FundingRequestWorkflowName, in)
		var exec workflow.Execution
		if err := f.GetChildWorkflowExecution().Get(ctx, &exec); err != nil {
			workflow.GetLogger(ctx).Error("funding request not started", "request_id", in.Ref.ID, "error", err)
		}
		if r.fundingStarted == nil {
			r.fundingStarted = map[string]bool{}
		}
		r.fundingStarted[in.Ref.ID] = true
	}
	for len(r.signalFunding) > 0 {
		s := r.signalFunding[0]
		r.signalFunding = r.signalFunding[1:]
		err := workflow.SignalExternalWorkflow(ctx, FundingRequestWorkflowID(r.c.ID, s.requestID), "", SignalFundingEvent, s.event).Get(ctx, nil)
		if err != nil {
			workflow.GetLogger(ctx).Warn("funding request not signalled", "request_id", s.requestID, "error", err)
		}
	}
}

// openFundingFor lists open requests covering actions of a given type.
func (r *caseRun) openTrainingFunding() []string {
	var out []string
	for _, f := range r.c.FundingRequests {
		if !FundingOpen(f.Status) {
			continue
		}
		for _, id := range f.ActionIDs {
			if i := r.actionIndex(id); i >= 0 && r.c.Actions[i].Type == "training" {
				out = append(out, f.ID)
				break
			}
		}
	}
	return out
}

// Situation is the person's situation as the funders' rules read it.
type Situation = financing.Situation

// knownFacts names the facts of a situation (or of Facts) that are known, without their values.
func knownFacts(s any) []string {
	raw, _ := json.Marshal(s)
	var m map[string]any
	_ = json.Unmarshal(raw, &m)
	keys := make([]string, 0, len(m))
	for k := range m {
		keys = append(keys, k)
	}
	slices.Sort(keys)
	return keys
}
