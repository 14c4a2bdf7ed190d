package financing

import (
	"slices"
	"strings"
	"testing"
	"time"
)

func sp(v string) *string    { return &v }
func ip(v int) *int          { return &v }
func bp(v bool) *bool        { return &v }
func fp(v float64) *float64  { return &v }
func day(s string) time.Time { t, _ := time.Parse(DateLayout, s); return t }
func opts() Options          { return Options{Today: day("2026-03-01")} }
func withSchemes(t *testing.T) Options {
	t.Helper()
	sc, err := DefaultSchemes()
	if err != nil {
		t.Fatal(err)
	}
	o := opts()
	o.Schemes = sc
	return o
}

// employee: CDI, 36 months of seniority incl. 18 in the company, level 4,
// no exemption, CPF €2,000, employer of 30, every fact known.
func employee() Situation {
	return Situation{
		EmploymentStatus: sp("employed"), ContractType: sp("cdi"), SeniorityMonths: ip(36),
		SeniorityCurrentEmployerMonths: ip(18), JobseekerRegistered: bp(false), OETH: bp(false),
		QualificationLevel: sp("4"), CPFBalanceEUR: fp(2000), EmployerHeadcount: ip(30),
		EconomicDismissal: bp(false), LongAbsence: bp(false), EmployerTopUp: bp(false),
	}
}

// jobseeker: registered job seeker, no contract, level 4, CPF €1,000.
func jobseeker() Situation {
	return Situation{
		EmploymentStatus: sp("jobseeker"), ContractType: sp("none"), JobseekerRegistered: bp(true), OETH: bp(false),
		QualificationLevel: sp("4"), CPFBalanceEUR: fp(1000), EconomicDismissal: bp(false), LongAbsence: bp(false),
		EmployerTopUp: bp(false),
	}
}

func with(s Situation, f func(*Situation)) Situation { f(&s); return s }

// training: 2026-09-01 → 2027-06-30, 1200 h (full time, > 6 months), €6,000.
func training() Action {
	return Action{ID: "a1", Type: ActionTraining, Title: "BTS", StartDate: "2026-09-01", EndDate: "2027-06-30", Hours: ip(1200), CostEUR: 6000}
}

func act(a Action, f func(*Action)) Action { f(&a); return a }

func funder(t *testing.T, rs []FunderResult, id string) FunderResult {
	t.Helper()
	for _, r := range rs {
		if r.Funder == id {
			return r
		}
	}
	t.Fatalf("funder %s missing", id)
	return FunderResult{}
}

// fcase is one funder evaluation: the name starts with the rule exercised.
type fcase struct {
	name      string
	s         Situation
	a         Action
	opts      *Options
	funder    string
	status    string
	amount    float64
	rule      string // a step of this rule must be present ...
	outcome   string // ... with this outcome
	cond      string // substring of a condition, if set
	noCond    string // substring that must not appear in conditions
	deadlines []Deadline
}

func runCases(t *testing.T, cases []fcase) {
	t.Helper()
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			o := opts()
			if c.opts != nil {
				o = *c.opts
			}
			rs := Evaluate(c.s, c.a, o)
			checkFrench(t, resultTexts(c.name, rs))
			r := funder(t, rs, c.funder)
			if r.Status != c.status {
				t.Errorf("status = %s, want %s; explanation %+v", r.Status, c.status, r.Explanation)
			}
			if r.AmountEUR != c.amount {
				t.Errorf("amount = %v, want %v", r.AmountEUR, c.amount)
			}
			if r.Conditions == nil || r.Deadlines == nil || r.Explanation == nil {
				t.Errorf("nil slice in %+v", r)
			}
			if c.rule != "" {
				i := slices.IndexFunc(r.Explanation, func(e Explanation) bool { return e.Rule == c.rule })
				if i < 0 {
					t.Fatalf("rule %s not in explanation %+v", c.rule, r.Explanation)
				}
				e := r.Explanation[i]
				if e.Outcome != c.outcome || e.Passed != (c.outcome == OutcomePassed) {
					t.Errorf("rule %s outcome = %s (passed %v), want %s; reason %q", c.rule, e.Outcome, e.Passed, c.outcome, e.Reason)
				}
				if e.Version == "" || e.Reason == "" || e.Inputs == nil {
					t.Errorf("incomplete explanation %+v", e)
				}
			}
			if c.cond != "" && !slices.ContainsFunc(r.Conditions, func(s string) bool { return strings.Contains(s, c.cond) }) {
				t.Errorf("no condition containing %q in %q", c.cond, r.Conditions)
			}
			if c.noCond != "" && slices.ContainsFunc(r.Conditions, func(s string) bool { return strings.Contains(s, c.noCond) }) {
				t.Errorf("unexpected condition containing %q in %q", c.noCond, r.Conditions)
			}
			if c.deadlines != nil && !slices.Equal(r.Deadlines, c.deadlines) {
				t.Errorf("deadlines = %+v, want %+v", r.Deadlines, c.deadlines)
			}
		})
	}
}
