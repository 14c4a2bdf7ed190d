package console

import (
	"fmt"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/workflows"
)

// financingView is the latest financing plan laid out the way an adviser reads it: per
// action, each funder with its status, share, conditions and deadlines, then why (each
// rule's reason, outcome, dates and source), then what the person lives on during the
// training; above them, why the plan falls short. Everything is in French: the plan's
// texts are French already, the codes beside them are named by package fr.
type financingView struct {
	Revision, PlanRevision int
	ComputedAt             time.Time
	// Shortfall: the plan leaves the person short; Alert: the case's financing alert is
	// raised (the coordination was told). The alert is lowered when the case closes,
	// the plan's shortfall stays.
	Shortfall, Alert bool
	Reasons          []string
	Cost, Funded     float64
	LeftToPay        float64
	// RulesSince is the latest day on which a rule the plan applied took effect, in
	// French ("" when the plan does not say: plans computed before rules were dated).
	RulesSince string
	Actions    []actionFinancing
}

// actionFinancing is one action of the plan.
type actionFinancing struct {
	// Key names the action's parts in the page (ids of headings and accordions).
	Key                     string
	Title, Type             string
	Cost, Funded, LeftToPay float64
	Funders                 []funderLine
	Income                  []incomeLine
}

// funderLine is one funder's answer for one action.
type funderLine struct {
	Key, Name     string
	Status, Label string
	// Tag is the DSFR tag's accent for the status (the label says it in words).
	Tag        string
	Amount     float64
	Max        float64
	Conditions []string
	Deadlines  []deadlineLine
	Rules      []ruleLine
}

// deadlineLine is a dated step of a funder; Past when the day is over.
type deadlineLine struct {
	Label, Day string
	Past       bool
}

// ruleLine is one rule as it was applied: what it found (Outcome, in words), why
// (Reason, the engine's French sentence), when it was in force and its legal source.
type ruleLine struct {
	Outcome, Reason string
	InForce, Source string
}

// incomeLine is one source of income during a training action.
type incomeLine struct {
	Name          string
	Status, Label string
	Tag           string
	Monthly       *float64
	Conditions    []string
	Rules         []ruleLine
}

// statusTags give each eligibility its DSFR tag accent.
var statusTags = map[string]string{
	financing.StatusEligible:         "fr-tag--green-emeraude",
	financing.StatusNotEligible:      "fr-tag--pink-tuile",
	financing.StatusNeedsInformation: "fr-tag--yellow-tournesol",
}

// newFinancingView lays out plan for the case page; actions name the plan's actions by
// their titles, alert is the case's financing alert and now dates the deadlines.
func newFinancingView(p *cases.PlanView, actions []workflows.Action, alert bool, now time.Time) *financingView {
	if p == nil {
		return nil
	}
	titles := map[string]string{}
	for _, a := range actions {
		titles[a.ID] = a.Title
	}
	today := now.In(fr.Paris).Format(time.DateOnly)
	v := &financingView{Revision: p.Revision, PlanRevision: p.PlanRevision, ComputedAt: p.ComputedAt,
		Shortfall: p.Shortfall || p.Plan.Shortfall, Alert: alert, Reasons: p.Plan.ShortfallReasons,
		Cost: p.Plan.TotalCostEUR, Funded: p.Plan.TotalFundedEUR, LeftToPay: p.Plan.TotalLeftToPayEUR}
	latest := ""
	rules := func(list []financing.Explanation) []ruleLine {
		out := make([]ruleLine, 0, len(list))
		for _, e := range list {
			from, _ := e.Inputs["rule.effective_from"].(string)
			if from > latest {
				latest = from
			}
			out = append(out, newRuleLine(e))
		}
		return out
	}
	for i, a := range p.Plan.Actions {
		av := actionFinancing{Key: fmt.Sprintf("a%d", i+1), Title: titles[a.ActionID], Type: fr.Label(fr.ActionType, a.ActionType),
			Cost: a.CostEUR, Funded: a.FundedEUR, LeftToPay: a.LeftToPayEUR}
		for j, f := range a.Funders {
			fl := funderLine{Key: fmt.Sprintf("%s-f%d", av.Key, j+1), Name: fr.FunderName(f.Funder, f.Name), Status: f.Status,
				Label: fr.Label(fr.Eligibility, f.Status), Tag: statusTags[f.Status], Amount: f.AmountEUR, Max: f.MaxAmountEUR,
				Conditions: f.Conditions, Rules: rules(f.Explanation)}
			for _, d := range f.Deadlines {
				fl.Deadlines = append(fl.Deadlines, deadlineLine{Label: d.Label, Day: fr.DayString(d.Date), Past: d.Date != "" && d.Date < today})
			}
			av.Funders = append(av.Funders, fl)
		}
		for _, l := range a.Income {
			av.Income = append(av.Income, incomeLine{Name: fr.IncomeName(l.Kind, l.Name), Status: l.Status,
				Label: fr.Label(fr.Eligibility, l.Status), Tag: statusTags[l.Status], Monthly: l.MonthlyEstimateEUR,
				Conditions: l.Conditions, Rules: rules(l.Explanation)})
		}
		v.Actions = append(v.Actions, av)
	}
	if latest != "" {
		v.RulesSince = fr.DayString(latest)
	}
	return v
}

// newRuleLine says in French what a rule found, when its version was in force and
// where it comes from. A funder's answer brought into the plan is no rule: its
// version is the day the answer was taken into account.
func newRuleLine(e financing.Explanation) ruleLine {
	r := ruleLine{Outcome: fr.Label(fr.RuleOutcome, e.Outcome), Reason: e.Reason}
	r.Source, _ = e.Inputs["rule.source"].(string)
	from, _ := e.Inputs["rule.effective_from"].(string)
	to, _ := e.Inputs["rule.effective_to"].(string)
	switch {
	case from != "" && to != "":
		r.InForce = "Version de la règle en vigueur du " + fr.DayString(from) + " au " + fr.DayString(to)
	case from != "":
		r.InForce = "Version de la règle en vigueur depuis le " + fr.DayString(from)
	case !isDay(e.Version):
		// Not a date: a version name of an older plan, which is a code; nothing to say.
	case strings.HasPrefix(e.Rule, "decision."):
		r.InForce = "Réponse du financeur prise en compte le " + fr.DayString(e.Version)
	default:
		r.InForce = "Version de la règle du " + fr.DayString(e.Version)
	}
	return r
}

// isDay tells whether s is a day written YYYY-MM-DD.
func isDay(s string) bool {
	_, err := time.Parse(time.DateOnly, s)
	return err == nil
}
