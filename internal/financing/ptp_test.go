package financing

import (
	"slices"
	"strings"
	"testing"
)

// TestPTPRoute covers the PTP steps added against C. trav. L6323-17-1
// (positionnement préalable), L6323-17-2 (the commission decides), D6323-9 (CDD
// route) and loi n° 2025-989 (PTP revised from 1 January 2026).
func TestPTPRoute(t *testing.T) {
	cdd := with(employee(), func(s *Situation) {
		s.ContractType, s.SeniorityMonths, s.SeniorityCurrentEmployerMonths = sp("cdd"), nil, nil
		s.CDDMonthsLast60, s.CDDMonthsLast12, s.LastCDDEndDate = ip(24), ip(4), sp("2026-06-30")
	})
	runCases(t, []fcase{
		{name: "ptp.commission (L6323-17-2): eligible subject to the commission's decision, an estimate", s: employee(), a: training(),
			funder: FunderPTP, status: StatusEligible, amount: 6000, rule: "ptp.commission", outcome: OutcomeUnknown,
			cond: "Eligible subject to the decision of the Transitions Pro joint commission"},
		{name: "ptp.positioning (L6323-17-1): mandatory prior positioning", s: employee(), a: training(), funder: FunderPTP,
			status: StatusEligible, amount: 6000, rule: "ptp.positioning", outcome: OutcomePassed, cond: "positionnement préalable"},
		{name: "ptp.cdd_file (D6323-9): CDD holder files while under contract; contracts that do not count", s: cdd, a: training(),
			funder: FunderPTP, status: StatusEligible, amount: 6000, rule: "ptp.cdd_file", outcome: OutcomePassed, cond: "CUI-CAE"},
		{name: "ptp.cdd_file: a contract already ended is flagged late", s: cdd, a: training(), opts: booked("2026-07-15"),
			funder: FunderPTP, status: StatusEligible, amount: 6000, rule: "ptp.cdd_file", outcome: OutcomePassed,
			cond: "LATE: the PTP funding request (while under the CDD) date 2026-06-30"},
		{name: "ptp.cdd_file: unknown CDD end asks", s: with(cdd, func(s *Situation) { s.LastCDDEndDate = nil }), a: training(),
			funder: FunderPTP, status: StatusNeedsInformation, rule: "ptp.cdd_file", outcome: OutcomeUnknown},
		{name: "ptp.reform@2026-01-01 (loi 2025-989): a 2026 start carries the note", s: employee(), a: training(), funder: FunderPTP,
			status: StatusEligible, amount: 6000, rule: "ptp.reform", outcome: OutcomeUnknown, cond: "loi n° 2025-989"},
		{name: "ptp.reform: a 2025 start does not", s: employee(), a: act(training(), func(a *Action) { a.StartDate, a.EndDate = "2025-12-31", "2026-10-30" }),
			opts: booked("2025-06-01"), funder: FunderPTP, status: StatusEligible, amount: 6000, noCond: "loi n° 2025-989"},
	})
	// The positioning step for a CDD holder still employed comes before the earlier of
	// the leave request and the end of the contract.
	r := funder(t, Evaluate(cdd, act(training(), func(a *Action) { a.EndDate = "2026-12-15" }), opts()), FunderPTP)
	i := slices.IndexFunc(r.Deadlines, func(d Deadline) bool { return strings.HasPrefix(d.Label, "Prior positioning") })
	if i < 0 || r.Deadlines[i].Date != "2026-06-30" {
		t.Errorf("positioning deadline = %+v", r.Deadlines)
	}
}

// TestVAELeave: C. trav. L6422-1 (48 h), R6422-4 (15 days, silence is
// agreement, postponement at most one month); vae.gouv.fr « Congé VAE ».
func TestVAELeave(t *testing.T) {
	vae := Action{ID: "v1", Type: ActionVAE, StartDate: "2026-09-01", CostEUR: 1200, Hours: ip(60)}
	runCases(t, []fcase{
		{name: "vae.leave_notice (R6422-4): silence within 15 days is agreement; postponement at most one month", s: employee(), a: vae,
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, cond: "limited to one month"},
		{name: "vae.leave_notice (L6422-1): leave capped at 48 hours", s: employee(), a: vae, funder: FunderVAE, status: StatusEligible,
			rule: "vae.leave_notice", outcome: OutcomePassed, cond: "only 48 h can be taken as VAE leave"},
		{name: "vae.leave_notice: a path within 48 h has no excess", s: employee(), a: act(vae, func(a *Action) { a.Hours = ip(40) }),
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, noCond: "can be taken as VAE leave"},
	})
	r := funder(t, Evaluate(employee(), vae, opts()), FunderVAE)
	if !slices.ContainsFunc(r.Deadlines, func(d Deadline) bool { return strings.Contains(d.Label, "silence") }) {
		t.Errorf("no silence deadline (the funding request's silence timer needs it): %+v", r.Deadlines)
	}
}
