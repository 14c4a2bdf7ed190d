package financing

import (
	"fmt"
	"slices"
	"strings"
)

// Evaluate evaluates every funder for one action, in precedence order:
//
//	cpf, ptp, vae, schemes not marked last resort (opco:* then region:*, by id),
//	aif (last resort of the general schemes), agefiph (after them and AIF),
//	schemes marked last resort.
//
// A funder id given twice in opts.Schemes is evaluated once, with the last
// definition given (so operator schemes appended after DefaultSchemes override).
//
// AmountEUR is what each funder may cover of the whole cost on its own (the
// CPF figure already leaves out the co-payment when due). Use Compute for the
// split.
func Evaluate(s Situation, a Action, opts Options) []FunderResult {
	res, _ := evaluate(s, a, opts, 0, false)
	return res
}

func evaluate(s Situation, a Action, opts Options, cpfUsed float64, inPlan bool) ([]FunderResult, float64) {
	schemes := uniqueSchemes(opts.Schemes)
	ptp := evalPTP(s, a, opts)
	in := cpfEval{s: s, f: opts.Facts, opts: opts, usedBefore: cpfUsed}
	cpf, copay := evalCPF(a, in)
	// In a plan, an eligible PTP takes what the CPF leaves: the CPF is then
	// mobilised within the PTP, which bears no participation forfaitaire.
	if inPlan && ptp.Status == StatusEligible && cpf.MaxAmountEUR+copay < a.CostEUR {
		in.inPTP = true
		cpf, copay = evalCPF(a, in)
	}
	out := []FunderResult{cpf, ptp, evalVAE(s, a, opts), evalResignation(s, opts.Facts, a, opts)}
	for _, sc := range schemes {
		if !sc.LastResort {
			out = append(out, evalScheme(sc, s, a))
		}
	}
	// AGEFIPH comes after the general schemes and after AIF.
	out = append(out, evalAIF(s, opts.Facts, a), evalAGEFIPH(s, opts.Facts, a))
	for _, sc := range schemes {
		if sc.LastResort {
			out = append(out, evalScheme(sc, s, a))
		}
	}
	return out, copay
}

// uniqueSchemes sorts a copy of the schemes by kind then id and keeps, for a
// funder id given several times, the last one given: appending an operator's
// directory to DefaultSchemes lets the operator override a default scheme.
func uniqueSchemes(in []Scheme) []Scheme {
	list := slices.Clone(in)
	sortSchemes(list) // stable: equal ids keep their given order
	out := list[:0]
	for i, sc := range list {
		if i+1 < len(list) && list[i+1].FunderID() == sc.FunderID() {
			continue
		}
		out = append(out, sc)
	}
	return out
}

// Compute builds the financing plan of an action plan revision. For each
// action, eligible funders in precedence order take what they may cover of the
// cost still unfunded; last-resort funders (AIF, then schemes marked last
// resort) therefore only cover what remains. When CPF is used and the
// co-payment is due, the co-payment is reserved for the person (no later
// funder covers it) and counted in left_to_pay_eur; if the cost does not exceed
// the co-payment, CPF is not mobilised. needs_information funders get 0.
//
// Shortfall: an action whose left-to-pay is strictly above
// opts.ShortfallThresholdEUR, or an action with a cost and no eligible funder
// covering any of it. Actions are kept in the given order; callers filter out
// cancelled actions. Per-action caps (schemes' max_amount_eur) apply to each
// action separately; only the CPF balance is shared across actions.
func Compute(s Situation, actions []Action, revision int, opts Options) Plan {
	p := Plan{Revision: revision, ShortfallReasons: []string{}, Actions: make([]ActionPlan, len(actions))}
	// The CPF balance is shared by the plan's actions: it is consumed in start
	// date order (then the given order), whatever the order of the list.
	order := make([]int, len(actions))
	for i := range order {
		order[i] = i
	}
	slices.SortStableFunc(order, func(i, j int) int { return strings.Compare(actions[i].StartDate, actions[j].StartDate) })
	cpfUsed := 0.0
	noIncome := make([]string, len(actions))
	for _, i := range order {
		a := actions[i]
		results, copay := evaluate(s, a, opts, cpfUsed, true)
		cost := round2(max(a.CostEUR, 0))
		remaining, reserved := cost, 0.0
		for k := range results {
			r := &results[k]
			r.AmountEUR = 0
			if r.Status != StatusEligible {
				continue
			}
			if r.Funder == FunderCPF && copay > 0 {
				if remaining <= copay {
					r.Conditions = append(r.Conditions, "Non mobilisé : le coût ne dépasse pas la participation forfaitaire")
					continue
				}
				reserved = copay
			}
			take := round2(min(r.MaxAmountEUR, remaining-reserved))
			if take <= 0 {
				continue
			}
			r.AmountEUR = take
			remaining = round2(remaining - take)
			if r.Funder == FunderCPF {
				cpfUsed = round2(cpfUsed + take)
			}
		}
		p.Actions[i] = ActionPlan{ActionID: a.ID, ActionType: a.Type, CostEUR: cost, FundedEUR: round2(cost - remaining),
			LeftToPayEUR: remaining, Funders: results}
		lines, gap := incomeFor(s, opts.Facts, a, opts, results)
		if opts.Income {
			p.Actions[i].Income = lines
		}
		noIncome[i] = gap
	}
	for i, ap := range p.Actions {
		p.TotalCostEUR = round2(p.TotalCostEUR + ap.CostEUR)
		p.TotalFundedEUR = round2(p.TotalFundedEUR + ap.FundedEUR)
		p.TotalLeftToPayEUR = round2(p.TotalLeftToPayEUR + ap.LeftToPayEUR)
		name := ActionLabel(actions[i].ID, actions[i].Title)
		if ap.CostEUR > 0 && ap.FundedEUR == 0 {
			p.ShortfallReasons = append(p.ShortfallReasons,
				fmt.Sprintf("%s : aucun financeur éligible ne prend en charge tout ou partie de son coût%s", name, pending(ap.Funders)))
		}
		if ap.LeftToPayEUR > opts.ShortfallThresholdEUR {
			p.ShortfallReasons = append(p.ShortfallReasons, LeftToPayReason(name, ap.LeftToPayEUR, opts.ShortfallThresholdEUR)+pending(ap.Funders))
		}
		if noIncome[i] != "" {
			p.ShortfallReasons = append(p.ShortfallReasons, fmt.Sprintf("%s : %s", name, noIncome[i]))
		}
	}
	p.Shortfall = len(p.ShortfallReasons) > 0
	return p
}

// ActionLabel names an action in a shortfall reason: « its title », or its ID when it
// has none.
func ActionLabel(id, title string) string {
	if strings.TrimSpace(title) != "" {
		return "Action « " + title + " »"
	}
	return "Action " + id
}

// LeftToPayReason is the shortfall reason of an action that leaves the person more
// to pay than the threshold; action is its ActionLabel.
func LeftToPayReason(action string, left, threshold float64) string {
	return fmt.Sprintf("%s : reste à charge de %s, au-delà du seuil d'alerte de %s", action, eur(left), eur(threshold))
}

// pending names the funders still waiting for information, by name.
func pending(results []FunderResult) string {
	var names []string
	for _, r := range results {
		if r.Status == StatusNeedsInformation {
			names = append(names, r.Name)
		}
	}
	if len(names) == 0 {
		return ""
	}
	return " (informations manquantes pour : " + strings.Join(names, " ; ") + ")"
}
