package integration

import (
	"net/http"
	"net/url"
	"testing"
	"time"
)

// TestPatchActionChangesOnlyTheGivenFields changes an action's status alone through
// PATCH on the real server: the other fields keep their values, the plan gets a new
// revision, a retry with the same Idempotency-Key is applied once, and bad patches are
// refused naming the field.
func TestPatchActionChangesOnlyTheGivenFields(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	base := "/api/v1/cases/" + id
	s.must(t, http.StatusOK, call{method: "PUT", path: base + "/project", token: tok, body: map[string]any{
		"target_occupation": "Boulanger", "autonomy": "medium", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/implementation", token: tok})
	start := time.Now().UTC().AddDate(0, 3, 0)
	added := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/actions", token: tok, body: map[string]any{
		"type": "training", "title": "CAP Boulanger", "provider": "GRETA", "start_date": start.Format(time.DateOnly),
		"end_date": start.AddDate(0, 6, 0).Format(time.DateOnly), "hours": 800, "cost_eur": 4200}})
	aid := added.str("action.id")
	rev := added.get("plan_revision").(float64)

	key := map[string]string{"Idempotency-Key": "patch-status-1"}
	got := s.must(t, http.StatusOK, call{method: "PATCH", path: base + "/actions/" + aid, token: tok,
		body: map[string]any{"status": "in_progress"}, headers: key})
	if got.get("plan_revision") != rev+1 {
		t.Fatalf("plan_revision = %v, want %v", got.get("plan_revision"), rev+1)
	}
	a := got.get("actions.0").(map[string]any)
	if a["status"] != "in_progress" || a["title"] != "CAP Boulanger" || a["provider"] != "GRETA" || a["cost_eur"] != float64(4200) ||
		a["hours"] != float64(800) || a["end_date"] != start.AddDate(0, 6, 0).Format(time.DateOnly) || a["type"] != "training" {
		t.Fatalf("after a status patch the action is %v", a)
	}
	again := s.must(t, http.StatusOK, call{method: "PATCH", path: base + "/actions/" + aid, token: tok,
		body: map[string]any{"status": "in_progress"}, headers: key})
	if again.get("plan_revision") != rev+1 {
		t.Fatalf("a retried patch was applied twice: plan_revision %v", again.get("plan_revision"))
	}

	// An empty end_date removes it; the rest stays.
	got = s.must(t, http.StatusOK, call{method: "PATCH", path: base + "/actions/" + aid, token: tok, body: map[string]any{"end_date": ""}})
	if a := got.get("actions.0").(map[string]any); a["end_date"] != nil || a["status"] != "in_progress" || a["title"] != "CAP Boulanger" {
		t.Fatalf("after removing end_date the action is %v", a)
	}

	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"status": "finished"}, "status"},
		{map[string]any{"colour": "red"}, "colour"},
		{map[string]any{"end_date": start.AddDate(0, -1, 0).Format(time.DateOnly)}, "end_date"},
		{map[string]any{"end_date": "tomorrow"}, "end_date"},
		{map[string]any{"cost_eur": -1}, "cost_eur"},
	} {
		p := problemOf(t, s.do(t, call{method: "PATCH", path: base + "/actions/" + aid, token: tok, body: tc.body}), http.StatusBadRequest)
		if p.str("errors.0.field") != tc.field {
			t.Errorf("PATCH %v: problem %s, want field %s", tc.body, p.Raw, tc.field)
		}
	}
	problemOf(t, s.do(t, call{method: "PATCH", path: base + "/actions/no-such-action", token: tok, body: map[string]any{"status": "done"}}), http.StatusNotFound)
	problemOf(t, s.do(t, call{method: "PATCH", path: base + "/actions/" + aid, token: s.token(t, cio), body: map[string]any{"status": "done"}}), http.StatusNotFound)

	// The list finds the case by the person's name and counts cases per stage.
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?counts=true&stage=implementation&sort=-updated_at&q=" +
		url.QueryEscape(s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok}).str("beneficiary.last_name")), token: tok})
	if n, _ := list.get("by_stage.implementation").(float64); n < 1 || list.get("total").(float64) < 1 {
		t.Fatalf("list with counts = %s", list.Raw)
	}
	found := false
	for _, it := range list.get("items").([]any) {
		found = found || it.(map[string]any)["id"] == id
	}
	if !found {
		t.Fatalf("the name search does not find the case: %s", list.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases?sort=age", token: tok}), http.StatusBadRequest)

	final := s.must(t, http.StatusOK, call{method: "GET", path: base, token: tok})
	if a := final.get("actions.0").(map[string]any); a["status"] != "in_progress" || final.get("plan_revision") != rev+2 {
		t.Fatalf("refused patches changed the plan: %s", final.Raw)
	}
}
