// Package routing ranks the structures best suited to a case with the territory's
// editable hand-off table (aiguillage). It is pure: the API loads the facts.
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

// Recommendation is a structure with its score and the reasons that gave it.
type Recommendation struct {
	StructureID string   `json:"structure_id"`
	Name        string   `json:"name"`
	Network     string   `json:"network"`
	CEPOperator bool     `json:"cep_operator"`
	Score       int      `json:"score"`
	Reasons     []string `json:"reasons"`
	RuleIDs     []string `json:"rule_ids"`
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
				rec = &Recommendation{StructureID: s.ID, Name: s.Name, Network: s.Network, CEPOperator: s.CEPOperator}
				if f.PostalCode != "" && s.PostalCode == f.PostalCode {
					rec.Score += 5
					rec.Reasons = append(rec.Reasons, fmt.Sprintf("Close to the person (postal code %s).", f.PostalCode))
				}
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
				Reason: fmt.Sprintf("%s No structure of the %s network takes part in this territory's convention.", r.Reason, r.Network)})
		}
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

func contains(xs []string, x string) bool {
	for _, v := range xs {
		if v == x {
			return true
		}
	}
	return false
}
