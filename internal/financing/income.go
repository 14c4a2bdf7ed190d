package financing

import (
	"fmt"
	"slices"
)

// incomeFor evaluates what the person may live on during a training action.
// The funders' results give the PTP and résignation-reconversion statuses.
// noIncome is set, with its reason, when the facts show the person would have
// no income at all for the action's duration.
func incomeFor(s Situation, f Facts, a Action, opts Options, funders []FunderResult) (lines []IncomeLine, noIncome string) {
	if a.Type != ActionTraining {
		return nil, ""
	}
	day := ruleDay(a)
	status := func(id string) string {
		if i := slices.IndexFunc(funders, func(r FunderResult) bool { return r.Funder == id }); i >= 0 {
			return funders[i].Status
		}
		return StatusNotEligible
	}
	line := func(kind, name, st string, est *float64, e Explanation, conds ...string) {
		if conds == nil {
			conds = []string{}
		}
		lines = append(lines, IncomeLine{Kind: kind, Name: name, Status: st, MonthlyEstimateEUR: est, Conditions: conds, Explanation: []Explanation{e}})
	}
	employed := eqTri(s.EmploymentStatus, "employed")
	jobseeker := or(eqTri(s.EmploymentStatus, "jobseeker"), boolTri(s.JobseekerRegistered))

	if employed == triYes {
		in := map[string]any{"employment_status": val(s.EmploymentStatus), "during_working_time": val(f.DuringWorkingTime)}
		line(IncomeSalary, "Salary (the employment contract continues)", StatusEligible, nil,
			explain(ruleAt("income.salary", day), triYes, in, "employed: outside working time the job continues; on working time, with the employer's authorisation, the salary is maintained"))
		if st := status(FunderPTP); st != StatusNotEligible {
			lines = append(lines, ptpSalary(f, a, st))
		}
		if st := status(FunderResignation); st != StatusNotEligible {
			in := map[string]any{"days_worked_last_60_months": val(f.DaysWorkedLast60Months)}
			line(IncomeResignationBenefit, "Unemployment benefit after a résignation-reconversion", st, nil,
				explain(ruleAt("income.resignation_benefit", day), triYes, in, "if the person resigns after Transitions Pro's attestation: unemployment benefit (ARE), then AREF during the training"),
				"Only after the Transitions Pro attestation, a resignation, and the registration with France Travail within 6 months")
		}
	}
	if jobseeker == triYes || (employed != triYes && jobseeker == triUnknown) {
		in := map[string]any{"unemployment_benefit": val(f.UnemploymentBenefit), "jobseeker_registered": val(s.JobseekerRegistered)}
		rl := ruleAt("income.aref", day)
		switch boolTri(f.UnemploymentBenefit) {
		case triYes:
			line(IncomeAREF, "ARE continued as AREF during the training", StatusEligible, nil,
				explain(rl, triYes, in, "receives the ARE: it continues as AREF during a training prescribed in the PPAE, while the rights last"),
				"Training prescribed by France Travail in the job-seeking plan (PPAE)", "If the ARE rights end before the training, ask the Région whether its pay takes over")
		case triNo:
			line(IncomeAREF, "ARE continued as AREF during the training", StatusNotEligible, nil,
				explain(rl, triNo, in, "no unemployment benefit"))
			lines = append(lines, regionPay(a, opts, in))
		default:
			line(IncomeAREF, "ARE continued as AREF during the training", StatusNeedsInformation, nil,
				explain(rl, triUnknown, in, "unemployment benefit unknown: AREF if receiving the ARE, else the Région's pay on an approved training"))
		}
	}
	switch {
	case len(lines) == 0 && s.EmploymentStatus != nil && (*s.EmploymentStatus == "student" || *s.EmploymentStatus == "inactive"):
		return lines, fmt.Sprintf("no income during the training (%s: not employed, not a registered job seeker)", *s.EmploymentStatus)
	case len(lines) > 0 && !slices.ContainsFunc(lines, func(l IncomeLine) bool { return l.Status != StatusNotEligible }):
		return lines, "no income during the training (no unemployment benefit and no Région pay)"
	}
	return lines, ""
}

// ptpSalary: the salary is maintained during a PTP on working time: in full up
// to 2 SMIC; above, 90 % the first year (or the first 1,200 hours) and 60 %
// after. The estimate is the first year's.
func ptpSalary(f Facts, a Action, ptpStatus string) IncomeLine {
	day := ruleDay(a)
	in := map[string]any{"monthly_salary_eur": val(f.MonthlySalaryEUR), "action.start_date": a.StartDate}
	l := IncomeLine{Kind: IncomePTPSalary, Name: "Salary maintained during the PTP (paid by the employer, refunded by Transitions Pro)",
		Status: ptpStatus, Conditions: []string{"Subject to the commission's decision and to attendance"}, Explanation: []Explanation{}}
	rl := ruleAt("income.ptp_salary", day)
	smic, ok := figureAt(smicMonthly, day)
	if f.MonthlySalaryEUR == nil || !ok {
		l.Explanation = append(l.Explanation, explain(rl, triUnknown, in, "salary or SMIC of the start date unknown: full salary up to 2 SMIC, above 90 %% the first year and 60 %% after"))
		return l
	}
	in["smic_monthly_eur"] = smic.EUR
	salary := *f.MonthlySalaryEUR
	est := salary
	why := fmt.Sprintf("salary %s ≤ 2 SMIC (%s): maintained in full", eur(salary), eur(2*smic.EUR))
	if salary > 2*smic.EUR {
		est = round2(salary * 0.9)
		why = fmt.Sprintf("salary %s above 2 SMIC (%s): 90 %% the first year (%s), 60 %% after (%s)", eur(salary), eur(2*smic.EUR), eur(est), eur(round2(salary*0.6)))
		l.Conditions = append(l.Conditions, fmt.Sprintf("From the second year (or after 1,200 hours) 60 %%: about %s a month", eur(round2(salary*0.6))))
	}
	l.MonthlyEstimateEUR = &est
	l.Explanation = append(l.Explanation, explain(rl, triYes, in, "%s (SMIC %s in force from %s)", why, eur(smic.EUR), smic.From))
	return l
}

// regionPay: the Région's pay for a job seeker without benefit, from the first
// Région scheme file that sets one.
func regionPay(a Action, opts Options, in map[string]any) IncomeLine {
	rl := ruleAt("income.region_pay", ruleDay(a))
	l := IncomeLine{Kind: IncomeRegionPay, Name: "Région's pay for trainees without unemployment benefit", Conditions: []string{}, Explanation: []Explanation{}}
	for _, sc := range uniqueSchemes(opts.Schemes) {
		if sc.Kind != "region" || sc.TraineePayMonthlyEUR <= 0 {
			continue
		}
		est := sc.TraineePayMonthlyEUR
		l.Status, l.MonthlyEstimateEUR = StatusEligible, &est
		l.Name = sc.Name + ": trainee pay"
		l.Conditions = append(l.Conditions, "The training must be approved (agréée) by the Région for trainee pay",
			"Amount for a full-time trainee aged 26 or more; less for younger trainees (see the source)")
		e := explain(rl, triYes, in, "no unemployment benefit: the Région pays %s a month on an approved training (%s)", eur(est), sc.FunderID())
		e.Inputs["rule.source"] = fmt.Sprintf("%v; %s", e.Inputs["rule.source"], sc.Source)
		l.Explanation = append(l.Explanation, e)
		return l
	}
	l.Status = StatusNotEligible
	l.Explanation = append(l.Explanation, explain(rl, triNo, in, "no Région pay configured for job seekers without benefit"))
	return l
}
