package financing

import (
	"fmt"
	"time"
)

// Figures from DOMAIN.md "Funding at level 3".
const (
	ptpLongNoticeDays  = 120
	ptpShortNoticeDays = 60
	ptpEmployerDays    = 30
	vaeNoticeDays      = 30
	vaeEmployerDays    = 15
	vaeLeaveHours      = 48 // C. trav. L6422-1 since loi n° 2022-1598 (24 before)
	// fullTimeSixMonthsHours is 26 weeks × 35 h: the hours of a 6-month
	// full-time absence (used when the end date is unknown).
	fullTimeSixMonthsHours = 910
	// partTimeWeeklyHours: below this average over calendar weeks a training is
	// treated as part time. Choice: 24 h, i.e. 35 h less room for holidays and
	// closures that the calendar span includes.
	partTimeWeeklyHours = 24.0
)

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
	b.cond("Certifying training (RNCP or Répertoire spécifique), file approved by the Transitions Pro commission")
	b.cond("The person's CPF rights are mobilised first")

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
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "employee, or former CDD holder"), pub)
	case triNo:
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "PTP is for employees (employment_status %v)", val(s.EmploymentStatus)), pub)
	default:
		b.check(explain(ruleAt("ptp.public", ruleDay(a)), pub, in, "employment status unknown"), pub)
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
		"eligible subject to the decision of the Transitions Pro joint commission: %s is an estimate of what it may fund, not a promise", eur(a.CostEUR)))
	b.r.Conditions = append([]string{"Eligible subject to the decision of the Transitions Pro joint commission (CPIR): the amount is an estimate, not a promise"}, b.r.Conditions...)
	return b.finish(a.CostEUR)
}

// ptpCDDFile: on the CDD route the request to Transitions Pro is made while
// still under the contract; returns the contract's end (zero when unknown).
func ptpCDDFile(s Situation, a Action, opts Options, b *builder) time.Time {
	b.cond("CDD route: months under a CUI-CAE, apprenticeship or professionalisation contract, a contract during studies, or a CDD followed by a CDI do not count in the 4 months (C. trav. D6323-9)")
	in := map[string]any{"last_cdd_end_date": val(s.LastCDDEndDate)}
	rl := ruleAt("ptp.cdd_file", ruleDay(a))
	end, ok := time.Time{}, false
	if s.LastCDDEndDate != nil {
		end, ok = parseDate(*s.LastCDDEndDate)
	}
	if !ok {
		b.note(explain(rl, triUnknown, in, "end of the CDD unknown: the request must be made while still under contract"))
		return time.Time{}
	}
	b.deadline(DeadlineRequestBy, "PTP funding request to Transitions Pro while still under the CDD (contract end)", end)
	b.pastFlag(opts, "PTP funding request (while under the CDD)", end)
	b.note(explain(rl, triYes, in, "request to Transitions Pro by %s, the end of the CDD", end.Format(DateLayout)))
	return end
}

// ptpPositioning: the prior positioning by the training provider is
// mandatory; it precedes the leave request (or, on the CDD route, the request
// made under contract).
func ptpPositioning(a Action, by time.Time, opts Options, b *builder) {
	rl := ruleAt("ptp.positioning", ruleDay(a))
	b.cond("Mandatory prior positioning (positionnement préalable) by the training provider: it adapts the length of the course")
	if by.IsZero() {
		b.note(explain(rl, triYes, map[string]any{}, "prior positioning required before the PTP request (date unknown)"))
		return
	}
	b.deadline(DeadlineRequestBy, "Prior positioning by the training provider (before the PTP request)", by)
	b.note(explain(rl, triYes, map[string]any{}, "prior positioning by %s, before the PTP request", by.Format(DateLayout)))
}

// ptpReform: loi n° 2025-989 revises the PTP from 1 January 2026; its detailed
// conditions are not encoded yet, so actions starting from then carry a note.
func ptpReform(a Action, b *builder) {
	if ruleDay(a).IsZero() || a.StartDate < "2026-01-01" {
		return
	}
	b.note(explain(ruleAt("ptp.reform", ruleDay(a)), triUnknown, map[string]any{"action.start_date": a.StartDate},
		"PTP revised from 1 January 2026 (loi n° 2025-989: targeting of occupations in demand, governance by Certif Pro); check Transitions Pro's 2026 criteria"))
	b.cond("PTP revised from 1 January 2026 (loi n° 2025-989): check the regional Transitions Pro's 2026 priorities")
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
		return explain(ruleAt("ptp.seniority", day), triYes, in, "exempt from seniority (OETH, economic dismissal/unfitness, or long absence/occupational disease)"), triYes
	}
	var ok tri
	var why string
	switch {
	case s.ContractType == nil:
		ok, why = triUnknown, "contract type unknown"
	case *s.ContractType == "cdi":
		in["seniority_months"], in["seniority_current_employer_months"] = val(s.SeniorityMonths), val(s.SeniorityCurrentEmployerMonths)
		ok = and(atLeast(s.SeniorityMonths, 24), atLeast(s.SeniorityCurrentEmployerMonths, 12))
		why = fmt.Sprintf("CDI: needs 24 months as an employee including 12 in the current company; has %s and %s", months(s.SeniorityMonths), months(s.SeniorityCurrentEmployerMonths))
	case *s.ContractType == "cdd":
		in["cdd_months_last_60"], in["cdd_months_last_12"] = val(s.CDDMonthsLast60), val(s.CDDMonthsLast12)
		ok = and(atLeast(s.CDDMonthsLast60, 24), atLeast(s.CDDMonthsLast12, 4))
		why = fmt.Sprintf("CDD: needs 24 months as an employee in the last 5 years including 4 on CDD in the last 12; has %s and %s", months(s.CDDMonthsLast60), months(s.CDDMonthsLast12))
	case *s.ContractType == "interim":
		ok, why = triUnknown, "temporary work: hours-based seniority not encoded, check with Transitions Pro"
	default:
		ok, why = triNo, fmt.Sprintf("contract type %q: no PTP seniority route", *s.ContractType)
	}
	t := or(exempt, ok)
	switch {
	case t == triUnknown && ok == triNo:
		why += "; not met unless an exemption applies" + unknownList(in)
	case t == triUnknown:
		why += unknownList(in)
	case t == triNo:
		why += "; no exemption"
	}
	return explain(ruleAt("ptp.seniority", day), t, in, "%s", why), t
}

func months(p *int) string {
	if p == nil {
		return "unknown"
	}
	return fmt.Sprintf("%d months", *p)
}

// ptpCDDStart: on the CDD route the training must start at the latest 6 months
// after the end of the contract.
func ptpCDDStart(s Situation, a Action, r *FunderResult) (Explanation, tri) {
	in := map[string]any{"last_cdd_end_date": val(s.LastCDDEndDate), "action.start_date": a.StartDate}
	start, okStart := parseDate(a.StartDate)
	if s.LastCDDEndDate == nil {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triUnknown, in, "end date of the CDD unknown: training must start within 6 months of it"), triUnknown
	}
	end, okEnd := parseDate(*s.LastCDDEndDate)
	if !okEnd || !okStart {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triUnknown, in, "invalid date (start_date or last_cdd_end_date)"), triUnknown
	}
	limit := addMonths(end, 6)
	r.Deadlines = append(r.Deadlines, Deadline{Label: "Latest training start (6 months after the CDD ends)", Date: limit.Format(DateLayout), Kind: DeadlineInformative})
	if start.After(limit) {
		return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triNo, in, "start %s is after %s, 6 months after the CDD ended", a.StartDate, limit.Format(DateLayout)), triNo
	}
	return explain(ruleAt("ptp.cdd_start", ruleDay(a)), triYes, in, "start %s is within 6 months of the CDD end (latest %s)", a.StartDate, limit.Format(DateLayout)), triYes
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
			return false, "shorter than 6 months"
		}
		if a.Hours != nil {
			weeks := end.Sub(start).Hours() / 24 / 7
			if weeks > 0 && float64(*a.Hours)/weeks < partTimeWeeklyHours {
				return false, fmt.Sprintf("6 months or more but part time (%d h, %.1f h/week)", *a.Hours, float64(*a.Hours)/weeks)
			}
		}
		return true, "6 months or more, full time"
	case a.Hours != nil:
		if *a.Hours >= fullTimeSixMonthsHours {
			return true, fmt.Sprintf("%d h ≥ %d h (6 months full time)", *a.Hours, fullTimeSixMonthsHours)
		}
		return false, fmt.Sprintf("%d h < %d h (6 months full time)", *a.Hours, fullTimeSixMonthsHours)
	}
	return true, "duration unknown: 120 days assumed (60 if shorter than 6 months or part time)"
}

func ptpLeave(a Action, opts Options, b *builder) (Explanation, time.Time) {
	in := map[string]any{"action.start_date": a.StartDate, "action.end_date": a.EndDate, "action.hours": val(a.Hours)}
	start, ok := parseDate(a.StartDate)
	if !ok {
		return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triUnknown, in, "start date missing or invalid: notice dates cannot be computed"), time.Time{}
	}
	long, why := ptpLongAbsence(a, start)
	days := ptpShortNoticeDays
	if long {
		days = ptpLongNoticeDays
	}
	req := start.AddDate(0, 0, -days)
	ans := req.AddDate(0, 0, ptpEmployerDays)
	b.deadline(DeadlineRequestBy, fmt.Sprintf("PTP leave request to the employer (%d days before the start)", days), req)
	b.deadline(DeadlineSilenceIsAcceptance, "Employer's answer to the PTP leave request (30 days; silence means acceptance)", ans)
	b.cond("Leave request to the employer at least %d days before the start; the employer answers within 30 days, silence means acceptance; postponement at most 9 months", days)
	b.pastFlag(opts, "PTP leave request", req)
	return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triYes, in, "%s: request %d days before the start (%s), employer's answer by %s",
		why, days, req.Format(DateLayout), ans.Format(DateLayout)), req
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
	b.check(explain(ruleAt("vae.public", ruleDay(a)), triYes, in, "VAE is open to anyone since December 2022"), triYes)
	b.cond("France VAE does not pay by itself: the path is funded by CPF, employer/OPCO, France Travail or the Région")
	if eqTri(s.EmploymentStatus, "employed") != triNo {
		in := map[string]any{"employment_status": val(s.EmploymentStatus), "action.start_date": a.StartDate}
		start, ok := parseDate(a.StartDate)
		if !ok {
			b.note(explain(ruleAt("vae.leave_notice", ruleDay(a)), triUnknown, in, "start date missing or invalid: notice dates cannot be computed"))
		} else {
			req := start.AddDate(0, 0, -vaeNoticeDays)
			ans := req.AddDate(0, 0, vaeEmployerDays)
			b.deadline(DeadlineRequestBy, "VAE leave request to the employer (30 days before)", req)
			b.deadline(DeadlineSilenceIsAcceptance, "Employer's answer to the VAE leave request (15 days; silence means agreement)", ans)
			b.cond("If employed: VAE leave request at least 30 days before; the employer answers within 15 days, silence means agreement; a postponement for service reasons is limited to one month")
			b.cond("VAE leave: at most %d hours of working time per validation session, paid (more under a collective agreement)", vaeLeaveHours)
			if a.Hours != nil && *a.Hours > vaeLeaveHours {
				b.cond("The VAE path has %d h: only %d h can be taken as VAE leave; the rest is outside working time or under another scheme", *a.Hours, vaeLeaveHours)
			}
			b.pastFlag(opts, "VAE leave request", req)
			b.note(explain(ruleAt("vae.leave_notice", ruleDay(a)), triYes, in, "request by %s, employer's answer by %s", req.Format(DateLayout), ans.Format(DateLayout)))
		}
	}
	return b.finish(0)
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
		b.check(explain(rl, t, in, "registered job seeker or CSP member"), t)
	case triNo:
		b.check(explain(rl, t, in, "AIF is only for job seekers registered with France Travail and CSP members"), t)
	default:
		b.check(explain(rl, t, in, "registration with France Travail or CSP membership unknown%s", unknownList(in)), t)
	}
	b.cond("Training validated in the job-seeking plan (PPAE) by the France Travail adviser")
	b.cond("Teaching costs only (frais pédagogiques): registration fees, equipment, travel and meals stay with the person")
	b.cond("Last resort: covers only what the other funders leave")
	return b.finish(a.CostEUR)
}
