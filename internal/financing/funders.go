package financing

import (
	"fmt"
	"math"
	"time"
)

// Figures from DOMAIN.md "Funding at level 3".
const (
	cpfCeilingEUR        = 5000.0
	cpfCeilingLowQualEUR = 8000.0
	cpfAnnualEUR         = 500.0
	cpfAnnualLowQualEUR  = 800.0
	cpfCoPaymentEUR      = 100.0
	ptpLongNoticeDays    = 120
	ptpShortNoticeDays   = 60
	ptpEmployerDays      = 30
	vaeNoticeDays        = 30
	vaeEmployerDays      = 15
	// fullTimeSixMonthsHours is 26 weeks × 35 h: the hours of a 6-month
	// full-time absence (used when the end date is unknown).
	fullTimeSixMonthsHours = 910
	// partTimeWeeklyHours: below this average over calendar weeks a training is
	// treated as part time. Choice: 24 h, i.e. 35 h less room for holidays and
	// closures that the calendar span includes.
	partTimeWeeklyHours = 24.0
)

var cpfCoPaymentFrom = time.Date(2024, 5, 2, 0, 0, 0, 0, time.UTC)

// Which action types each built-in funder can cover (choices, see each comment).
var (
	// CPF: certifying training, VAE, and business-creation support (eligible
	// under C. trav. L6323-6). A bilan de compétences is CPF-eligible too:
	// record it as "training". Complementary services, job search: no.
	cpfTypes = []string{ActionTraining, ActionVAE, ActionBusinessCreation}
	// PTP: certifying training only.
	ptpTypes = []string{ActionTraining}
	// VAE funder: only VAE actions.
	vaeTypes = []string{ActionVAE}
	// AGEFIPH: training, business creation and support services.
	agefiphTypes = []string{ActionTraining, ActionBusinessCreation, ActionComplementaryService}
	// AIF: training only.
	aifTypes = []string{ActionTraining}
)

// evalCPF evaluates the CPF and returns the co-payment due (0 if none).
func evalCPF(s Situation, a Action, opts Options, usedBefore float64) (FunderResult, float64) {
	b := newBuilder(FunderCPF, "Compte personnel de formation (Mon Compte Formation)")
	if b.check(actionTypeStep(ruleCPFActionType, a, cpfTypes)) == triNo {
		return b.finish(0), 0
	}
	b.cond("The action must be listed on Mon Compte Formation and booked there by the holder")

	// Ceiling: €5,000 (€500/year); €8,000 (€800/year) when low-qualified (no
	// level-3 qualification) or OETH.
	low := or(eqTri(s.QualificationLevel, "none"), boolTri(s.OETH))
	in := map[string]any{"qualification_level": val(s.QualificationLevel), "oeth": val(s.OETH), "cpf_balance_eur": val(s.CPFBalanceEUR)}
	ceiling := cpfCeilingEUR
	var why string
	switch low {
	case triYes:
		ceiling = cpfCeilingLowQualEUR
		why = fmt.Sprintf("low-qualified or OETH: €%.0f a year up to %s", cpfAnnualLowQualEUR, eur(ceiling))
	case triNo:
		why = fmt.Sprintf("general case: €%.0f a year up to %s", cpfAnnualEUR, eur(ceiling))
	default:
		why = fmt.Sprintf("%s assumed; %s if low-qualified or OETH%s", eur(cpfCeilingEUR), eur(cpfCeilingLowQualEUR), unknownList(in))
	}
	usable := 0.0
	if s.CPFBalanceEUR != nil {
		usable = *s.CPFBalanceEUR
		if usable > ceiling {
			why += fmt.Sprintf("; balance %s above the ceiling, capped", eur(usable))
			usable = ceiling
			if low == triUnknown {
				b.cond("Up to %s may be usable if the person is low-qualified or OETH: confirm qualification_level / oeth", eur(min(*s.CPFBalanceEUR, cpfCeilingLowQualEUR)))
			}
		}
	}
	// The ceiling caps, it never excludes: always "passed".
	b.check(explain(ruleCPFCeiling, triYes, in, "ceiling %s", why), triYes)

	// Balance: CPF covers at most the balance.
	// Balance: CPF covers at most the balance, less what earlier actions of the
	// same plan already use (Compute passes it; Evaluate passes 0).
	in = map[string]any{"cpf_balance_eur": val(s.CPFBalanceEUR)}
	if usedBefore > 0 {
		in["cpf_used_by_earlier_actions_eur"] = usedBefore
	}
	switch {
	case s.CPFBalanceEUR == nil:
		b.check(explain(ruleCPFBalance, triUnknown, in, "CPF balance unknown: ask the person to check moncompteformation.gouv.fr"), triUnknown)
	case *s.CPFBalanceEUR <= 0:
		b.check(explain(ruleCPFBalance, triNo, in, "no CPF credit"), triNo)
	case usable-usedBefore <= 0:
		usable = 0
		b.check(explain(ruleCPFBalance, triNo, in, "CPF credit already used by earlier actions of the plan"), triNo)
	case usedBefore > 0:
		usable = round2(usable - usedBefore)
		b.check(explain(ruleCPFBalance, triYes, in, "usable balance %s after %s used by earlier actions of the plan", eur(usable), eur(usedBefore)), triYes)
	default:
		b.check(explain(ruleCPFBalance, triYes, in, "usable balance %s", eur(usable)), triYes)
	}

	// Co-payment: informational, never changes eligibility.
	copay := cpfCopay(&b.r, s, a, opts)
	return b.finish(min(usable, math.Max(a.CostEUR-copay, 0))), copay
}

// cpfCopay evaluates cpf.copayment: a flat co-payment for files created from
// 2 May 2024; job seekers and files with an employer top-up are exempt. When
// the exemption is unknown the co-payment is counted (worst case for the
// person) and a condition says so.
func cpfCopay(r *FunderResult, s Situation, a Action, opts Options) float64 {
	amount := cpfCoPaymentEUR
	if opts.CPFCoPaymentEUR > 0 {
		amount = opts.CPFCoPaymentEUR
	}
	fileDate, basis := opts.Today, "today"
	if fileDate.IsZero() {
		fileDate, _ = parseDate(a.StartDate)
		basis = "action start date"
	}
	jobseeker := or(boolTri(s.JobseekerRegistered), eqTri(s.EmploymentStatus, "jobseeker"))
	exempt := or(jobseeker, boolTri(s.EmployerTopUp))
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "jobseeker_registered": val(s.JobseekerRegistered),
		"employer_top_up": val(s.EmployerTopUp), "file_date": fileDate.Format(DateLayout)}
	add := func(t tri, format string, args ...any) {
		r.Explanation = append(r.Explanation, explain(ruleCPFCoPayment, t, in, format, args...))
	}
	switch {
	case fileDate.Before(cpfCoPaymentFrom):
		add(triYes, "file dated %s (%s) before 2024-05-02: no co-payment", fileDate.Format(DateLayout), basis)
		return 0
	case exempt == triYes:
		if jobseeker == triYes {
			add(triYes, "job seeker: exempt from the co-payment")
		} else {
			add(triYes, "employer top-up (abondement): exempt from the co-payment")
		}
		return 0
	case exempt == triNo:
		add(triYes, "co-payment %s due (no exemption: not a job seeker, no employer top-up)", eur(amount))
		r.Conditions = append(r.Conditions, fmt.Sprintf("Flat co-payment of %s paid by the holder (since 2 May 2024)", eur(amount)))
	default:
		add(triUnknown, "co-payment %s counted; exempt if job seeker or employer top-up%s", eur(amount), unknownList(in))
		r.Conditions = append(r.Conditions, fmt.Sprintf("Flat co-payment of %s counted: not due if the person is a job seeker or the employer tops up the CPF", eur(amount)))
	}
	return amount
}

func evalPTP(s Situation, a Action, opts Options) FunderResult {
	b := newBuilder(FunderPTP, "Projet de transition professionnelle (Transitions Pro)")
	if b.check(actionTypeStep(rulePTPActionType, a, ptpTypes)) == triNo {
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
		b.check(explain(rulePTPPublic, pub, in, "employee, or former CDD holder"), pub)
	case triNo:
		b.check(explain(rulePTPPublic, pub, in, "PTP is for employees (employment_status %v)", val(s.EmploymentStatus)), pub)
	default:
		b.check(explain(rulePTPPublic, pub, in, "employment status unknown"), pub)
	}

	b.check(ptpSeniority(s))
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
func ptpSeniority(s Situation) (Explanation, tri) {
	in := map[string]any{"oeth": val(s.OETH), "economic_dismissal": val(s.EconomicDismissal), "long_absence": val(s.LongAbsence),
		"contract_type": val(s.ContractType)}
	exempt := or(boolTri(s.OETH), boolTri(s.EconomicDismissal), boolTri(s.LongAbsence))
	if exempt == triYes {
		return explain(rulePTPSeniority, triYes, in, "exempt from seniority (OETH, economic dismissal/unfitness, or long absence/occupational disease)"), triYes
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
	return explain(rulePTPSeniority, t, in, "%s", why), t
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
		return explain(rulePTPCDDStart, triUnknown, in, "end date of the CDD unknown: training must start within 6 months of it"), triUnknown
	}
	end, okEnd := parseDate(*s.LastCDDEndDate)
	if !okEnd || !okStart {
		return explain(rulePTPCDDStart, triUnknown, in, "invalid date (start_date or last_cdd_end_date)"), triUnknown
	}
	limit := addMonths(end, 6)
	r.Deadlines = append(r.Deadlines, Deadline{Label: "Latest training start (6 months after the CDD ends)", Date: limit.Format(DateLayout)})
	if start.After(limit) {
		return explain(rulePTPCDDStart, triNo, in, "start %s is after %s, 6 months after the CDD ended", a.StartDate, limit.Format(DateLayout)), triNo
	}
	return explain(rulePTPCDDStart, triYes, in, "start %s is within 6 months of the CDD end (latest %s)", a.StartDate, limit.Format(DateLayout)), triYes
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
		return explain(rulePTPLeave, triUnknown, in, "start date missing or invalid: notice dates cannot be computed")
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
	return explain(rulePTPLeave, triYes, in, "%s: request %d days before the start (%s), employer's answer by %s",
		why, days, req.Format(DateLayout), ans.Format(DateLayout))
}

// evalVAE: VAE is open to anyone since the law of 21 December 2022 (France
// VAE). Choice: the "vae" funder pays nothing by itself (amount 0): the path is
// paid by CPF, employer/OPCO, France Travail or the Région; it carries the
// eligibility and, for employees, the VAE leave deadlines.
func evalVAE(s Situation, a Action, opts Options) FunderResult {
	b := newBuilder(FunderVAE, "Validation des acquis de l'expérience (France VAE)")
	if b.check(actionTypeStep(ruleVAEActionType, a, vaeTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus)}
	b.check(explain(ruleVAEPublic, triYes, in, "VAE is open to anyone since December 2022"), triYes)
	b.cond("France VAE does not pay by itself: the path is funded by CPF, employer/OPCO, France Travail or the Région")
	if eqTri(s.EmploymentStatus, "employed") != triNo {
		in := map[string]any{"employment_status": val(s.EmploymentStatus), "action.start_date": a.StartDate}
		start, ok := parseDate(a.StartDate)
		if !ok {
			b.note(explain(ruleVAELeave, triUnknown, in, "start date missing or invalid: notice dates cannot be computed"))
		} else {
			req := start.AddDate(0, 0, -vaeNoticeDays)
			ans := req.AddDate(0, 0, vaeEmployerDays)
			b.deadline("VAE leave request to the employer (30 days before)", req)
			b.deadline("Employer's answer to the VAE leave request (15 days)", ans)
			b.cond("If employed: VAE leave request at least 30 days before; the employer answers within 15 days")
			b.pastFlag(opts, "VAE leave request", req)
			b.note(explain(ruleVAELeave, triYes, in, "request by %s, employer's answer by %s", req.Format(DateLayout), ans.Format(DateLayout)))
		}
	}
	return b.finish(0)
}

// evalAGEFIPH: OETH beneficiaries only; complements the general schemes (it
// comes after them and covers only what they leave).
func evalAGEFIPH(s Situation, a Action) FunderResult {
	b := newBuilder(FunderAGEFIPH, "AGEFIPH")
	if b.check(actionTypeStep(ruleAGEFIPHActionType, a, agefiphTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"oeth": val(s.OETH)}
	switch t := boolTri(s.OETH); t {
	case triYes:
		b.check(explain(ruleAGEFIPHPublic, t, in, "OETH beneficiary"), t)
	case triNo:
		b.check(explain(ruleAGEFIPHPublic, t, in, "AGEFIPH is for OETH beneficiaries only"), t)
	default:
		b.check(explain(ruleAGEFIPHPublic, t, in, "OETH status unknown (RQTH or other OETH title)"), t)
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
	if b.check(actionTypeStep(ruleAIFActionType, a, aifTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"jobseeker_registered": val(s.JobseekerRegistered)}
	switch t := boolTri(s.JobseekerRegistered); t {
	case triYes:
		b.check(explain(ruleAIFPublic, t, in, "registered job seeker"), t)
	case triNo:
		b.check(explain(ruleAIFPublic, t, in, "AIF is only for job seekers registered with France Travail"), t)
	default:
		b.check(explain(ruleAIFPublic, t, in, "registration with France Travail unknown"), t)
	}
	b.cond("Training validated in the job-seeking plan (PPAE) by the France Travail adviser")
	b.cond("Last resort: covers only what the other funders leave")
	return b.finish(a.CostEUR)
}
