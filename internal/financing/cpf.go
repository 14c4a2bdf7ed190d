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
// date (an action already started was booked by then).
func bookingDay(a Action, opts Options) (time.Time, string) {
	start, ok := parseDate(a.StartDate)
	today := opts.Today
	if !today.IsZero() {
		today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	}
	switch {
	case !today.IsZero() && (!ok || today.Before(start)):
		return today, "today (the file is booked before the start)"
	case ok:
		return start, "action start date"
	}
	return time.Time{}, "unknown (latest rules)"
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
	b.cond("The action must be listed on Mon Compte Formation and booked there by the holder")
	if a.Type == ActionDrivingLicence {
		b.check(cpfLicence(a, s, f, booking, basis, &b.r))
	}

	// Accrual ceilings limit how rights accrue, not what can be spent: the
	// balance the person reports (employer top-ups included) is usable.
	in1 := map[string]any{"qualification_level": val(s.QualificationLevel), "oeth": val(s.OETH), "cpf_balance_eur": val(s.CPFBalanceEUR)}
	b.check(explain(ruleAt("cpf.ceiling", day), triYes, in1,
		"€5,000 (€8,000 if low-qualified or OETH) limit the yearly accrual, not spending: the reported balance is usable in full"), triYes)

	usable := 0.0
	in2 := map[string]any{"cpf_balance_eur": val(s.CPFBalanceEUR)}
	if in.usedBefore > 0 {
		in2["cpf_used_by_earlier_actions_eur"] = in.usedBefore
	}
	rb := ruleAt("cpf.balance", day)
	switch {
	case s.CPFBalanceEUR == nil:
		b.check(explain(rb, triUnknown, in2, "CPF balance unknown: ask the person to check moncompteformation.gouv.fr"), triUnknown)
	case *s.CPFBalanceEUR <= 0:
		b.check(explain(rb, triNo, in2, "no CPF credit"), triNo)
	case *s.CPFBalanceEUR-in.usedBefore <= 0:
		b.check(explain(rb, triNo, in2, "CPF credit already used by earlier actions of the plan"), triNo)
	case in.usedBefore > 0:
		usable = round2(*s.CPFBalanceEUR - in.usedBefore)
		b.check(explain(rb, triYes, in2, "usable balance %s after %s used by earlier actions of the plan", eur(usable), eur(in.usedBefore)), triYes)
	default:
		usable = *s.CPFBalanceEUR
		b.check(explain(rb, triYes, in2, "usable balance %s", eur(usable)), triYes)
	}

	if c, ok := cpfActionCeiling(a, booking, basis, b); ok {
		usable = min(usable, c)
	}
	cpfWorkingTime(a, s, f, in.opts, b)

	copay := 0.0
	if in.inPTP {
		in3 := map[string]any{"booking_date": dateOrNil(booking)}
		b.note(explain(ruleAt("cpf.copayment", booking), triYes, in3,
			"CPF mobilised within the projet de transition professionnelle: no participation forfaitaire (it applies to purchases on Mon Compte Formation; to confirm against décret n° 2024-394)"))
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
// the booking day (dated table cpfCoPayments). Exempt (décret n° 2024-394):
// registered job seekers (registration, not the declared status), a training
// topped up by the employer (also under a branch or OPCO agreement), use of
// C2P points, the abondement for a permanent incapacity ≥ 10 % after a work
// accident or occupational disease. C2P points and the incapacity abondement
// are mobilised by the holder's choice: unknown means not used. When the
// registration or the employer top-up is unknown the participation is counted
// (worst case for the person) and a condition says so.
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
		add(triYes, "file booked %s (%s) before 2 May 2024: no participation", booking.Format(DateLayout), basis)
		return 0
	case exempt == triYes:
		add(triYes, "exempt from the participation: %s", exemptionWhy(s, f))
		return 0
	case exempt == triNo:
		add(triYes, "participation %s due (rate in force on %s, %s; no exemption)", eur(amount), dateOrNil(booking), basis)
		r.Conditions = append(r.Conditions, fmt.Sprintf("Participation forfaitaire of %s paid by the holder when booking (in force from %s)", eur(amount), fig.From))
		if f.CoFundingEUR != nil && *f.CoFundingEUR > 0 {
			// Décret n° 2024-394: a third party other than the employer may pay the
			// participation for the holder; it does not waive it.
			r.Conditions = append(r.Conditions, "The co-funder (OPCO, Région, France Travail…) may pay the participation for the holder; its co-funding does not waive it")
		}
	default:
		if s.EmploymentStatus != nil && *s.EmploymentStatus == "jobseeker" && s.JobseekerRegistered == nil {
			r.Conditions = append(r.Conditions, "Job seeker: exempt only if registered with France Travail — confirm the registration")
		}
		asked := map[string]any{"jobseeker_registered": in["jobseeker_registered"], "employer_top_up": in["employer_top_up"]}
		add(triUnknown, "participation %s counted; exempt if registered job seeker, employer top-up, C2P points or incapacity ≥ 10 %%%s", eur(amount), unknownList(asked))
		r.Conditions = append(r.Conditions, fmt.Sprintf("Participation forfaitaire of %s counted: not due for a registered job seeker, an employer top-up, C2P points or a work incapacity ≥ 10 %%", eur(amount)))
	}
	return amount
}

func exemptionWhy(s Situation, f Facts) string {
	switch {
	case boolTri(s.JobseekerRegistered) == triYes:
		return "job seeker registered with France Travail"
	case boolTri(s.EmployerTopUp) == triYes:
		return "employer top-up (abondement)"
	case boolTri(f.C2PPoints) == triYes:
		return "use of C2P points"
	}
	return "permanent incapacity ≥ 10 % after a work accident or occupational disease"
}

// cpfActionCeiling applies cpf.action_ceiling: from 26 February 2026 the CPF
// covers at most €1,500 for a Répertoire spécifique certification other than
// CléA, €1,600 for a bilan de compétences, €900 for a driving licence. A
// training whose certification is not given may fall under the RS ceiling: a
// note says so and nothing is capped (the adviser records the certification).
func cpfActionCeiling(a Action, booking time.Time, basis string, b *builder) (float64, bool) {
	rl := ruleAt("cpf.action_ceiling", booking)
	key := a.Type
	if a.Type == ActionTraining {
		key = a.Certification
	}
	in := map[string]any{"action.type": a.Type, "action.certification": a.Certification, "booking_date": dateOrNil(booking)}
	table, capped := cpfActionCeilings[key]
	if !capped {
		if a.Type == ActionTraining && a.Certification == "" && booking.Format(DateLayout) >= "2026-02-26" {
			b.note(explain(rl, triUnknown, in, "certification not given: if it is a Répertoire spécifique certification other than CléA, the CPF covers at most €1,500"))
			b.cond("Record the certification (rncp, rs, clea): a Répertoire spécifique certification other than CléA is capped at €1,500 on the CPF")
		}
		return 0, false
	}
	fig, ok := figureAt(table, booking)
	if !ok {
		b.note(explain(rl, triYes, in, "no per-action CPF ceiling before 26 February 2026 (booking %v, %s)", dateOrNil(booking), basis))
		return 0, false
	}
	b.note(explain(rl, triYes, in, "CPF rights mobilised for this action capped at %s (in force from %s; booking %v, %s)", eur(fig.EUR), fig.From, dateOrNil(booking), basis))
	b.cond("CPF capped at %s for this action (décret n° 2026-127): the rest is co-funded or paid by the person", eur(fig.EUR))
	if a.Type == ActionBilanCompetences {
		b.cond("Bilan de compétences: not CPF-funded if a bilan was funded in the previous five years; only the hours with the provider are funded (décrets n° 2026-126 and 2026-127 du 24 février 2026, to confirm against the texts)")
	}
	return fig.EUR, true
}

// cpfLicence: from 26 February 2026 a light-vehicle licence is CPF-funded only
// for a registered job seeker or with a third-party co-funding of at least
// €100; before, any holder (one licence only, décret n° 2024-444).
func cpfLicence(a Action, s Situation, f Facts, booking time.Time, basis string, r *FunderResult) (Explanation, tri) {
	rl := ruleAt("cpf.driving_licence", booking)
	in := map[string]any{"jobseeker_registered": val(s.JobseekerRegistered), "co_funding_eur": val(f.CoFundingEUR), "booking_date": dateOrNil(booking)}
	minCo, restricted := figureAt(cpfLicenceCoFunding, booking)
	if !restricted {
		r.Conditions = append(r.Conditions, "Driving licence: only if the holder has no valid licence (one licence only)")
		return explain(rl, triYes, in, "licence open to every holder before 26 February 2026 (booking %v, %s)", dateOrNil(booking), basis), triYes
	}
	co := triUnknown
	if f.CoFundingEUR != nil {
		co = triNo
		if *f.CoFundingEUR >= minCo.EUR {
			co = triYes
		}
	}
	t := or(boolTri(s.JobseekerRegistered), co)
	r.Conditions = append(r.Conditions, fmt.Sprintf("Light-vehicle licence: only for a registered job seeker or with a co-funding of at least %s by the employer, OPCO, Région, France Travail or the State", eur(minCo.EUR)))
	switch t {
	case triYes:
		return explain(rl, t, in, "registered job seeker or co-funded by a third party (at least %s)", eur(minCo.EUR)), t
	case triNo:
		return explain(rl, t, in, "not a registered job seeker and no co-funding of at least %s: the CPF cannot fund the licence", eur(minCo.EUR)), t
	}
	return explain(rl, t, in, "open to registered job seekers or with a co-funding of at least %s%s", eur(minCo.EUR), unknownList(in)), t
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
		b.note(explain(rl, triUnknown, in, "on working time? unknown: if so, the employer's authorisation is needed 60 or 120 days ahead"))
		b.cond("If the training is on working time: ask the employer's authorisation 60 days ahead (under 6 months) or 120 days (6 months or more)")
		return
	}
	start, ok := parseDate(a.StartDate)
	if !ok {
		b.note(explain(rl, triUnknown, in, "start date missing or invalid: authorisation dates cannot be computed"))
		return
	}
	days, why := 120, "duration unknown: 120 days assumed (60 if under 6 months)"
	if end, ok := parseDate(a.EndDate); ok {
		if end.Before(addMonths(start, 6)) {
			days, why = 60, "under 6 months"
		} else {
			why = "6 months or more"
		}
	}
	req := start.AddDate(0, 0, -days)
	ans := req.AddDate(0, 0, 30)
	b.deadline(DeadlineRequestBy, fmt.Sprintf("CPF on working time: authorisation request to the employer (%d days before the start)", days), req)
	b.deadline(DeadlineSilenceIsAcceptance, "Employer's answer to the CPF authorisation request (30 days; silence means acceptance)", ans)
	b.cond("Training on working time: authorisation asked at least %d days before the start; the employer answers within 30 days, silence means acceptance", days)
	b.pastFlag(opts, "CPF authorisation request", req)
	b.note(explain(rl, triYes, in, "%s: request by %s, employer's answer by %s", why, req.Format(DateLayout), ans.Format(DateLayout)))
}
