package financing

import (
	"fmt"
	"math"
	"slices"
	"time"

	"github.com/spro-cep/cep/internal/fr"
)

// tri is a three-valued outcome: no, yes or unknown (Kleene logic).
type tri int8

const (
	triNo tri = iota
	triYes
	triUnknown
)

func (t tri) outcome() string {
	switch t {
	case triYes:
		return OutcomePassed
	case triNo:
		return OutcomeFailed
	}
	return OutcomeUnknown
}

func and(ts ...tri) tri {
	r := triYes
	for _, t := range ts {
		if t == triNo {
			return triNo
		}
		if t == triUnknown {
			r = triUnknown
		}
	}
	return r
}

func or(ts ...tri) tri {
	r := triNo
	for _, t := range ts {
		if t == triYes {
			return triYes
		}
		if t == triUnknown {
			r = triUnknown
		}
	}
	return r
}

func boolTri(p *bool) tri {
	switch {
	case p == nil:
		return triUnknown
	case *p:
		return triYes
	}
	return triNo
}

func eqTri(p *string, v string) tri {
	if p == nil {
		return triUnknown
	}
	if *p == v {
		return triYes
	}
	return triNo
}

func atLeast(p *int, n int) tri {
	if p == nil {
		return triUnknown
	}
	if *p >= n {
		return triYes
	}
	return triNo
}

// val returns the pointed value, or nil for unknown (as shown in Inputs).
func val[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// ruleDay is the day whose rules apply to an action: its start date (zero
// when missing or invalid, which selects the latest rules).
func ruleDay(a Action) time.Time {
	d, _ := parseDate(a.StartDate)
	return d
}

func explain(r rule, t tri, inputs map[string]any, format string, args ...any) Explanation {
	if inputs == nil {
		inputs = map[string]any{}
	}
	reason := fmt.Sprintf(format, args...) // before the rule keys join the inputs (unknownList)
	inputs["rule.effective_from"] = r.Version
	if r.To != "" {
		inputs["rule.effective_to"] = r.To
	}
	if r.Source != "" {
		inputs["rule.source"] = r.Source
	}
	return Explanation{Rule: r.ID, Version: r.Version, Inputs: inputs, Passed: t == triYes, Outcome: t.outcome(), Reason: reason}
}

// builder accumulates the steps of one funder; status is the Kleene AND of the
// steps added with check (note adds an informational step).
type builder struct {
	r   FunderResult
	all tri
}

func newBuilder(funder, name string) *builder {
	return &builder{r: FunderResult{Funder: funder, Name: name, Conditions: []string{}, Deadlines: []Deadline{},
		Explanation: []Explanation{}}, all: triYes}
}

func (b *builder) check(e Explanation, t tri) tri {
	b.r.Explanation = append(b.r.Explanation, e)
	b.all = and(b.all, t)
	return t
}

func (b *builder) note(e Explanation) { b.r.Explanation = append(b.r.Explanation, e) }

func (b *builder) cond(format string, args ...any) {
	b.r.Conditions = append(b.r.Conditions, fmt.Sprintf(format, args...))
}

func (b *builder) deadline(kind, label string, d time.Time) {
	b.r.Deadlines = append(b.r.Deadlines, Deadline{Label: label, Date: d.Format(DateLayout), Kind: kind})
}

// finish sets the status; maxAmount is the stand-alone amount the funder may
// cover (shown for eligible and needs_information, 0 when not eligible).
func (b *builder) finish(maxAmount float64) FunderResult {
	switch b.all {
	case triYes:
		b.r.Status = StatusEligible
	case triNo:
		b.r.Status = StatusNotEligible
	default:
		b.r.Status = StatusNeedsInformation
	}
	if b.r.Status == StatusNotEligible || maxAmount < 0 {
		maxAmount = 0
	}
	b.r.MaxAmountEUR = round2(maxAmount)
	if b.r.Status == StatusEligible {
		b.r.AmountEUR = b.r.MaxAmountEUR
	}
	return b.r
}

// actionTypeStep checks the action type against the types a funder covers.
func actionTypeStep(r rule, a Action, types []string) (Explanation, tri) {
	in := map[string]any{"action.type": a.Type}
	if slices.Contains(types, a.Type) {
		return explain(r, triYes, in, "Type d'action pris en charge : %s (types pris en charge : %s)",
			label(fr.ActionType, &a.Type), labels(fr.ActionType, types)), triYes
	}
	return explain(r, triNo, in, "Type d'action non pris en charge : %s (seuls sont pris en charge : %s)",
		label(fr.ActionType, &a.Type), labels(fr.ActionType, types)), triNo
}

func round2(x float64) float64 { return math.Round(x*100) / 100 }

func parseDate(s string) (time.Time, bool) {
	t, err := time.Parse(DateLayout, s)
	return t, err == nil
}

// addMonths adds n calendar months, clamping to the last day of the target
// month (31 Aug + 6 months = 28/29 Feb), as legal "n mois" periods are read.
func addMonths(t time.Time, n int) time.Time {
	first := time.Date(t.Year(), t.Month(), 1, 0, 0, 0, 0, time.UTC).AddDate(0, n, 0)
	last := first.AddDate(0, 1, -1).Day()
	d := min(t.Day(), last)
	return time.Date(first.Year(), first.Month(), d, 0, 0, 0, 0, time.UTC)
}

// pastFlag adds a condition when a legal request date is already past. It does
// not block eligibility: the adviser renegotiates the start date or the notice.
// what names the step with its article ("la demande de congé PTP").
func (b *builder) pastFlag(opts Options, what string, d time.Time) {
	if opts.Today.IsZero() {
		return
	}
	today := time.Date(opts.Today.Year(), opts.Today.Month(), opts.Today.Day(), 0, 0, 0, 0, time.UTC)
	if d.Before(today) {
		b.cond("EN RETARD : la date limite pour %s, le %s, est déjà passée (nous sommes le %s) : reporter le début de l'action ou obtenir de l'employeur un délai de prévenance plus court",
			what, frDate(d), frDate(today))
	}
}
