package financing

import (
	"strings"
	"time"
)

// resignationDays is the activity condition of the résignation-reconversion:
// 1,300 days worked in the last 60 months, unchanged by the convention
// d'assurance chômage of 15 November 2024 (sources in the rule's versions).
const resignationDays = 1300

// resignationTypes: a training project or a business creation or takeover.
var resignationTypes = []string{ActionTraining, ActionBusinessCreation}

// evalResignation: a CDI holder of private law who resigns for a project
// certified « réel et sérieux » by Transitions Pro, after a mandatory CEP, gets
// unemployment benefit if they worked 1,300 days in the last 60 months. It
// pays no teaching costs: its line carries eligibility and steps, its income
// is in the income list. The CEP must come from APEC, Cap emploi or the
// regional operator for people in work: the line says whether the structure
// holding the case can be that CEP.
func evalResignation(s Situation, f Facts, a Action, opts Options) FunderResult {
	b := newBuilder(FunderResignation, "Démission pour reconversion (allocation chômage après démission)")
	day := ruleDay(a)
	if b.check(actionTypeStep(ruleAt("resignation_reconversion.action_type", day), a, resignationTypes)) == triNo {
		return b.finish(0)
	}
	in := map[string]any{"employment_status": val(s.EmploymentStatus), "contract_type": val(s.ContractType)}
	pub := and(eqTri(s.EmploymentStatus, "employed"), eqTri(s.ContractType, "cdi"))
	rp := ruleAt("resignation_reconversion.public", day)
	switch {
	case pub != triNo && boolTri(f.PublicSector) == triYes:
		in["public_sector"] = true
		b.check(explain(rp, triNo, in, "Agent public : la démission pour reconversion est réservée aux salariés en CDI de droit privé"), triNo)
		return b.finish(0)
	case pub == triYes:
		b.check(explain(rp, pub, in, "Personne salariée en CDI"), pub)
	case pub == triNo:
		b.check(explain(rp, pub, in, "Seule une personne salariée en CDI de droit privé peut démissionner pour une reconversion"), pub)
		return b.finish(0)
	default:
		b.check(explain(rp, pub, in, "Situation d'emploi ou contrat inconnu%s", unknownList(in)), pub)
	}
	b.cond("Exclu si la personne a travaillé principalement pour un employeur en auto-assurance chômage (certains employeurs et entreprises publics) au cours des 24 derniers mois (36 mois à partir de 53 ans) : vérifier auprès de France Travail")
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
	resignationCEP(opts.Operator, day, b)
	b.cond("Ne pas démissionner avant l'attestation de Transitions Pro établissant le caractère « réel et sérieux » du projet")
	b.cond("S'inscrire à France Travail et demander l'allocation dans les 6 mois suivant la notification de la décision de Transitions Pro ; France Travail vérifie l'avancement du projet dans les 6 mois")
	b.cond("Les congés sans solde ou sabbatiques et les périodes de disponibilité ne comptent pas dans les jours travaillés")
	rs := ruleAt("resignation_reconversion.steps", day)
	inS := map[string]any{"action.start_date": a.StartDate}
	if start, ok := parseDate(a.StartDate); ok {
		b.deadline(DeadlineRequestBy, "Démission pour reconversion : attestation « réel et sérieux » de Transitions Pro avant de démissionner (au plus tard avant le début)", start)
		b.deadline(DeadlineRequestBy, "Démission pour reconversion : inscription à France Travail et demande d'allocation avant le début (dans les 6 mois suivant la notification de la décision de Transitions Pro)", start)
		b.pastFlag(opts, "l'inscription à France Travail (démission pour reconversion)", start)
		b.note(explain(rs, triYes, inS, "Attestation, puis démission, puis inscription à France Travail et demande d'allocation dans les 6 mois suivant la notification de la décision de Transitions Pro, et avant le début de l'action, le %s", frDay(a.StartDate)))
	} else {
		b.note(explain(rs, triUnknown, inS, "Date de début absente ou invalide : les étapes ne peuvent pas être datées"))
	}
	return b.finish(0)
}

// cepOperatorsForResignation and withCEPOperators name the operators that may
// deliver the CEP before a résignation-reconversion, for the texts ("délivré
// par …", "auprès de …").
const (
	cepOperatorsForResignation = "l'APEC, Cap emploi ou l'opérateur régional du CEP des actifs occupés"
	withCEPOperators           = "auprès de l'APEC, de Cap emploi ou de l'opérateur régional du CEP des actifs occupés"
)

// notResignationCEP lists, by a part of their network's name (lower case), the
// structures that cannot deliver the CEP before a résignation-reconversion, and
// why: France Travail and the Missions locales are not CEP operators for this
// scheme (ideo.bretagne.bzh); Transitions Pro (formerly Fongecif, Opacif) and the
// OPCA/OPCO are no longer CEP operators since 2020 (arrêté du 29 mars 2019), and
// Transitions Pro certifies the project.
var notResignationCEP = []struct{ part, why string }{
	{"france travail", "France Travail n'est pas opérateur du CEP pour ce dispositif"},
	{"pôle emploi", "France Travail (anciennement Pôle emploi) n'est pas opérateur du CEP pour ce dispositif"},
	{"pole emploi", "France Travail (anciennement Pôle emploi) n'est pas opérateur du CEP pour ce dispositif"},
	{"mission locale", "les Missions locales ne sont pas opératrices du CEP pour ce dispositif"},
	{"missions locales", "les Missions locales ne sont pas opératrices du CEP pour ce dispositif"},
	{"transitions pro", "Transitions Pro atteste le projet et n'est plus opérateur du CEP depuis 2020"},
	{"fongecif", "Transitions Pro (anciennement Fongecif) atteste le projet et n'est plus opérateur du CEP depuis 2020"},
	{"opacif", "Transitions Pro (anciennement Opacif) atteste le projet et n'est plus opérateur du CEP depuis 2020"},
	{"opca", "les OPCO (anciennement OPCA) ne sont plus opérateurs du CEP depuis 2020"},
	{"opco", "les OPCO ne sont plus opérateurs du CEP depuis 2020"},
}

// resignationCEP notes whether the structure holding the case can be the
// mandatory CEP: a CEP operator whose network is not one of notResignationCEP
// (APEC, Cap emploi, the regional operator for people in work). It never
// changes eligibility: the person can get that CEP elsewhere before resigning.
func resignationCEP(op *Operator, day time.Time, b *builder) {
	rl := ruleAt("resignation_reconversion.cep", day)
	if op == nil {
		b.note(explain(rl, triUnknown, map[string]any{"case.network": nil},
			"Structure du dossier inconnue : le CEP préalable à la démission est délivré par %s", cepOperatorsForResignation))
		b.cond("CEP obligatoire avant de démissionner, %s (ni France Travail ni une Mission locale) : vérifier que la structure de ce dossier en fait partie ; la synthèse du conseiller accompagne la demande", withCEPOperators)
		return
	}
	in := map[string]any{"case.network": op.Network, "case.cep_operator": op.CEPOperator}
	why := ""
	if !op.CEPOperator {
		why = "structure qui n'est pas opératrice du CEP"
	}
	network := strings.ToLower(op.Network)
	for _, n := range notResignationCEP {
		if why == "" && strings.Contains(network, n.part) {
			why = n.why
		}
	}
	name := op.Network
	if name == "" {
		name = "réseau non renseigné"
	}
	if why != "" {
		b.note(explain(rl, triNo, in, "Structure du réseau %s : %s ; le CEP préalable à la démission est délivré par %s", name, why, cepOperatorsForResignation))
		b.cond("CEP obligatoire avant de démissionner, %s : la structure de ce dossier (%s) ne peut pas être ce CEP ; orienter la personne vers l'un d'eux avant qu'elle démissionne", withCEPOperators, name)
		return
	}
	b.note(explain(rl, triYes, in, "Structure du réseau %s, opératrice du CEP : ce dossier peut être le CEP préalable à la démission", name))
	b.cond("CEP obligatoire avant de démissionner : ce dossier (%s) est ce CEP ; la synthèse du conseiller accompagne la demande", name)
}
