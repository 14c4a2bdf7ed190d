package api

import (
	"net/http"
	"strconv"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/workflows"
)

// setSituation records the facts the funders' rules read; absent fields stay unknown.
func (s *server) setSituation(c *gin.Context) error {
	var in situationIn
	if err := decode(c, &in); err != nil {
		return err
	}
	v, err := s.svc.SetSituation(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}

// computeFinancingPlan computes a new revision of the financing plan.
func (s *server) computeFinancingPlan(c *gin.Context) error {
	plan, err := s.svc.ComputeFinancingPlan(c.Request.Context(), caller(c), c.Param("id"), idempotencyKey(c))
	if err != nil {
		return err
	}
	c.JSON(http.StatusCreated, plan)
	return nil
}

func (s *server) getFinancingPlan(c *gin.Context) error {
	rev := 0
	if v := c.Query("revision"); v != "" {
		var err error
		if rev, err = strconv.Atoi(v); err != nil || rev < 1 {
			return badRequest("invalid revision", FieldError{Field: "revision", Message: "must be a whole number from 1"})
		}
	}
	plan, err := s.svc.FinancingPlan(c.Request.Context(), caller(c), c.Param("id"), rev)
	if err != nil {
		return err
	}
	c.JSON(http.StatusOK, plan)
	return nil
}

// requestFunding starts a funding request for a funder of the latest plan.
func (s *server) requestFunding(c *gin.Context) error {
	var in fundingRequestIn
	if err := decode(c, &in); err != nil {
		return err
	}
	res, err := s.svc.RequestFunding(c.Request.Context(), caller(c), c.Param("id"), in, idempotencyKey(c))
	if err != nil || res.Request == nil {
		return respond(c, http.StatusCreated, res.Case, err)
	}
	c.JSON(http.StatusCreated, fundingJSON(*res.Request))
	return nil
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
	refs, err := s.svc.FundingRequests(c.Request.Context(), caller(c), c.Param("id"))
	if err != nil {
		return err
	}
	out := make([]gin.H, 0, len(refs))
	for _, f := range refs {
		out = append(out, fundingJSON(f))
	}
	c.JSON(http.StatusOK, gin.H{"items": out})
	return nil
}

// fundingEvent signals the funder's side to the request's workflow: accepted at once
// (202), applied in order by the workflow.
func (s *server) fundingEvent(kind string) func(c *gin.Context) error {
	return func(c *gin.Context) error {
		var decision *cases.FundingDecision
		if kind == cases.FundingDecide {
			decision = &cases.FundingDecision{}
			if err := decode(c, decision); err != nil {
				return err
			}
		}
		if err := s.svc.FundingEvent(c.Request.Context(), caller(c), c.Param("id"), c.Param("rid"), kind, decision); err != nil {
			return err
		}
		c.JSON(http.StatusAccepted, gin.H{"status": "accepted", "request_id": c.Param("rid")})
		return nil
	}
}

func (s *server) withdrawFunding(c *gin.Context) error {
	var in withdrawFundingIn
	if err := decodeOptional(c, &in); err != nil {
		return err
	}
	v, err := s.svc.WithdrawFunding(c.Request.Context(), caller(c), c.Param("id"), c.Param("rid"), in, idempotencyKey(c))
	return respond(c, http.StatusOK, v, err)
}
