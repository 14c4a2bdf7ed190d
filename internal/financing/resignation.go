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
	b := newBuilder(FunderResignation, "Démission pour reconversion (allocation chômage après démission)")
	day := ruleDay(a)
	if b.check(actionTypeStep(ruleAt("resignation_reconversion.action_type", day), a, resignationTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "contract_type": val(s.ContractType)}
	pub := and(eqTri(s.EmploymentStatus, "employed"), eqTri(s.ContractType, "cdi"))
	switch pub {
	case triYes:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "Personne salariée en CDI"), pub)
	case triNo:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "Seule une personne salariée en CDI de droit privé peut démissionner pour une reconversion"), pub)
		return b.finish(0)
	default:
		b.check(explain(ruleAt("resignation_reconversion.public", day), pub, in, "Situation d'emploi ou contrat inconnu%s", unknownList(in)), pub)
	}
	inD := map[string]any{"days_worked_last_60_months": val(f.DaysWorkedLast60Months)}
	act := atLeast(f.DaysWorkedLast60Months, resignationDays)
	rl := ruleAt("resignation_reconversion.activity", day)
	switch act {
	case triYes:
		b.check(explain(rl, act, inD, "%s jours travaillés sur les 60 derniers mois (au moins %s)", number(*f.DaysWorkedLast60Months), number(resignationDays)), act)
	case triNo:
		b.check(explain(rl, act, inD, "%s jours travaillés sur les 60 derniers mois, moins de %s : pas d'allocation chômage après la démission", number(*f.DaysWorkedLast60Months), number(resignationDays)), act)
	default:
		b.check(explain(rl, act, inD, "Jours travaillés sur les 60 derniers mois inconnus (il en faut %s ; les congés sans solde ou sabbatiques ne comptent pas)", number(resignationDays)), act)
	}
	b.cond("CEP obligatoire avant de démissionner : ce dossier est ce CEP ; la synthèse du conseiller accompagne la demande")
	b.cond("Ne pas démissionner avant l'attestation de Transitions Pro établissant le caractère « réel et sérieux » du projet")
	b.cond("S'inscrire à France Travail dans les 6 mois suivant l'attestation ; France Travail vérifie l'avancement du projet dans les 6 mois")
	b.cond("Les congés sans solde ou sabbatiques et les périodes de disponibilité ne comptent pas dans les jours travaillés")
	rs := ruleAt("resignation_reconversion.steps", day)
	inS := map[string]any{"action.start_date": a.StartDate}
	if start, ok := parseDate(a.StartDate); ok {
		b.deadline(DeadlineRequestBy, "Démission pour reconversion : attestation « réel et sérieux » de Transitions Pro avant de démissionner (au plus tard avant le début)", start)
		b.deadline(DeadlineRequestBy, "Démission pour reconversion : inscription à France Travail avant le début (dans les 6 mois suivant l'attestation)", start)
		b.pastFlag(opts, "l'inscription à France Travail (démission pour reconversion)", start)
		b.note(explain(rs, triYes, inS, "Attestation, puis démission, puis inscription à France Travail dans les 6 mois suivant l'attestation et avant le début de l'action, le %s", frDay(a.StartDate)))
	} else {
		b.note(explain(rs, triUnknown, inS, "Date de début absente ou invalide : les étapes ne peuvent pas être datées"))
	}
	return b.finish(0)
}
