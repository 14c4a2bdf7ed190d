package console

import (
	"bytes"
	"html"
	"regexp"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/workflows"
)

// renderCase renders the case page of file as showCase lays it out, with now as the
// clock, and returns its HTML and that of its financing section alone.
func renderCase(t *testing.T, file cases.CaseFile, now time.Time) (whole, financingPart string) {
	t.Helper()
	_, v := testViews(t)
	if file.UserNames == nil {
		file.UserNames, file.StructureNames = map[string]string{}, map[string]string{}
	}
	d := caseData{ID: file.Case.ID, File: file, Forms: map[string]*form{}, Now: now, Level: 3}
	for _, name := range caseForms {
		d.Forms[name] = newForm()
	}
	for i := range 3 {
		d.Steps = append(d.Steps, step{N: i + 1, Title: "étape", State: "done"})
	}
	d.financing()
	var buf bytes.Buffer
	if err := v.pages["dossier"].ExecuteTemplate(&buf, "layout", page{Title: "Dossier", Data: d}); err != nil {
		t.Fatal(err)
	}
	var fin bytes.Buffer
	if d.Financing != nil {
		if err := v.pages["dossier"].ExecuteTemplate(&fin, "financing-plan", d.Financing); err != nil {
			t.Fatal(err)
		}
		if !strings.Contains(buf.String(), fin.String()) {
			t.Error("the case page does not show its financing section")
		}
	}
	return buf.String(), fin.String()
}

var (
	tags   = regexp.MustCompile(`(?s)<[^>]*>`)
	spaces = regexp.MustCompile(`\s+`)
)

// textOf is what a person reads of some HTML: its text, entities decoded, spaces collapsed.
func textOf(h string) string {
	return strings.TrimSpace(spaces.ReplaceAllString(html.UnescapeString(tags.ReplaceAllString(h, " ")), " "))
}

// cut cuts the HTML of the element whose opening tag has attribute attr, up to the
// end of the page's part that follows it (the next element named by end, if given).
func cut(t *testing.T, page, attr, end string) string {
	t.Helper()
	i := strings.Index(page, attr)
	if i < 0 {
		t.Fatalf("the page has no %s", attr)
	}
	s := page[i:]
	if end != "" {
		if j := strings.Index(s, end); j >= 0 {
			s = s[:j]
		}
	}
	return s
}

// TestCasePageShowsFinancingInFrench: the financing plan and the funding requests of
// the case page read in French: a built-in funder by its label even when an older plan
// named it in English, a Région scheme by the name its plan gives (a funding request
// keeps only the code), a funder's answer brought into the plan by a French outcome.
func TestCasePageShowsFinancingInFrench(t *testing.T) {
	plan := financing.Plan{Revision: 1, TotalCostEUR: 6000, TotalFundedEUR: 5000, TotalLeftToPayEUR: 1000, Actions: []financing.ActionPlan{{
		ActionID: "a1", ActionType: "training", CostEUR: 6000, FundedEUR: 5000, LeftToPayEUR: 1000,
		Funders: []financing.FunderResult{
			{Funder: "cpf", Name: "Personal training account", Status: "not_eligible", Explanation: []financing.Explanation{
				{Rule: "decision.cpf", Version: "2026-03-04", Outcome: "refused", Reason: "Réponse du financeur : refusée, 0,00\u00a0€ accordés sur 1\u202f000,00\u00a0€"}}},
			{Funder: "region:cvl-parcours-metiers", Name: "Région Centre-Val de Loire - Parcours métiers", Status: "eligible", AmountEUR: 5000},
		}}}}
	file := cases.CaseFile{Case: cases.CaseView{ID: "c1", Stage: workflows.StageImplementation},
		FinancingPlan: &cases.PlanView{Plan: plan, Revision: 1, ComputedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)},
		FundingRequests: []workflows.FundingRef{{ID: "f1", Funder: "region:cvl-parcours-metiers", ActionIDs: []string{"a1"},
			AmountRequested: 5000, Status: workflows.FundingSubmitted}}}
	s, _ := renderCase(t, file, time.Now())
	for _, want := range []string{"Compte personnel de formation (Mon Compte Formation)", "Demande refusée par le financeur",
		`<th scope="row" class="fr-cell--multiline">Région Centre-Val de Loire - Parcours métiers</th>`, "<li>Région Centre-Val de Loire - Parcours métiers : 5\u202f000,00\u00a0€ demandés",
		"Réponse du financeur prise en compte le 4 mars 2026"} {
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

// TestCasePageExplainsThePlan: a plan computed by the financing engine (a CDI employee
// too new in the company for a PTP, a training above the CPF balance) shows, in French,
// every funder's status, conditions and deadlines, each rule's reason, outcome, dates
// and source, the income during the training with its estimate, and why the plan falls
// short in the warning of the raised alert; no code and no ISO date reaches the reader.
func TestCasePageExplainsThePlan(t *testing.T) {
	str := func(s string) *string { return &s }
	num := func(n int) *int { return &n }
	eur := func(x float64) *float64 { return &x }
	yes := true
	hours := 1540
	s := financing.Situation{EmploymentStatus: str("employed"), ContractType: str("cdi"), SeniorityMonths: num(10),
		SeniorityCurrentEmployerMonths: num(10), CPFBalanceEUR: eur(1500), EmployerHeadcount: num(50)}
	actions := []financing.Action{{ID: "a1", Type: "training", Title: "Diplôme d'État d'aide-soignant", StartDate: "2026-09-01",
		Hours: &hours, CostEUR: 4500, Certification: "rncp"}}
	plan := financing.Compute(s, actions, 2, financing.Options{Today: time.Date(2026, 3, 1, 0, 0, 0, 0, time.UTC), Income: true,
		Facts: financing.Facts{MonthlySalaryEUR: eur(2000), DuringWorkingTime: &yes}})
	if !plan.Shortfall || len(plan.ShortfallReasons) == 0 || len(plan.Actions[0].Income) == 0 {
		t.Fatalf("the plan does not exercise the page: shortfall %v %q, income %d", plan.Shortfall, plan.ShortfallReasons, len(plan.Actions[0].Income))
	}
	file := cases.CaseFile{Case: cases.CaseView{ID: "c1", Stage: workflows.StageImplementation, FinancingAlert: true,
		Actions: []workflows.Action{{ID: "a1", Type: "training", Title: "Diplôme d'État d'aide-soignant", StartDate: "2026-09-01", CostEUR: 4500}}},
		FinancingPlan: &cases.PlanView{Plan: plan, Revision: 2, PlanRevision: 3, Shortfall: true, ComputedAt: time.Date(2026, 3, 1, 9, 0, 0, 0, time.UTC)}}
	page, fin := renderCase(t, file, time.Date(2026, 3, 2, 12, 0, 0, 0, time.UTC))
	text := textOf(fin)

	alert := textOf(cut(t, fin, `id="financement-alerte"`, "</div>"))
	if !strings.Contains(page, `fr-alert fr-alert--warning fr-mb-3w" id="financement-alerte"`) {
		t.Error("the raised alert is not a warning")
	}
	for _, r := range plan.ShortfallReasons {
		if !strings.Contains(alert, r) {
			t.Errorf("the alert lacks the shortfall reason %q: %s", r, alert)
		}
	}
	for _, want := range []string{"Il reste 3\u202f000,00\u00a0€ à la charge de la personne", "La coordination a été prévenue"} {
		if !strings.Contains(alert, want) {
			t.Errorf("the alert lacks %q: %s", want, alert)
		}
	}

	want := []string{"Formation « Diplôme d'État d'aide-soignant »", "Version 2 du plan de financement, calculée sur la version 3 du plan d'action",
		"la plus récente des versions appliquées est en vigueur depuis le", "Revenus pendant la formation", "Estimation mensuelle (brut)",
		"2\u202f000,00\u00a0€ par mois"}
	ap := plan.Actions[0]
	var sourceList, codes []string
	explained := func(e financing.Explanation) {
		codes = append(codes, e.Rule)
		for k := range e.Inputs {
			if strings.ContainsAny(k, "._") {
				codes = append(codes, k)
			}
		}
		if src, _ := e.Inputs["rule.source"].(string); src != "" {
			sourceList = append(sourceList, src)
		}
	}
	sources := 0
	for _, f := range ap.Funders {
		want = append(want, fr.FunderName(f.Funder, f.Name), fr.Label(fr.Eligibility, f.Status), "Voir le détail des règles : "+fr.FunderName(f.Funder, f.Name))
		want = append(want, f.Conditions...)
		for _, d := range f.Deadlines {
			want = append(want, d.Label+" : "+fr.DayString(d.Date))
		}
		for _, e := range f.Explanation {
			explained(e)
			want = append(want, fr.Label(fr.RuleOutcome, e.Outcome)+" — "+e.Reason)
			if src, _ := e.Inputs["rule.source"].(string); src != "" {
				sources++
				want = append(want, "Source : "+src)
			}
			if from, _ := e.Inputs["rule.effective_from"].(string); from != "" {
				want = append(want, "Version de la règle en vigueur depuis le "+fr.DayString(from))
			}
		}
	}
	for _, l := range ap.Income {
		want = append(want, l.Name, "Voir le détail des règles : revenus pendant la formation")
		want = append(want, l.Conditions...)
		for _, e := range l.Explanation {
			explained(e)
			want = append(want, e.Reason)
		}
	}
	if sources == 0 {
		t.Error("no rule of the plan names its source: the test checks nothing of the sources")
	}
	for _, w := range want {
		if !strings.Contains(text, w) {
			t.Errorf("the financing section lacks %q", w)
		}
	}
	// The statuses are DSFR tags; the rules are in DSFR accordions the keyboard opens.
	for _, w := range []string{`<p class="fr-tag fr-tag--sm fr-tag--green-emeraude">Éligible</p>`,
		`<p class="fr-tag fr-tag--sm fr-tag--yellow-tournesol">Informations manquantes</p>`,
		`<button type="button" class="fr-accordion__btn" aria-expanded="false" aria-controls="regles-a1-f1">`,
		`<div class="fr-collapse" id="regles-a1-f1">`, `id="regles-a1-revenus"`} {
		if !strings.Contains(fin, w) {
			t.Errorf("the financing section lacks %s", w)
		}
	}
	// The legal sources are citations, shown as the rule book writes them; the rest is
	// read for codes.
	read := text
	for _, src := range sourceList {
		read = strings.ReplaceAll(read, "Source : "+src, "")
	}
	for _, bad := range []*regexp.Regexp{
		regexp.MustCompile(`\b[a-z0-9]+(_[a-z0-9]+)+\b`), // a code
		regexp.MustCompile(`\b\d{4}-\d{2}-\d{2}\b`),      // an ISO date
		regexp.MustCompile(`\b(eligible|passed|failed|unknown)\b`),
		regexp.MustCompile(`code inconnu`),
	} {
		if m := bad.FindString(read); m != "" {
			t.Errorf("the financing section shows %q", m)
		}
	}
	for _, code := range codes {
		if strings.Contains(read, code) {
			t.Errorf("the financing section shows the rule id or input key %q", code)
		}
	}
	if strings.Contains(fin, "style=") || strings.Contains(fin, "<script") {
		t.Error("the financing section has an inline style or script (the CSP forbids them)")
	}
}

// TestFinancingAfterClosure: once the case is closed the alert is lowered; the plan's
// shortfall and its reasons still show, as information.
func TestFinancingAfterClosure(t *testing.T) {
	plan := financing.Plan{Revision: 1, Shortfall: true, ShortfallReasons: []string{"Action « Permis » : aucun revenu pendant la formation"},
		Actions: []financing.ActionPlan{{ActionID: "a1", ActionType: "driving_licence"}}}
	page, _ := renderCase(t, cases.CaseFile{Case: cases.CaseView{ID: "c1", Stage: workflows.StageClosed},
		FinancingPlan: &cases.PlanView{Plan: plan, Revision: 1, Shortfall: true, ComputedAt: time.Now()}}, time.Now())
	alert := cut(t, page, `id="financement-alerte"`, "</div>")
	if !strings.Contains(page, `fr-alert--info fr-mb-3w" id="financement-alerte"`) ||
		!strings.Contains(textOf(alert), "Financement insuffisant (alerte levée à la clôture du dossier)") ||
		!strings.Contains(textOf(alert), "aucun revenu pendant la formation") || strings.Contains(alert, "prévenue") {
		t.Errorf("after closure the shortfall reads: %s", textOf(alert))
	}
	if !strings.Contains(textOf(page), "Permis de conduire") {
		t.Error("the action is not named by its type")
	}
}
