package financing

import (
	"encoding/json"
	"reflect"
	"slices"
	"strings"
	"testing"
)

func TestComputeSplit(t *testing.T) {
	vae := Action{ID: "v1", Type: ActionVAE, Title: "VAE aide-soignant", StartDate: "2026-09-01", CostEUR: 1200}
	creation := Action{ID: "c1", Type: ActionBusinessCreation, Title: "Création d'entreprise", StartDate: "2026-09-01", CostEUR: 9000}
	cases := []struct {
		name      string
		s         Situation
		a         Action
		threshold float64
		want      map[string]float64 // funders with a non-zero share
		left      float64
		shortfall bool
		reason    string
	}{
		{name: "plan.split/aif last resort: job seeker training: CPF, Région, then AIF for the rest",
			s: jobseeker(), a: act(training(), func(a *Action) { a.CostEUR = 8000 }),
			want: map[string]float64{"cpf": 1000, "region:cvl-parcours-metiers": 5000, "aif": 2000}, left: 0},
		// The CPF part of a PTP bears no participation (it is not a purchase on Mon Compte
		// Formation): this case left €100 to pay before.
		{name: "plan.split/cpf.copayment: employee CDI training: CPF then PTP, no participation on the PTP's CPF part",
			s: employee(), a: act(training(), func(a *Action) { a.CostEUR = 10000 }), threshold: 100,
			want: map[string]float64{"cpf": 2000, "ptp": 8000}, left: 0},
		{name: "plan.shortfall/threshold: a short training (no PTP: seniority missing) with a €50 threshold is a shortfall",
			s: with(employee(), func(s *Situation) { s.SeniorityCurrentEmployerMonths = ip(3) }),
			a: act(training(), func(a *Action) { a.CostEUR = 1500 }), threshold: 50,
			want: map[string]float64{"cpf": 1396.8}, left: 103.2, shortfall: true, reason: "reste à charge de 103,20\u00a0€, au-delà du seuil d'alerte de 50,00\u00a0€"},
		{name: "plan.split/cpf.copayment: employer top-up exempts, nothing left to pay",
			s: with(employee(), func(s *Situation) { s.EmployerTopUp = bp(true) }), a: act(training(), func(a *Action) { a.CostEUR = 10000 }),
			want: map[string]float64{"cpf": 2000, "ptp": 8000}, left: 0},
		{name: "plan.split/cpf.copayment: cost not above the co-payment, CPF not mobilised",
			s: employee(), a: Action{ID: "b1", Type: ActionBusinessCreation, StartDate: "2026-09-01", CostEUR: 80},
			threshold: 100, want: map[string]float64{}, left: 80, shortfall: true, reason: "aucun financeur éligible ne prend en charge tout ou partie de son coût"},
		{name: "plan.shortfall/no funder: complementary service for a non-OETH employee",
			s: employee(), a: Action{ID: "s1", Type: ActionComplementaryService, StartDate: "2026-09-01", CostEUR: 500}, threshold: 1000,
			want: map[string]float64{}, left: 500, shortfall: true, reason: "Action s1 : aucun financeur éligible ne prend en charge tout ou partie de son coût"},
		{name: "plan.shortfall: a free job-search action is no shortfall",
			s: employee(), a: Action{ID: "j1", Type: ActionJobSearch, StartDate: "2026-09-01"}, want: map[string]float64{}, left: 0},
		{name: "plan.split/vae: VAE for an employee: CPF then OPCO, co-payment (€103.20 in 2026) left to pay",
			s: with(employee(), func(s *Situation) { s.CPFBalanceEUR = fp(500) }), a: vae, threshold: 110,
			want: map[string]float64{"cpf": 500, "opco:sante": 596.8}, left: 103.2},
		// AGEFIPH sets its aids after analysis: it no longer takes the whole rest (€3,200 before).
		{name: "plan.split/agefiph: OETH job seeker creating a business: CPF, Région; AGEFIPH case by case, the rest is a shortfall",
			s: with(jobseeker(), func(s *Situation) { s.OETH, s.CPFBalanceEUR = bp(true), fp(800) }), a: creation,
			want: map[string]float64{"cpf": 800, "region:cvl-parcours-metiers": 5000}, left: 3200, shortfall: true, reason: "reste à charge de 3\u202f200,00\u00a0€"},
		{name: "plan.split/aif then agefiph: OETH job seeker training: CPF, Région, AIF; AGEFIPH after AIF",
			s: with(jobseeker(), func(s *Situation) { s.OETH = bp(true) }), a: act(training(), func(a *Action) { a.CostEUR = 8000 }),
			want: map[string]float64{"cpf": 1000, "region:cvl-parcours-metiers": 5000, "aif": 2000}, left: 0},
		{name: "plan.shortfall/needs_information: nothing known, every candidate funder needs information",
			s: Situation{}, a: act(training(), func(a *Action) { a.CostEUR = 3000 }), threshold: 5000,
			want: map[string]float64{}, left: 3000, shortfall: true,
			reason: "(informations manquantes pour : Compte personnel de formation (Mon Compte Formation) ; Projet de transition professionnelle (Transitions Pro) ; " +
				"Démission pour reconversion (allocation chômage après démission) ; AGEFICE - fonds d'assurance formation des dirigeants non salariés du commerce, de l'industrie et des services ; " +
				"FAFCEA - fonds d'assurance formation des chefs d'entreprise artisanale ; FIF PL - fonds interprofessionnel de formation des professionnels libéraux ; " +
				"Période de reconversion (OPCO de la branche) - remplace Pro-A et Transitions collectives ; " +
				"OPCO Santé - plan de développement des compétences < 50 salariés (exemple par défaut, à paramétrer par l'OPCO) ; " +
				"Région Centre-Val de Loire - Parcours métiers (exemple par défaut, à paramétrer par la Région) ; Aide individuelle à la formation (France Travail) ; Agefiph)"},
	}
	o := withSchemes(t)
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := o
			o.ShortfallThresholdEUR = c.threshold
			p := Compute(c.s, []Action{c.a}, 1, o)
			checkFrench(t, planTexts(c.name, p))
			if len(p.Actions) != 1 {
				t.Fatalf("actions = %d", len(p.Actions))
			}
			ap := p.Actions[0]
			sum := 0.0
			for _, f := range ap.Funders {
				sum += f.AmountEUR
				if f.AmountEUR != c.want[f.Funder] {
					t.Errorf("%s amount = %v, want %v (%s)", f.Funder, f.AmountEUR, c.want[f.Funder], f.Status)
				}
				if f.AmountEUR > 0 && f.Status != StatusEligible {
					t.Errorf("%s funds while %s", f.Funder, f.Status)
				}
				if len(f.Explanation) == 0 {
					t.Errorf("%s has no explanation", f.Funder)
				}
			}
			if ap.LeftToPayEUR != c.left || round2(sum+ap.LeftToPayEUR) != ap.CostEUR || ap.FundedEUR != round2(sum) {
				t.Errorf("left = %v (want %v), funded %v, sum %v, cost %v", ap.LeftToPayEUR, c.left, ap.FundedEUR, sum, ap.CostEUR)
			}
			if p.Shortfall != c.shortfall {
				t.Errorf("shortfall = %v, want %v (%q)", p.Shortfall, c.shortfall, p.ShortfallReasons)
			}
			if c.reason != "" && !slices.ContainsFunc(p.ShortfallReasons, func(r string) bool { return strings.Contains(r, c.reason) }) {
				t.Errorf("reasons %q lack %q", p.ShortfallReasons, c.reason)
			}
		})
	}
}

func TestComputeExplainsVAEAndCreation(t *testing.T) {
	vae := Action{ID: "v1", Type: ActionVAE, StartDate: "2026-09-01", CostEUR: 1200}
	p := Compute(employee(), []Action{vae}, 1, withSchemes(t))
	v := funder(t, p.Actions[0].Funders, FunderVAE)
	if v.Status != StatusEligible || len(v.Deadlines) != 2 || v.Deadlines[0].Date != "2026-08-02" || v.Deadlines[1].Date != "2026-08-17" {
		t.Errorf("vae in plan = %+v", v)
	}
	c := funder(t, p.Actions[0].Funders, FunderCPF)
	rules := []string{}
	for _, e := range c.Explanation {
		rules = append(rules, e.Rule+"@"+e.Version)
	}
	// The participation is the version in force on the booking day (today, 2026-03-01).
	if strings.Join(rules, " ") != "cpf.action_type@2019-01-01 cpf.ceiling@2019-01-01 cpf.balance@2019-01-01 cpf.working_time@2019-01-01 cpf.copayment@2026-01-01" {
		t.Errorf("cpf rules = %v", rules)
	}
}

func TestComputeTotalsAndDeterminism(t *testing.T) {
	// Given out of date order: the CPF balance (€3,493.60) is consumed by start date.
	// (The figures follow the €103.20 participation of 2026; they used €100 before.)
	actions := []Action{
		{ID: "c1", Type: ActionBusinessCreation, StartDate: "2027-01-10", EndDate: "2027-02-10", Hours: ip(70), CostEUR: 1500},
		{ID: "v1", Type: ActionVAE, StartDate: "2026-10-01", CostEUR: 1200},
		act(training(), func(a *Action) { a.CostEUR = 2500 }),
		{ID: "j1", Type: ActionJobSearch, StartDate: "2026-09-15"},
	}
	s := with(employee(), func(s *Situation) { s.CPFBalanceEUR = fp(3493.6) })
	o := withSchemes(t)
	o.ShortfallThresholdEUR = 105
	p1 := Compute(s, actions, 3, o)
	checkFrench(t, planTexts("totals", p1))
	reversed := o
	reversed.Schemes = slices.Clone(o.Schemes)
	slices.Reverse(reversed.Schemes)
	p2 := Compute(s, actions, 3, reversed)
	if !reflect.DeepEqual(p1, p2) {
		t.Fatal("plan depends on scheme order")
	}
	j1, _ := json.Marshal(p1)
	for range 5 {
		j2, _ := json.Marshal(Compute(s, actions, 3, o))
		if string(j1) != string(j2) {
			t.Fatal("plan is not deterministic")
		}
	}
	if p1.Revision != 3 || len(p1.Actions) != 4 || p1.Actions[0].ActionID != "c1" || p1.Actions[2].ActionID != "a1" {
		t.Fatalf("plan = %+v", p1)
	}
	cpf := func(i int) float64 { return funder(t, p1.Actions[i].Funders, FunderCPF).AmountEUR }
	// cpf.balance shared: training 2,396.80 (+103.20 participation), then VAE 1,096.80 (+103.20), then nothing for c1.
	if cpf(2) != 2396.8 || cpf(1) != 1096.8 || cpf(0) != 0 {
		t.Errorf("cpf shares = %v / %v / %v", cpf(2), cpf(1), cpf(0))
	}
	if r := funder(t, p1.Actions[0].Funders, FunderCPF); r.Status != StatusNotEligible || r.Explanation[2].Inputs["cpf_used_by_earlier_actions_eur"] != 3493.6 {
		t.Errorf("c1 cpf = %+v", r)
	}
	lefts := []float64{1500, 103.2, 103.2, 0}
	for i, want := range lefts {
		if p1.Actions[i].LeftToPayEUR != want {
			t.Errorf("action %s left = %v, want %v", p1.Actions[i].ActionID, p1.Actions[i].LeftToPayEUR, want)
		}
	}
	if !p1.Shortfall || len(p1.ShortfallReasons) != 2 || !strings.Contains(p1.ShortfallReasons[0], "Action c1 :") {
		t.Errorf("shortfall %v %q", p1.Shortfall, p1.ShortfallReasons)
	}
	cost, funded, left := 0.0, 0.0, 0.0
	for _, a := range p1.Actions {
		cost, funded, left = cost+a.CostEUR, funded+a.FundedEUR, left+a.LeftToPayEUR
	}
	if p1.TotalCostEUR != 5200 || p1.TotalFundedEUR != 3493.6 || p1.TotalLeftToPayEUR != 1706.4 ||
		round2(cost) != p1.TotalCostEUR || round2(funded) != p1.TotalFundedEUR || round2(left) != p1.TotalLeftToPayEUR {
		t.Errorf("totals = %v/%v/%v, sums %v/%v/%v", p1.TotalCostEUR, p1.TotalFundedEUR, p1.TotalLeftToPayEUR, cost, funded, left)
	}
}

func TestPlanJSONShape(t *testing.T) {
	o := withSchemes(t)
	o.ShortfallThresholdEUR = 100
	p := Compute(employee(), []Action{training()}, 2, o)
	raw, err := json.Marshal(p)
	if err != nil {
		t.Fatal(err)
	}
	var m map[string]any
	if err := json.Unmarshal(raw, &m); err != nil {
		t.Fatal(err)
	}
	keys := func(v any, want ...string) {
		t.Helper()
		obj := v.(map[string]any)
		for _, k := range want {
			if _, ok := obj[k]; !ok {
				t.Errorf("missing key %q in %v", k, obj)
			}
		}
	}
	keys(m, "revision", "shortfall", "shortfall_reasons", "actions", "total_cost_eur", "total_funded_eur", "total_left_to_pay_eur")
	a := m["actions"].([]any)[0]
	keys(a, "action_id", "action_type", "cost_eur", "funded_eur", "left_to_pay_eur", "funders")
	for _, f := range a.(map[string]any)["funders"].([]any) {
		keys(f, "funder", "name", "status", "amount_eur", "max_amount_eur", "last_resort", "conditions", "deadlines", "explanation")
		fm := f.(map[string]any)
		for _, k := range []string{"conditions", "deadlines", "explanation"} {
			if fm[k] == nil {
				t.Errorf("%s.%s is null", fm["funder"], k)
			}
		}
		for _, e := range fm["explanation"].([]any) {
			keys(e, "rule", "version", "inputs", "passed", "outcome", "reason")
		}
	}
	if !strings.Contains(string(raw), `"shortfall_reasons":[]`) {
		t.Errorf("shortfall_reasons must be [] when empty: %s", raw[:200])
	}
	// Situation JSON names (every fact optional).
	s, _ := json.Marshal(employee())
	for _, k := range []string{"employment_status", "contract_type", "seniority_months", "seniority_current_employer_months",
		"jobseeker_registered", "oeth", "qualification_level", "cpf_balance_eur", "employer_headcount", "economic_dismissal",
		"long_absence", "employer_top_up"} {
		if !strings.Contains(string(s), `"`+k+`"`) {
			t.Errorf("situation JSON lacks %s: %s", k, s)
		}
	}
	var back Situation
	if err := json.Unmarshal([]byte(`{"cdd_months_last_12":4,"cdd_months_last_60":30,"last_cdd_end_date":"2026-06-30"}`), &back); err != nil ||
		*back.CDDMonthsLast12 != 4 || *back.CDDMonthsLast60 != 30 || *back.LastCDDEndDate != "2026-06-30" || back.OETH != nil {
		t.Errorf("situation decode = %+v, %v", back, err)
	}
}
