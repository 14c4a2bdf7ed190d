package financing

// resignationDays is the activity condition of the résignation-reconversion:
// 1,300 days worked in the last 60 months (to confirm against the unemployment
// insurance rules, see the rule's source).
const resignationDays = 1300

// resignationTypes: a training project or a business creation or takeover.
var resignationTypes = []string{ActionTraining, ActionBusinessCreation}

// evalResignation: a CDI holder who resigns for a project certified « réel et
// sérieux » by Transitions Pro, after a mandatory CEP (this case), gets
// unemployment benefit if they worked 1,300 days in the last 60 months. It
// pays no teaching costs: its line carries eligibility and steps, its income
// is in the income list.
func evalResignation(s Situation, f Facts, a Action, opts Options) FunderResult {
	b := newBuilder(FunderResignation, "Démission pour reconversion (résignation-reconversion)")
	day := ruleDay(a)
	if b.check(actionTypeStep(ruleAt("resignation_reconversion.action_type", day), a, resignationTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "contract_type": val(s.ContractType)}
	pub := and(eqTri(s.EmploymentStatus, "employed"), eqTri(s.ContractType, "cdi"))
	switch pub {
	case triYes:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "employee on a CDI"), pub)
	case triNo:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "only an employee on a private-law CDI can resign for a reconversion"), pub)
		return b.finish(0)
	default:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "employment status or contract unknown%s", unknownList(in)), pub)
	}
	inD := map[string]any{"days_worked_last_60_months": val(f.DaysWorkedLast60Months)}
	act := atLeast(f.DaysWorkedLast60Months, resignationDays)
	rl := ruleAt("resignation_reconversion.activity", day)
	switch act {
	case triYes:
		b.check(explain(rl, act, inD, "%d days worked in the last 60 months (at least %d)", *f.DaysWorkedLast60Months, resignationDays), act)
	case triNo:
		b.check(explain(rl, act, inD, "%d days worked in the last 60 months, fewer than %d: no benefit after resigning", *f.DaysWorkedLast60Months, resignationDays), act)
	default:
		b.check(explain(rl, act, inD, "days worked in the last 60 months unknown (%d needed; unpaid or sabbatical leave does not count)", resignationDays), act)
	}
	b.cond("Mandatory CEP before resigning: this case is that CEP; the adviser's synthesis goes with the file")
	b.cond("Do not resign before Transitions Pro's attestation that the project is « réel et sérieux »")
	b.cond("Register with France Travail within 6 months of the attestation; France Travail checks the project's progress within 6 months")
	b.cond("Unpaid, sabbatical leave and periods of availability do not count in the days worked")
	rs := ruleAt("resignation_reconversion.steps", day)
	inS := map[string]any{"action.start_date": a.StartDate}
	if start, ok := parseDate(a.StartDate); ok {
		b.deadline(DeadlineRequestBy, "Résignation-reconversion: Transitions Pro attestation « réel et sérieux » before resigning (latest before the start)", start)
		b.deadline(DeadlineRequestBy, "Résignation-reconversion: registration with France Travail before the start (within 6 months of the attestation)", start)
		b.pastFlag(opts, "résignation-reconversion registration", start)
		b.note(explain(rs, triYes, inS, "attestation, then resignation, then registration with France Travail within 6 months of the attestation and before the start %s", a.StartDate))
	} else {
		b.note(explain(rs, triUnknown, inS, "start date missing or invalid: steps cannot be dated"))
	}
	return b.finish(0)
}
