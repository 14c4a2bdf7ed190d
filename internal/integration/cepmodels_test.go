package integration

import (
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"
)

const (
	ftChateauroux = "adviser.france-travail-chateauroux@chateauroux.demo.test"
	cioChateaurox = "adviser.cio-chateauroux@chateauroux.demo.test"
)

// Both CEP models end to end: Chartres runs the 2014 model, the seeded Châteauroux
// territory the 2019 one (arrêté du 29 mars 2019); stages, transitions, labels and the
// synthesis follow the case's model.
func TestCEPModelsEndToEnd(t *testing.T) {
	s := env(t)

	// 2014: Chartres.
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	base := "/api/v1/cases/" + id
	c := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.str("cep_model") != "2014" || !strings.Contains(c.str("stage_label"), "SPRO") {
		t.Fatalf("a Chartres case: %s", c.Raw)
	}
	p := problemOf(t, s.do(t, call{method: "POST", path: base + "/levels", token: tok, body: map[string]any{"level": "accueil_individualise"}}), http.StatusConflict)
	if !strings.Contains(p.str("detail"), "2014") {
		t.Fatalf("a 2014 case refuses the 2019 levels: %s", p.Raw)
	}
	c = s.must(t, http.StatusOK, call{method: "POST", path: base + "/counselling", token: tok})
	if c.str("stage") != "counselling" || c.str("stage_label") != "Niveau 2 : conseil personnalisé" {
		t.Fatalf("2014 level 2: %s", c.Raw)
	}
	syn := s.must(t, http.StatusOK, call{method: "GET", path: base + "/synthesis", token: tok})
	if syn.str("cep_model") != "2014" || !strings.Contains(syn.str("model_source"), "16 juillet 2014") {
		t.Fatalf("2014 synthesis: %s", syn.Raw)
	}
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "information_given"}})

	// 2019: Châteauroux.
	tok = s.token(t, ftChateauroux)
	id = s.openCase(t, tok, "")
	base = "/api/v1/cases/" + id
	c = s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if c.str("cep_model") != "2019" || c.str("territory_id") != "chateauroux" {
		t.Fatalf("a Châteauroux case: %s", c.Raw)
	}
	problemOf(t, s.do(t, call{method: "POST", path: base + "/counselling", token: tok}), http.StatusConflict)
	p = problemOf(t, s.do(t, call{method: "POST", path: base + "/levels", token: tok, body: map[string]any{"level": "niveau_3"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"level"}) {
		t.Fatalf("unknown level: %s", p.Raw)
	}
	// Straight to accompagnement personnalisé, without a referent.
	c = s.must(t, http.StatusOK, call{method: "POST", path: base + "/levels", token: tok, body: map[string]any{"level": "accompagnement_personnalise"}})
	if c.str("stage") != "accompagnement_personnalise" || c.str("stage_label") != "Niveau 2 : accompagnement personnalisé" || c.get("referent_adviser_id") != nil {
		t.Fatalf("2019 level 2: %s", c.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/situation", token: tok, body: map[string]any{
		"employment_status": "jobseeker", "jobseeker_registered": true, "cpf_balance_eur": 800, "unemployment_benefit": true}})
	a := addAction(t, s, tok, base, map[string]any{"type": "training", "title": "CléA", "certification": "clea", "start_date": monthsAhead(2), "cost_eur": 600})
	plan := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/financing-plan", token: tok})
	if funderStatus(plan, a, "cpf") != "eligible" {
		t.Fatalf("the financing plan in accompagnement personnalisé: %s", plan.Raw)
	}
	// Then back to level 1: no required order.
	c = s.must(t, http.StatusOK, call{method: "POST", path: base + "/levels", token: tok, body: map[string]any{"level": "accueil_individualise"}})
	if c.str("stage") != "accueil_individualise" {
		t.Fatalf("2019 level 1 after level 2: %s", c.Raw)
	}
	syn = s.must(t, http.StatusOK, call{method: "GET", path: base + "/synthesis", token: tok})
	if syn.str("cep_model") != "2019" || !strings.Contains(syn.str("model_source"), "29 mars 2019") || syn.str("stage_label") != "Niveau 1 : accueil individualisé et adapté" {
		t.Fatalf("2019 synthesis: %s", syn.Raw)
	}
	html := s.do(t, call{method: "GET", path: base + "/synthesis", token: tok, headers: map[string]string{"Accept": "text/html"}})
	if html.Status != http.StatusOK || !strings.Contains(string(html.Raw), "accueil individualisé et adapté") {
		t.Fatalf("printable synthesis (%d) does not follow the 2019 model", html.Status)
	}
	// The CIO is no CEP operator: it may not enter a level.
	cid := s.openCase(t, s.token(t, cioChateaurox), "")
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + cid + "/levels", token: s.token(t, cioChateaurox),
		body: map[string]any{"level": "accueil_individualise"}}), http.StatusForbidden)
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "training"}})
	types := eventTypes(t, s, tok, id)
	if n := strings.Count(strings.Join(types, " "), "level_started"); n != 2 {
		t.Fatalf("timeline %v", types)
	}
	voc := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/vocabularies", token: tok})
	if models, _ := voc.get("cep_models").([]any); len(models) != 2 {
		t.Fatalf("vocabularies: %s", voc.Raw)
	}
	// Supervision knows the 2019 stages: level entries, and the stuck-case filter.
	coord := s.token(t, "coordinator@chateauroux.demo.test")
	today := time.Now().UTC()
	ind := s.must(t, http.StatusOK, call{method: "GET", token: coord, path: "/api/v1/supervision/indicators?from=" +
		today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 2).Format(time.DateOnly)})
	if n, _ := ind.get("territories.0.totals.level_entries.accompagnement_personnalise").(float64); n < 1 || ind.str("territories.0.territory_id") != "chateauroux" {
		t.Fatalf("2019 level entries: %s", ind.Raw)
	}
	s.must(t, http.StatusOK, call{method: "GET", token: coord, path: "/api/v1/supervision/stuck-cases?stage=accompagnement_personnalise"})
	recordHistory(t, s, id, "cep_model_2019")
}
