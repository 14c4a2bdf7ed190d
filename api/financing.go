package api

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"net/http"
	"slices"
	"strconv"
	"strings"

	"github.com/gin-gonic/gin"
	"go.temporal.io/api/serviceerror"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

type situationIn struct {
	EmploymentStatus               *string  `json:"employment_status,omitempty" validate:"omitempty,oneof=employed self_employed jobseeker student inactive"`
	ContractType                   *string  `json:"contract_type,omitempty" validate:"omitempty,oneof=cdi cdd interim none"`
	SeniorityMonths                *int     `json:"seniority_months,omitempty" validate:"omitempty,gte=0,lte=720"`
	SeniorityCurrentEmployerMonths *int     `json:"seniority_current_employer_months,omitempty" validate:"omitempty,gte=0,lte=720"`
	CDDMonthsLast12                *int     `json:"cdd_months_last_12,omitempty" validate:"omitempty,gte=0,lte=12"`
	CDDMonthsLast60                *int     `json:"cdd_months_last_60,omitempty" validate:"omitempty,gte=0,lte=60"`
	LastCDDEndDate                 *string  `json:"last_cdd_end_date,omitempty" validate:"omitempty,date"`
	JobseekerRegistered            *bool    `json:"jobseeker_registered,omitempty"`
	OETH                           *bool    `json:"oeth,omitempty"`
	QualificationLevel             *string  `json:"qualification_level,omitempty" validate:"omitempty,oneof=none 3 4 5 6 7 8"`
	CPFBalanceEUR                  *float64 `json:"cpf_balance_eur,omitempty" validate:"omitempty,gte=0,lte=100000"`
	EmployerHeadcount              *int     `json:"employer_headcount,omitempty" validate:"omitempty,gte=0"`
	EconomicDismissal              *bool    `json:"economic_dismissal,omitempty"`
	LongAbsence                    *bool    `json:"long_absence,omitempty"`
	EmployerTopUp                  *bool    `json:"employer_top_up,omitempty"`
}

// setSituation records the facts the funders' rules read; absent fields stay unknown.
func (s *server) setSituation(c *gin.Context) error {
	return s.act(c, workflows.UpdateSetSituation, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in situationIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		return workflows.SituationInput{Actor: a, Situation: financing.Situation(in)}, nil
	}, nil)
}

// computeFinancingPlan computes a new revision of the financing plan.
func (s *server) computeFinancingPlan(c *gin.Context) error {
	return s.act(c, workflows.UpdateComputeFinancing, http.StatusCreated, func(row *models.Case, a workflows.Actor) (any, error) {
		return workflows.ReasonInput{Actor: a}, nil
	}, func(out workflows.Case) error {
		if out.Financing == nil {
			return conflict("no financing plan was computed", out.Stage, out.Paused)
		}
		return s.respondPlan(c, http.StatusCreated, out.ID, out.Financing.Revision)
	})
}

func (s *server) getFinancingPlan(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	rev := 0
	if v := c.Query("revision"); v != "" {
		if rev, err = strconv.Atoi(v); err != nil || rev < 1 {
			return badRequest("invalid revision", FieldError{Field: "revision", Message: "must be a whole number from 1"})
		}
	}
	return s.respondPlan(c, http.StatusOK, row.ID, rev)
}

func (s *server) latestPlan(ctx context.Context, caseID string, revision int) (*models.FinancingPlan, error) {
	q := s.store.DB.WithContext(ctx).Where("case_id = ?", caseID)
	if revision > 0 {
		q = q.Where("revision = ?", revision)
	}
	var fp models.FinancingPlan
	err := q.Order("revision DESC").Take(&fp).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, notFound("no financing plan for this case: POST /financing-plan computes one")
	}
	return &fp, err
}

func (s *server) respondPlan(c *gin.Context, status int, caseID string, revision int) error {
	fp, err := s.latestPlan(c.Request.Context(), caseID, revision)
	if err != nil {
		return err
	}
	var plan map[string]any
	if err := json.Unmarshal([]byte(fp.Plan), &plan); err != nil {
		return err
	}
	plan["revision"] = fp.Revision
	plan["plan_revision"] = fp.PlanRevision
	plan["shortfall"] = fp.Shortfall
	plan["computed_at"] = fp.CreatedAt
	plan["computed_by"] = fp.ActorID
	var revs []int
	s.store.DB.WithContext(c.Request.Context()).Model(&models.FinancingPlan{}).Where("case_id = ?", caseID).
		Order("revision").Pluck("revision", &revs)
	plan["revisions"] = revs
	c.JSON(status, plan)
	return nil
}

type fundingRequestIn struct {
	Funder    string   `json:"funder" validate:"required,max=100"`
	ActionID  string   `json:"action_id,omitempty" validate:"omitempty,max=100"`
	AmountEUR *float64 `json:"amount_eur,omitempty" validate:"omitempty,gt=0,lte=1000000"`
}

// planShare is what the latest plan gives a funder for one action.
type planShare struct {
	actionID  string
	status    string
	amount    float64
	deadlines []financing.Deadline
}

func sharesOf(planJSON string, funder string) ([]planShare, error) {
	var plan financing.Plan
	if err := json.Unmarshal([]byte(planJSON), &plan); err != nil {
		return nil, err
	}
	var out []planShare
	for _, ap := range plan.Actions {
		for _, f := range ap.Funders {
			if f.Funder == funder {
				out = append(out, planShare{actionID: ap.ActionID, status: f.Status, amount: f.AmountEUR, deadlines: f.Deadlines})
			}
		}
	}
	return out, nil
}

// deadlineKind tells the funding workflow what a plan deadline means.
func deadlineKind(label string) string {
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

// requestFunding starts a funding request for a funder of the latest plan.
func (s *server) requestFunding(c *gin.Context) error {
	var rid string
	return s.act(c, workflows.UpdateRequestFunding, http.StatusCreated, func(row *models.Case, a workflows.Actor) (any, error) {
		var in fundingRequestIn
		if err := bind(c, &in); err != nil {
			return nil, err
		}
		fp, err := s.latestPlan(c.Request.Context(), row.ID, 0)
		if err != nil {
			var p *Problem
			if errors.As(err, &p) && p.Status == http.StatusNotFound {
				return nil, conflict("compute the financing plan before requesting funding", row.Stage, row.Paused)
			}
			return nil, err
		}
		shares, err := sharesOf(fp.Plan, in.Funder)
		if err != nil {
			return nil, err
		}
		if len(shares) == 0 {
			return nil, badRequest("this funder is not in the financing plan", FieldError{Field: "funder", Message: "not a funder of the latest plan"})
		}
		req := workflows.FundingRequestInput{Actor: a, Funder: in.Funder}
		seen := map[string]bool{}
		for _, sh := range shares {
			if in.ActionID != "" && sh.actionID != in.ActionID {
				continue
			}
			if in.ActionID == "" && (sh.status != "eligible" || sh.amount <= 0) {
				continue
			}
			if sh.status == "not_eligible" {
				return nil, conflict(fmt.Sprintf("%s is not eligible for action %s in plan revision %d", in.Funder, sh.actionID, fp.Revision), row.Stage, row.Paused)
			}
			req.ActionIDs = append(req.ActionIDs, sh.actionID)
			req.AmountEUR += sh.amount
			for _, d := range sh.deadlines {
				k := d.Label + d.Date
				if !seen[k] {
					seen[k] = true
					req.Deadlines = append(req.Deadlines, workflows.FundingDeadline{Label: d.Label, Date: d.Date, Kind: deadlineKind(d.Label)})
				}
			}
		}
		if len(req.ActionIDs) == 0 {
			field := "funder"
			if in.ActionID != "" {
				field = "action_id"
			}
			return nil, badRequest("the plan assigns nothing to this funder", FieldError{Field: field, Message: "no action of the plan is assigned to " + in.Funder})
		}
		if in.AmountEUR != nil {
			req.AmountEUR = *in.AmountEUR
		}
		rid = derivedID(c, row.ID, "funding")
		req.RequestID = rid
		return req, nil
	}, func(out workflows.Case) error {
		for _, f := range out.FundingRequests {
			if f.ID == rid {
				c.JSON(http.StatusCreated, fundingJSON(f))
				return nil
			}
		}
		return s.respondState(c, http.StatusCreated, out)
	})
}

func fundingJSON(f workflows.FundingRef) gin.H {
	deadlines := f.Deadlines
	if deadlines == nil {
		deadlines = []workflows.FundingDeadline{}
	}
	return gin.H{"id": f.ID, "funder": f.Funder, "action_ids": f.ActionIDs, "status": f.Status,
		"amount_requested_eur": f.AmountRequested, "amount_granted_eur": f.AmountGranted,
		"deadlines": deadlines, "reason": f.Reason}
}

func (s *server) listFundingRequests(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	st, err := stateOf(row)
	if err != nil {
		return err
	}
	items := make([]gin.H, 0, len(st.FundingRequests))
	for _, f := range st.FundingRequests {
		items = append(items, fundingJSON(f))
	}
	c.JSON(http.StatusOK, gin.H{"items": items})
	return nil
}

func (s *server) fundingRef(c *gin.Context) (*models.Case, workflows.FundingRef, error) {
	row, err := s.visibleCase(c)
	if err != nil {
		return nil, workflows.FundingRef{}, err
	}
	if u := currentUser(c); deref(u.StructureID) != row.StructureID {
		return nil, workflows.FundingRef{}, forbidden("only users of the holding structure " + row.StructureID + " record funders' answers")
	}
	st, err := stateOf(row)
	if err != nil {
		return nil, workflows.FundingRef{}, err
	}
	i := slices.IndexFunc(st.FundingRequests, func(f workflows.FundingRef) bool { return f.ID == c.Param("rid") })
	if i < 0 {
		return nil, workflows.FundingRef{}, notFound("no funding request " + c.Param("rid"))
	}
	return row, st.FundingRequests[i], nil
}

type decisionEventIn struct {
	Decision  string   `json:"decision" validate:"required,oneof=granted partially_granted refused"`
	AmountEUR *float64 `json:"amount_eur,omitempty" validate:"omitempty,gte=0,lte=1000000"`
	Reason    string   `json:"reason,omitempty" validate:"max=2000"`
}

// fundingEvent signals the funder's side to the request's workflow: accepted at once
// (202), applied in order by the workflow.
func (s *server) fundingEvent(kind string) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		row, ref, err := s.fundingRef(c)
		if err != nil {
			return err
		}
		ev := workflows.FundingEvent{Kind: kind, ActorID: currentUser(c).ID}
		allowed := workflows.FundingOpen(ref.Status)
		switch kind {
		case "decision":
			var in decisionEventIn
			if err := bind(c, &in); err != nil {
				return err
			}
			if in.Decision == workflows.FundingPartiallyGranted && in.AmountEUR == nil {
				return badRequest("a partial grant needs its amount", FieldError{Field: "amount_eur", Message: "is required for partially_granted"})
			}
			ev.Decision, ev.Amount, ev.Reason = in.Decision, in.AmountEUR, in.Reason
		case "submit":
			allowed = ref.Status == workflows.FundingDraft
		case "acknowledge":
			allowed = ref.Status == workflows.FundingSubmitted
		}
		if !allowed {
			return conflict(fmt.Sprintf("the funding request is %s", ref.Status), row.Stage, row.Paused)
		}
		ctx, cancel := context.WithTimeout(c.Request.Context(), s.updateTimeout)
		defer cancel()
		if err := s.temporal.SignalWorkflow(ctx, workflows.FundingRequestWorkflowID(row.ID, ref.ID), "", workflows.SignalFundingEvent, ev); err != nil {
			var nf *serviceerror.NotFound
			if errors.As(err, &nf) {
				// The request's workflow has ended and the case has not caught up yet.
				return conflict("the funding request has already ended", row.Stage, row.Paused)
			}
			return err
		}
		c.JSON(http.StatusAccepted, gin.H{"status": "accepted", "request_id": ref.ID})
		return nil
	}
}

type withdrawFundingIn struct {
	Reason string `json:"reason,omitempty" validate:"max=2000"`
}

func (s *server) withdrawFunding(c *gin.Context) error {
	return s.act(c, workflows.UpdateWithdrawFunding, http.StatusOK, func(row *models.Case, a workflows.Actor) (any, error) {
		var in withdrawFundingIn
		if err := bindOptional(c, &in); err != nil {
			return nil, err
		}
		return workflows.FundingWithdrawInput{Actor: a, RequestID: c.Param("rid"), Reason: in.Reason}, nil
	}, nil)
}
