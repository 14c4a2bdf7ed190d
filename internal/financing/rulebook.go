package financing

import (
	"fmt"
	"slices"
	"time"
)

// rule is one version of a rule: what it is called, the date of the
// regulation state it encodes (Version, also the day it took effect), the last
// day it was in force (To, "" = still in force) and its legal source. A source
// that could not be checked against the text says "to confirm against …".
type rule struct {
	ID      string
	Version string // YYYY-MM-DD, in force from this day
	To      string // YYYY-MM-DD inclusive, "" = still in force
	Source  string
}

// inForce tells whether the version applies on day d (YYYY-MM-DD).
func (r rule) inForce(d string) bool { return d >= r.Version && (r.To == "" || d <= r.To) }

// Sources quoted by several rules.
const (
	srcLoi2018      = "Loi n° 2018-771 du 5 septembre 2018 (CPF in euros from 1 January 2019)"
	srcCPFEligible  = "C. trav. art. L6323-6 (actions eligible to the CPF)"
	srcCPFAccrual   = "C. trav. art. L6323-11 and D6323-1 (accrual: €500 a year up to €5,000; €800 up to €8,000 for low-qualified and OETH holders; abondements are not limited by the ceiling)"
	srcCopay2024    = "C. trav. art. L6323-4 II; décret n° 2024-394 du 29 avril 2024 (participation of €100 from 2 May 2024, exemptions)"
	srcCopay2025    = "Arrêté du 26 décembre 2024 (participation €102.23 from 1 January 2025); service-public.fr, 6 January 2025"
	srcCopay2026    = "Arrêté du 30 décembre 2025 (participation €103.20 from 1 January 2026), JO of 1 January 2026"
	srcLFI2026      = "Loi de finances pour 2026, art. 203 (C. trav. art. L6323-6 modified); décret n° 2026-127 du 24 février 2026 (C. trav. art. D6323-1 A), in force 26 February 2026 (Caisse des dépôts; hexopee.org)"
	srcLicence2026  = srcLFI2026 + "; minimum third-party co-funding of €100: to confirm against décret n° 2026-127 (reported from the draft decree, centre-inffo.fr, 20 February 2026)"
	srcLicence2024  = "Loi n° 2023-479 du 21 juin 2023 (all licence categories from 1 January 2024); décret n° 2024-444 du 17 mai 2024 (one licence only)"
	srcWorkingTime  = "C. trav. art. L6323-17 and R6323-4 (request 60 days before a training under 6 months, 120 days for 6 months or more; answer within 30 days; silence is acceptance)"
	srcPTP          = "C. trav. art. L6323-17-1 and L6323-17-2; décret n° 2018-1339 du 28 décembre 2018"
	srcPTPSeniority = "C. trav. art. D6323-9 (CDI: 24 months incl. 12 in the company; CDD: 24 months in 5 years incl. 4 months on CDD in the last 12; contracts that do not count)"
	srcPTPLeave     = "C. trav. art. R6323-10 and R6323-10-1 (120/60 days' notice; employer's answer within 30 days, silence is acceptance; postponement at most 9 months)"
	srcPTPLaw2025   = "Loi n° 2025-989 du 24 octobre 2025 (transposition of the ANI of 25 June 2025: PTP revised); detailed changes to confirm against its application decrees"
	srcVAE          = "Loi n° 2022-1598 du 21 décembre 2022 (VAE open to anyone; France VAE)"
	srcVAELeave     = "C. trav. art. L6422-1 (leave of 48 hours per validation session), R6422-3 and R6422-4 (request 30 days ahead; answer within 15 days, silence is agreement; postponement at most one month); vae.gouv.fr « Congé VAE »; date of the 30/15-day figures to confirm against the décret applying loi n° 2022-1598"
	srcAGEFIPH      = "C. trav. art. L5214-1 et seq.; agefiph.fr (aids complement the general schemes; FIPHFP for public-sector agents, loi n° 2005-102)"
	srcAIF          = "France Travail, délibération on the aide individuelle à la formation (teaching costs; registered job seekers and CSP members); France Travail since 1 January 2024 (loi n° 2023-1196 du 18 décembre 2023); cap-metiers.pro fiche G 1.01 (June 2024)"
	srcResignation  = "C. trav. art. L5422-1 II (loi n° 2018-771; in force 1 November 2019); demission-reconversion.gouv.fr (CDI of private law, mandatory CEP before resigning, attestation « réel et sérieux » of the Transitions Pro commission, registration with France Travail within 6 months of it); 1,300 days worked in the last 60 months: unemployment insurance rules, to confirm against the règlement d'assurance chômage in force"
)

// ruleBook holds every version of every built-in rule, oldest first for each ID.
var ruleBook = []rule{
	{"cpf.action_type", "2019-01-01", "", srcLoi2018 + "; " + srcCPFEligible},
	{"cpf.ceiling", "2019-01-01", "", srcCPFAccrual},
	{"cpf.balance", "2019-01-01", "", srcLoi2018 + "; " + srcCPFAccrual},
	{"cpf.copayment", "2019-01-01", "2024-05-01", srcLoi2018 + " (no participation before décret n° 2024-394)"},
	{"cpf.copayment", "2024-05-02", "2024-12-31", srcCopay2024},
	{"cpf.copayment", "2025-01-01", "2025-12-31", srcCopay2024 + "; " + srcCopay2025},
	{"cpf.copayment", "2026-01-01", "", srcCopay2024 + "; " + srcCopay2026},
	{"cpf.action_ceiling", "2019-01-01", "2026-02-25", srcLoi2018 + " (no per-action ceiling)"},
	{"cpf.action_ceiling", "2026-02-26", "", srcLFI2026},
	{"cpf.driving_licence", "2024-01-01", "2026-02-25", srcLicence2024},
	{"cpf.driving_licence", "2026-02-26", "", srcLicence2026},
	{"cpf.working_time", "2019-01-01", "", srcWorkingTime},

	{"ptp.action_type", "2019-01-01", "", srcPTP},
	{"ptp.public", "2019-01-01", "", srcPTP},
	{"ptp.seniority", "2019-01-01", "", srcPTPSeniority},
	{"ptp.cdd_start", "2019-01-01", "", srcPTPSeniority + "; training starts at the latest 6 months after the CDD ends"},
	{"ptp.leave_notice", "2019-01-01", "", srcPTPLeave},
	{"ptp.cdd_file", "2019-01-01", "", "DOMAIN.md (file made while still under the CDD); to confirm against C. trav. art. D6323-9 and the Transitions Pro regulations"},
	{"ptp.positioning", "2019-01-01", "", "C. trav. art. L6323-17-1 (positionnement préalable to adapt the course)"},
	{"ptp.commission", "2019-01-01", "", "C. trav. art. L6323-17-2 (the commission paritaire interprofessionnelle régionale, Transitions Pro, examines the project and decides its funding)"},
	{"ptp.reform", "2026-01-01", "", srcPTPLaw2025 + "; adp.com and latribunedelhotellerie.com on the law (seniority unchanged; targeting and governance revised)"},

	{"vae.action_type", "2022-12-21", "", srcVAE},
	{"vae.public", "2022-12-21", "", srcVAE},
	{"vae.leave_notice", "2022-12-21", "", srcVAELeave},

	{"agefiph.action_type", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.public", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.aid", "2024-01-01", "", "AGEFIPH catalogue of aids, dated data file agefiph/aids.json (each aid quotes its page)"},

	{"resignation_reconversion.action_type", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.public", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.activity", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.steps", "2019-11-01", "", srcResignation},

	{"income.salary", "2019-01-01", "", "C. trav. art. L6321-2 (training on working time is working time, the salary is maintained); outside working time the job and its salary continue; for the CPF on working time to confirm against C. trav. L6323-18"},
	{"income.ptp_salary", "2019-01-01", "", "C. trav. art. L6323-17-5 and D6323-18-1 (décret n° 2018-1339), articles to confirm; travail-emploi.gouv.fr « Le projet de transition professionnelle »: full salary up to 2 SMIC, above 90 % the first year and 60 % the following ones"},
	{"income.aref", "2019-01-01", "", "cap-metiers.pro fiche F 2.0 (January 2024): the AREF equals the ARE for a training prescribed by France Travail (PPAE), while the ARE rights last"},
	{"income.region_pay", "2019-01-01", "", "C. trav. art. L6341-1 et seq. (public pay of trainees); asp-public.fr « Rémunération des stagiaires de la formation professionnelle »; amount from the Région's scheme file"},
	{"income.resignation_benefit", "2019-11-01", "", srcResignation},

	{"aif.action_type", "2024-01-01", "", srcAIF},
	{"aif.public", "2024-01-01", "", srcAIF},
}

// ruleAt returns the version of rule id in force on day d. Before its first
// version it returns the first (the rule's earliest known state); with an
// unknown day (zero time) the latest. It panics on an unknown id: rule ids
// are constants of this package, an unknown one is a programming error.
func ruleAt(id string, d time.Time) rule {
	var versions []rule
	for _, r := range ruleBook {
		if r.ID == id {
			versions = append(versions, r)
		}
	}
	if len(versions) == 0 {
		panic(fmt.Sprintf("financing: no rule %q in the rule book", id))
	}
	if d.IsZero() {
		return versions[len(versions)-1]
	}
	day := d.Format(DateLayout)
	if i := slices.IndexFunc(versions, func(r rule) bool { return r.inForce(day) }); i >= 0 {
		return versions[i]
	}
	return versions[0]
}

// figure is one dated amount.
type figure struct {
	From, To string // YYYY-MM-DD inclusive; To "" = still in force
	EUR      float64
}

// figureAt returns the figure in force on day d, false when none is.
func figureAt(table []figure, d time.Time) (figure, bool) {
	day := d.Format(DateLayout)
	for _, f := range table {
		if day >= f.From && (f.To == "" || day <= f.To) {
			return f, true
		}
	}
	return figure{}, false
}

// cpfCoPayments is the participation forfaitaire (C. trav. L6323-4 II),
// revalued each 1 January by arrêté (sources in the cpf.copayment versions).
var cpfCoPayments = []figure{
	{"2024-05-02", "2024-12-31", 100},
	{"2025-01-01", "2025-12-31", 102.23},
	{"2026-01-01", "", 103.20},
}

// cpfActionCeilings are the per-action ceilings of décret n° 2026-127 (C.
// trav. D6323-1 A), in force from 26 February 2026.
var cpfActionCeilings = map[string][]figure{
	"rs":                   {{"2026-02-26", "", 1500}}, // Répertoire spécifique, CléA excepted
	ActionBilanCompetences: {{"2026-02-26", "", 1600}},
	ActionDrivingLicence:   {{"2026-02-26", "", 900}},
}

// smicMonthly is the gross monthly SMIC for 35 hours a week (PTP salary bands).
var smicMonthly = []figure{
	{"2024-11-01", "2025-12-31", 1801.80}, // November 2024 revaluation (+2 %); décret to confirm
	{"2026-01-01", "", 1823.03},           // décret n° 2025-1228 du 17 décembre 2025 (+1.18 %)
}

// cpfLicenceCoFunding is the minimum third-party co-funding that opens the
// CPF to a light-vehicle licence for a holder who is not a job seeker.
var cpfLicenceCoFunding = []figure{{"2026-02-26", "", 100}}
