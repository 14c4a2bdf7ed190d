package financing

import (
	"fmt"
	"math"
	"time"
)

// bookingDay dates the CPF purchase rules (participation, per-action
// ceilings, licence access): they apply to the file booked on Mon Compte
// Formation, which happens before the start. It is today when today is known
// and before the start (the file can be booked from now on), else the start
// date (an action already started was booked by then). The text says which day
// and why, for the reasons ("inscription supposée le jour du début de l'action, le
// 1er septembre 2026").
func bookingDay(a Action, opts Options) (time.Time, string) {
	start, ok := parseDate(a.StartDate)
	today := opts.Today
	if !today.IsZero() {
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	}
	switch {
	case !today.IsZero() && (!ok || today.Before(start)):
		return today, "inscription supposée aujourd'hui, le " + frDate(today) + ", avant le début de l'action"
	case ok:
		return start, "inscription supposée le jour du début de l'action, le " + frDate(start)
	}
	return time.Time{}, "inscription à une date inconnue (règles les plus récentes)"
}

// cpfEval is what the CPF evaluation needs besides the action.
type cpfEval struct {
	s          Situation
	f          Facts
	opts       Options
	usedBefore float64 // balance already used by earlier actions of the plan
	inPTP      bool    // the CPF is mobilised within a PTP (no participation)
}

// evalCPF evaluates the CPF and returns the participation due (0 if none).
func evalCPF(a Action, in cpfEval) (FunderResult, float64) {
	s, f := in.s, in.f
	b := newBuilder(FunderCPF, "Compte personnel de formation (Mon Compte Formation)")
	day := ruleDay(a)
	booking, basis := bookingDay(a, in.opts)
	if b.check(actionTypeStep(ruleAt("cpf.action_type", day), a, cpfTypes)) == triNo {
		return b.finish(0), 0
	}
	b.cond("L'action doit figurer sur Mon Compte Formation et la personne titulaire du compte doit s'y inscrire elle-même")
	if a.Type == ActionDrivingLicence {
		b.check(cpfLicence(a, s, f, booking, basis, &b.r))
	}

	// Accrual ceilings limit how rights accrue, not what can be spent: the
	// balance the person reports (employer top-ups included) is usable.
	in1 := map[string]any{"qualification_level": val(s.QualificationLevel), "oeth": val(s.OETH), "cpf_balance_eur": val(s.CPFBalanceEUR)}
	ceilings := fmt.Sprintf("les plafonds de %s (%s pour une personne peu qualifiée ou bénéficiaire de l'OETH) limitent l'alimentation du compte, pas son utilisation",
		eurWhole(5000), eurWhole(8000))
	if s.CPFBalanceEUR != nil {
		b.check(explain(ruleAt("cpf.ceiling", day), triYes, in1, "Solde CPF déclaré : %s ; utilisable en entier : %s", eur(*s.CPFBalanceEUR), ceilings), triYes)
	} else {
		b.check(explain(ruleAt("cpf.ceiling", day), triYes, in1, "%s : le solde déclaré sera utilisable en entier", upperFirst(ceilings)), triYes)
	}

	usable := 0.0
	in2 := map[string]any{"cpf_balance_eur": val(s.CPFBalanceEUR)}
	if in.usedBefore > 0 {
		in2["cpf_used_by_earlier_actions_eur"] = in.usedBefore
	}
	rb := ruleAt("cpf.balance", day)
	switch {
	case s.CPFBalanceEUR == nil:
		b.check(explain(rb, triUnknown, in2, "Solde CPF inconnu : demander à la personne de le consulter sur moncompteformation.gouv.fr"), triUnknown)
	case *s.CPFBalanceEUR <= 0:
		b.check(explain(rb, triNo, in2, "Aucun crédit sur le compte CPF"), triNo)
	case *s.CPFBalanceEUR-in.usedBefore <= 0:
		b.check(explain(rb, triNo, in2, "Crédit CPF déjà utilisé par les actions du plan qui commencent plus tôt"), triNo)
	case in.usedBefore > 0:
		usable = round2(*s.CPFBalanceEUR - in.usedBefore)
		b.check(explain(rb, triYes, in2, "Solde CPF utilisable : %s, après %s utilisés par les actions du plan qui commencent plus tôt", eur(usable), eur(in.usedBefore)), triYes)
	default:
		usable = *s.CPFBalanceEUR
		b.check(explain(rb, triYes, in2, "Solde CPF utilisable : %s", eur(usable)), triYes)
	}

	if c, ok := cpfActionCeiling(a, booking, basis, b); ok {
		usable = min(usable, c)
	}
	if a.Type == ActionBilanCompetences {
		cpfBilan(a, booking, b)
	}
	cpfWorkingTime(a, s, f, in.opts, b)

	copay := 0.0
	if in.inPTP {
		in3 := map[string]any{"booking_date": dateOrNil(booking)}
		b.note(explain(ruleAt("cpf.copayment", booking), triYes, in3,
			"CPF mobilisé dans le cadre du projet de transition professionnelle : pas de participation forfaitaire (choix : elle est perçue lors des achats sur Mon Compte Formation, alors qu'un PTP passe par Transitions Pro ; aucun texte ne le dit expressément)"))
	} else {
		copay = cpfCopay(&b.r, s, f, booking, basis, in.opts)
	}
	return b.finish(min(usable, math.Max(a.CostEUR-copay, 0))), copay
}

func dateOrNil(d time.Time) any {
	if d.IsZero() {
		return nil
	}
	return d.Format(DateLayout)
}

// cpfCopay evaluates cpf.copayment: the participation forfaitaire in force on
// the booking day (dated table cpfCoPayments). Exempt (C. trav. L6323-7,
// décret n° 2024-394): registered job seekers (registration, not the declared
// status), a training topped up by the employer (also under a company, group,
// branch or OPCO agreement), use of C2P points, the abondement for a permanent
// incapacity ≥ 10 % after a work accident or occupational disease. C2P points
// and the incapacity abondement are mobilised by the holder's choice: unknown
// means not used. When the registration or the employer top-up is unknown the
// participation is counted (worst case for the person) and a condition says so.
// Only the employer or the OPCO may pay it for the holder (the final decree
// narrowed the draft's list of every abondeur): a co-funding by anyone else
// neither waives it nor pays it.
func cpfCopay(r *FunderResult, s Situation, f Facts, booking time.Time, basis string, opts Options) float64 {
	rl := ruleAt("cpf.copayment", booking)
	fig, due := figureAt(cpfCoPayments, booking)
	if booking.IsZero() {
		fig, due = cpfCoPayments[len(cpfCoPayments)-1], true
	}
	amount := fig.EUR
	if opts.CPFCoPaymentEUR > 0 {
		amount = opts.CPFCoPaymentEUR
	}
	jobseeker := boolTri(s.JobseekerRegistered)
	chosen := func(p *bool) tri { // nil (unknown) counts as not used
		if p != nil && *p {
			return triYes
		}
		return triNo
	}
	exempt := or(jobseeker, boolTri(s.EmployerTopUp), chosen(f.C2PPoints), chosen(f.WorkIncapacity10))
	in := map[string]any{"jobseeker_registered": val(s.JobseekerRegistered), "employer_top_up": val(s.EmployerTopUp),
		"c2p_points": val(f.C2PPoints), "work_incapacity_10": val(f.WorkIncapacity10), "booking_date": dateOrNil(booking)}
	add := func(t tri, format string, args ...any) {
		r.Explanation = append(r.Explanation, explain(rl, t, in, format, args...))
	}
	switch {
	case !due:
		add(triYes, "Aucune participation forfaitaire pour une inscription avant le 2 mai 2024 (%s)", basis)
		return 0
	case exempt == triYes:
		add(triYes, "Exonération de la participation forfaitaire : %s", exemptionWhy(s, f))
		return 0
	case exempt == triNo:
		add(triYes, "Participation forfaitaire de %s due, sans exonération (montant en vigueur pour une %s)", eur(amount), basis)
		r.Conditions = append(r.Conditions, fmt.Sprintf("Participation forfaitaire de %s payée par la personne titulaire du compte lors de l'inscription (montant en vigueur depuis le %s)", eur(amount), frDay(fig.From)))
		if (f.CoFundingEUR != nil && *f.CoFundingEUR > 0) || eqTri(s.EmploymentStatus, "employed") == triYes {
			r.Conditions = append(r.Conditions, "Seuls l'employeur ou l'OPCO peuvent payer la participation à la place de la personne ; un cofinancement ne l'en dispense pas (seul un abondement de l'employeur l'exonère)")
		}
	default:
		if s.EmploymentStatus != nil && *s.EmploymentStatus == "jobseeker" && s.JobseekerRegistered == nil {
			r.Conditions = append(r.Conditions, "Demandeur d'emploi : exonération seulement en cas d'inscription à France Travail — vérifier l'inscription")
		}
		asked := map[string]any{"jobseeker_registered": in["jobseeker_registered"], "employer_top_up": in["employer_top_up"]}
		add(triUnknown, "Participation forfaitaire de %s comptée ; exonération pour un demandeur d'emploi inscrit, en cas d'abondement de l'employeur, de points C2P ou d'incapacité d'au moins 10 %%%s", eur(amount), unknownList(asked))
		r.Conditions = append(r.Conditions, fmt.Sprintf("Participation forfaitaire de %s comptée : elle n'est pas due pour un demandeur d'emploi inscrit, en cas d'abondement de l'employeur, de points C2P ou d'incapacité permanente d'au moins 10 %%", eur(amount)))
	}
	return amount
}

func exemptionWhy(s Situation, f Facts) string {
	switch {
	case boolTri(s.JobseekerRegistered) == triYes:
		return "demandeur d'emploi inscrit à France Travail"
	case boolTri(s.EmployerTopUp) == triYes:
		return "abondement de l'employeur (y compris en application d'un accord d'entreprise, de groupe ou de branche)"
	case boolTri(f.C2PPoints) == triYes:
		return "utilisation de points du compte professionnel de prévention (C2P)"
	}
	return "incapacité permanente d'au moins 10 % après un accident du travail ou une maladie professionnelle"
}

// cpfActionCeiling applies cpf.action_ceiling: from 26 February 2026 the CPF
// covers at most €1,500 for a Répertoire spécifique certification other than
// CléA, €1,600 for a bilan de compétences, €900 for a light-vehicle licence
// (heavy-vehicle licences have no ceiling). A training whose certification is
// not given may fall under the RS ceiling: a note says so and nothing is capped
// (the adviser records the certification).
func cpfActionCeiling(a Action, booking time.Time, basis string, b *builder) (float64, bool) {
	rl := ruleAt("cpf.action_ceiling", booking)
	key := a.Type
	if a.Type == ActionTraining {
		key = a.Certification
	}
	in := map[string]any{"action.type": a.Type, "action.certification": a.Certification, "booking_date": dateOrNil(booking)}
	if a.Type == ActionDrivingLicence {
		in["action.licence_group"] = licenceGroup(a)
	}
	table, capped := cpfActionCeilings[key]
	if !capped {
		if a.Type == ActionTraining && a.Certification == "" && booking.Format(DateLayout) >= "2026-02-26" {
			b.note(explain(rl, triUnknown, in, "Certification non renseignée : s'il s'agit d'une certification du Répertoire spécifique autre que CléA, le CPF prend en charge au plus %s", eurWhole(1500)))
			b.cond("Renseigner la certification (RNCP, Répertoire spécifique ou CléA) : une certification du Répertoire spécifique autre que CléA est plafonnée à %s sur le CPF", eurWhole(1500))
		}
		return 0, false
	}
	fig, ok := figureAt(table, booking)
	if !ok {
		b.note(explain(rl, triYes, in, "Pas de plafond CPF par action avant le 26 février 2026 (%s)", basis))
		return 0, false
	}
	if licenceGroup(a) == LicenceGroupHeavy {
		b.note(explain(rl, triYes, in, "Permis du groupe lourd : pas de plafond CPF par action (le plafond de %s ne concerne que le groupe léger ; %s)", eurWhole(fig.EUR), basis))
		return 0, false
	}
	b.note(explain(rl, triYes, in, "Droits CPF mobilisables pour cette action plafonnés à %s (plafond en vigueur depuis le %s ; %s)", eur(fig.EUR), frDay(fig.From), basis))
	b.cond("CPF plafonné à %s pour cette action (décret n° 2026-127) : le reste est cofinancé ou payé par la personne", eur(fig.EUR))
	return fig.EUR, true
}

// licenceGroup is a licence action's group, light unless given as heavy (the
// code "light" for any other action, which the rules do not read).
func licenceGroup(a Action) string {
	if a.LicenceGroup == LicenceGroupHeavy {
		return LicenceGroupHeavy
	}
	return LicenceGroupLight
}

// bilanMinHours is the least effective accompaniment of a bilan de compétences
// from 26 February 2026 (C. trav. R6313-4, see srcBilan2026).
const bilanMinHours = 13

// cpfBilan applies cpf.bilan to a bilan de compétences booked from 26 February
// 2026: no CPF if a bilan was funded in the five previous years, only the hours
// of accompaniment are funded, and the bilan lasts at least 13 hours of
// effective accompaniment (24 at most). Informational: the five years and the
// hours are the provider's and the person's to check; a bilan recorded with
// fewer hours is flagged, not refused.
func cpfBilan(a Action, booking time.Time, b *builder) {
	if !booking.IsZero() && booking.Format(DateLayout) < "2026-02-26" {
		return
	}
	rl := ruleAt("cpf.bilan", booking)
	in := map[string]any{"action.hours": val(a.Hours), "booking_date": dateOrNil(booking)}
	b.cond("Bilan de compétences : pas de financement par le CPF si un bilan a été financé au cours des cinq années précédentes ; seules les heures d'accompagnement par le prestataire sont financées (décrets n° 2026-126 et 2026-127 du 24 février 2026)")
	b.cond("Bilan de compétences : au moins %d heures d'accompagnement effectif, 24 au plus (C. trav. R. 6313-4)", bilanMinHours)
	switch {
	case a.Hours == nil:
		b.note(explain(rl, triUnknown, in, "Durée du bilan non renseignée : il doit compter au moins %d heures d'accompagnement effectif", bilanMinHours))
	case *a.Hours < bilanMinHours:
		b.note(explain(rl, triNo, in, "Bilan de %s h : moins que les %d heures d'accompagnement effectif exigées depuis le 26 février 2026", number(*a.Hours), bilanMinHours))
		b.cond("Le bilan compte %s h : le porter à au moins %d heures d'accompagnement effectif avec le prestataire", number(*a.Hours), bilanMinHours)
	default:
		b.note(explain(rl, triYes, in, "Bilan de %s h : au moins les %d heures d'accompagnement effectif exigées", number(*a.Hours), bilanMinHours))
	}
}

// cpfLicence applies cpf.driving_licence by its version on the booking day:
// from 1 January 2024 every licence category is open to any holder (loi n°
// 2023-479); from 19 May 2024 a light-group licence other than BE only for a
// holder without a valid licence (décret n° 2024-444); from 26 February 2026 a
// light-group licence also only for a registered job seeker or with a
// third-party co-funding of at least €100 (€100 to confirm). Heavy-group
// licences keep the 2024 rule: open to any holder, no ceiling.
func cpfLicence(a Action, s Situation, f Facts, booking time.Time, basis string, r *FunderResult) (Explanation, tri) {
	rl := ruleAt("cpf.driving_licence", booking)
	group := licenceGroup(a)
	in := map[string]any{"action.licence_group": group, "booking_date": dateOrNil(booking)}
	switch {
	case rl.Version == licenceAllFrom:
		return explain(rl, triYes, in, "Permis de conduire de toute catégorie ouvert à toute personne titulaire d'un compte (%s)", basis), triYes
	case group == LicenceGroupHeavy:
		return explain(rl, triYes, in, "Permis du groupe lourd : ouvert à toute personne titulaire d'un compte, sans les conditions du groupe léger (%s)", basis), triYes
	}
	r.Conditions = append(r.Conditions, "Permis du groupe léger (sauf BE) : seulement si la personne n'a pas de permis de conduire en cours de validité en France (décret n° 2024-444)")
	if rl.Version == licenceOneFrom {
		return explain(rl, triYes, in, "Permis du groupe léger ouvert à toute personne titulaire d'un compte sans permis valide, avant le 26 février 2026 (%s)", basis), triYes
	}
	in["jobseeker_registered"], in["co_funding_eur"] = val(s.JobseekerRegistered), val(f.CoFundingEUR)
	minCo, _ := figureAt(cpfLicenceCoFunding, booking)
	if booking.IsZero() {
		minCo = cpfLicenceCoFunding[len(cpfLicenceCoFunding)-1]
	}
	co := triUnknown
	if f.CoFundingEUR != nil {
		co = triNo
		if *f.CoFundingEUR >= minCo.EUR {
			co = triYes
		}
	}
	t := or(boolTri(s.JobseekerRegistered), co)
	r.Conditions = append(r.Conditions, fmt.Sprintf("Permis de conduire d'un véhicule léger : seulement pour un demandeur d'emploi inscrit, ou avec un cofinancement d'au moins %s par l'employeur, l'OPCO, la Région, France Travail ou l'État", eur(minCo.EUR)))
	switch t {
	case triYes:
		return explain(rl, t, in, "Demandeur d'emploi inscrit, ou cofinancement d'un tiers d'au moins %s", eur(minCo.EUR)), t
	case triNo:
		return explain(rl, t, in, "Ni inscription comme demandeur d'emploi, ni cofinancement d'au moins %s : le CPF ne peut pas financer le permis du groupe léger", eur(minCo.EUR)), t
	}
	return explain(rl, t, in, "Permis du groupe léger ouvert aux demandeurs d'emploi inscrits, ou avec un cofinancement d'au moins %s%s", eur(minCo.EUR), unknownList(in)), t
}

// cpfWorkingTime: a training on working time needs the employer's prior
// authorisation, asked 60 days before a training under 6 months and 120 days
// before one of 6 months or more; the employer answers within 30 days and
// silence is acceptance. Informational: it never changes eligibility.
func cpfWorkingTime(a Action, s Situation, f Facts, opts Options, b *builder) {
	if eqTri(s.EmploymentStatus, "employed") == triNo {
		return
	}
	rl := ruleAt("cpf.working_time", ruleDay(a))
	in := map[string]any{"during_working_time": val(f.DuringWorkingTime), "action.start_date": a.StartDate, "action.end_date": a.EndDate}
	switch boolTri(f.DuringWorkingTime) {
	case triNo:
		return
	case triUnknown:
		b.note(explain(rl, triUnknown, in, "Formation sur le temps de travail : non renseigné ; si c'est le cas, l'autorisation de l'employeur se demande 60 ou 120 jours à l'avance"))
		b.cond("Si la formation a lieu sur le temps de travail : demander l'autorisation de l'employeur 60 jours avant le début (formation de moins de 6 mois) ou 120 jours avant (6 mois ou plus)")
		return
	}
	start, ok := parseDate(a.StartDate)
	if !ok {
		b.note(explain(rl, triUnknown, in, "Date de début absente ou invalide : les dates de la demande d'autorisation ne peuvent pas être calculées"))
		return
	}
	days, why := 120, "durée inconnue, 120 jours retenus (60 pour une formation de moins de 6 mois)"
	if end, ok := parseDate(a.EndDate); ok {
		if end.Before(addMonths(start, 6)) {
			days, why = 60, "formation de moins de 6 mois"
		} else {
			why = "formation de 6 mois ou plus"
		}
	}
	req := start.AddDate(0, 0, -days)
	ans := req.AddDate(0, 0, 30)
	b.deadline(DeadlineRequestBy, fmt.Sprintf("CPF sur le temps de travail : demande d'autorisation à l'employeur (%d jours avant le début)", days), req)
	b.deadline(DeadlineSilenceIsAcceptance, "Réponse de l'employeur à la demande d'autorisation CPF (30 jours ; son silence vaut acceptation)", ans)
	b.cond("Formation sur le temps de travail : autorisation à demander au moins %d jours avant le début ; l'employeur répond sous 30 jours, son silence vaut acceptation", days)
	b.pastFlag(opts, "la demande d'autorisation CPF", req)
	b.note(explain(rl, triYes, in, "%s : demande au plus tard le %s, réponse de l'employeur au plus tard le %s", upperFirst(why), frDate(req), frDate(ans)))
}
