package activities

import (
	"context"
	"encoding/json"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/workflows"
)

func TestApplyDecisions(t *testing.T) {
	plan := func() financing.Plan {
		return financing.Plan{Revision: 2, Actions: []financing.ActionPlan{{
			ActionID: "a1", CostEUR: 5000, FundedEUR: 5000, LeftToPayEUR: 0,
			Funders: []financing.FunderResult{
				{Funder: "cpf", Status: financing.StatusEligible, AmountEUR: 3000},
				{Funder: "aif", Status: financing.StatusEligible, AmountEUR: 2000},
			},
		}}, TotalCostEUR: 5000, TotalFundedEUR: 5000}
	}
	today := time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC)
	granted := func(v float64) *float64 { return &v }
	tests := []struct {
		name          string
		requests      []workflows.FundingRef
		wantCPF       float64
		wantLeft      float64
		wantShortfall bool
	}{
		{"no decision changes nothing", []workflows.FundingRef{{ID: "r", Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingSubmitted}}, 3000, 0, false},
		{"a refusal moves the share to the person", []workflows.FundingRef{{ID: "r", Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingRefused, AmountGranted: granted(0)}}, 0, 3000, true},
		{"a partial grant caps the share", []workflows.FundingRef{{ID: "r", Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingPartiallyGranted, AmountGranted: granted(2800)}}, 2800, 200, false},
		{"a full grant changes nothing", []workflows.FundingRef{{ID: "r", Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingGranted, AmountGranted: granted(3000)}}, 3000, 0, false},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			p := plan()
			applyDecisions(&p, tt.requests, 500, today, nil)
			ap := p.Actions[0]
			if ap.Funders[0].AmountEUR != tt.wantCPF || ap.LeftToPayEUR != tt.wantLeft || p.Shortfall != tt.wantShortfall {
				t.Fatalf("cpf %.2f left %.2f shortfall %v; want %.2f %.2f %v (reasons %v)", ap.Funders[0].AmountEUR, ap.LeftToPayEUR,
					p.Shortfall, tt.wantCPF, tt.wantLeft, tt.wantShortfall, p.ShortfallReasons)
			}
			if ap.FundedEUR+ap.LeftToPayEUR != ap.CostEUR {
				t.Fatalf("funded %.2f + left %.2f != cost %.2f", ap.FundedEUR, ap.LeftToPayEUR, ap.CostEUR)
			}
			if p.ShortfallReasons == nil {
				t.Fatal("shortfall reasons must be a list, not null")
			}
		})
	}
	// A refusal of the only eligible funder leaves the action without one.
	p := financing.Plan{Actions: []financing.ActionPlan{{ActionID: "a1", CostEUR: 300, FundedEUR: 300,
		Funders: []financing.FunderResult{{Funder: "cpf", Status: financing.StatusEligible, AmountEUR: 300}}}}}
	applyDecisions(&p, []workflows.FundingRef{{Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingRefused, AmountGranted: granted(0)}}, 500, today,
		map[string]string{"a1": "CAP cuisine"})
	if !p.Shortfall || p.Actions[0].Funders[0].Status != financing.StatusNotEligible {
		t.Fatalf("no eligible funder left must be a shortfall: %+v", p)
	}
	// The reasons are French, amounts written the French way, the action named by its title.
	if want := "Action « CAP cuisine » : plus aucun financeur éligible après les réponses des financeurs"; len(p.ShortfallReasons) == 0 || p.ShortfallReasons[0] != want {
		t.Errorf("reasons = %q, want %q first", p.ShortfallReasons, want)
	}
	steps := p.Actions[0].Funders[0].Explanation
	if want := "Réponse du financeur : refusée, 0,00\u00a0€ accordés sur 300,00\u00a0€"; len(steps) != 1 || steps[0].Reason != want ||
		p.Actions[0].Funders[0].Conditions[0] != want {
		t.Errorf("decision step = %+v, want the reason %q", steps, want)
	}
}

// An income reason (no income during a training) does not depend on the funders'
// decisions: it survives them.
func TestApplyDecisionsKeepsIncomeReason(t *testing.T) {
	granted := 2800.0
	const reason = "Action « BTS » : aucun revenu pendant la formation (ni allocation chômage, ni rémunération de la Région)"
	p := financing.Plan{Shortfall: true, ShortfallReasons: []string{reason},
		Actions: []financing.ActionPlan{{ActionID: "a1", CostEUR: 3000, FundedEUR: 3000,
			Funders: []financing.FunderResult{{Funder: "cpf", Status: financing.StatusEligible, AmountEUR: 3000}}}}}
	applyDecisions(&p, []workflows.FundingRef{{Funder: "cpf", ActionIDs: []string{"a1"}, Status: workflows.FundingPartiallyGranted, AmountGranted: &granted}},
		500, time.Date(2026, 11, 26, 0, 0, 0, 0, time.UTC), nil)
	if !p.Shortfall || len(p.ShortfallReasons) != 1 || p.ShortfallReasons[0] != reason {
		t.Fatalf("income reason lost: %v %q", p.Shortfall, p.ShortfallReasons)
	}
}

// The activity hands the rules the action's certification and the case's facts:
// a bilan de compétences booked in 2026 is capped at €1,600 on the CPF (décret n°
// 2026-127), and a training on working time gets the employer's authorisation dates.
func TestComputeFinancingPlanPassesCertificationAndFacts(t *testing.T) {
	a := &Activities{ShortfallThresholdEUR: 10000}
	yes, balance, topUp := true, 5000.0, true
	employed, cdi := "employed", "cdi"
	in := workflows.ComputeFinancingInput{CaseID: "c1", Revision: 1, Today: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
		Situation: financing.Situation{EmploymentStatus: &employed, ContractType: &cdi, CPFBalanceEUR: &balance, EmployerTopUp: &topUp},
		Facts:     &financing.Facts{DuringWorkingTime: &yes},
		Actions: []workflows.Action{
			{ID: "b1", Type: "bilan_competences", StartDate: "2026-06-01", EndDate: "2026-07-15", CostEUR: 2000, Status: "planned"},
			{ID: "r1", Type: "training", Certification: "rs", StartDate: "2026-06-01", EndDate: "2026-07-15", CostEUR: 2500, Status: "planned"},
		}}
	plan := computePlan(context.Background(), t, a, in)
	cpf := func(i int) financing.FunderResult {
		for _, f := range plan.Actions[i].Funders {
			if f.Funder == "cpf" {
				return f
			}
		}
		t.Fatalf("no cpf line for %s", plan.Actions[i].ActionID)
		return financing.FunderResult{}
	}
	if got := cpf(0).AmountEUR; got != 1600 {
		t.Errorf("bilan CPF = %v, want 1600", got)
	}
	if got := cpf(1).AmountEUR; got != 1500 {
		t.Errorf("RS training CPF = %v, want 1500 (the certification must reach the rules)", got)
	}
	if dl := cpf(1).Deadlines; len(dl) != 2 || dl[0].Date != "2026-04-02" {
		t.Errorf("working-time deadlines = %+v (the facts must reach the rules)", dl)
	}
}

// The activity reads the structure holding the case: a résignation-reconversion needs
// the CEP of APEC, Cap emploi or the regional operator (ideo.bretagne.bzh), so a case
// at Pôle emploi is told it cannot be that CEP and a case at the APEC that it is. A
// licence's group reaches the rules: a heavy licence is not capped (LFI 2026 concerns
// the light group only).
func TestComputeFinancingPlanReadsTheCaseOperator(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	employed, cdi, balance, topUp, days := "employed", "cdi", 5000.0, true, 1400
	cep := func(caseID, structureID string) (financing.Explanation, []string) {
		p := batch(1, workflows.StageCounselling)
		p.Case.ID, p.Case.StructureID = caseID, structureID
		if _, err := a.ProjectCase(ctx, p); err != nil {
			t.Fatal(err)
		}
		in := workflows.ComputeFinancingInput{CaseID: p.Case.ID, Revision: 1, Today: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC),
			Situation: financing.Situation{EmploymentStatus: &employed, ContractType: &cdi, CPFBalanceEUR: &balance, EmployerTopUp: &topUp},
			Facts:     &financing.Facts{DaysWorkedLast60Months: &days},
			Actions: []workflows.Action{
				{ID: "t1", Type: "training", Certification: "rncp", StartDate: "2026-09-01", EndDate: "2027-06-30", CostEUR: 6000, Status: "planned"},
				{ID: "d1", Type: "driving_licence", LicenceGroup: "heavy", StartDate: "2026-06-01", CostEUR: 3500, Status: "planned"},
			}}
		plan := computePlan(ctx, t, a, in)
		for _, f := range plan.Actions[1].Funders {
			if f.Funder == "cpf" && (f.Status != financing.StatusEligible || f.MaxAmountEUR != 3500) {
				t.Errorf("heavy licence CPF = %s %v, want eligible 3500 (not capped)", f.Status, f.MaxAmountEUR)
			}
		}
		for _, f := range plan.Actions[0].Funders {
			if f.Funder != financing.FunderResignation {
				continue
			}
			for _, e := range f.Explanation {
				if e.Rule == "resignation_reconversion.cep" {
					return e, f.Conditions
				}
			}
		}
		t.Fatalf("no CEP step for %s: %+v", structureID, plan)
		return financing.Explanation{}, nil
	}
	if e, conds := cep("00000000-0000-4000-8000-000000000001", "pole-emploi-chartres"); e.Outcome != financing.OutcomeFailed ||
		!slices.ContainsFunc(conds, func(c string) bool { return strings.Contains(c, "(Pôle emploi) ne peut pas être ce CEP") }) {
		t.Errorf("case at Pôle emploi: %+v %q", e, conds)
	}
	if e, conds := cep("00000000-0000-4000-8000-000000000002", "apec-centre"); e.Outcome != financing.OutcomePassed ||
		!slices.ContainsFunc(conds, func(c string) bool { return strings.Contains(c, "ce dossier (APEC) est ce CEP") }) {
		t.Errorf("case at the APEC: %+v %q", e, conds)
	}
}

// computePlan runs the activity and reads its plan as the workflow receives it (JSON).
func computePlan(ctx context.Context, t *testing.T, a *Activities, in workflows.ComputeFinancingInput) financing.Plan {
	t.Helper()
	out, err := a.ComputeFinancingPlan(ctx, in)
	if err != nil {
		t.Fatal(err)
	}
	raw, _ := json.Marshal(out.Plan)
	var plan financing.Plan
	if err := json.Unmarshal(raw, &plan); err != nil {
		t.Fatal(err)
	}
	return plan
}
