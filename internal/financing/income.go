package financing

import (
	"fmt"
	"slices"
	"strings"

	"github.com/spro-cep/cep/internal/fr"
)

// areName names the unemployment benefit kept during a training.
const areName = "ARE maintenue en AREF pendant la formation"

// noIncomeText opens the shortfall reason of an action that leaves the person
// without income (see IsNoIncomeReason).
const noIncomeText = "aucun revenu pendant la formation"

// IsNoIncomeReason tells whether a shortfall reason is that an action leaves the
// person without income: such a reason does not depend on what funders decide.
func IsNoIncomeReason(reason string) bool { return strings.Contains(reason, noIncomeText) }

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
		line(IncomeSalary, "Salaire (le contrat de travail continue)", StatusEligible, nil,
			explain(ruleAt("income.salary", day), triYes, in, "Personne salariée : hors du temps de travail, l'emploi continue ; sur le temps de travail, avec l'autorisation de l'employeur, le salaire est maintenu"))
		if st := status(FunderPTP); st != StatusNotEligible {
			lines = append(lines, ptpSalary(f, a, st))
		}
		if st := status(FunderResignation); st != StatusNotEligible {
			in := map[string]any{"days_worked_last_60_months": val(f.DaysWorkedLast60Months)}
			line(IncomeResignationBenefit, "Allocation chômage après une démission pour reconversion", st, nil,
				explain(ruleAt("income.resignation_benefit", day), triYes, in, "Si la personne démissionne après l'attestation de Transitions Pro : allocation d'aide au retour à l'emploi (ARE), puis AREF pendant la formation"),
				"Seulement après l'attestation de Transitions Pro, la démission, puis l'inscription à France Travail et la demande d'allocation dans les 6 mois suivant la notification de la décision de Transitions Pro")
		}
	}
	if jobseeker == triYes || (employed != triYes && jobseeker == triUnknown) {
		in := map[string]any{"unemployment_benefit": val(f.UnemploymentBenefit), "jobseeker_registered": val(s.JobseekerRegistered)}
		rl := ruleAt("income.aref", day)
		switch boolTri(f.UnemploymentBenefit) {
		case triYes:
			line(IncomeAREF, areName, StatusEligible, nil,
				explain(rl, triYes, in, "Perçoit l'ARE : elle est maintenue en AREF pendant une formation prescrite dans le PPAE, tant que les droits durent"),
				"Formation prescrite par France Travail dans le projet personnalisé d'accès à l'emploi (PPAE)", "Si les droits à l'ARE s'arrêtent avant la fin de la formation, demander à la Région si sa rémunération prend le relais")
		case triNo:
			line(IncomeAREF, areName, StatusNotEligible, nil,
				explain(rl, triNo, in, "Pas d'allocation chômage"))
			lines = append(lines, regionPay(a, opts, in))
		default:
			line(IncomeAREF, areName, StatusNeedsInformation, nil,
				explain(rl, triUnknown, in, "Allocation chômage inconnue : AREF si la personne perçoit l'ARE, sinon rémunération de la Région sur une formation agréée"))
		}
	}
	switch {
	case len(lines) == 0 && s.EmploymentStatus != nil && (*s.EmploymentStatus == "student" || *s.EmploymentStatus == "inactive"):
		return lines, fmt.Sprintf("%s (%s : ni salarié, ni demandeur d'emploi inscrit)", noIncomeText, label(fr.Employment, s.EmploymentStatus))
	case len(lines) > 0 && !slices.ContainsFunc(lines, func(l IncomeLine) bool { return l.Status != StatusNotEligible }):
		return lines, noIncomeText + " (ni allocation chômage, ni rémunération de la Région)"
	}
	return lines, ""
}

// ptpSalary: the salary is maintained during a PTP on working time: in full up
// to 2 SMIC; above, 90 % the first year (or the first 1,200 hours) and 60 %
// after. The estimate is the first year's. A floor of 2 SMIC above the band,
// which service-public.fr F14018 seems to state, is not applied: its text was
// cut off in the copy read (see the rule's source).
func ptpSalary(f Facts, a Action, ptpStatus string) IncomeLine {
	day := ruleDay(a)
	in := map[string]any{"monthly_salary_eur": val(f.MonthlySalaryEUR), "action.start_date": a.StartDate}
	l := IncomeLine{Kind: IncomePTPSalary, Name: "Salaire maintenu pendant le PTP (versé par l'employeur, remboursé par Transitions Pro)",
		Status: ptpStatus, Conditions: []string{"Sous réserve de la décision de la commission et de l'assiduité"}, Explanation: []Explanation{}}
	rl := ruleAt("income.ptp_salary", day)
	smic, ok := figureAt(smicMonthly, day)
	if f.MonthlySalaryEUR == nil || !ok {
		l.Explanation = append(l.Explanation, explain(rl, triUnknown, in, "Salaire ou SMIC à la date de début inconnu : salaire maintenu en entier jusqu'à 2 SMIC, au-delà 90 %% la première année et 60 %% ensuite"))
		return l
	}
	in["smic_monthly_eur"] = smic.EUR
	salary := *f.MonthlySalaryEUR
	est := salary
	why := fmt.Sprintf("Salaire de %s, au plus 2 SMIC (%s) : maintenu en entier", eur(salary), eur(2*smic.EUR))
	if salary > 2*smic.EUR {
		est = round2(salary * 0.9)
		why = fmt.Sprintf("Salaire de %s, au-delà de 2 SMIC (%s) : 90 %% la première année (%s), 60 %% ensuite (%s)", eur(salary), eur(2*smic.EUR), eur(est), eur(round2(salary*0.6)))
		l.Conditions = append(l.Conditions, fmt.Sprintf("À partir de la deuxième année (ou au-delà de %s heures), 60 %% : environ %s par mois", number(1200), eur(round2(salary*0.6))))
	}
	l.MonthlyEstimateEUR = &est
	l.Explanation = append(l.Explanation, explain(rl, triYes, in, "%s (SMIC de %s en vigueur depuis le %s)", why, eur(smic.EUR), frDay(smic.From)))
	return l
}

// regionPay: the Région's pay for a job seeker without benefit, from the first
// Région scheme file that sets one.
func regionPay(a Action, opts Options, in map[string]any) IncomeLine {
	rl := ruleAt("income.region_pay", ruleDay(a))
	l := IncomeLine{Kind: IncomeRegionPay, Name: "Rémunération de la Région pour les stagiaires sans allocation chômage", Conditions: []string{}, Explanation: []Explanation{}}
	for _, sc := range uniqueSchemes(opts.Schemes) {
		if sc.Kind != "region" || sc.TraineePayMonthlyEUR <= 0 {
			continue
		}
		est := sc.TraineePayMonthlyEUR
		l.Status, l.MonthlyEstimateEUR = StatusEligible, &est
		l.Name = sc.Name + " : rémunération des stagiaires"
		l.Conditions = append(l.Conditions, "La formation doit être agréée par la Région au titre de la rémunération des stagiaires",
			"Montant pour un stagiaire à temps plein de 26 ans ou plus ; moins pour les plus jeunes (voir la source)")
		e := explain(rl, triYes, in, "Pas d'allocation chômage : la Région verse %s par mois sur une formation agréée (%s)", eur(est), sc.Name)
		e.Inputs["rule.source"] = fmt.Sprintf("%v ; %s", e.Inputs["rule.source"], sc.Source)
		l.Explanation = append(l.Explanation, e)
		return l
	}
	l.Status = StatusNotEligible
	l.Explanation = append(l.Explanation, explain(rl, triNo, in, "Aucune rémunération de la Région n'est configurée pour les demandeurs d'emploi sans allocation"))
	return l
}
