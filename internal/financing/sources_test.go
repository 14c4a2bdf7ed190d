package financing

import (
	"slices"
	"strings"
	"testing"
)

// The rules checked against the texts for issue 12 (research12.md): each case names
// its source, and each dated figure is tried on both sides of its date.

// TestCPFLicenceGroups: loi n° 2023-479 (every category from 1 January 2024);
// décret n° 2024-444 (from 19 May 2024 a light-group licence other than BE only
// without a valid licence; heavy group not concerned); LFI 2026 art. 203 and décret
// n° 2026-127 (from 26 February 2026 the light group only for registered job seekers
// or with a co-funding, capped at €900; heavy group unchanged: cftcpacac.fr,
// aslearning.fr).
func TestCPFLicenceGroups(t *testing.T) {
	rich := with(employee(), func(s *Situation) { s.CPFBalanceEUR, s.EmployerTopUp = fp(5000), bp(true) })
	light := Action{ID: "d1", Type: ActionDrivingLicence, StartDate: "2026-06-01", CostEUR: 1800}
	heavy := act(light, func(a *Action) { a.LicenceGroup, a.CostEUR = LicenceGroupHeavy, 3500 })
	noCo := func(d string) *Options { return &Options{Today: day(d), Facts: Facts{CoFundingEUR: fp(0)}} }
	runCases(t, []fcase{
		{name: "cpf.driving_licence@2024-01-01 (loi 2023-479): light licence booked 2024-05-18, any holder, no licence condition", s: rich, a: light,
			opts: noCo("2024-05-18"), funder: FunderCPF, status: StatusEligible, amount: 1800, rule: "cpf.driving_licence", outcome: OutcomePassed,
			noCond: "en cours de validité"},
		{name: "cpf.driving_licence@2024-05-19 (décret 2024-444): light licence booked 2024-05-19, only without a valid licence", s: rich, a: light,
			opts: noCo("2024-05-19"), funder: FunderCPF, status: StatusEligible, amount: 1800, rule: "cpf.driving_licence", outcome: OutcomePassed,
			cond: "Permis du groupe léger (sauf BE) : seulement si la personne n'a pas de permis de conduire en cours de validité"},
		{name: "cpf.driving_licence@2024-05-19 (décret 2024-444): heavy licence booked 2024-05-19, no licence condition", s: rich, a: heavy,
			opts: noCo("2024-05-19"), funder: FunderCPF, status: StatusEligible, amount: 3500, rule: "cpf.driving_licence", outcome: OutcomePassed,
			noCond: "en cours de validité"},
		{name: "cpf.driving_licence@2026-02-26 (LFI 2026, cftcpacac.fr): heavy licence for an employee without co-funding stays open", s: rich, a: heavy,
			opts: noCo("2026-02-26"), funder: FunderCPF, status: StatusEligible, amount: 3500, rule: "cpf.driving_licence", outcome: OutcomePassed,
			noCond: "demandeur d'emploi inscrit"},
		{name: "cpf.action_ceiling@2026-02-26 (aslearning.fr, groupe léger 900 €): a heavy licence is not capped", s: rich, a: heavy,
			opts: noCo("2026-02-26"), funder: FunderCPF, status: StatusEligible, amount: 3500, rule: "cpf.action_ceiling", outcome: OutcomePassed,
			noCond: "CPF plafonné"},
		{name: "cpf.driving_licence@2026-02-26: a licence without a group is light: employee without co-funding refused", s: rich, a: light,
			opts: noCo("2026-02-26"), funder: FunderCPF, status: StatusNotEligible, rule: "cpf.driving_licence", outcome: OutcomeFailed},
		{name: "cpf.action_ceiling@2026-02-26: light licence given explicitly, co-funded, capped at €900", s: rich,
			a:    act(light, func(a *Action) { a.LicenceGroup = LicenceGroupLight }),
			opts: &Options{Today: day("2026-02-26"), Facts: Facts{CoFundingEUR: fp(100)}}, funder: FunderCPF, status: StatusEligible, amount: 900,
			rule: "cpf.action_ceiling", outcome: OutcomePassed, cond: "CPF plafonné à 900,00\u00a0€"},
	})
}

// TestCPFBilan2026: décrets n° 2026-126 and 2026-127 du 24 février 2026, in force 26
// February 2026 (five years between two CPF bilans; only accompaniment hours; at
// least 13 hours, C. trav. R6313-4 as amended: cpformation.com).
func TestCPFBilan2026(t *testing.T) {
	rich := with(employee(), func(s *Situation) { s.CPFBalanceEUR, s.EmployerTopUp = fp(5000), bp(true) })
	bilan := func(h *int) Action {
		return Action{ID: "b1", Type: ActionBilanCompetences, StartDate: "2026-06-01", Hours: h, CostEUR: 1500}
	}
	runCases(t, []fcase{
		{name: "cpf.bilan: booked 2026-02-25, before the decrees, no 13-hour or five-year condition", s: rich, a: bilan(ip(10)), opts: booked("2026-02-25"),
			funder: FunderCPF, status: StatusEligible, amount: 1500, noCond: "13 heures"},
		{name: "cpf.bilan@2026-02-26 (décret 2026-126, R6313-4): 10 hours is below the 13-hour minimum, flagged", s: rich, a: bilan(ip(10)), opts: booked("2026-02-26"),
			funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.bilan", outcome: OutcomeFailed,
			cond: "Le bilan compte 10 h : le porter à au moins 13 heures d'accompagnement effectif"},
		{name: "cpf.bilan@2026-02-26 (R6313-4): 13 hours meets the minimum", s: rich, a: bilan(ip(13)), opts: booked("2026-02-26"),
			funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.bilan", outcome: OutcomePassed, noCond: "le porter à au moins"},
		{name: "cpf.bilan@2026-02-26 (décrets 2026-126, 2026-127): five years between two CPF bilans, hours unknown asks", s: rich, a: bilan(nil),
			opts: booked("2026-02-26"), funder: FunderCPF, status: StatusEligible, amount: 1500, rule: "cpf.bilan", outcome: OutcomeUnknown,
			cond: "pas de financement par le CPF si un bilan a été financé au cours des cinq années précédentes"},
	})
}

// TestVAELeaveDated: R6422-3 and R6422-4 before décret n° 2023-1275 (60 days, 30
// days, postponement ≤ 6 months, 24 h); as amended by it for paths started from 1
// January 2024 (30 days, 15 days, ≤ 1 month); décret n° 2024-332 (48 h for paths
// started from 13 April 2024).
func TestVAELeaveDated(t *testing.T) {
	vae := func(start string) Action {
		return Action{ID: "v1", Type: ActionVAE, StartDate: start, CostEUR: 1200, Hours: ip(30)}
	}
	old := &Options{Today: day("2023-06-01")}
	runCases(t, []fcase{
		{name: "vae.leave_notice@2019-01-01 (R6422-3, R6422-4 before décret 2023-1275): path started 2023-12-31, 60 days, 30 days, 6 months, 24 h",
			s: employee(), a: vae("2023-12-31"), opts: old, funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed,
			cond: "au moins 60 jours avant ; l'employeur répond sous 30 jours, son silence vaut accord ; un report pour raisons de service est limité à 6 mois",
			deadlines: []Deadline{
				{"Demande de congé VAE à l'employeur (60 jours avant)", "2023-11-01", DeadlineRequestBy},
				{"Réponse de l'employeur à la demande de congé VAE (30 jours ; son silence vaut accord)", "2023-12-01", DeadlineSilenceIsAcceptance}}},
		{name: "vae.leave_notice@2019-01-01: 24 hours per session before décret 2024-332", s: employee(), a: vae("2023-12-31"), opts: old,
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, cond: "seules 24 h peuvent être prises en congé VAE"},
		{name: "vae.leave_notice@2024-01-01 (décret 2023-1275): path started 2024-01-01, 30 days, 15 days, one month, still 24 h",
			s: employee(), a: vae("2024-01-01"), opts: old, funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed,
			cond: "un report pour raisons de service est limité à un mois",
			deadlines: []Deadline{
				{"Demande de congé VAE à l'employeur (30 jours avant)", "2023-12-02", DeadlineRequestBy},
				{"Réponse de l'employeur à la demande de congé VAE (15 jours ; son silence vaut accord)", "2023-12-17", DeadlineSilenceIsAcceptance}}},
		{name: "vae.leave_notice@2024-01-01: path started 2024-04-12, still 24 h", s: employee(), a: vae("2024-04-12"), opts: old,
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, cond: "au plus 24 heures de temps de travail rémunérées"},
		{name: "vae.leave_notice@2024-04-13 (décret 2024-332): path started 2024-04-13, 48 h, no excess for 30 h", s: employee(), a: vae("2024-04-13"), opts: old,
			funder: FunderVAE, status: StatusEligible, rule: "vae.leave_notice", outcome: OutcomePassed, cond: "au plus 48 heures de temps de travail rémunérées",
			noCond: "peuvent être prises en congé VAE"},
	})
	for _, c := range []struct{ start, version string }{{"2023-12-31", "2019-01-01"}, {"2024-01-01", "2024-01-01"}, {"2024-04-12", "2024-01-01"}, {"2024-04-13", "2024-04-13"}} {
		r := funder(t, Evaluate(employee(), vae(c.start), *old), FunderVAE)
		i := slices.IndexFunc(r.Explanation, func(e Explanation) bool { return e.Rule == "vae.leave_notice" })
		if i < 0 || r.Explanation[i].Version != c.version {
			t.Errorf("path started %s: vae.leave_notice version %+v, want %s", c.start, r.Explanation, c.version)
		}
	}
}

// TestResignationSources: francetravail.fr and demission-reconversion.gouv.fr
// (private-law CDI; self-insured employers excluded); ideo.bretagne.bzh (the CEP
// from APEC, Cap emploi or the regional operator, not France Travail nor a Mission
// locale); the 6 months from the Transitions Pro decision (lespremieresdeguyane.com);
// the 1,300 days under décret n° 2019-797 then the convention of 15 November 2024
// from 1 January 2025 (unedic.org).
func TestResignationSources(t *testing.T) {
	at := func(network string, cep bool) *Options {
		return &Options{Today: day("2026-03-01"), Facts: Facts{DaysWorkedLast60Months: ip(1400)}, Operator: &Operator{Network: network, CEPOperator: cep}}
	}
	days := &Options{Today: day("2026-03-01"), Facts: Facts{DaysWorkedLast60Months: ip(1400)}}
	cannot := "ne peut pas être ce CEP"
	runCases(t, []fcase{
		{name: "resignation_reconversion.cep (ideo.bretagne.bzh): a case at France Travail cannot be the CEP, the route stays open", s: employee(), a: training(),
			opts: at("France Travail", true), funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeFailed,
			cond: "la structure de ce dossier (France Travail) " + cannot},
		{name: "resignation_reconversion.cep: nor at Pôle emploi (2014 networks)", s: employee(), a: training(), opts: at("Pôle emploi", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeFailed, cond: cannot},
		{name: "resignation_reconversion.cep: nor at a Mission locale", s: employee(), a: training(), opts: at("Mission locale", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeFailed, cond: cannot},
		{name: "resignation_reconversion.cep: nor at the Opacif, which Transitions Pro replaced", s: employee(), a: training(), opts: at("Opacif", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeFailed, cond: cannot},
		{name: "resignation_reconversion.cep: nor at a structure that is not a CEP operator", s: employee(), a: training(), opts: at("CIO", false),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeFailed, cond: cannot},
		{name: "resignation_reconversion.cep: a case at the APEC is that CEP", s: employee(), a: training(), opts: at("APEC", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomePassed,
			cond: "ce dossier (APEC) est ce CEP", noCond: cannot},
		{name: "resignation_reconversion.cep: at Cap emploi too", s: employee(), a: training(), opts: at("Cap emploi", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomePassed, noCond: cannot},
		{name: "resignation_reconversion.cep: at the regional operator for people in work too", s: employee(), a: training(), opts: at("CEP actifs occupés", true),
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomePassed, noCond: cannot},
		{name: "resignation_reconversion.cep: structure unknown, the plan names the operators", s: employee(), a: training(), opts: days,
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.cep", outcome: OutcomeUnknown,
			cond: "auprès de l'APEC, de Cap emploi ou de l'opérateur régional du CEP des actifs occupés (ni France Travail ni une Mission locale)"},
		{name: "resignation_reconversion.public (francetravail.fr): self-insured employers excluded, said as a condition", s: employee(), a: training(), opts: days,
			funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.public", outcome: OutcomePassed,
			cond: "employeur en auto-assurance chômage"},
		{name: "resignation_reconversion.public (francetravail.fr): a public agent cannot use it", s: employee(), a: training(),
			opts:   &Options{Today: day("2026-03-01"), Facts: Facts{DaysWorkedLast60Months: ip(1400), PublicSector: bp(true)}},
			funder: FunderResignation, status: StatusNotEligible, rule: "resignation_reconversion.public", outcome: OutcomeFailed},
		{name: "resignation_reconversion.steps (lespremieresdeguyane.com): 6 months from the notification of the Transitions Pro decision", s: employee(), a: training(),
			opts: days, funder: FunderResignation, status: StatusEligible, rule: "resignation_reconversion.steps", outcome: OutcomePassed,
			cond: "dans les 6 mois suivant la notification de la décision de Transitions Pro"},
	})
	// The 1,300 days: the same figure, sourced by the unemployment insurance rules in force.
	for _, c := range []struct{ start, version, source string }{
		{"2024-12-31", "2019-11-01", "décret n° 2019-797"}, {"2025-01-01", "2025-01-01", "convention d'assurance chômage du 15 novembre 2024"},
	} {
		a := act(training(), func(a *Action) { a.StartDate, a.EndDate = c.start, "2025-12-31" })
		for _, n := range []int{1299, 1300} {
			r := funder(t, Evaluate(employee(), a, Options{Today: day("2024-06-01"), Facts: Facts{DaysWorkedLast60Months: ip(n)}}), FunderResignation)
			i := slices.IndexFunc(r.Explanation, func(e Explanation) bool { return e.Rule == "resignation_reconversion.activity" })
			if i < 0 {
				t.Fatalf("start %s: no activity step in %+v", c.start, r.Explanation)
			}
			e := r.Explanation[i]
			src, _ := e.Inputs["rule.source"].(string)
			if e.Version != c.version || !strings.Contains(src, c.source) || e.Passed != (n >= 1300) {
				t.Errorf("start %s, %d days: %+v, want version %s citing %q, passed %v", c.start, n, e, c.version, c.source, n >= 1300)
			}
		}
	}
}

// TestAGEFIPHSources: agefiph.fr (business creation: flat €3,000, adjusted until the
// end of 2025; 2026 amount not found); aide-sociale.fr (€4,200 human help, not found
// on agefiph.fr: to confirm); centre-inffo.fr, 1 December 2025 (complement to the
// general schemes).
func TestAGEFIPHSources(t *testing.T) {
	oeth := with(jobseeker(), func(s *Situation) { s.OETH = bp(true) })
	creation := func(start string) Action {
		return Action{ID: "c1", Type: ActionBusinessCreation, StartDate: start, CostEUR: 9000}
	}
	runCases(t, []fcase{
		{name: "agefiph.aid (agefiph.fr): business creation started 2025-12-31, flat €3,000", s: oeth, a: creation("2025-12-31"),
			opts: booked("2025-06-01"), funder: FunderAGEFIPH, status: StatusEligible, amount: 3000, rule: "agefiph.aid", outcome: OutcomePassed,
			cond: "Aide à la création ou reprise d'entreprise : forfait de 3\u202f000,00\u00a0€"},
		{name: "agefiph.aid (agefiph.fr): business creation started 2026-01-01, amount to confirm, none counted", s: oeth, a: creation("2026-01-01"),
			opts: booked("2025-06-01"), funder: FunderAGEFIPH, status: StatusEligible, amount: 0, rule: "agefiph.aid", outcome: OutcomePassed,
			cond: "montant non confirmé pour cette date, à vérifier auprès de l'Agefiph", noCond: ": forfait de"},
		{name: "agefiph.aid (aide-sociale.fr, not on agefiph.fr): human help up to €4,200, marked to confirm", s: oeth,
			a:      Action{ID: "s1", Type: ActionComplementaryService, StartDate: "2026-09-01", CostEUR: 5000},
			funder: FunderAGEFIPH, status: StatusEligible, amount: 4200, rule: "agefiph.aid", outcome: OutcomePassed,
			cond: "jusqu'à 4\u202f200,00\u00a0€, montant à confirmer auprès de l'Agefiph"},
		{name: "agefiph.public (centre-inffo.fr): a complement to the general schemes", s: oeth, a: training(), funder: FunderAGEFIPH,
			status: StatusEligible, amount: 0, rule: "agefiph.public", outcome: OutcomePassed, cond: "Intervient en complément des dispositifs de droit commun"},
	})
	// People read the aids' sources after « (source : »: their glosses are French.
	for _, aid := range agefiphAids {
		if p := frenchProblems(aid.Source); len(p) > 0 {
			t.Errorf("aid %s: source %q does not read as French: %v", aid.ID, aid.Source, p)
		}
	}
}

// TestPTPSalarySMIC2024: décret n° 2023-1216 (SMIC €1,766.92 from 1 January 2024)
// and décret n° 2024-951 (€1,801.80 from 1 November 2024): a €3,600 salary is above
// 2 SMIC in October 2024 (90 %), within it in November (in full); before 2024 the
// SMIC is not in the table, no estimate.
func TestPTPSalarySMIC2024(t *testing.T) {
	o := Options{Today: day("2024-01-15"), Income: true, Facts: Facts{MonthlySalaryEUR: fp(3600)}}
	for _, c := range []struct {
		start string
		want  float64 // -1: no estimate
	}{{"2023-12-31", -1}, {"2024-01-01", 3240}, {"2024-10-31", 3240}, {"2024-11-01", 3600}} {
		a := act(training(), func(a *Action) { a.StartDate, a.EndDate = c.start, "2025-12-31" })
		p := Compute(employee(), []Action{a}, 1, o)
		checkFrench(t, planTexts(c.start, p))
		l := incomeLine(t, p, IncomePTPSalary)
		got := -1.0
		if l.MonthlyEstimateEUR != nil {
			got = *l.MonthlyEstimateEUR
		}
		if got != c.want {
			t.Errorf("PTP starting %s: estimate %v, want %v (%+v)", c.start, got, c.want, l.Explanation)
		}
	}
}
