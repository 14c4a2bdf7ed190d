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
	srcLoi2018     = "Loi n° 2018-771 du 5 septembre 2018 (CPF in euros from 1 January 2019)"
	srcCPFEligible = "C. trav. art. L6323-6 (actions eligible to the CPF)"
	srcCPFAccrual  = "C. trav. art. L6323-11 and D6323-1 (accrual: €500 a year up to €5,000; €800 up to €8,000 for low-qualified and OETH holders; abondements are not limited by the ceiling)"
	srcCopay2024   = "C. trav. art. L6323-4 I and L6323-7; art. R6323 (single article of the « Section préliminaire », as the code's diff shows it: to check on Légifrance) created by décret n° 2024-394 du 29 avril 2024, JO 30 April 2024: participation of €100 from 2 May 2024, revalued each year by arrêté; not due by registered job seekers, nor when the employer tops the training up (also under a company, group or branch agreement or one of the organisations running an OPCO), nor with C2P points or the incapacity abondement (CSS L432-12) (apsss-consulting.fr, una-formation.fr); only the employer or the OPCO may pay it for the holder (una-formation.fr, 13 May 2024; fgtafo.fr; agipi.com)"
	srcCopay2025   = "Arrêté du 26 décembre 2024 (participation €102.23 from 1 January 2025); service-public.fr, 6 January 2025"
	srcCopay2026   = "Arrêté du 30 décembre 2025 (participation €103.20 from 1 January 2026), JO of 1 January 2026"
	srcLFI2026     = "Loi de finances pour 2026, art. 203 (C. trav. art. L6323-6 modified); décret n° 2026-127 du 24 février 2026, JO 25 February 2026 (C. trav. art. D6323-1 A), in force 26 February 2026 (Caisse des dépôts; hexopee.org; aslearning.fr)"
	// srcLicence2026 keeps the €100 marked to confirm: only the draft decree was found.
	srcLicence2026  = srcLFI2026 + "; the restriction (registered job seekers, or a third-party co-funding) and the €900 ceiling concern the light-vehicle group only, heavy-vehicle licences are unchanged (cftcpacac.fr on art. 617 of the bill adopted 2 February 2026; aslearning.fr « permis de conduire (groupe léger) : 900 € »); minimum third-party co-funding of €100: to confirm against décret n° 2026-127 (reported from the draft decree examined by the CNNCEFP on 11 February 2026: blohorn-avocats.fr, certiplace.fr 20 February 2026; centre-inffo.fr ties a €100 minimum of third-party funding to the bilan draft decree)"
	srcLicence2024  = "Loi n° 2023-479 du 21 juin 2023, art. 3 (every category of motor-vehicle licence eligible from 1 January 2024; C. trav. art. L6323-6 II 3° and D6323-8) (levy-avocats.fr; s3i-france.com)"
	srcLicenceOne   = "Décret n° 2024-444 du 17 mai 2024, JO 18 May 2024, in force 19 May 2024 (C. trav. art. D6323-8): a light-group licence other than BE only for a holder without a valid licence in France; heavy-group licences not concerned (levy-avocats.fr; legisocial.fr; ccca-btp.fr)"
	srcBilan2026    = "Décrets n° 2026-126 and n° 2026-127 du 24 février 2026, JO 25 February 2026, in force 26 February 2026: no CPF bilan when one was funded in the five previous years (lebilandecompétences.fr, décret n° 2026-126); only the hours of accompaniment by the provider are funded (C. trav. art. D6323-6 completed, cpformation.com); at least 13 hours of effective accompaniment, at most 24 (C. trav. art. R6313-4 amended by the Conseil d'État decree NOR TRSD2602696D, cpformation.com); which decree carries which rule and the exact start of the 13-hour minimum: to confirm on Légifrance"
	srcWorkingTime  = "C. trav. art. L6323-17 and D6323-4 (request 60 days before a training under 6 months, 120 days for 6 months or more; answer within 30 days; silence is acceptance) (juritravail.com; editions-tissot.fr; opcoep.fr)"
	srcPTP          = "C. trav. art. L6323-17-1 and L6323-17-2; décret n° 2018-1339 du 28 décembre 2018"
	srcPTPSeniority = "C. trav. art. D6323-9 (CDI: 24 months incl. 12 in the company; CDD: 24 months in 5 years incl. 4 months on CDD in the last 12; contracts that do not count)"
	srcPTPLeave     = "C. trav. art. R6323-10 and R6323-10-1 (120/60 days' notice; employer's answer within 30 days, silence is acceptance; postponement at most 9 months)"
	srcPTPLaw2025   = "Loi n° 2025-989 du 24 octobre 2025, JO 25 October 2025 (transposition of the ANI of 25 June 2025: PTP revised, most changes from 1 January 2026; Certif Pro sets national rules and receives the PTP credits from 1 January 2027; seniority unchanged) (fr.adp.com; leonassocies.com; digiformag.com); article-level changes to confirm against its application decrees"
	srcVAE          = "Loi n° 2022-1598 du 21 décembre 2022 (VAE open to anyone; France VAE)"
	// The VAE leave, in three dated states (paths dated by their start).
	srcVAELeave2019 = "C. trav. art. R6422-3 and R6422-4 before décret n° 2023-1275 (Légifrance, version in force on 29 November 2023): request 60 days ahead; answer within 30 days, silence is agreement; postponement at most 6 months; leave of 24 hours per validation session (C. trav. art. L6422-2 as cited by mesalertesetconseils.fr, to confirm on Légifrance)"
	srcVAELeave2024 = "C. trav. art. R6422-3 and R6422-4 as amended by décret n° 2023-1275 du 27 décembre 2023, JO 28 December 2023, for VAE paths started from 1 January 2024 (actu-juridique.fr; gref-bretagne.com; linstantcompetences.fr; vae.gouv.fr « Congé VAE »): request 30 days ahead; answer within 15 calendar days, silence is agreement; postponement for service reasons at most one month from the request; leave still 24 hours per session"
	srcVAELeave48   = srcVAELeave2024 + "; décret n° 2024-332 du 10 avril 2024, JORF n° 0086 du 12 avril 2024, in force the next day for VAE paths started from then: leave raised from 24 to 48 hours per session (legifrance.gouv.fr JORFTEXT000049405419; opcoep.fr); the article carrying the 48 hours to confirm on Légifrance (not L6422-1)"
	srcAGEFIPH      = "C. trav. art. L5214-1 et seq.; agefiph.fr; centre-inffo.fr « Nouveau catalogue : les aides phares de l'Agefiph », 1 December 2025 (aids complement the general schemes, « au-delà … des autres aides mobilisables »; AIF before AGEFIPH is cep's order from DOMAIN.md, no source found); legalstart.fr (FIPHFP for public-sector agents, loi n° 2005-102)"
	srcAIF          = "France Travail, délibération on the aide individuelle à la formation (teaching costs; registered job seekers and CSP members); France Travail since 1 January 2024 (loi n° 2023-1196 du 18 décembre 2023); cap-metiers.pro fiche G 1.01 (June 2024)"
	srcResignation  = "C. trav. art. L5422-1 II (loi n° 2018-771; in force 1 November 2019); francetravail.fr « Je veux démissionner et j'ai un projet de reconversion professionnelle » and demission-reconversion.gouv.fr/faq1 (CDI of private law only: not CDD, interim, public agents, the self-employed, nor employees who worked mostly for a self-insured employer in the last 24 months, 36 from age 53; CEP asked for before resigning; attestation « réel et sérieux » of the Transitions Pro commission)"
	// The 1,300 days, under the unemployment insurance rules in force (dated by the action's start, which the resignation precedes).
	srcResignationDays2019 = srcResignation + "; 1,300 days worked in the last 60 months, one or several employers, unpaid or sabbatical leave not counted: règlement d'assurance chômage annexed to décret n° 2019-797 du 26 juillet 2019 (in force 1 November 2019), article to confirm"
	srcResignationDays2025 = srcResignation + "; 1,300 days worked in the last 60 months, one or several employers, unpaid or sabbatical leave not counted: règlement général annexed to the convention d'assurance chômage du 15 novembre 2024 (arrêté d'agrément du 19 décembre 2024, JO 20 December 2024), for contracts ending from 1 January 2025 (unedic.org; lexplicite.fr; francetravail.fr), article to confirm"
	srcResignationSteps    = srcResignation + "; registration with France Travail and claim for benefit within 6 months of the notification of the Transitions Pro (CPIR) decision (lespremieresdeguyane.com; info-mag-annonce.com; article to confirm)"
	srcResignationCEP      = srcResignation + "; francetravail.fr FAQ (a CEP asked for after the resignation makes the project inadmissible); ideo.bretagne.bzh (France Travail and the Missions locales are not CEP operators for this scheme: APEC, Cap emploi or the regional CEP operator for people in work)"
)

// Versions whose figures the rules pick by the version in force.
const (
	licenceAllFrom = "2024-01-01" // loi n° 2023-479: every category
	licenceOneFrom = "2024-05-19" // décret n° 2024-444: light group, no valid licence
	licence2026    = "2026-02-26" // LFI 2026: light group restricted and capped
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
	{"cpf.action_ceiling", "2026-02-26", "", srcLFI2026 + "; the licence ceiling concerns the light-vehicle group only (aslearning.fr; cftcpacac.fr)"},
	{"cpf.driving_licence", licenceAllFrom, "2024-05-18", srcLicence2024},
	{"cpf.driving_licence", licenceOneFrom, "2026-02-25", srcLicence2024 + "; " + srcLicenceOne},
	{"cpf.driving_licence", licence2026, "", srcLicenceOne + "; " + srcLicence2026},
	{"cpf.bilan", "2026-02-26", "", srcBilan2026},
	{"cpf.working_time", "2019-01-01", "", srcWorkingTime},

	{"ptp.action_type", "2019-01-01", "", srcPTP},
	{"ptp.public", "2019-01-01", "", srcPTP},
	{"ptp.seniority", "2019-01-01", "", srcPTPSeniority},
	{"ptp.cdd_start", "2019-01-01", "", srcPTPSeniority + "; training starts at the latest 6 months after the CDD ends"},
	{"ptp.leave_notice", "2019-01-01", "", srcPTPLeave},
	{"ptp.cdd_file", "2019-01-01", "", "DOMAIN.md (file made while still under the CDD); to confirm against C. trav. art. D6323-9 and the Transitions Pro regulations"},
	{"ptp.positioning", "2019-01-01", "", "C. trav. art. L6323-17-1 (positionnement préalable to adapt the course)"},
	{"ptp.commission", "2019-01-01", "", "C. trav. art. L6323-17-2 (the commission paritaire interprofessionnelle régionale, Transitions Pro, examines the project and decides its funding)"},
	{"ptp.reform", "2026-01-01", "", srcPTPLaw2025},

	{"vae.action_type", "2022-12-21", "", srcVAE},
	{"vae.public", "2022-12-21", "", srcVAE},
	{"vae.leave_notice", "2019-01-01", "2023-12-31", srcVAELeave2019},
	{"vae.leave_notice", "2024-01-01", "2024-04-12", srcVAELeave2024},
	{"vae.leave_notice", "2024-04-13", "", srcVAELeave48},

	{"agefiph.action_type", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.public", "2024-01-01", "", srcAGEFIPH},
	{"agefiph.aid", "2024-01-01", "", "AGEFIPH catalogue of aids, dated data file agefiph/aids.json (each aid quotes its page; unconfirmed amounts are marked)"},

	{"resignation_reconversion.action_type", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.public", "2019-11-01", "", srcResignation},
	{"resignation_reconversion.activity", "2019-11-01", "2024-12-31", srcResignationDays2019},
	{"resignation_reconversion.activity", "2025-01-01", "", srcResignationDays2025},
	{"resignation_reconversion.cep", "2019-11-01", "", srcResignationCEP},
	{"resignation_reconversion.steps", "2019-11-01", "", srcResignationSteps},

	{"income.salary", "2019-01-01", "", "C. trav. art. L6321-2 (training on working time is working time, the salary is maintained); L6323-18 for the CPF on working time (juritravail.com); outside working time the job and its salary continue"},
	{"income.ptp_salary", "2019-01-01", "", "C. trav. art. L6323-17-5 (pay during a PTP) and D6323-18-1 (décret n° 2018-1339: pay maintained subject to attendance, paid by the employer and refunded by Transitions Pro; french-business-law.com); service-public.fr fiche F14018: average reference salary over the 12 months before the training (4 last months of CDD on the CDD route), 100 % up to 2 SMIC, above 90 % the first year or the first 1,200 hours and 60 % after; the article setting the bands, and a floor above 2 SMIC that F14018 seems to state (its text is cut off in the copy read), to confirm on Légifrance"},
	{"income.aref", "2019-01-01", "", "cap-metiers.pro fiche F 2.0 (January 2024): the AREF equals the ARE for a training prescribed by France Travail (PPAE), while the ARE rights last"},
	{"income.region_pay", "2019-01-01", "", "C. trav. art. L6341-1 et seq. (public pay of trainees); asp-public.fr « Rémunération des stagiaires de la formation professionnelle »; amount from the Région's scheme file"},
	{"income.resignation_benefit", "2019-11-01", "2024-12-31", srcResignationDays2019},
	{"income.resignation_benefit", "2025-01-01", "", srcResignationDays2025},

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

// cpfCoPayments is the participation forfaitaire (C. trav. L6323-4 I, L6323-7),
// revalued each 1 January by arrêté (sources in the cpf.copayment versions).
var cpfCoPayments = []figure{
	{"2024-05-02", "2024-12-31", 100},
	{"2025-01-01", "2025-12-31", 102.23},
	{"2026-01-01", "", 103.20},
}

// cpfActionCeilings are the per-action ceilings of décret n° 2026-127 (C.
// trav. D6323-1 A), in force from 26 February 2026. The licence ceiling is the
// light-vehicle group's: heavy-group licences have none.
var cpfActionCeilings = map[string][]figure{
	"rs":                   {{"2026-02-26", "", 1500}}, // Répertoire spécifique, CléA excepted
	ActionBilanCompetences: {{"2026-02-26", "", 1600}},
	ActionDrivingLicence:   {{"2026-02-26", "", 900}},
}

// smicMonthly is the gross monthly SMIC for 35 hours a week (PTP salary bands).
var smicMonthly = []figure{
	{"2024-01-01", "2024-10-31", 1766.92}, // décret n° 2023-1216 du 20 décembre 2023 (€11.65 an hour; figure from the research report)
	{"2024-11-01", "2025-12-31", 1801.80}, // décret n° 2024-951 du 23 octobre 2024, JO 24 October 2024 (+2 %)
	{"2026-01-01", "", 1823.03},           // décret n° 2025-1228 du 17 décembre 2025 (+1.18 %)
}

// cpfLicenceCoFunding is the minimum third-party co-funding that opens the
// CPF to a light-vehicle licence for a holder who is not a job seeker (the €100
// is to confirm: see srcLicence2026).
var cpfLicenceCoFunding = []figure{{"2026-02-26", "", 100}}
