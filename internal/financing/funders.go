package financing

import (
	"fmt"
	"time"

	"github.com/spro-cep/cep/internal/fr"
)

// Figures from DOMAIN.md "Funding at level 3".
const (
	ptpLongNoticeDays  = 120
	ptpShortNoticeDays = 60
	ptpEmployerDays    = 30
	// fullTimeSixMonthsHours is 26 weeks × 35 h: the hours of a 6-month
	// full-time absence (used when the end date is unknown).
	fullTimeSixMonthsHours = 910
	// partTimeWeeklyHours: below this average over calendar weeks a training is
	// treated as part time. Choice: 24 h, i.e. 35 h less room for holidays and
	// closures that the calendar span includes.
	partTimeWeeklyHours = 24.0
)

// vaeLeave is one dated state of the VAE leave (rule vae.leave_notice, same
// version dates): days of notice to the employer, days the employer has to
// answer (silence is agreement in every state), the longest postponement in
// months, and the paid hours per validation session.
type vaeLeave struct {
	From                                   string
	NoticeDays, AnswerDays, PostponeMonths int
	Hours                                  int
}

// vaeLeaves: before 2024 (R6422-3, R6422-4 before décret n° 2023-1275), for
// paths started from 1 January 2024 (décret n° 2023-1275), and from 13 April
// 2024 (décret n° 2024-332: 48 hours). Sources in the rule's versions.
var vaeLeaves = []vaeLeave{
	{"2019-01-01", 60, 30, 6, 24},
	{"2024-01-01", 30, 15, 1, 24},
	{"2024-04-13", 30, 15, 1, 48},
}

// vaeLeaveFor returns the leave figures of a version of vae.leave_notice.
func vaeLeaveFor(r rule) vaeLeave {
	for _, l := range vaeLeaves {
		if l.From == r.Version {
			return l
		}
	}
	panic("financing: no VAE leave figures for version " + r.Version)
}

// Which action types each built-in funder can cover (choices, see each comment).
var (
	// CPF: certifying training, VAE, business-creation support, bilan de
	// compétences and driving licence (C. trav. L6323-6). Complementary
	// services, job search: no.
	cpfTypes = []string{ActionTraining, ActionVAE, ActionBusinessCreation, ActionBilanCompetences, ActionDrivingLicence}
	// PTP: certifying training only.
	ptpTypes = []string{ActionTraining}
	// VAE funder: only VAE actions.
	vaeTypes = []string{ActionVAE}
	// AGEFIPH: training, business creation and support services.
	agefiphTypes = []string{ActionTraining, ActionBusinessCreation, ActionComplementaryService}
	// AIF: training only.
	aifTypes = []string{ActionTraining}
)

func evalPTP(s Situation, a Action, opts Options) FunderResult {
	b := newBuilder(FunderPTP, "Projet de transition professionnelle (Transitions Pro)")
	if b.check(actionTypeStep(ruleAt("ptp.action_type", ruleDay(a)), a, ptpTypes)) == triNo {
		return b.finish(0)
	}
	b.cond("Formation certifiante (RNCP ou Répertoire spécifique), dossier accepté par la commission de Transitions Pro")
	b.cond("Les droits CPF de la personne sont mobilisés en premier")

	// Public: employees. Choice: a former CDD holder (contract_type cdd with a
	// known end date) also qualifies, since the CDD route allows a start up to
	// 6 months after the contract's end.
	employed := eqTri(s.EmploymentStatus, "employed")
	formerCDD := triNo
	if s.ContractType != nil && *s.ContractType == "cdd" && s.LastCDDEndDate != nil {
		formerCDD = triYes
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "contract_type": val(s.ContractType), "last_cdd_end_date": val(s.LastCDDEndDate)}
	switch pub := or(employed, formerCDD); pub {
	case triYes:
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "Personne salariée, ou anciennement en CDD"), pub)
	case triNo:
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "Le PTP est réservé aux salariés (situation d'emploi : %s)", label(fr.Employment, s.EmploymentStatus)), pub)
	default:
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "Situation d'emploi inconnue"), pub)
	}

	b.check(ptpSeniority(s, ruleDay(a)))
	var fileBy time.Time // the latest day to have done the prior positioning
	if s.ContractType != nil && *s.ContractType == "cdd" {
		b.check(ptpCDDStart(s, a, &b.r))
		fileBy = ptpCDDFile(s, a, opts, b)
	}
	if employed != triNo {
		e, req := ptpLeave(a, opts, b)
		b.note(e)
		if !req.IsZero() && (fileBy.IsZero() || req.Before(fileBy)) {
			fileBy = req
		}
	}
	ptpPositioning(a, fileBy, opts, b)
	ptpReform(a, b)
	// The joint commission decides: the line is an estimate, never a promise.
	b.note(explain(ruleAt("ptp.commission", ruleDay(a)), triUnknown, map[string]any{"action.cost_eur": a.CostEUR},
		"Éligible sous réserve de la décision de la commission paritaire de Transitions Pro : %s est une estimation de ce qu'elle peut financer, pas un engagement", eur(a.CostEUR)))
	b.r.Conditions = append([]string{"Éligible sous réserve de la décision de la commission paritaire interprofessionnelle régionale (Transitions Pro) : le montant est une estimation, pas un engagement"}, b.r.Conditions...)
	return b.finish(a.CostEUR)
}

// ptpCDDFile: on the CDD route the request to Transitions Pro is made while
// still under the contract; returns the contract's end (zero when unknown).
func ptpCDDFile(s Situation, a Action, opts Options, b *builder) time.Time {
	b.cond("Voie CDD : les mois en contrat CUI-CAE, d'apprentissage ou de professionnalisation, les contrats conclus pendant les études et les CDD suivis d'un CDI ne comptent pas dans les 4 mois (C. trav. D6323-9)")
	in := map[string]any{"last_cdd_end_date": val(s.LastCDDEndDate)}
	rl := ruleAt("ptp.cdd_file", ruleDay(a))
	end, ok := time.Time{}, false
	if s.LastCDDEndDate != nil {
		end, ok = parseDate(*s.LastCDDEndDate)
	}
	if !ok {
		b.note(explain(rl, triUnknown, in, "Date de fin du CDD inconnue : la demande doit être faite pendant le contrat"))
		return time.Time{}
	}
	b.deadline(DeadlineRequestBy, "Demande de financement du PTP à Transitions Pro pendant le CDD (fin du contrat)", end)
	b.pastFlag(opts, "la demande de financement du PTP (pendant le CDD)", end)
	b.note(explain(rl, triYes, in, "Demande à Transitions Pro au plus tard le %s, fin du CDD", frDate(end)))
	return end
}

// ptpPositioning: the prior positioning by the training provider is
// mandatory; it precedes the leave request (or, on the CDD route, the request
// made under contract).
func ptpPositioning(a Action, by time.Time, opts Options, b *builder) {
	rl := ruleAt("ptp.positioning", ruleDay(a))
	b.cond("Positionnement préalable obligatoire par l'organisme de formation : il adapte la durée du parcours")
	if by.IsZero() {
		b.note(explain(rl, triYes, map[string]any{}, "Positionnement préalable requis avant la demande de PTP (date inconnue)"))
		return
	}
	b.deadline(DeadlineRequestBy, "Positionnement préalable par l'organisme de formation (avant la demande de PTP)", by)
	b.note(explain(rl, triYes, map[string]any{}, "Positionnement préalable au plus tard le %s, avant la demande de PTP", frDate(by)))
}

// ptpReform: loi n° 2025-989 revises the PTP from 1 January 2026; its detailed
// conditions are not encoded yet, so actions starting from then carry a note.
func ptpReform(a Action, b *builder) {
	if ruleDay(a).IsZero() || a.StartDate < "2026-01-01" {
		return
	}
	b.note(explain(ruleAt("ptp.reform", ruleDay(a)), triUnknown, map[string]any{"action.start_date": a.StartDate},
		"PTP réformé à compter du 1er janvier 2026 (loi n° 2025-989 : ciblage des métiers en tension, gouvernance par Certif Pro) ; vérifier les critères 2026 de Transitions Pro"))
	b.cond("PTP réformé à compter du 1er janvier 2026 (loi n° 2025-989) : vérifier les priorités 2026 de la Transitions Pro de la région")
}

// ptpSeniority: CDI: 24 months as an employee including 12 in the current
// company; CDD: 24 months as an employee in the last 60 months including 4 on
// CDD in the last 12. Exempt: OETH, economic dismissal/unfitness without
// training since, long absence or occupational disease in the last 24 months.
// Choice: temporary workers (interim) have an hours-based rule that is not
// encoded: unknown unless exempt.
func ptpSeniority(s Situation, day time.Time) (Explanation, tri) {
	in := map[string]any{"oeth": val(s.OETH), "economic_dismissal": val(s.EconomicDismissal), "long_absence": val(s.LongAbsence),
		"contract_type": val(s.ContractType)}
	exempt := or(boolTri(s.OETH), boolTri(s.EconomicDismissal), boolTri(s.LongAbsence))
	if exempt == triYes {
		return explain(ruleAt("ptp.seniority", day), triYes, in, "Dispense d'ancienneté (OETH, licenciement économique ou inaptitude, absence longue ou maladie professionnelle)"), triYes
	}
	var ok tri
	var why string
	switch {
	case s.ContractType == nil:
		ok, why = triUnknown, "type de contrat inconnu"
	case *s.ContractType == "cdi":
		in["seniority_months"], in["seniority_current_employer_months"] = val(s.SeniorityMonths), val(s.SeniorityCurrentEmployerMonths)
		ok = and(atLeast(s.SeniorityMonths, 24), atLeast(s.SeniorityCurrentEmployerMonths, 12))
		why = fmt.Sprintf("CDI : il faut 24 mois de salariat dont 12 dans l'entreprise actuelle ; ancienneté déclarée : %s au total, %s dans l'entreprise", months(s.SeniorityMonths), months(s.SeniorityCurrentEmployerMonths))
	case *s.ContractType == "cdd":
		in["cdd_months_last_60"], in["cdd_months_last_12"] = val(s.CDDMonthsLast60), val(s.CDDMonthsLast12)
		ok = and(atLeast(s.CDDMonthsLast60, 24), atLeast(s.CDDMonthsLast12, 4))
		why = fmt.Sprintf("CDD : il faut 24 mois de salariat sur les 5 dernières années dont 4 en CDD sur les 12 derniers mois ; déclaré : %s sur 5 ans, %s en CDD sur 12 mois", months(s.CDDMonthsLast60), months(s.CDDMonthsLast12))
	case *s.ContractType == "interim":
		ok, why = triUnknown, "intérim : la condition d'ancienneté en heures n'est pas évaluée ici, vérifier auprès de Transitions Pro"
	default:
		ok, why = triNo, fmt.Sprintf("%s : aucune condition d'ancienneté ne donne accès au PTP", label(fr.Contract, s.ContractType))
	}
	t := or(exempt, ok)
	switch {
	case t == triUnknown && ok == triNo:
		why += " ; condition non remplie, sauf dispense" + unknownList(in)
	case t == triUnknown:
		why += unknownList(in)
	case t == triNo:
		why += " ; aucune dispense"
	}
	return explain(ruleAt("ptp.seniority", day), t, in, "%s", upperFirst(why)), t
}

func months(p *int) string {
	if p == nil {
		return "nombre de mois inconnu"
	}
	return fmt.Sprintf("%d mois", *p)
}

// ptpCDDStart: on the CDD route the training must start at the latest 6 months
// after the end of the contract.
func ptpCDDStart(s Situation, a Action, r *FunderResult) (Explanation, tri) {
	in := map[string]any{"last_cdd_end_date": val(s.LastCDDEndDate), "action.start_date": a.StartDate}
	start, okStart := parseDate(a.StartDate)
	if s.LastCDDEndDate == nil {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triUnknown, in, "Date de fin du CDD inconnue : la formation doit commencer au plus tard 6 mois après"), triUnknown
	}
	end, okEnd := parseDate(*s.LastCDDEndDate)
	if !okEnd || !okStart {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triUnknown, in, "Date invalide (début de l'action ou fin du dernier CDD)"), triUnknown
	}
	limit := addMonths(end, 6)
	r.Deadlines = append(r.Deadlines, Deadline{Label: "Début de la formation au plus tard (6 mois après la fin du CDD)", Date: limit.Format(DateLayout), Kind: DeadlineInformative})
	if start.After(limit) {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triNo, in, "Début le %s, après le %s (6 mois après la fin du CDD)", frDay(a.StartDate), frDate(limit)), triNo
	}
	return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triYes, in, "Début le %s, dans les 6 mois suivant la fin du CDD (au plus tard le %s)", frDay(a.StartDate), frDate(limit)), triYes
}

// ptpLongAbsence decides the notice: 120 days for a continuous full-time
// absence of at least 6 months, else 60. Choices: with an end date, span ≥ 6
// calendar months and (hours unknown or ≥ 24 h per calendar week on average) is long; with
// only hours, ≥ 910 h (26 weeks × 35 h) is long; with neither, 120 days is
// assumed (the earlier, safe date).
func ptpLongAbsence(a Action, start time.Time) (bool, string) {
	end, okEnd := parseDate(a.EndDate)
	switch {
	case okEnd:
		if end.Before(addMonths(start, 6)) {
			return false, "moins de 6 mois"
		}
		if a.Hours != nil {
			weeks := end.Sub(start).Hours() / 24 / 7
			if weeks > 0 && float64(*a.Hours)/weeks < partTimeWeeklyHours {
				return false, fmt.Sprintf("6 mois ou plus mais à temps partiel (%s h, %s h par semaine)", number(*a.Hours), fr.Number(float64(*a.Hours)/weeks, 1))
			}
		}
		return true, "6 mois ou plus, à temps plein"
	case a.Hours != nil:
		if *a.Hours >= fullTimeSixMonthsHours {
			return true, fmt.Sprintf("%s h, soit au moins %s h (6 mois à temps plein)", number(*a.Hours), number(fullTimeSixMonthsHours))
		}
		return false, fmt.Sprintf("%s h, soit moins de %s h (6 mois à temps plein)", number(*a.Hours), number(fullTimeSixMonthsHours))
	}
	return true, "durée inconnue, 120 jours retenus (60 pour moins de 6 mois ou à temps partiel)"
}

func ptpLeave(a Action, opts Options, b *builder) (Explanation, time.Time) {
	in := map[string]any{"action.start_date": a.StartDate, "action.end_date": a.EndDate, "action.hours": val(a.Hours)}
	start, ok := parseDate(a.StartDate)
	if !ok {
		return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triUnknown, in, "Date de début absente ou invalide : les dates de la demande de congé ne peuvent pas être calculées"), time.Time{}
	}
	long, why := ptpLongAbsence(a, start)
	days := ptpShortNoticeDays
	if long {
		days = ptpLongNoticeDays
	}
	req := start.AddDate(0, 0, -days)
	ans := req.AddDate(0, 0, ptpEmployerDays)
	b.deadline(DeadlineRequestBy, fmt.Sprintf("Demande de congé PTP à l'employeur (%d jours avant le début)", days), req)
	b.deadline(DeadlineSilenceIsAcceptance, "Réponse de l'employeur à la demande de congé PTP (30 jours ; son silence vaut acceptation)", ans)
	b.cond("Demande de congé à l'employeur au moins %d jours avant le début ; l'employeur répond sous 30 jours, son silence vaut acceptation ; il peut reporter le congé de 9 mois au plus", days)
	b.pastFlag(opts, "la demande de congé PTP", req)
	return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triYes, in, "Formation de %s : demande %d jours avant le début (le %s), réponse de l'employeur au plus tard le %s",
		why, days, frDate(req), frDate(ans)), req
}

// evalVAE: VAE is open to anyone since the law of 21 December 2022 (France
// VAE). Choice: the "vae" funder pays nothing by itself (amount 0): the path is
// paid by CPF, employer/OPCO, France Travail or the Région; it carries the
// eligibility and, for employees, the VAE leave deadlines.
func evalVAE(s Situation, a Action, opts Options) FunderResult {
	b := newBuilder(FunderVAE, "Validation des acquis de l'expérience (France VAE)")
	if b.check(actionTypeStep(ruleAt("vae.action_type", ruleDay(a)), a, vaeTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus)}
	b.check(explain(ruleAt("vae.public", ruleDay(a)), triYes, in, "La VAE est ouverte à toute personne depuis décembre 2022"), triYes)
	b.cond("France VAE ne finance pas le parcours elle-même : il est financé par le CPF, l'employeur ou l'OPCO, France Travail ou la Région")
	if eqTri(s.EmploymentStatus, "employed") != triNo {
		vaeLeaveSteps(s, a, opts, b)
	}
	return b.finish(0)
}

// vaeLeaveSteps: the VAE leave of an employee, with the figures of the version
// in force on the path's start (the decrees apply to paths started from their
// dates).
func vaeLeaveSteps(s Situation, a Action, opts Options, b *builder) {
	rl := ruleAt("vae.leave_notice", ruleDay(a))
	l := vaeLeaveFor(rl)
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "action.start_date": a.StartDate}
	start, ok := parseDate(a.StartDate)
	if !ok {
		b.note(explain(rl, triUnknown, in, "Date de début absente ou invalide : les dates de la demande de congé ne peuvent pas être calculées"))
		return
	}
	postpone := "un mois"
	if l.PostponeMonths != 1 {
		postpone = fmt.Sprintf("%d mois", l.PostponeMonths)
	}
	req := start.AddDate(0, 0, -l.NoticeDays)
	ans := req.AddDate(0, 0, l.AnswerDays)
	b.deadline(DeadlineRequestBy, fmt.Sprintf("Demande de congé VAE à l'employeur (%d jours avant)", l.NoticeDays), req)
	b.deadline(DeadlineSilenceIsAcceptance, fmt.Sprintf("Réponse de l'employeur à la demande de congé VAE (%d jours ; son silence vaut accord)", l.AnswerDays), ans)
	b.cond("Pour une personne salariée : demande de congé VAE au moins %d jours avant ; l'employeur répond sous %d jours, son silence vaut accord ; un report pour raisons de service est limité à %s",
		l.NoticeDays, l.AnswerDays, postpone)
	b.cond("Congé VAE : au plus %d heures de temps de travail rémunérées par session de validation (davantage selon un accord collectif)", l.Hours)
	if a.Hours != nil && *a.Hours > l.Hours {
		b.cond("Le parcours VAE compte %s h : seules %d h peuvent être prises en congé VAE ; le reste se fait hors du temps de travail ou dans un autre dispositif", number(*a.Hours), l.Hours)
	}
	b.pastFlag(opts, "la demande de congé VAE", req)
	b.note(explain(rl, triYes, in, "Parcours commencé le %s : demande au plus tard le %s, réponse de l'employeur au plus tard le %s", frDay(a.StartDate), frDate(req), frDate(ans)))
}

// evalAIF: France Travail's individual training aid, last resort, for
// registered job seekers and members of a contrat de sécurisation
// professionnelle; teaching costs only.
func evalAIF(s Situation, f Facts, a Action) FunderResult {
	b := newBuilder(FunderAIF, "Aide individuelle à la formation (France Travail)")
	b.r.LastResort = true
	if b.check(actionTypeStep(ruleAt("aif.action_type", ruleDay(a)), a, aifTypes)) == triNo {
		return b.finish(0)
	}
	rl := ruleAt("aif.public", ruleDay(a))
	in := map[string]any{"jobseeker_registered": val(s.JobseekerRegistered), "csp_member": val(f.CSPMember)}
	csp := boolTri(f.CSPMember)
	if csp == triUnknown && s.EmploymentStatus != nil && *s.EmploymentStatus == "employed" {
		csp = triNo // a CSP follows a dismissal: an employee in post is not a member
	}
	switch t := or(boolTri(s.JobseekerRegistered), csp); t {
	case triYes:
		b.check(explain(rl, t, in, "Demandeur d'emploi inscrit ou adhérent d'un contrat de sécurisation professionnelle (CSP)"), t)
	case triNo:
		b.check(explain(rl, t, in, "L'AIF est réservée aux demandeurs d'emploi inscrits à France Travail et aux adhérents d'un contrat de sécurisation professionnelle (CSP)"), t)
	default:
		b.check(explain(rl, t, in, "Inscription à France Travail ou adhésion à un CSP inconnue%s", unknownList(in)), t)
	}
	b.cond("Formation validée par le conseiller France Travail dans le projet personnalisé d'accès à l'emploi (PPAE)")
	b.cond("Frais pédagogiques seulement : les frais d'inscription, le matériel, les déplacements et les repas restent à la charge de la personne")
	b.cond("Dernier recours : ne couvre que ce que les autres financeurs laissent")
	return b.finish(a.CostEUR)
}
