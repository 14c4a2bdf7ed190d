package financing

import (
	"strings"
	"testing"
)

// booked returns options whose Today (the booking day) is d.
func booked(d string) *Options { o := Options{Today: day(d)}; return &o }

// TestCPFCoPaymentDated covers each figure of the participation forfaitaire on
// both sides of its date. Sources: décret n° 2024-394 du 29 avril 2024 (€100
// from 2 May 2024); arrêté du 26 décembre 2024 (€102.23 from 1 January 2025);
// arrêté du 30 décembre 2025 (€103.20 from 1 January 2026).
func TestCPFCoPaymentDated(t *testing.T) {
	small := Action{ID: "a1", Type: ActionTraining, Certification: CertificationRNCP, StartDate: "2027-03-01", EndDate: "2027-05-01", CostEUR: 1500}
	runCases(t, []fcase{
		{name: "cpf.copayment@2019-01-01 (loi 2018-771): booked 2024-05-01, no participation", s: employee(), a: small,
			opts: booked("2024-05-01"), funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.copayment", outcome: OutcomePassed},
		{name: "cpf.copayment@2024-05-02 (décret 2024-394): booked 2024-05-02, €100", s: employee(), a: small,
			opts: booked("2024-05-02"), funder: FunderCPF, status: StatusEligible, amount: 1400, rule: "cpf.copayment", outcome: OutcomePassed,
			cond: "Participation forfaitaire de 100,00\u00a0€"},
		{name: "cpf.copayment@2024-05-02 (décret 2024-394): booked 2024-12-31, still €100", s: employee(), a: small,
			opts: booked("2024-12-31"), funder: FunderCPF, status: StatusEligible, amount: 1400, rule: "cpf.copayment", outcome: OutcomePassed},
		{name: "cpf.copayment@2025-01-01 (arrêté 26 Dec 2024): booked 2025-01-01, €102.23", s: employee(), a: small,
			opts: booked("2025-01-01"), funder: FunderCPF, status: StatusEligible, amount: 1397.77, rule: "cpf.copayment", outcome: OutcomePassed,
			cond: "Participation forfaitaire de 102,23\u00a0€"},
		{name: "cpf.copayment@2025-01-01 (arrêté 26 Dec 2024): booked 2025-12-31, still €102.23", s: employee(), a: small,
			opts: booked("2025-12-31"), funder: FunderCPF, status: StatusEligible, amount: 1397.77, rule: "cpf.copayment", outcome: OutcomePassed},
		{name: "cpf.copayment@2026-01-01 (arrêté 30 Dec 2025): booked 2026-01-01, €103.20", s: employee(), a: small,
			opts: booked("2026-01-01"), funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.copayment", outcome: OutcomePassed,
			cond: "Participation forfaitaire de 103,20\u00a0€"},
		{name: "cpf.copayment: a started action is dated by its start (2025-06-01, €102.23) even computed in 2026",
			s: employee(), a: act(small, func(a *Action) { a.StartDate, a.EndDate = "2025-06-01", "2025-07-01" }),
			opts: booked("2026-03-01"), funder: FunderCPF, status: StatusEligible, amount: 1397.77, rule: "cpf.copayment", outcome: OutcomePassed},
		{name: "cpf.copayment (décret 2024-394): registered job seeker exempt", s: with(jobseeker(), func(s *Situation) { s.CPFBalanceEUR = fp(2000) }),
			a: small, funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.copayment", outcome: OutcomePassed, noCond: "Participation"},
		{name: "cpf.copayment (décret 2024-394): declared job seeker, registration false, pays", s: with(employee(), func(s *Situation) {
			s.EmploymentStatus, s.JobseekerRegistered = sp("jobseeker"), bp(false)
		}), a: small, funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.copayment", outcome: OutcomePassed},
		{name: "cpf.copayment (décret 2024-394): C2P points exempt", s: employee(), a: small,
			opts: &Options{Today: day("2026-03-01"), Facts: Facts{C2PPoints: bp(true)}}, funder: FunderCPF, status: StatusEligible, amount: 1500,
			rule: "cpf.copayment", outcome: OutcomePassed, noCond: "Participation"},
		{name: "cpf.copayment (L6323-7; una-formation.fr, fgtafo.fr): a Région co-funding does not waive it; only the employer or the OPCO may pay it", s: employee(), a: small,
			opts: &Options{Today: day("2026-03-01"), Facts: Facts{CoFundingEUR: fp(300)}}, funder: FunderCPF, status: StatusEligible, amount: 1396.8,
			rule: "cpf.copayment", outcome: OutcomePassed, cond: "Seuls l'employeur ou l'OPCO peuvent payer la participation à la place de la personne ; un cofinancement ne l'en dispense pas",
			noCond: "Région, France Travail"},
		{name: "cpf.copayment (una-formation.fr, fgtafo.fr): an employee learns that the employer or the OPCO may pay it", s: employee(), a: small,
			funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.copayment", outcome: OutcomePassed, cond: "Seuls l'employeur ou l'OPCO"},
		{name: "cpf.copayment: a job seeker not registered, without co-funding, has no employer to pay it", s: with(jobseeker(), func(s *Situation) {
			s.JobseekerRegistered, s.CPFBalanceEUR = bp(false), fp(2000)
		}), a: small, funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.copayment", outcome: OutcomePassed, noCond: "Seuls l'employeur"},
		{name: "cpf.copayment (décret 2024-394, CSS L432-12): incapacity ≥ 10 % exempt", s: employee(), a: small,
			opts: &Options{Today: day("2026-03-01"), Facts: Facts{WorkIncapacity10: bp(true)}}, funder: FunderCPF, status: StatusEligible, amount: 1500,
			rule: "cpf.copayment", outcome: OutcomePassed, noCond: "Participation"},
	})
}

// TestCPFActionCeilings: décret n° 2026-127 du 24 février 2026 (C. trav.
// D6323-1 A), in force 26 February 2026: RS other than CléA €1,500, bilan de
// compétences €1,600, driving licence €900; each on both sides of the date.
func TestCPFActionCeilings(t *testing.T) {
	rich := with(employee(), func(s *Situation) { s.CPFBalanceEUR, s.EmployerTopUp = fp(5000), bp(true) })
	bilan := Action{ID: "b1", Type: ActionBilanCompetences, StartDate: "2026-06-01", EndDate: "2026-07-15", CostEUR: 2000}
	rs := Action{ID: "r1", Type: ActionTraining, Certification: CertificationRS, StartDate: "2026-06-01", EndDate: "2026-07-15", CostEUR: 2500}
	licence := Action{ID: "d1", Type: ActionDrivingLicence, StartDate: "2026-06-01", CostEUR: 1800}
	licenceCo := &Options{Today: day("2026-02-26"), Facts: Facts{CoFundingEUR: fp(100)}}
	runCases(t, []fcase{
		{name: "cpf.action_ceiling@2019-01-01: bilan booked 2026-02-25, no per-action ceiling", s: rich, a: bilan, opts: booked("2026-02-25"),
			funder: FunderCPF, status: StatusEligible, amount: 2000, rule: "cpf.action_ceiling", outcome: OutcomePassed},
		{name: "cpf.action_ceiling@2026-02-26 (décret 2026-127): bilan booked 2026-02-26, capped at €1,600", s: rich, a: bilan, opts: booked("2026-02-26"),
			funder: FunderCPF, status: StatusEligible, amount: 1600, rule: "cpf.action_ceiling", outcome: OutcomePassed, cond: "CPF plafonné à 1\u202f600,00\u00a0€ pour cette action"},
		{name: "cpf.action_ceiling@2019-01-01: RS training booked 2026-02-25, no ceiling", s: rich, a: rs, opts: booked("2026-02-25"),
			funder: FunderCPF, status: StatusEligible, amount: 2500, rule: "cpf.action_ceiling", outcome: OutcomePassed},
		{name: "cpf.action_ceiling@2026-02-26 (décret 2026-127): RS training capped at €1,500", s: rich, a: rs, opts: booked("2026-02-26"),
			funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.action_ceiling", outcome: OutcomePassed},
		{name: "cpf.action_ceiling (décret 2026-127): CléA is not capped", s: rich, a: act(rs, func(a *Action) { a.Certification = CertificationCleA }),
			opts: booked("2026-03-01"), funder: FunderCPF, status: StatusEligible, amount: 2500},
		{name: "cpf.action_ceiling (décret 2026-127): RNCP is not capped", s: rich, a: act(rs, func(a *Action) { a.Certification = CertificationRNCP }),
			opts: booked("2026-03-01"), funder: FunderCPF, status: StatusEligible, amount: 2500},
		{name: "cpf.action_ceiling (décret 2026-127): certification not given, not capped, asks", s: rich, a: act(rs, func(a *Action) { a.Certification = "" }),
			opts: booked("2026-03-01"), funder: FunderCPF, status: StatusEligible, amount: 2500, rule: "cpf.action_ceiling", outcome: OutcomeUnknown,
			cond: "Renseigner la certification"},
		{name: "cpf.driving_licence@2024-05-19 (décret 2024-444): employee booked 2026-02-25, open without a valid licence, no ceiling", s: rich, a: licence, opts: booked("2026-02-25"),
			funder: FunderCPF, status: StatusEligible, amount: 1800, rule: "cpf.driving_licence", outcome: OutcomePassed, cond: "pas de permis de conduire en cours de validité"},
		{name: "cpf.driving_licence@2026-02-26 (LFI 2026 art. 203): employee without co-funding, not eligible", s: rich, a: licence,
			opts: &Options{Today: day("2026-02-26"), Facts: Facts{CoFundingEUR: fp(0)}}, funder: FunderCPF, status: StatusNotEligible,
			rule: "cpf.driving_licence", outcome: OutcomeFailed, cond: "seulement pour un demandeur d'emploi inscrit"},
		{name: "cpf.driving_licence@2026-02-26: employee, co-funding €99 is below the €100 minimum", s: rich, a: licence,
			opts: &Options{Today: day("2026-02-26"), Facts: Facts{CoFundingEUR: fp(99)}}, funder: FunderCPF, status: StatusNotEligible,
			rule: "cpf.driving_licence", outcome: OutcomeFailed},
		{name: "cpf.driving_licence@2026-02-26: employee co-funded €100, capped at €900", s: rich, a: licence, opts: licenceCo,
			funder: FunderCPF, status: StatusEligible, amount: 900, rule: "cpf.driving_licence", outcome: OutcomePassed},
		{name: "cpf.driving_licence@2026-02-26: co-funding unknown needs information", s: rich, a: licence, opts: booked("2026-02-26"),
			funder: FunderCPF, status: StatusNeedsInformation, rule: "cpf.driving_licence", outcome: OutcomeUnknown},
		{name: "cpf.driving_licence@2026-02-26: registered job seeker, no co-funding needed, €900", s: with(jobseeker(), func(s *Situation) { s.CPFBalanceEUR = fp(2000) }),
			a: licence, opts: booked("2026-03-01"), funder: FunderCPF, status: StatusEligible, amount: 900, rule: "cpf.driving_licence", outcome: OutcomePassed},
	})
}

// TestCPFWorkingTime: C. trav. L6323-17, D6323-4 (juritravail.com, editions-tissot.fr).
func TestCPFWorkingTime(t *testing.T) {
	onTime := &Options{Today: day("2026-03-01"), Facts: Facts{DuringWorkingTime: bp(true)}}
	short := Action{ID: "a1", Type: ActionTraining, Certification: CertificationRNCP, StartDate: "2026-09-01", EndDate: "2026-12-15", CostEUR: 1500}
	runCases(t, []fcase{
		{name: "cpf.working_time (D6323-4): under 6 months, 60 days, answer 30 days, silence is acceptance", s: employee(), a: short, opts: onTime,
			funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.working_time", outcome: OutcomePassed, cond: "son silence vaut acceptation",
			deadlines: []Deadline{
				{"CPF sur le temps de travail : demande d'autorisation à l'employeur (60 jours avant le début)", "2026-07-03", DeadlineRequestBy},
				{"Réponse de l'employeur à la demande d'autorisation CPF (30 jours ; son silence vaut acceptation)", "2026-08-02", DeadlineSilenceIsAcceptance}}},
		{name: "cpf.working_time (D6323-4): 6 months or more, 120 days", s: employee(), a: training(), opts: onTime,
			funder: FunderCPF, status: StatusEligible, amount: 2000, rule: "cpf.working_time", outcome: OutcomePassed,
			deadlines: []Deadline{
				{"CPF sur le temps de travail : demande d'autorisation à l'employeur (120 jours avant le début)", "2026-05-04", DeadlineRequestBy},
				{"Réponse de l'employeur à la demande d'autorisation CPF (30 jours ; son silence vaut acceptation)", "2026-06-03", DeadlineSilenceIsAcceptance}}},
		{name: "cpf.working_time: outside working time, no deadline", s: employee(), a: short,
			opts:   &Options{Today: day("2026-03-01"), Facts: Facts{DuringWorkingTime: bp(false)}},
			funder: FunderCPF, status: StatusEligible, amount: 1396.8, deadlines: []Deadline{}},
		{name: "cpf.working_time: unknown, asks, no deadline", s: employee(), a: short, funder: FunderCPF, status: StatusEligible,
			amount: 1396.8, rule: "cpf.working_time", outcome: OutcomeUnknown, cond: "Si la formation a lieu sur le temps de travail", deadlines: []Deadline{}},
		{name: "cpf.working_time: request date past is flagged late", s: employee(), a: short,
			opts:   &Options{Today: day("2026-07-10"), Facts: Facts{DuringWorkingTime: bp(true)}},
			funder: FunderCPF, status: StatusEligible, amount: 1396.8, rule: "cpf.working_time", outcome: OutcomePassed, cond: "EN RETARD : la date limite pour la demande d'autorisation CPF, le 3 juillet 2026, est déjà passée"},
	})
}

// TestRuleBook: every step names a version in force on its date, with dates and a source.
func TestRuleBook(t *testing.T) {
	for _, c := range []struct{ id, d, want, to string }{
		{"cpf.copayment", "2024-05-01", "2019-01-01", "2024-05-01"},
		{"cpf.copayment", "2024-05-02", "2024-05-02", "2024-12-31"},
		{"cpf.copayment", "2025-01-01", "2025-01-01", "2025-12-31"},
		{"cpf.copayment", "2026-01-01", "2026-01-01", ""},
		{"cpf.action_ceiling", "2026-02-25", "2019-01-01", "2026-02-25"},
		{"cpf.action_ceiling", "2026-02-26", "2026-02-26", ""},
		{"cpf.driving_licence", "2024-05-18", "2024-01-01", "2024-05-18"},
		{"cpf.driving_licence", "2024-05-19", "2024-05-19", "2026-02-25"},
		{"cpf.driving_licence", "2026-02-26", "2026-02-26", ""},
		{"vae.leave_notice", "2023-12-31", "2019-01-01", "2023-12-31"},
		{"vae.leave_notice", "2024-01-01", "2024-01-01", "2024-04-12"},
		{"vae.leave_notice", "2024-04-13", "2024-04-13", ""},
		{"resignation_reconversion.activity", "2024-12-31", "2019-11-01", "2024-12-31"},
		{"resignation_reconversion.activity", "2025-01-01", "2025-01-01", ""},
		{"cpf.copayment", "2000-01-01", "2019-01-01", "2024-05-01"}, // before the first version: the first
	} {
		r := ruleAt(c.id, day(c.d))
		if r.Version != c.want || r.To != c.to || r.Source == "" {
			t.Errorf("ruleAt(%s, %s) = %+v, want version %s to %q", c.id, c.d, r, c.want, c.to)
		}
	}
	if r := ruleAt("cpf.copayment", day("")); r.Version != "2026-01-01" {
		t.Errorf("unknown day: %+v, want the latest", r)
	}
	for _, r := range ruleBook {
		if r.Source == "" || (r.To != "" && r.To < r.Version) {
			t.Errorf("rule %s@%s: source %q, to %q", r.ID, r.Version, r.Source, r.To)
		}
	}
	// Versions of one rule follow each other without gap or overlap.
	last := map[string]rule{}
	for _, r := range ruleBook {
		if p, ok := last[r.ID]; ok {
			if p.To == "" || day(p.To).AddDate(0, 0, 1).Format(DateLayout) != r.Version {
				t.Errorf("rule %s: version %s does not follow %s (to %q)", r.ID, r.Version, p.Version, p.To)
			}
		}
		last[r.ID] = r
	}
	res := Evaluate(employee(), training(), opts())
	for _, f := range res {
		for _, e := range f.Explanation {
			if e.Inputs["rule.effective_from"] != e.Version {
				t.Errorf("%s: effective_from %v, version %s", e.Rule, e.Inputs["rule.effective_from"], e.Version)
			}
			if !strings.HasPrefix(e.Rule, "opco:") && !strings.HasPrefix(e.Rule, "region:") && e.Inputs["rule.source"] == nil {
				t.Errorf("%s: no source", e.Rule)
			}
		}
	}
}
