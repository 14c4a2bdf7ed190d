package console

import (
	"bytes"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/workflows"
)

// TestCasePageShowsFinancingInFrench: the financing plan and the funding requests of
// the case page read in French: a built-in funder by its label even when an older plan
// named it in English, a Région scheme by the name its plan gives (a funding request
// keeps only the code), a funder's answer brought into the plan by a French outcome.
func TestCasePageShowsFinancingInFrench(t *testing.T) {
	a, err := newAssets()
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(a, templateFiles)
	if err != nil {
		t.Fatal(err)
	}
	plan := financing.Plan{Revision: 1, TotalCostEUR: 6000, TotalFundedEUR: 5000, TotalLeftToPayEUR: 1000, Actions: []financing.ActionPlan{{
		ActionID: "a1", ActionType: "training", CostEUR: 6000, FundedEUR: 5000, LeftToPayEUR: 1000,
		Funders: []financing.FunderResult{
			{Funder: "cpf", Name: "Personal training account", Status: "not_eligible", Explanation: []financing.Explanation{
				{Rule: "decision.cpf", Outcome: "refused", Reason: "Réponse du financeur : refusée, 0,00\u00a0€ accordés sur 1\u202f000,00\u00a0€"}}},
			{Funder: "region:cvl-parcours-metiers", Name: "Région Centre-Val de Loire - Parcours métiers", Status: "eligible", AmountEUR: 5000},
		}}}}
	file := cases.CaseFile{Case: cases.CaseView{ID: "c1", Stage: workflows.StageImplementation},
		FinancingPlan: &cases.PlanView{Plan: plan, Revision: 1, ComputedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		FundingRequests: []workflows.FundingRef{{ID: "f1", Funder: "region:cvl-parcours-metiers", ActionIDs: []string{"a1"},
			AmountRequested: 5000, Status: workflows.FundingSubmitted}},
		UserNames: map[string]string{}, StructureNames: map[string]string{}}
	d := caseData{ID: "c1", File: file, Forms: map[string]*form{}, Now: time.Now(), Level: 3,
		FunderNames: map[string]string{"cpf": "Personal training account", "region:cvl-parcours-metiers": "Région Centre-Val de Loire - Parcours métiers"}}
	for _, name := range caseForms {
		d.Forms[name] = newForm()
	}
	for i := range 3 {
		d.Steps = append(d.Steps, step{N: i + 1, Title: "étape", State: "done"})
	}
	var buf bytes.Buffer
	if err := v.pages["dossier"].ExecuteTemplate(&buf, "layout", page{Title: "Dossier", Data: d}); err != nil {
		t.Fatal(err)
	}
	s := buf.String()
	for _, want := range []string{"Compte personnel de formation (Mon Compte Formation)", "Demande refusée par le financeur",
		"Région Centre-Val de Loire - Parcours métiers</td>", "<li>Région Centre-Val de Loire - Parcours métiers : 5\u202f000,00\u00a0€ demandés"} {
		if !strings.Contains(s, want) {
			t.Errorf("case page lacks %q", want)
		}
	}
	for _, raw := range []string{"code inconnu", "Personal training account"} {
		if strings.Contains(s, raw) {
			t.Errorf("case page shows %q", raw)
		}
	}
}
