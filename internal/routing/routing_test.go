package routing

import (
	"strings"
	"testing"

	"github.com/spro-cep/cep/models"
)

func yes() *bool { b := true; return &b }

var rules = []models.RoutingRule{
	{ID: "jobseeker", Priority: 10, Public: "jobseeker", Network: "Pôle emploi", Reason: "job seeker"},
	{ID: "disability", Priority: 5, Disability: yes(), Network: "Cap emploi", Reason: "RQTH"},
	{ID: "young", Priority: 15, MinAge: 16, MaxAge: 25, Public: "jobseeker", Network: "Mission locale", Reason: "young"},
	{ID: "creation", Priority: 12, Need: "business_creation", Network: "CCI", Reason: "creation"},
}

var structures = []models.Structure{
	{ID: "pe-chartres", Network: "Pôle emploi", PostalCode: "28000", CEPOperator: true},
	{ID: "pe-luce", Network: "Pôle emploi", PostalCode: "28110", CEPOperator: true},
	{ID: "cap", Network: "Cap emploi", PostalCode: "28000", CEPOperator: true},
	{ID: "cci", Network: "CCI", PostalCode: "28000"},
}

func TestRank(t *testing.T) {
	tests := []struct {
		name         string
		facts        Facts
		wantFirst    string
		wantIDs      []string
		wantUnserved []string
	}{
		{"disability outranks job seeking", Facts{Public: "jobseeker", Disability: true, Age: 40, PostalCode: "28110"},
			"cap", []string{"cap", "pe-luce", "pe-chartres"}, nil},
		{"proximity breaks the tie between agencies", Facts{Public: "jobseeker", Age: 40, PostalCode: "28110"},
			"pe-luce", []string{"pe-luce", "pe-chartres"}, nil},
		{"a young job seeker has no Mission locale here", Facts{Public: "jobseeker", Age: 20, PostalCode: "28000"},
			"pe-chartres", []string{"pe-chartres", "pe-luce"}, []string{"young"}},
		{"the holder is never recommended", Facts{Public: "jobseeker", Age: 40, HolderID: "pe-chartres"},
			"pe-luce", []string{"pe-luce"}, nil},
		{"needs match", Facts{Public: "employee", Needs: []string{"business_creation"}, Age: 40},
			"cci", []string{"cci"}, nil},
		{"nothing matches", Facts{Public: "pupil", Age: 14}, "", nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, unserved := Rank(tt.facts, rules, structures)
			var ids []string
			for _, r := range got {
				ids = append(ids, r.StructureID)
				if len(r.Reasons) == 0 {
					t.Errorf("%s has no reason", r.StructureID)
				}
			}
			if len(ids) != len(tt.wantIDs) {
				t.Fatalf("got %v, want %v", ids, tt.wantIDs)
			}
			for i := range ids {
				if ids[i] != tt.wantIDs[i] {
					t.Fatalf("got %v, want %v", ids, tt.wantIDs)
				}
			}
			if tt.wantFirst != "" && ids[0] != tt.wantFirst {
				t.Fatalf("first = %s, want %s", ids[0], tt.wantFirst)
			}
			if len(unserved) != len(tt.wantUnserved) {
				t.Fatalf("unserved = %v, want %v", unserved, tt.wantUnserved)
			}
			for i, u := range unserved {
				if u.RuleID != tt.wantUnserved[i] {
					t.Fatalf("unserved = %v, want %v", unserved, tt.wantUnserved)
				}
			}
		})
	}
}

// network is a territory whose structures declare the publics they serve, as the
// Chartres seed does, for the fallback.
var network = []models.Structure{
	{ID: "pe", Network: "Pôle emploi", CEPOperator: true, PostalCode: "28000",
		Publics: []string{"jobseeker", "employee", "self_employed", "volunteer", "other"}},
	{ID: "cci", Network: "CCI", PostalCode: "28000", Publics: []string{"apprentice", "self_employed", "jobseeker", "employee"}},
	{ID: "fongecif", Network: "Opacif", CEPOperator: true, PostalCode: "28000", Publics: []string{"employee"}},
	{ID: "cio", Network: "CIO", PostalCode: "28000", Publics: []string{"pupil", "student", "apprentice"}},
}

func TestRankFallsBackOnPublics(t *testing.T) {
	tests := []struct {
		name      string
		facts     Facts
		wantIDs   []string
		wantRules map[string][]string
	}{
		{"an employee's career change goes to the employees' CEP operator first",
			Facts{Public: "employee", Needs: []string{"career_change"}, Age: 40},
			[]string{"fongecif", "pe", "cci"},
			map[string][]string{"fongecif": {FallbackPublic, FallbackCEPOperator}, "cci": {FallbackPublic}}},
		{"without a career need the most specialised structure comes first",
			Facts{Public: "employee", Needs: []string{"information"}, Age: 40},
			[]string{"fongecif", "cci", "pe"},
			map[string][]string{"pe": {FallbackPublic}}},
		{"the holder is not offered by the fallback either",
			Facts{Public: "pupil", Age: 14, HolderID: "cio"}, nil, nil},
		{"a public nobody serves gets nothing rather than a wrong structure",
			Facts{Public: "volunteer", Age: 30, HolderID: "pe"}, nil, nil},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, _ := Rank(tt.facts, rules, network)
			var ids []string
			for _, r := range got {
				ids = append(ids, r.StructureID)
				if r.Basis != BasisFallback {
					t.Errorf("%s: basis %q, want %q", r.StructureID, r.Basis, BasisFallback)
				}
				if len(r.Reasons) == 0 {
					t.Errorf("%s has no reason", r.StructureID)
				}
				if want, ok := tt.wantRules[r.StructureID]; ok && strings.Join(r.RuleIDs, ",") != strings.Join(want, ",") {
					t.Errorf("%s: rule IDs %v, want %v", r.StructureID, r.RuleIDs, want)
				}
			}
			if strings.Join(ids, ",") != strings.Join(tt.wantIDs, ",") {
				t.Fatalf("got %v, want %v", ids, tt.wantIDs)
			}
		})
	}
}

func TestRankPrefersTheTableOverTheFallback(t *testing.T) {
	got, _ := Rank(Facts{Public: "jobseeker", Age: 40}, rules, append(network, structures...))
	for _, r := range got {
		if r.Basis != BasisRule {
			t.Fatalf("%s offered by %s although a rule matched", r.StructureID, r.Basis)
		}
	}
	if len(got) == 0 {
		t.Fatal("no recommendation")
	}
}

// TestOfferInReasons checks that a recommendation quotes the structure's published
// offer of services for the person's public, and only for it.
func TestOfferInReasons(t *testing.T) {
	withOffer := []models.Structure{{ID: "cci", Network: "CCI", Offer: []models.OfferItem{
		{What: "Atelier création d'entreprise", Publics: []string{"employee", "jobseeker"}, HowToReach: "02 37 00 00 00",
			OpeningHours: "lundi-vendredi 9h-17h", Delays: "rendez-vous sous 10 jours"},
		{What: "Apprentissage", Publics: []string{"apprentice"}},
	}}}
	got, _ := Rank(Facts{Public: "employee", Needs: []string{"business_creation"}}, rules, withOffer)
	if len(got) != 1 {
		t.Fatalf("got %v", got)
	}
	want := "Offre de services : Atelier création d'entreprise ; accès : 02 37 00 00 00 ; horaires : lundi-vendredi 9h-17h ; délais : rendez-vous sous 10 jours."
	var quoted []string
	for _, r := range got[0].Reasons {
		if strings.HasPrefix(r, "Offre de services") {
			quoted = append(quoted, r)
		}
	}
	if len(quoted) != 1 || quoted[0] != want {
		t.Fatalf("offer reasons = %q, want [%q]", quoted, want)
	}
}
