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
	if s.ContractType != nil && *s.ContractType == "cdd" {
		b.check(ptpCDDStart(s, a, &b.r))
	}
	if employed != triNo {
		b.note(ptpLeave(a, opts, b))
	}
	return b.finish(a.CostEUR)
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
	r.Deadlines = append(r.Deadlines, Deadline{Label: "Latest training start (6 months after the CDD ends)", Date: limit.Format(DateLayout)})
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

func ptpLeave(a Action, opts Options, b *builder) Explanation {
	in := map[string]any{"action.start_date": a.StartDate, "action.end_date": a.EndDate, "action.hours": val(a.Hours)}
	start, ok := parseDate(a.StartDate)
	if !ok {
		return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triUnknown, in, "start date missing or invalid: notice dates cannot be computed")
	}
	long, why := ptpLongAbsence(a, start)
	days := ptpShortNoticeDays
	if long {
		days = ptpLongNoticeDays
	}
	req := start.AddDate(0, 0, -days)
	ans := req.AddDate(0, 0, ptpEmployerDays)
	b.deadline(fmt.Sprintf("PTP leave request to the employer (%d days before the start)", days), req)
	b.deadline("Employer's answer to the PTP leave request (30 days; silence means acceptance)", ans)
	b.cond("Leave request to the employer at least %d days before the start; the employer answers within 30 days, silence means acceptance; postponement at most 9 months", days)
	b.pastFlag(opts, "PTP leave request", req)
	return explain(ruleAt("ptp.leave_notice", ruleDay(a)), triYes, in, "%s: request %d days before the start (%s), employer's answer by %s",
		why, days, req.Format(DateLayout), ans.Format(DateLayout))
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
			b.deadline("VAE leave request to the employer (30 days before)", req)
			b.deadline("Employer's answer to the VAE leave request (15 days)", ans)
			b.cond("If employed: VAE leave request at least 30 days before; the employer answers within 15 days")
			b.pastFlag(opts, "VAE leave request", req)
			b.note(explain(ruleAt("vae.leave_notice", ruleDay(a)), triYes, in, "request by %s, employer's answer by %s", req.Format(DateLayout), ans.Format(DateLayout)))
		}
	}
	return b.finish(0)
}

// evalAGEFIPH: OETH beneficiaries only; complements the general schemes (it
// comes after them and covers only what they leave).
func evalAGEFIPH(s Situation, a Action) FunderResult {
	b := newBuilder(FunderAGEFIPH, "AGEFIPH")
	if b.check(actionTypeStep(ruleAt("agefiph.action_type", ruleDay(a)), a, agefiphTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"oeth": val(s.OETH)}
	switch t := boolTri(s.OETH); t {
	case triYes:
		b.check(explain(ruleAt("agefiph.public", ruleDay(a)), t, in, "OETH beneficiary"), t)
	case triNo:
		b.check(explain(ruleAt("agefiph.public", ruleDay(a)), t, in, "AGEFIPH is for OETH beneficiaries only"), t)
	default:
		b.check(explain(ruleAt("agefiph.public", ruleDay(a)), t, in, "OETH status unknown (RQTH or other OETH title)"), t)
	}
	b.cond("Prescription by France Travail, Cap emploi or a Mission locale")
	b.cond("Complements the general schemes: covers only what they leave")
	return b.finish(a.CostEUR)
}

// evalAIF: France Travail's individual training aid, last resort, registered
// job seekers only.
func evalAIF(s Situation, a Action) FunderResult {
	b := newBuilder(FunderAIF, "Aide individuelle à la formation (France Travail)")
	b.r.LastResort = true
	if b.check(actionTypeStep(ruleAt("aif.action_type", ruleDay(a)), a, aifTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"jobseeker_registered": val(s.JobseekerRegistered)}
	switch t := boolTri(s.JobseekerRegistered); t {
	case triYes:
		b.check(explain(ruleAt("aif.public", ruleDay(a)), t, in, "registered job seeker"), t)
	case triNo:
		b.check(explain(ruleAt("aif.public", ruleDay(a)), t, in, "AIF is only for job seekers registered with France Travail"), t)
	default:
		b.check(explain(ruleAt("aif.public", ruleDay(a)), t, in, "registration with France Travail unknown"), t)
	}
	b.cond("Training validated in the job-seeking plan (PPAE) by the France Travail adviser")
	b.cond("Last resort: covers only what the other funders leave")
	return b.finish(a.CostEUR)
}
