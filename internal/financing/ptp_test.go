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
			cond: "Éligible sous réserve de la décision de la commission paritaire"},
		{name: "ptp.positioning (L6323-17-1): mandatory prior positioning", s: employee(), a: training(), funder: FunderPTP,
			status: StatusEligible, amount: 6000, rule: "ptp.positioning", outcome: OutcomePassed, cond: "Positionnement préalable obligatoire par l'organisme de formation"},
		{name: "ptp.cdd_file (D6323-9): CDD holder files while under contract; contracts that do not count", s: cdd, a: training(),
			funder: FunderPTP, status: StatusEligible, amount: 6000, rule: "ptp.cdd_file", outcome: OutcomePassed, cond: "CUI-CAE"},
		{name: "ptp.cdd_file: a contract already ended is flagged late", s: cdd, a: training(), opts: booked("2026-07-15"),
			funder: FunderPTP, status: StatusEligible, amount: 6000, rule: "ptp.cdd_file", outcome: OutcomePassed,
			cond: "EN RETARD : la date limite pour la demande de financement du PTP (pendant le CDD), le 30 juin 2026, est déjà passée"},
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
	i := slices.IndexFunc(r.Deadlines, func(d Deadline) bool { return strings.HasPrefix(d.Label, "Positionnement préalable") })
	if i < 0 || r.Deadlines[i].Date != "2026-06-30" {
		t.Errorf("positioning deadline = %+v", r.Deadlines)
	}
}

// TestVAELeave: décret n° 2024-332 (48 h), R6422-4 as amended by décret n°
// 2023-1275 (15 days, silence is agreement, postponement at most one month);
// vae.gouv.fr « Congé VAE ». TestVAELeaveDated covers the earlier states.
func TestVAELeave(t *testing.T) {
	vae := Action{ID: "v1", Type: ActionVAE, StartDate: "2026-09-01", CostEUR: 1200, Hours: ip(60)}
	runCases(t, []fcase{
		{name: "vae.leave_notice (R6422-4): silence within 15 days is agreement; postponement at most one month", s: employee(), a: vae,
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, cond: "un report pour raisons de service est limité à un mois"},
		{name: "vae.leave_notice@2024-04-13 (décret 2024-332): leave capped at 48 hours", s: employee(), a: vae, funder: FunderVAE, status: StatusEligible,
			rule: "vae.leave_notice", outcome: OutcomePassed, cond: "seules 48 h peuvent être prises en congé VAE"},
		{name: "vae.leave_notice: a path within 48 h has no excess", s: employee(), a: act(vae, func(a *Action) { a.Hours = ip(40) }),
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, noCond: "peuvent être prises en congé VAE"},
	})
	r := funder(t, Evaluate(employee(), vae, opts()), FunderVAE)
	if !slices.ContainsFunc(r.Deadlines, func(d Deadline) bool { return strings.Contains(d.Label, "silence") }) {
		t.Errorf("no silence deadline (the funding request's silence timer needs it): %+v", r.Deadlines)
	}
}

// TestResignation: C. trav. L5422-1 II; demission-reconversion.gouv.fr
// (private-law CDI, mandatory CEP, Transitions Pro attestation, registration and
// claim within 6 months of its decision); 1,300 days in the last 60 months on both
// sides (TestResignationSources covers the CEP operator and the dated sources).
func TestResignation(t *testing.T) {
	days := func(n int) *Options {
		return &Options{Today: day("2026-03-01"), Facts: Facts{DaysWorkedLast60Months: ip(n)}}
	}
	runCases(t, []fcase{
		{name: "resignation_reconversion.activity: 1,300 days worked is enough", s: employee(), a: training(), opts: days(1300),
			funder: FunderResignation, status: StatusEligible, amount: 0, rule: "resignation_reconversion.activity", outcome: OutcomePassed,
			cond: "CEP obligatoire avant de démissionner",
			deadlines: []Deadline{
				{"Démission pour reconversion : attestation « réel et sérieux » de Transitions Pro avant de démissionner (au plus tard avant le début)", "2026-09-01", DeadlineRequestBy},
				{"Démission pour reconversion : inscription à France Travail et demande d'allocation avant le début (dans les 6 mois suivant la notification de la décision de Transitions Pro)", "2026-09-01", DeadlineRequestBy}}},
		{name: "resignation_reconversion.activity: 1,299 days is not", s: employee(), a: training(), opts: days(1299),
			funder: FunderResignation, status: StatusNotEligible, rule: "resignation_reconversion.activity", outcome: OutcomeFailed},
		{name: "resignation_reconversion.activity: unknown days needs information", s: employee(), a: training(),
			funder: FunderResignation, status: StatusNeedsInformation, rule: "resignation_reconversion.activity", outcome: OutcomeUnknown},
		{name: "resignation_reconversion.public: a CDD holder cannot use it", s: with(employee(), func(s *Situation) { s.ContractType = sp("cdd") }),
			a: training(), opts: days(1500), funder: FunderResignation, status: StatusNotEligible, rule: "resignation_reconversion.public", outcome: OutcomeFailed},
		{name: "resignation_reconversion.public: business creation is a project too", s: employee(), a: act(training(), func(a *Action) { a.Type = ActionBusinessCreation }),
			opts: days(1500), funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.public", outcome: OutcomePassed},
		{name: "resignation_reconversion.action_type: VAE is not a reconversion project", s: employee(), a: act(training(), func(a *Action) { a.Type = ActionVAE }),
			opts: days(1500), funder: FunderResignation, status: StatusNotEligible, rule: "resignation_reconversion.action_type", outcome: OutcomeFailed},
	})
}
