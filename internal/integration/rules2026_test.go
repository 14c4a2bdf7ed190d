package integration

import (
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

// The scenarios of issue 12 ("Done when"), each through the API on the real server:
// the situation's 2026 facts, the new action kinds, the plan's deadlines with their
// kinds, the income list, and the funding request that carries the deadlines as timers.

// level3Case opens a case at Pôle emploi Chartres and brings it to implementation with
// the given situation; it returns the case's path.
func level3Case(t *testing.T, s *stack, tok string, situation map[string]any) string {
	t.Helper()
	id := s.openCase(t, tok, "")
	base := "/api/v1/cases/" + id
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/project", token: tok, body: map[string]any{
		"target_occupation": "Technicien de maintenance", "autonomy": "high", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/implementation", token: tok})
	sit := s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: situation})
	for k, v := range situation {
		if got := sit.get("situation." + k); fmt.Sprint(got) != fmt.Sprint(v) {
			t.Fatalf("situation.%s = %v, want %v: %s", k, got, v, sit.Raw)
		}
	}
	return base
}

func addAction(t *testing.T, s *stack, tok, base string, body map[string]any) string {
	t.Helper()
	return s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: tok, body: body}).str("action.id")
}

func monthsAhead(months int) string {
	return time.Now().UTC().AddDate(0, months, 0).Format(time.DateOnly)
}

// incomeOf is the income line of a kind for an action of the plan (nil if absent).
func incomeOf(plan response, actionID, kind string) map[string]any {
	for _, l := range asList(actionPlan(plan, actionID)["income"]) {
		if m := l.(map[string]any); m["kind"] == kind {
			return m
		}
	}
	return nil
}

func asList(v any) []any { l, _ := v.([]any); return l }

// deadlineKinds maps each deadline label of a funder to its kind.
func deadlineKinds(f map[string]any) map[string]string {
	out := map[string]string{}
	for _, d := range asList(f["deadlines"]) {
		m := d.(map[string]any)
		k, _ := m["kind"].(string)
		out[m["label"].(string)] = k
	}
	return out
}

func kindOfLabel(kinds map[string]string, part string) (string, bool) {
	for l, k := range kinds {
		if strings.Contains(l, part) {
			return k, true
		}
	}
	return "", false
}

// explained says whether a funder's explanation has a step of that rule and outcome,
// with the version's dates and source.
func explained(t *testing.T, f map[string]any, rule, outcome string) bool {
	t.Helper()
	for _, e := range asList(f["explanation"]) {
		m := e.(map[string]any)
		if m["rule"] == rule && m["outcome"] == outcome {
			in := m["inputs"].(map[string]any)
			if in["rule.effective_from"] == nil || in["rule.source"] == nil {
				t.Errorf("%s: explanation without its dates and source: %v", rule, m)
			}
			return true
		}
	}
	return false
}

func TestRules2026CPFOnWorkingTime(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "employed", "contract_type": "cdi", "seniority_months": 60,
		"seniority_current_employer_months": 36, "cpf_balance_eur": 3000, "jobseeker_registered": false, "employer_top_up": false,
		"during_working_time": true, "c2p_points": false, "work_incapacity_10": false})
	// A certification belongs to a training only, and takes the registers' values.
	p := problemOf(t, s.do(t, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "vae", "title": "VAE", "start_date": monthsAhead(8), "cost_eur": 900, "certification": "rncp"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"certification"}) {
		t.Fatalf("certification on a VAE: %s", p.Raw)
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "training", "title": "BTS", "start_date": monthsAhead(8), "cost_eur": 900, "certification": "cap"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"certification"}) {
		t.Fatalf("unknown certification: %s", p.Raw)
	}
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "Titre pro technicien", "certification": "rncp",
		"start_date": monthsAhead(8), "end_date": monthsAhead(11), "hours": 400, "cost_eur": 2500})
	c := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.str("actions.0.certification") != "rncp" {
		t.Fatalf("the certification is not kept: %s", c.Raw)
	}
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if plan.get("action_plan_revision") != float64(1) || plan.get("plan_revision") != nil {
		t.Fatalf("one revision number per plan: action_plan_revision %v, plan_revision %v", plan.get("action_plan_revision"), plan.get("plan_revision"))
	}
	cpf := funderOf(plan, a, "cpf")
	if cpf["status"] != "eligible" || !explained(t, cpf, "cpf.working_time", "passed") {
		t.Fatalf("CPF on working time: %v", cpf)
	}
	kinds := deadlineKinds(cpf)
	if k, ok := kindOfLabel(kinds, "demande d'autorisation à l'employeur (60 jours"); !ok || k != "request_by" {
		t.Fatalf("CPF authorisation request deadline: %v", kinds)
	}
	if k, ok := kindOfLabel(kinds, "son silence vaut acceptation"); !ok || k != "silence_is_acceptance" {
		t.Fatalf("CPF employer answer deadline: %v", kinds)
	}
	// The participation forfaitaire in force is left to the person (no exemption).
	if left := leftToPay(plan, a); left < 100 || left > 110 {
		t.Fatalf("left to pay %.2f, want the 2026 participation forfaitaire", left)
	}
	if incomeOf(plan, a, "salary") == nil {
		t.Fatalf("an employee keeps the salary: %v", actionPlan(plan, a)["income"])
	}
	// The funding request carries the deadlines, with the kinds the plan gave, as timers.
	req := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/funding-requests", token: tok, body: map[string]any{"funder": "cpf", "action_id": a}})
	var got []string
	for _, d := range asList(req.get("deadlines")) {
		got = append(got, fmt.Sprint(d.(map[string]any)["kind"]))
	}
	if !slices.Contains(got, "request_by") || !slices.Contains(got, "silence_is_acceptance") {
		t.Fatalf("funding request deadlines %s", req.Raw)
	}
	// A plan revision that does not exist says so and lists those that do.
	p = problemOf(t, s.do(t, call{method: "GET", path: base + "/financing-plan?revision=7", token: tok}), http.StatusNotFound)
	if !strings.Contains(p.str("detail"), "revision 7") || !strings.Contains(p.str("detail"), "1") || !slices.Equal(fieldsOf(p), []string{"revision"}) {
		t.Fatalf("missing revision problem: %s", p.Raw)
	}
}

func TestRules2026BilanAboveCeiling(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "employed", "contract_type": "cdi", "cpf_balance_eur": 3000,
		"jobseeker_registered": false, "employer_top_up": true, "during_working_time": false})
	a := addAction(t, s, tok, base, map[string]any{"type": "bilan_competences", "title": "Bilan de compétences", "start_date": monthsAhead(3), "cost_eur": 2400})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if ap := actionPlan(plan, a); ap["action_type"] != "bilan_competences" {
		t.Fatalf("action type: %v", ap)
	}
	cpf := funderOf(plan, a, "cpf")
	if funderAmount(plan, a, "cpf") != 1600 || !explained(t, cpf, "cpf.action_ceiling", "passed") {
		t.Fatalf("a bilan is capped at 1,600 EUR on the CPF (décret n° 2026-127): %v", cpf)
	}
	if left := leftToPay(plan, a); left != 800 || plan.get("shortfall") != true {
		t.Fatalf("left to pay %.2f shortfall %v, want 800 above the threshold", left, plan.get("shortfall"))
	}
	c := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.get("financing_alert") != true || c.get("financing.action_plan_revision") != float64(1) {
		t.Fatalf("case after the plan: %s", c.Raw)
	}
	// Closing lowers the alert and keeps it as history.
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "abandoned"}})
	c = s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.get("financing_alert") != false {
		t.Fatalf("a closed case keeps its financing alert: %s", c.Raw)
	}
	id := strings.TrimPrefix(base, "/api/v1/cases/")
	types := eventTypes(t, s, tok, id)
	if !slices.Contains(types, "financing_alert_raised") || types[len(types)-1] != "financing_alert_cleared" {
		t.Fatalf("timeline %v", types)
	}
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?financing_alert=true&page_size=200", token: tok})
	for _, it := range asList(list.get("items")) {
		if it.(map[string]any)["id"] == id {
			t.Fatalf("the closed case is listed as a current alert")
		}
	}
	recordHistory(t, s, id, "financing_alert_cleared")
}

func TestRules2026LicenceForEmployee(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "employed", "contract_type": "cdi", "cpf_balance_eur": 2000,
		"jobseeker_registered": false, "employer_top_up": false, "co_funding_eur": 0})
	a := addAction(t, s, tok, base, map[string]any{"type": "driving_licence", "title": "Permis B", "start_date": monthsAhead(2), "cost_eur": 1200})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	cpf := funderOf(plan, a, "cpf")
	if cpf["status"] != "not_eligible" || !explained(t, cpf, "cpf.driving_licence", "failed") {
		t.Fatalf("an employee without co-funding cannot use the CPF for the licence (LFI 2026): %v", cpf)
	}
	// With a co-funder, the CPF opens, capped at 900 EUR.
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{"employment_status": "employed",
		"contract_type": "cdi", "cpf_balance_eur": 2000, "jobseeker_registered": false, "employer_top_up": false, "co_funding_eur": 300}})
	plan = s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	cpf = funderOf(plan, a, "cpf")
	if cpf["status"] != "eligible" || funderAmount(plan, a, "cpf") > 900 || funderAmount(plan, a, "cpf") <= 0 {
		t.Fatalf("co-funded licence: %v", cpf)
	}
	// The restriction and the ceiling concern the light group only (cftcpacac.fr,
	// aslearning.fr): a heavy licence for the same employee, without co-funding, is open
	// and not capped. A licence group belongs to a driving licence.
	p := problemOf(t, s.do(t, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "training", "title": "BTS", "start_date": monthsAhead(2), "cost_eur": 900, "licence_group": "heavy"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"licence_group"}) {
		t.Fatalf("licence group on a training: %s", p.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{"employment_status": "employed",
		"contract_type": "cdi", "cpf_balance_eur": 2000, "jobseeker_registered": false, "employer_top_up": true, "co_funding_eur": 0}})
	h := addAction(t, s, tok, base, map[string]any{"type": "driving_licence", "title": "Permis C", "licence_group": "heavy",
		"start_date": monthsAhead(3), "cost_eur": 1500})
	plan = s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	cpf = funderOf(plan, h, "cpf")
	if cpf["status"] != "eligible" || cpf["max_amount_eur"] != float64(1500) || !explained(t, cpf, "cpf.driving_licence", "passed") {
		t.Fatalf("heavy licence for an employee without co-funding: %v", cpf)
	}
	if c := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok}); c.str("actions.1.licence_group") != "heavy" {
		t.Fatalf("the licence group is not kept: %s", c.Raw)
	}
}

func TestRules2026ResignationReconversion(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "employed", "contract_type": "cdi", "seniority_months": 60,
		"seniority_current_employer_months": 36, "cpf_balance_eur": 3000, "jobseeker_registered": false, "employer_top_up": false,
		"days_worked_last_60_months": 1400, "monthly_salary_eur": 2200})
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "BTS maintenance", "certification": "rncp",
		"start_date": monthsAhead(8), "end_date": monthsAhead(26), "cost_eur": 9000})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	rr := funderOf(plan, a, "resignation_reconversion")
	if rr == nil || rr["status"] != "eligible" || rr["amount_eur"] != float64(0) || !explained(t, rr, "resignation_reconversion.activity", "passed") {
		t.Fatalf("résignation-reconversion line: %v", rr)
	}
	kinds := deadlineKinds(rr)
	for _, part := range []string{"attestation", "inscription à France Travail"} {
		if k, ok := kindOfLabel(kinds, part); !ok || k != "request_by" {
			t.Fatalf("step %q: %v", part, kinds)
		}
	}
	if l := incomeOf(plan, a, "resignation_benefit"); l == nil || l["status"] != "eligible" {
		t.Fatalf("income after resigning: %v", actionPlan(plan, a)["income"])
	}
	// The case is at Pôle emploi, which cannot deliver the CEP this route needs
	// (ideo.bretagne.bzh): the plan says so and names the operators who can.
	if !explained(t, rr, "resignation_reconversion.cep", "failed") || !slices.ContainsFunc(asList(rr["conditions"]), func(c any) bool {
		return strings.Contains(c.(string), "la structure de ce dossier (Pôle emploi) ne peut pas être ce CEP")
	}) {
		t.Fatalf("a case at Pôle emploi is not that CEP: %v", rr)
	}
}

func TestRules2026PTPForCDDHolder(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "employed", "contract_type": "cdd", "seniority_months": 30,
		"seniority_current_employer_months": 8, "cdd_months_last_12": 8, "cdd_months_last_60": 30, "last_cdd_end_date": monthsAhead(4),
		"cpf_balance_eur": 1500, "jobseeker_registered": false, "employer_top_up": false, "oeth": false, "monthly_salary_eur": 1900})
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "DEAS", "certification": "rncp",
		"start_date": monthsAhead(8), "end_date": monthsAhead(26), "cost_eur": 12000})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	ptp := funderOf(plan, a, "ptp")
	if ptp["status"] != "eligible" || funderAmount(plan, a, "ptp") <= 0 {
		t.Fatalf("PTP for a CDD holder: %v", ptp)
	}
	if conds := fmt.Sprint(ptp["conditions"]); !strings.Contains(conds, "sous réserve de la décision") {
		t.Fatalf("a PTP line is an estimate subject to the commission: %s", conds)
	}
	kinds := deadlineKinds(ptp)
	if k, ok := kindOfLabel(kinds, "pendant le CDD"); !ok || k != "request_by" {
		t.Fatalf("CDD request deadline: %v", kinds)
	}
	if k, ok := kindOfLabel(kinds, "Positionnement préalable"); !ok || k != "request_by" {
		t.Fatalf("positioning step: %v", kinds)
	}
	if k, ok := kindOfLabel(kinds, "Début de la formation au plus tard"); !ok || k != "" {
		t.Fatalf("latest start is informative: %v", kinds)
	}
	if l := incomeOf(plan, a, "ptp_salary"); l == nil || l["monthly_estimate_eur"] != float64(1900) {
		t.Fatalf("PTP salary maintained in full under 2 SMIC: %v", actionPlan(plan, a)["income"])
	}
}

func TestRules2026OETHJobSeeker(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "jobseeker", "contract_type": "none", "jobseeker_registered": true,
		"oeth": true, "cpf_balance_eur": 1000, "qualification_level": "3", "unemployment_benefit": true, "public_sector": false})
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "Titre pro", "certification": "rncp",
		"start_date": monthsAhead(6), "end_date": monthsAhead(9), "cost_eur": 9000})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	var order []string
	for _, f := range asList(actionPlan(plan, a)["funders"]) {
		order = append(order, f.(map[string]any)["funder"].(string))
	}
	if i, j := slices.Index(order, "aif"), slices.Index(order, "agefiph"); i < 0 || j < i {
		t.Fatalf("AIF then AGEFIPH: %v", order)
	}
	if funderAmount(plan, a, "aif") <= 0 || funderStatus(plan, a, "agefiph") != "eligible" {
		t.Fatalf("AIF pays what the others leave, AGEFIPH comes after with its aids: %s", plan.Raw)
	}
	if l := incomeOf(plan, a, "aref"); l == nil || l["status"] != "eligible" {
		t.Fatalf("AREF for a job seeker with benefit: %v", actionPlan(plan, a)["income"])
	}
	// A public-sector agent goes to the FIPHFP instead.
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{"employment_status": "jobseeker",
		"contract_type": "none", "jobseeker_registered": true, "oeth": true, "cpf_balance_eur": 1000, "public_sector": true}})
	plan = s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if funderStatus(plan, a, "agefiph") != "not_eligible" {
		t.Fatalf("public-sector agent: %v", funderOf(plan, a, "agefiph"))
	}
}

func TestRules2026IncomeWithoutBenefit(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	base := level3Case(t, s, tok, map[string]any{"employment_status": "jobseeker", "contract_type": "none", "jobseeker_registered": true,
		"oeth": false, "cpf_balance_eur": 500, "unemployment_benefit": false})
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "CléA", "certification": "clea",
		"start_date": monthsAhead(3), "end_date": monthsAhead(5), "cost_eur": 400})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if l := incomeOf(plan, a, "aref"); l == nil || l["status"] != "not_eligible" {
		t.Fatalf("no AREF without benefit: %v", actionPlan(plan, a)["income"])
	}
	l := incomeOf(plan, a, "region_pay")
	if l == nil || l["status"] != "eligible" || l["monthly_estimate_eur"] != float64(685) {
		t.Fatalf("the Région's pay: %v", l)
	}
	if plan.get("shortfall") != false {
		t.Fatalf("a funded training with the Région's pay is feasible: %s", plan.Raw)
	}
}
