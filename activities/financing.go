package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"strings"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/internal/projection"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// ComputeFinancingPlan runs the funders' rules over the action plan and then applies
// the funders' decisions already known: a refusal removes that funder's share and a
// partial grant caps it, so what the person is left to pay shows at once.
func (a *Activities) ComputeFinancingPlan(ctx context.Context, in workflows.ComputeFinancingInput) (workflows.ComputedFinancing, error) {
	actions := make([]financing.Action, 0, len(in.Actions))
	for _, x := range in.Actions {
		if x.Status == "cancelled" {
			continue // nothing to pay for
		}
		actions = append(actions, financing.Action{ID: x.ID, Type: x.Type, Title: x.Title, StartDate: x.StartDate,
			EndDate: x.EndDate, Hours: x.Hours, CostEUR: x.CostEUR, Certification: x.Certification, LicenceGroup: x.LicenceGroup})
	}
	operator, err := a.caseOperator(ctx, in.CaseID)
	if err != nil {
		return workflows.ComputedFinancing{}, err
	}
	opts := financing.Options{Today: in.Today, ShortfallThresholdEUR: a.ShortfallThresholdEUR, Schemes: a.Schemes, Income: true,
		Operator: operator}
	if in.Facts != nil {
		opts.Facts = *in.Facts
	}
	plan := financing.Compute(in.Situation, actions, in.Revision, opts)
	titles := map[string]string{}
	for _, x := range actions {
		titles[x.ID] = x.Title
	}
	applyDecisions(&plan, in.Requests, a.ShortfallThresholdEUR, in.Today, titles)
	raw, err := json.Marshal(plan)
	if err != nil {
		return workflows.ComputedFinancing{}, err
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		return workflows.ComputedFinancing{}, err
	}
	return workflows.ComputedFinancing{Plan: m, Shortfall: plan.Shortfall, LeftToPayEUR: plan.TotalLeftToPayEUR,
		Reasons: plan.ShortfallReasons}, nil
}

// caseOperator reads the structure holding the case (the case row's structure, as
// last projected), for the rules that depend on who delivers the CEP: a
// résignation-reconversion needs the CEP of APEC, Cap emploi or the regional
// operator. Nil (unknown) without a store, or when the case or its structure is
// not found; a database failure is an error, so the activity retries rather than
// answer "unknown".
func (a *Activities) caseOperator(ctx context.Context, caseID string) (*financing.Operator, error) {
	if a.Store == nil || caseID == "" {
		return nil, nil
	}
	var c models.Case
	err := a.Store.DB.WithContext(ctx).Select("structure_id").Where("id = ?", caseID).Take(&c).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("financing: the case's structure: %w", err)
	}
	var st models.Structure
	err = a.Store.DB.WithContext(ctx).Select("network", "cep_operator").Where("id = ?", c.StructureID).Take(&st).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return nil, nil
	}
	if err != nil {
		return nil, fmt.Errorf("financing: the case's structure: %w", err)
	}
	return &financing.Operator{Network: st.Network, CEPOperator: st.CEPOperator}, nil
}

// applyDecisions brings funders' answers into a computed plan. A refused or partly
// granted share falls to the person until the adviser finds another funder, which is
// exactly what the shortfall alert is for. titles name the actions in the reasons.
func applyDecisions(plan *financing.Plan, requests []workflows.FundingRef, threshold float64, today time.Time, titles map[string]string) {
	if plan.ShortfallReasons == nil {
		plan.ShortfallReasons = []string{}
	}
	type key struct{ funder, action string }
	granted := map[key]float64{}
	decided := map[key]string{}
	for _, r := range requests {
		if r.Status != workflows.FundingRefused && r.Status != workflows.FundingPartiallyGranted {
			continue
		}
		remaining := 0.0
		if r.AmountGranted != nil {
			remaining = *r.AmountGranted
		}
		// A grant for several actions is spread over them in plan order.
		for _, id := range r.ActionIDs {
			k := key{r.Funder, id}
			decided[k] = r.Status
			granted[k] = remaining
		}
	}
	if len(decided) == 0 {
		return
	}
	// The rules' reasons that do not depend on amounts (no income during a
	// training) stand whatever the funders decided.
	var kept []string
	for _, r := range plan.ShortfallReasons {
		if financing.IsNoIncomeReason(r) {
			kept = append(kept, r)
		}
	}
	plan.TotalFundedEUR, plan.TotalLeftToPayEUR = 0, 0
	plan.Shortfall = len(kept) > 0
	plan.ShortfallReasons = append([]string{}, kept...)
	for i := range plan.Actions {
		ap := &plan.Actions[i]
		funded := 0.0
		eligible := false
		for j := range ap.Funders {
			f := &ap.Funders[j]
			k := key{f.Funder, ap.ActionID}
			if status, ok := decided[k]; ok && f.AmountEUR > 0 {
				capAt := math.Min(f.AmountEUR, granted[k])
				granted[k] -= capAt
				reason := fmt.Sprintf("Réponse du financeur : %s, %s accordés sur %s", strings.ToLower(fr.Label(fr.FundingStatus, status)),
					fr.Euros(capAt), fr.Euros(f.AmountEUR))
				f.Explanation = append(f.Explanation, financing.Explanation{Rule: "decision." + f.Funder,
					Version: today.Format(time.DateOnly), Inputs: map[string]any{"decision": status, "granted_eur": capAt},
					Passed: capAt > 0, Outcome: status, Reason: reason})
				f.Conditions = append(f.Conditions, reason)
				ap.LeftToPayEUR += f.AmountEUR - capAt
				f.AmountEUR = capAt
				if status == workflows.FundingRefused {
					f.Status = "not_eligible"
				}
			}
			funded += f.AmountEUR
			if f.Status == "eligible" && f.AmountEUR > 0 {
				eligible = true
			}
		}
		ap.FundedEUR = funded
		plan.TotalFundedEUR += funded
		plan.TotalLeftToPayEUR += ap.LeftToPayEUR
		name := financing.ActionLabel(ap.ActionID, titles[ap.ActionID])
		if ap.CostEUR > 0 && !eligible {
			plan.Shortfall = true
			plan.ShortfallReasons = append(plan.ShortfallReasons, name+" : plus aucun financeur éligible après les réponses des financeurs")
		}
		if ap.LeftToPayEUR > threshold {
			plan.Shortfall = true
			plan.ShortfallReasons = append(plan.ShortfallReasons, financing.LeftToPayReason(name, ap.LeftToPayEUR, threshold))
		}
	}
}

// ProjectFundingRequest writes a funding request's row; an older version never
// overwrites a newer one.
func (a *Activities) ProjectFundingRequest(ctx context.Context, row workflows.FundingRow) error {
	deadlines, _ := json.Marshal(row.Ref.Deadlines)
	m := models.FundingRequest{ID: row.Ref.ID, CaseID: row.CaseID, Funder: row.Ref.Funder, ActionIDs: row.Ref.ActionIDs,
		AmountRequested: row.Ref.AmountRequested, AmountGranted: row.Ref.AmountGranted, Status: row.Ref.Status,
		Deadlines: string(deadlines), DecisionReason: row.Ref.Reason, CreatedBy: row.CreatedBy,
		CreatedAt: row.At, UpdatedAt: row.At, Version: row.Version}
	if m.ActionIDs == nil {
		m.ActionIDs = []string{}
	}
	return projection.Classify(a.Store.DB.WithContext(ctx).Clauses(clause.OnConflict{
		Columns: []clause.Column{{Name: "id"}},
		Where:   clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "funding_requests.version < excluded.version"}}},
		DoUpdates: clause.AssignmentColumns([]string{"amount_granted", "status", "decision_reason", "deadlines",
			"updated_at", "version"}),
	}).Create(&m).Error)
}
