// Package routing ranks the structures best suited to a case with the territory's
// editable hand-off table (aiguillage), falling back on the structures' publics when the
// table has nothing for the person. It is pure: the service layer loads the facts.
package routing

import (
	"fmt"
	"sort"

	"github.com/spro-cep/cep/models"
)

// Facts are what the table's criteria read about a case.
type Facts struct {
	Public     string
	Needs      []string
	Disability bool
	Age        int
	PostalCode string
	// HolderID is the structure holding the case; it is not recommended to itself.
	HolderID string
}

// Where a recommendation comes from.
const (
	// BasisRule: one or more lines of the territory's hand-off table matched.
	BasisRule = "rule"
	// BasisFallback: no line gave a structure, so the structures serving the person's
	// public are offered (the specification's table is not exhaustive, and nobody may
	// leave reception without a suggestion).
	BasisFallback = "fallback"
)

// Fallback pseudo-rule IDs, listed in RuleIDs so that a reader sees which fallback gave
// a recommendation as plainly as which rule did.
const (
	FallbackPublic      = "fallback:public"
	FallbackCEPOperator = "fallback:cep-operator"
)

// careerNeeds are the needs for which a CEP operator comes first in the fallback: they
// call for personalised counselling (level 2), which only CEP operators give.
var careerNeeds = []string{"career_change", "training", "transition_project", "vae", "executive_career"}

// Recommendation is a structure with its score and the reasons that gave it.
type Recommendation struct {
	StructureID string   `json:"structure_id"`
	Name        string   `json:"name"`
	Network     string   `json:"network"`
	CEPOperator bool     `json:"cep_operator"`
	Score       int      `json:"score"`
	Reasons     []string `json:"reasons"`
	RuleIDs     []string `json:"rule_ids"`
	// Basis is BasisRule or BasisFallback.
	Basis string `json:"basis"`
}

// Unserved is a rule that matched but whose network has no structure in the territory.
type Unserved struct {
	RuleID  string `json:"rule_id"`
	Network string `json:"network"`
	Reason  string `json:"reason"`
}

// Matches tells whether a rule's criteria all hold for the facts.
func Matches(r models.RoutingRule, f Facts) bool {
	if r.Public != "" && r.Public != f.Public {
		return false
	}
	if r.Need != "" && !contains(f.Needs, r.Need) {
		return false
	}
	if r.Disability != nil && *r.Disability != f.Disability {
		return false
	}
	if r.MinAge > 0 && f.Age < r.MinAge {
		return false
	}
	if r.MaxAge > 0 && f.Age > r.MaxAge {
		return false
	}
	return true
}

// Rank scores structures: each matching rule adds points to its network's structures
// (more for a higher priority, i.e. a lower number); a structure in the person's postal
// code breaks ties, as proximity does in the specification.
func Rank(f Facts, rules []models.RoutingRule, structures []models.Structure) ([]Recommendation, []Unserved) {
	byID := map[string]*Recommendation{}
	var unserved []Unserved
	for _, r := range rules {
		if !Matches(r, f) {
			continue
		}
		served := false
		for _, s := range structures {
			if s.Network != r.Network || s.ID == f.HolderID {
				continue
			}
			served = true
			rec := byID[s.ID]
			if rec == nil {
				rec = newRecommendation(s, f, BasisRule)
				byID[s.ID] = rec
			}
			points := 100 - r.Priority
			if points < 1 {
				points = 1
			}
			rec.Score += points
			rec.Reasons = append(rec.Reasons, r.Reason)
			rec.RuleIDs = append(rec.RuleIDs, r.ID)
		}
		if !served {
			unserved = append(unserved, Unserved{RuleID: r.ID, Network: r.Network,
				Reason: fmt.Sprintf("%s Aucune structure du réseau %s ne participe à la convention de ce territoire.", r.Reason, r.Network)})
		}
	}
	if len(byID) == 0 {
		fallback(f, structures, byID)
	}
	out := make([]Recommendation, 0, len(byID))
	for _, rec := range byID {
		out = append(out, *rec)
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].Score != out[j].Score {
			return out[i].Score > out[j].Score
		}
		return out[i].StructureID < out[j].StructureID
	})
	return out, unserved
}

// newRecommendation starts a structure's entry; proximity (the person's postal code)
// adds a little, as it breaks ties in the specification.
func newRecommendation(s models.Structure, f Facts, basis string) *Recommendation {
	rec := &Recommendation{StructureID: s.ID, Name: s.Name, Network: s.Network, CEPOperator: s.CEPOperator,
		Basis: basis, Reasons: []string{}, RuleIDs: []string{}}
	if f.PostalCode != "" && s.PostalCode == f.PostalCode {
		rec.Score += 5
		rec.Reasons = append(rec.Reasons, fmt.Sprintf("Proche de la personne (code postal %s).", f.PostalCode))
	}
	rec.Reasons = append(rec.Reasons, OfferReasons(s, f.Public)...)
	return rec
}

// OfferReasons quote the structure's published offer of services for the person's
// public: what it does, how to reach it, when, and how soon. They inform the choice
// without changing the score.
func OfferReasons(s models.Structure, public string) []string {
	var out []string
	for _, o := range s.Offer {
		if public == "" || !contains(o.Publics, public) {
			continue
		}
		r := "Offre de services : " + o.What
		for _, part := range []struct{ label, v string }{{"accès", o.HowToReach}, {"horaires", o.OpeningHours}, {"délais", o.Delays}} {
			if part.v != "" {
				r += " ; " + part.label + " : " + part.v
			}
		}
		out = append(out, r+".")
	}
	return out
}

// fallback offers the structures that serve the person's public. For a career need, CEP
// operators come first; among equals, a structure dedicated to fewer publics is the more
// specialised one (in the 2015 network an employee's career change goes to FONGECIF or
// the branch's OPCA before the Pôle emploi agencies, as DOMAIN.md describes).
func fallback(f Facts, structures []models.Structure, byID map[string]*Recommendation) {
	career := false
	for _, n := range f.Needs {
		career = career || contains(careerNeeds, n)
	}
	for _, s := range structures {
		if s.ID == f.HolderID || f.Public == "" || !contains(s.Publics, f.Public) {
			continue
		}
		rec := newRecommendation(s, f, BasisFallback)
		rec.Score += 10
		if n := 10 - len(s.Publics); n > 0 {
			rec.Score += n
		}
		rec.Reasons = append(rec.Reasons, "Aucune ligne de la table d'aiguillage ne s'applique : cette structure accueille ce public.")
		rec.RuleIDs = append(rec.RuleIDs, FallbackPublic)
		if career && s.CEPOperator {
			rec.Score += 20
			rec.Reasons = append(rec.Reasons, "Opérateur du CEP : il donne le conseil personnalisé qu'un projet d'évolution demande.")
			rec.RuleIDs = append(rec.RuleIDs, FallbackCEPOperator)
		}
		byID[s.ID] = rec
	}
}

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
