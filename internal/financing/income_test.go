package financing

import (
	"encoding/json"
	"slices"
	"strings"
	"testing"
)

func incomeLine(t *testing.T, p Plan, kind string) IncomeLine {
	t.Helper()
	ls := p.Actions[0].Income
	i := slices.IndexFunc(ls, func(l IncomeLine) bool { return l.Kind == kind })
	if i < 0 {
		t.Fatalf("no %s income line in %+v", kind, ls)
	}
	return ls[i]
}

// TestIncome: income during training. Sources: travail-emploi.gouv.fr (PTP:
// full salary up to 2 SMIC, 90 % above the first year, 60 % after); décret n°
// 2025-1228 (SMIC €1,823.03 from 1 January 2026; €1,801.80 before);
// cap-metiers.pro F 2.0 (AREF); asp-public.fr (trainee pay €685).
func TestIncome(t *testing.T) {
	base := withSchemes(t)
	base.Income = true
	with := func(f Facts) Options { o := base; o.Facts = f; return o }
	est := func(l IncomeLine) float64 {
		if l.MonthlyEstimateEUR == nil {
			return -1
		}
		return *l.MonthlyEstimateEUR
	}
	cases := []struct {
		name   string
		s      Situation
		a      Action
		o      Options
		kind   string
		status string
		est    float64 // -1: no estimate
		gap    string  // substring of a shortfall reason, "" = no income reason
	}{
		{"income.ptp_salary@2026 (D6323-18-1): €3,600 ≤ 2 SMIC (€3,646.06) kept in full", employee(), training(),
			with(Facts{MonthlySalaryEUR: fp(3600), DuringWorkingTime: bp(true)}), IncomePTPSalary, StatusEligible, 3600, ""},
		{"income.ptp_salary@2026: €3,700 > 2 SMIC: 90 % the first year", employee(), training(),
			with(Facts{MonthlySalaryEUR: fp(3700), DuringWorkingTime: bp(true)}), IncomePTPSalary, StatusEligible, 3330, ""},
		{"income.ptp_salary@2025: €3,610 > 2 SMIC of 2025 (€3,603.60): 90 %", employee(),
			act(training(), func(a *Action) { a.StartDate, a.EndDate = "2025-09-01", "2026-06-30" }),
			func() Options { o := with(Facts{MonthlySalaryEUR: fp(3610)}); o.Today = day("2025-03-01"); return o }(), IncomePTPSalary, StatusEligible, 3249, ""},
		{"income.ptp_salary: salary unknown, no estimate", employee(), training(), base, IncomePTPSalary, StatusEligible, -1, ""},
		{"income.salary: an employee keeps the contract's salary", employee(), training(), base, IncomeSalary, StatusEligible, -1, ""},
		{"income.aref: a job seeker with ARE keeps it as AREF", jobseeker(), training(), with(Facts{UnemploymentBenefit: bp(true)}),
			IncomeAREF, StatusEligible, -1, ""},
		{"income.region_pay: a job seeker without benefit: the Région's pay (€685)", jobseeker(), training(),
			with(Facts{UnemploymentBenefit: bp(false)}), IncomeRegionPay, StatusEligible, 685, ""},
		{"income.aref: benefit unknown needs information, no alert", jobseeker(), training(), base, IncomeAREF, StatusNeedsInformation, -1, ""},
		{"income.resignation_benefit: a CDI holder with 1,300 days has the résignation-reconversion line", employee(), training(),
			with(Facts{DaysWorkedLast60Months: ip(1400)}), IncomeResignationBenefit, StatusEligible, -1, ""},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			p := Compute(c.s, []Action{c.a}, 1, c.o)
			checkFrench(t, planTexts(c.name, p))
			l := incomeLine(t, p, c.kind)
			if l.Status != c.status || est(l) != c.est || len(l.Explanation) == 0 || l.Conditions == nil {
				t.Errorf("%s = %+v (estimate %v), want %s %v", c.kind, l, est(l), c.status, c.est)
			}
			if slices.ContainsFunc(p.ShortfallReasons, func(r string) bool { return IsNoIncomeReason(r) }) {
				t.Errorf("unexpected income alert %q", p.ShortfallReasons)
			}
		})
	}
}

// TestIncomeAlert: an action that leaves the person without income raises
// the shortfall with that reason, whether or not the income list is shown.
func TestIncomeAlert(t *testing.T) {
	noRegion := Options{Today: day("2026-03-01"), ShortfallThresholdEUR: 100000, Facts: Facts{UnemploymentBenefit: bp(false)}}
	p := Compute(jobseeker(), []Action{training()}, 1, noRegion)
	checkFrench(t, planTexts("income alert", p))
	if !p.Shortfall || !slices.ContainsFunc(p.ShortfallReasons, func(r string) bool {
		return r == "Action « BTS » : aucun revenu pendant la formation (ni allocation chômage, ni rémunération de la Région)"
	}) {
		t.Errorf("job seeker without benefit nor Région pay: shortfall %v %q", p.Shortfall, p.ShortfallReasons)
	}
	// The activity that applies funders' decisions keeps this reason by recognising it.
	if !slices.ContainsFunc(p.ShortfallReasons, IsNoIncomeReason) || IsNoIncomeReason(LeftToPayReason("Action a1", 600, 500)) {
		t.Errorf("IsNoIncomeReason does not tell the income reason apart: %q", p.ShortfallReasons)
	}
	if p.Actions[0].Income != nil {
		t.Errorf("income list shown without Options.Income: %+v", p.Actions[0].Income)
	}
	raw, _ := json.Marshal(p)
	if strings.Contains(string(raw), `"income"`) {
		t.Errorf("income key in the published plan: %s", raw)
	}
	student := Situation{EmploymentStatus: sp("student"), CPFBalanceEUR: fp(0), JobseekerRegistered: bp(false)}
	p = Compute(student, []Action{training()}, 1, noRegion)
	if !slices.ContainsFunc(p.ShortfallReasons, func(r string) bool {
		return strings.Contains(r, "(étudiant : ni salarié, ni demandeur d'emploi inscrit)")
	}) {
		t.Errorf("student not registered: %q", p.ShortfallReasons)
	}
	if !slices.ContainsFunc(p.ShortfallReasons, func(r string) bool {
		return strings.HasPrefix(r, "Action « BTS » : aucun revenu pendant la formation")
	}) {
		t.Errorf("student: %q", p.ShortfallReasons)
	}
	// With the Région's pay configured there is income: no income reason.
	o := withSchemes(t)
	o.ShortfallThresholdEUR, o.Facts = 100000, Facts{UnemploymentBenefit: bp(false)}
	p = Compute(jobseeker(), []Action{training()}, 1, o)
	if slices.ContainsFunc(p.ShortfallReasons, func(r string) bool { return IsNoIncomeReason(r) }) {
		t.Errorf("Région pay configured: %q", p.ShortfallReasons)
	}
	// A VAE is not a training: no income line, no alert.
	p = Compute(student, []Action{{ID: "v1", Type: ActionVAE, StartDate: "2026-09-01"}}, 1, noRegion)
	if slices.ContainsFunc(p.ShortfallReasons, func(r string) bool { return IsNoIncomeReason(r) }) {
		t.Errorf("VAE: %q", p.ShortfallReasons)
	}
}
