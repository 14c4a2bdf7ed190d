package cases

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// SetSituation records the facts the funders' rules read; absent fields stay unknown.
func (s *Service) SetSituation(ctx context.Context, c Caller, caseID string, cmd SetSituation, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateSetSituation, "cases.situation", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		sit, facts := cmd.split()
		return workflows.SituationInput{Actor: a, Situation: sit, Facts: &facts}, nil
	}))
}

// PlanView is a stored revision of a case's financing plan. It marshals as the plan
// itself with the revision's columns beside it (revision, action_plan_revision,
// shortfall, computed_at, computed_by, revisions).
type PlanView struct {
	Plan     financing.Plan
	Revision int
	// PlanRevision is the action plan revision the plan was computed from
	// (action_plan_revision).
	PlanRevision int
	Shortfall    bool
	ComputedAt   time.Time
	ComputedBy   string
	// Revisions are every revision of the case's plan, oldest first.
	Revisions []int
	raw       string
}

// MarshalJSON writes the plan as stored, with the revision's columns.
func (p PlanView) MarshalJSON() ([]byte, error) {
	var m map[string]any
	if err := json.Unmarshal([]byte(p.raw), &m); err != nil {
		return nil, err
	}
	m["revision"], m["action_plan_revision"], m["shortfall"] = p.Revision, p.PlanRevision, p.Shortfall
	m["computed_at"], m["computed_by"], m["revisions"] = p.ComputedAt, p.ComputedBy, p.Revisions
	return json.Marshal(m)
}

func (s *Service) latestPlan(ctx context.Context, caseID string, revision int) (*models.FinancingPlan, error) {
	q := s.db(ctx).Where("case_id = ?", caseID)
	if revision > 0 {
		q = q.Where("revision = ?", revision)
	}
	var fp models.FinancingPlan
	err := q.Order("revision DESC").Take(&fp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) && revision > 0 {
		var revs []int
		if err := s.db(ctx).Model(&models.FinancingPlan{}).Where("case_id = ?", caseID).Order("revision").Pluck("revision", &revs).Error; err != nil {
			return nil, err
		}
		if len(revs) > 0 {
			nf := NotFound(fmt.Sprintf("no financing plan revision %d: the case has revisions %s", revision, joinInts(revs)))
			nf.Fields = []FieldError{{Field: "revision", Message: fmt.Sprintf("revision %d does not exist; existing: %s", revision, joinInts(revs))}}
			return nil, nf
		}
	}
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, NotFound("no financing plan for this case: POST /financing-plan computes one")
	}
	return &fp, err
}

func joinInts(v []int) string {
	s := make([]string, len(v))
	for i, n := range v {
		s[i] = strconv.Itoa(n)
	}
	return strings.Join(s, ", ")
}

func (s *Service) planView(ctx context.Context, caseID string, revision int) (PlanView, error) {
	fp, err := s.latestPlan(ctx, caseID, revision)
	if err != nil {
		return PlanView{}, err
	}
	v := PlanView{Revision: fp.Revision, PlanRevision: fp.PlanRevision, Shortfall: fp.Shortfall, ComputedAt: fp.CreatedAt,
		ComputedBy: fp.ActorID, raw: fp.Plan}
	if err := json.Unmarshal([]byte(fp.Plan), &v.Plan); err != nil {
		return PlanView{}, err
	}
	err = s.db(ctx).Model(&models.FinancingPlan{}).Where("case_id = ?", caseID).Order("revision").Pluck("revision", &v.Revisions).Error
	return v, err
}

// ComputeFinancingPlan computes a new revision of the financing plan.
func (s *Service) ComputeFinancingPlan(ctx context.Context, c Caller, caseID, key string) (PlanView, error) {
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateComputeFinancing, "cases.financing-plan", nil, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a}, nil
	})
	if err != nil {
		return PlanView{}, err
	}
	if out.Financing == nil {
		return PlanView{}, Conflict("no financing plan was computed", out.Stage, out.Paused)
	}
	return s.planView(ctx, out.ID, out.Financing.Revision)
}

// FinancingPlan is a revision of the case's plan (the latest when revision is 0).
func (s *Service) FinancingPlan(ctx context.Context, c Caller, caseID string, revision int) (PlanView, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.financing-plan")
	if err != nil {
		return PlanView{}, err
	}
	return s.planView(ctx, row.ID, revision)
}

// planShare is what the latest plan gives a funder for one action.
type planShare struct {
	actionID  string
	status    string
	amount    float64
	deadlines []financing.Deadline
}

func sharesOf(plan financing.Plan, funder string) []planShare {
	var out []planShare
	for _, ap := range plan.Actions {
		for _, f := range ap.Funders {
			if f.Funder == funder {
				out = append(out, planShare{actionID: ap.ActionID, status: f.Status, amount: f.AmountEUR, deadlines: f.Deadlines})
			}
		}
	}
	return out
}

// deadlineKind is a plan deadline's kind: the one the rules gave it, or, for plans
// stored before deadlines carried one, the kind its label tells.
func deadlineKind(d financing.Deadline) string {
	if d.Kind != "" {
		return d.Kind
	}
	return DeadlineKind(d.Label)
}

// DeadlineKind tells what a plan deadline means from its label: plans stored before
// deadlines carried an explicit kind (financing.Deadline.Kind) have only the label.
func DeadlineKind(label string) string {
	l := strings.ToLower(label)
	switch {
	case strings.Contains(l, "silence"):
		return "silence_is_acceptance"
	case strings.Contains(l, "answer"):
		return "answer_by"
	case strings.Contains(l, "request") || strings.Contains(l, "notice"):
		return "request_by"
	default:
		return ""
	}
}

// FundingResult is a funding request just made (nil when the workflow answered with
// another state, e.g. on a replay) and the case.
type FundingResult struct {
	Request *workflows.FundingRef
	Case    CaseView
}

// RequestFunding starts a funding request for a funder of the latest plan.
func (s *Service) RequestFunding(ctx context.Context, c Caller, caseID string, cmd RequestFunding, key string) (FundingResult, error) {
	var rid string
	_, out, err := s.act(ctx, c, caseID, key, workflows.UpdateRequestFunding, "cases.funding-requests", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		fp, err := s.latestPlan(ctx, row.ID, 0)
		if err != nil {
			if isNotFound(err) {
				return nil, Conflict("compute the financing plan before requesting funding", row.Stage, row.Paused)
			}
			return nil, err
		}
		var plan financing.Plan
		if err := json.Unmarshal([]byte(fp.Plan), &plan); err != nil {
			return nil, err
		}
		shares := sharesOf(plan, cmd.Funder)
		if len(shares) == 0 {
			return nil, Invalid("this funder is not in the financing plan", FieldError{Field: "funder", Message: "not a funder of the latest plan"})
		}
		req := workflows.FundingRequestInput{Actor: a, Funder: cmd.Funder}
		seen := map[string]bool{}
		for _, sh := range shares {
			if cmd.ActionID != "" && sh.actionID != cmd.ActionID {
				continue
			}
			if cmd.ActionID == "" && (sh.status != "eligible" || sh.amount <= 0) {
				continue
			}
			if sh.status == "not_eligible" {
				return nil, Conflict(fmt.Sprintf("%s is not eligible for action %s in plan revision %d", cmd.Funder, sh.actionID, fp.Revision), row.Stage, row.Paused)
			}
			req.ActionIDs = append(req.ActionIDs, sh.actionID)
			req.AmountEUR += sh.amount
			for _, d := range sh.deadlines {
				k := d.Label + d.Date
				if !seen[k] {
					seen[k] = true
					req.Deadlines = append(req.Deadlines, workflows.FundingDeadline{Label: d.Label, Date: d.Date, Kind: deadlineKind(d)})
				}
			}
		}
		if len(req.ActionIDs) == 0 {
			field := "funder"
			if cmd.ActionID != "" {
				field = "action_id"
			}
			return nil, Invalid("the plan assigns nothing to this funder", FieldError{Field: field, Message: "no action of the plan is assigned to " + cmd.Funder})
		}
		if cmd.AmountEUR != nil {
			req.AmountEUR = *cmd.AmountEUR
		}
		rid = derivedID(key, row.ID, "funding")
		req.RequestID = rid
		return req, nil
	}))
	if err != nil {
		return FundingResult{}, err
	}
	v, err := s.view(ctx, c, out)
	res := FundingResult{Case: v}
	for i := range out.FundingRequests {
		if out.FundingRequests[i].ID == rid {
			res.Request = &out.FundingRequests[i]
		}
	}
	return res, err
}

// FundingRequests are the case's funding requests.
func (s *Service) FundingRequests(ctx context.Context, c Caller, caseID string) ([]workflows.FundingRef, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.funding-requests")
	if err != nil {
		return nil, err
	}
	st, err := stateOf(row)
	return st.FundingRequests, err
}

// Funding events a funder's side sends (FundingEvent's kind).
const (
	FundingSubmit      = "submit"
	FundingAcknowledge = "acknowledge"
	FundingDecide      = "decision"
)

// FundingEvent signals the funder's side of a request to its workflow (submitted,
// acknowledged, decided): accepted at once, applied in order by the workflow. Only the
// holder's users record funders' answers; decision is required for FundingDecide.
func (s *Service) FundingEvent(ctx context.Context, c Caller, caseID, requestID, kind string, decision *FundingDecision) error {
	row, err := s.visible(ctx, c, caseID)
	if err != nil {
		return err
	}
	if c.StructureID != row.StructureID {
		return Forbidden("only users of the holding structure " + row.StructureID + " record funders' answers")
	}
	st, err := stateOf(row)
	if err != nil {
		return err
	}
	i := slices.IndexFunc(st.FundingRequests, func(f workflows.FundingRef) bool { return f.ID == requestID })
	if i < 0 {
		return NotFound("no funding request " + requestID)
	}
	ref := st.FundingRequests[i]
	a, err := s.actor(ctx, c)
	if err != nil {
		return err
	}
	// The case's timeline records the step under the adviser who entered it.
	ev := workflows.FundingEvent{Kind: kind, ActorID: c.UserID, Actor: &a}
	allowed := workflows.FundingOpen(ref.Status)
	switch kind {
	case FundingDecide:
		if decision == nil {
			decision = &FundingDecision{}
		}
		if err := Validate(decision); err != nil {
			return err
		}
		if decision.Decision == workflows.FundingPartiallyGranted && decision.AmountEUR == nil {
			return Invalid("a partial grant needs its amount", FieldError{Field: "amount_eur", Message: "is required for partially_granted"})
		}
		ev.Decision, ev.Amount, ev.Reason = decision.Decision, decision.AmountEUR, decision.Reason
	case FundingSubmit:
		allowed = ref.Status == workflows.FundingDraft
	case FundingAcknowledge:
		allowed = ref.Status == workflows.FundingSubmitted
	default:
		return Invalid("unknown funding event " + kind)
	}
	if !allowed {
		return Conflict(fmt.Sprintf("the funding request is %s", ref.Status), row.Stage, row.Paused)
	}
	if err := s.signal(ctx, workflows.FundingRequestWorkflowID(row.ID, ref.ID), workflows.SignalFundingEvent, ev); err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) {
			// The request's workflow has ended and the case has not caught up yet.
			return Conflict("the funding request has already ended", row.Stage, row.Paused)
		}
		return typed(err)
	}
	return nil
}

// WithdrawFunding withdraws an open funding request.
func (s *Service) WithdrawFunding(ctx context.Context, c Caller, caseID, requestID string, cmd WithdrawFunding, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateWithdrawFunding, "cases.funding-requests.withdraw", []any{requestID, &cmd}, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.FundingWithdrawInput{Actor: a, RequestID: requestID, Reason: cmd.Reason}, nil
	}))
}
