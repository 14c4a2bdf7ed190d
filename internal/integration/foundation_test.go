package integration

import (
	"net/http"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/store"
)

func TestHealthAndReadiness(t *testing.T) {
	s := env(t)
	s.must(t, http.StatusOK, call{method: "GET", path: "/healthz"})
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/readyz"})
	if r.str("checks.database") != "ok" || r.str("checks.temporal") != "ok" {
		t.Fatalf("readyz = %s", r.Raw)
	}
	doc := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/openapi.json"})
	if doc.str("openapi") == "" {
		t.Fatalf("openapi document without version: %.200s", doc.Raw)
	}
}

func TestAuthentication(t *testing.T) {
	s := env(t)
	for _, tc := range []struct {
		name, header string
	}{
		{"no header", ""},
		{"not bearer", "Basic abc"},
		{"garbage token", "Bearer not-a-token"},
		{"token signed elsewhere", "Bearer eyJhbGciOiJIUzI1NiIsInR5cCI6IkpXVCJ9.eyJlbWFpbCI6ImFkbWluQGNlcC5kZW1vLnRlc3QiLCJleHAiOjQ4OTk5OTk5OTksImlzcyI6ImNlcCJ9.c2lnbmF0dXJl"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			c := call{method: "GET", path: "/api/v1/me"}
			if tc.header != "" {
				c.headers = map[string]string{"Authorization": tc.header}
			}
			problemOf(t, s.do(t, c), http.StatusUnauthorized)
		})
	}
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/me", token: s.token(t, pe)})
	if r.str("email") != pe || r.str("role") != "adviser" || r.str("structure_id") != "pole-emploi-chartres" {
		t.Fatalf("me = %s", r.Raw)
	}
}

func TestReferenceData(t *testing.T) {
	s := env(t)
	tok := s.token(t, cio)
	// The demo accounts come with the 2019-model territory (chateauroux), whose 5
	// structures are counted by territory: other tests of this package create
	// structures of their own in the shared database.
	if cx := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures?territory_id=chateauroux", token: tok}); len(cx.get("items").([]any)) != 5 {
		t.Fatalf("%d structures in Châteauroux, want 5", len(cx.get("items").([]any)))
	}
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures?territory_id=chartres", token: tok})
	items := r.get("items").([]any)
	if len(items) != 15 {
		t.Fatalf("%d structures, want the 15 of the Chartres convention", len(items))
	}
	operators := 0
	for _, it := range items {
		m := it.(map[string]any)
		for _, f := range []string{"id", "name", "network", "cep_operator", "territory_id"} {
			if _, ok := m[f]; !ok {
				t.Fatalf("structure without %s: %v", f, m)
			}
		}
		if m["cep_operator"] == true {
			operators++
		}
	}
	if operators != 8 {
		t.Errorf("%d CEP operators, want 8", operators)
	}
	one := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures/cap-emploi-28", token: tok})
	if one.str("name") != "Cap emploi 28 (PHARE 28)" || one.get("cep_operator") != true {
		t.Fatalf("structure = %s", one.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/structures/nope", token: tok}), http.StatusNotFound)

	// Users: admins and coordinators only.
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/users", token: tok}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/users", token: s.token(t, supervisor)}), http.StatusForbidden)
	// Other tests of this package add users to the shared database: look for the demo
	// accounts the seed made.
	all := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/users", token: s.token(t, admin)})
	listed := map[string]bool{}
	for _, it := range all.get("items").([]any) {
		listed[it.(map[string]any)["id"].(string)] = true
	}
	seeded := append(store.DemoUsers(), store.DemoUsers2019()...)
	if len(seeded) != 18+6 {
		t.Fatalf("%d demo accounts, want 24 (18 for Chartres and the Région, 6 for Châteauroux)", len(seeded))
	}
	for _, u := range seeded {
		if !listed[u.ID] {
			t.Errorf("admin does not see the demo account %s", u.ID)
		}
	}
	coord := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/users?role=adviser", token: s.token(t, coordinator)})
	advisers := map[string]bool{}
	for _, it := range coord.get("items").([]any) {
		advisers[it.(map[string]any)["id"].(string)] = true
	}
	n := 0
	for _, u := range store.DemoUsers() {
		if u.Role == "adviser" {
			n++
			if !advisers[u.ID] {
				t.Errorf("the coordinator does not see the adviser %s", u.ID)
			}
		}
	}
	if n != 15 {
		t.Fatalf("%d demo advisers in Chartres, want 15", n)
	}
	for _, it := range coord.get("items").([]any) {
		if e, _ := it.(map[string]any)["email"].(string); strings.HasSuffix(e, "@chateauroux.demo.test") {
			t.Fatalf("the Chartres coordinator sees %s of another territory", e)
		}
	}
}

func TestRoutingTableEditing(t *testing.T) {
	s := env(t)
	coord := s.token(t, coordinator)
	before := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/routing-rules", token: coord})
	rules := before.get("rules").([]any)
	if len(rules) != 11 {
		t.Fatalf("%d rules, want 11", len(rules))
	}
	problemOf(t, s.do(t, call{method: "PUT", path: "/api/v1/routing-rules", token: s.token(t, pe), body: before.Body}), http.StatusForbidden)
	bad := map[string]any{"territory_id": "chartres", "rules": []any{map[string]any{"priority": 1, "network": "CIO"}}}
	p := problemOf(t, s.do(t, call{method: "PUT", path: "/api/v1/routing-rules", token: coord, body: bad}), http.StatusBadRequest)
	if f := fieldsOf(p); len(f) != 1 || f[0] != "rules[0].reason" {
		t.Fatalf("fields = %v", f)
	}
	// Writing the same table back keeps it whole.
	after := s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/routing-rules", token: coord, body: map[string]any{"territory_id": "chartres", "rules": rules}})
	if len(after.get("rules").([]any)) != 11 {
		t.Fatalf("table after rewrite: %s", after.Raw)
	}
}

func TestStructureWebhookConfiguration(t *testing.T) {
	s := env(t)
	// An address literal: the test needs no DNS (a name is resolved and checked too).
	body := map[string]any{"webhook_url": "https://203.0.113.7/hooks/cep"}
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, cio), body: body}), http.StatusForbidden)
	p := problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, admin),
		body: map[string]any{"webhook_url": "ftp://x"}}), http.StatusBadRequest)
	if f := fieldsOf(p); len(f) != 1 || f[0] != "webhook_url" {
		t.Fatalf("fields = %v", f)
	}
	r := s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, coordinator), body: body})
	if r.get("webhook_configured") != true || r.get("webhook_url") != nil || len(r.str("webhook_secret")) != 64 {
		t.Fatalf("patched = %s", r.Raw)
	}
	if got := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures/cio-chartres", token: s.token(t, cio)}); got.get("webhook_secret") != nil {
		t.Fatalf("the webhook secret is shown again: %s", got.Raw)
	}
	// A new secret in place, for those who set the webhook.
	reset := map[string]any{"reset_webhook_secret": true}
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, cio), body: reset}), http.StatusForbidden)
	again := s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, coordinator), body: reset})
	if again.get("webhook_configured") != true || len(again.str("webhook_secret")) != 64 || again.str("webhook_secret") == r.str("webhook_secret") {
		t.Fatalf("reset = %s", again.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, admin), body: map[string]any{"webhook_url": ""}})
	p = problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/cio-chartres", token: s.token(t, admin), body: reset}), http.StatusBadRequest)
	if f := fieldsOf(p); len(f) != 1 || f[0] != "reset_webhook_secret" {
		t.Fatalf("a reset without a webhook: fields = %v", f)
	}
	if got := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures/cio-chartres", token: s.token(t, cio)}); got.get("webhook_configured") != false {
		t.Fatalf("webhook not removed: %s", got.Raw)
	}
}
