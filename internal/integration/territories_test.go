package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/directory"
)

// These tests run a second network from nothing through the administration API. The
// file sorts after the supervision tests, which count every territory's cases.

func day(t time.Time) string { return convention.Day(t) }

// recommended lists the structure IDs recommended for a case, and the reasons of each.
func (s *stack) recommended(t *testing.T, token, caseID string) (ids []string, reasons map[string][]string) {
	t.Helper()
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + caseID + "/recommendations", token: token})
	reasons = map[string][]string{}
	items, _ := r.get("items").([]any)
	for _, it := range items {
		m := it.(map[string]any)
		id := fmt.Sprint(m["structure_id"])
		ids = append(ids, id)
		for _, x := range m["reasons"].([]any) {
			reasons[id] = append(reasons[id], fmt.Sprint(x))
		}
	}
	return ids, reasons
}

// clockServer is the API on the same store, worker and server, whose directory reads
// the time from now: coordinator rights at another date.
func (s *stack) clockServer(t *testing.T, now func() time.Time) string {
	t.Helper()
	verifier, err := auth.NewVerifier(context.Background(), s.key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	srv := newServer(api.NewRouter(api.Deps{Store: s.app.Store, Temporal: s.app.Temporal, Verifier: verifier, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Directory: directory.New(s.app.Store).WithClock(now)}))
	t.Cleanup(srv.Close)
	return srv.URL
}

type network struct {
	territory, convention string
	admin, coord          string // tokens
	pe, ml, cio           string // advisers' tokens
}

// newNetwork creates the Dreux network from nothing: territory, structures, routing
// table, a convention signed two years ago by Pôle emploi and the CIO, and users.
func newNetwork(t *testing.T, s *stack) network {
	t.Helper()
	adm := s.token(t, admin)
	n := network{territory: "dreux", admin: adm}
	terr := map[string]any{"id": "dreux", "name": "Bassin de vie de Dreux", "region": "Centre-Val de Loire", "communes": 2,
		"commune_names": []string{"Dreux", "Vernouillet"}, "population": 60000, "cep_model": "2019"}
	// Only admins create territories, with valid fields and a fresh ID.
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/territories", token: s.token(t, coordinator), body: terr}), http.StatusForbidden)
	bad := map[string]any{"id": "Dreux Sud", "name": "", "region": "Centre-Val de Loire", "cep_model": "2020"}
	p := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/territories", token: adm, body: bad}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"name", "cep_model"}) {
		t.Fatalf("fields = %v", f)
	}
	created := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/territories", token: adm, body: terr})
	if created.str("cep_model") != "2019" || created.str("commune_names.1") != "Vernouillet" {
		t.Fatalf("territory = %s", created.Raw)
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/territories", token: adm, body: terr}), http.StatusConflict)
	if f := fieldsOf(p); !slices.Equal(f, []string{"id"}) {
		t.Fatalf("fields = %v", f)
	}
	patched := s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/territories/dreux", token: adm, body: map[string]any{"population": 61000}})
	if patched.str("population") != "61000" || patched.str("name") != "Bassin de vie de Dreux" {
		t.Fatalf("patched = %s", patched.Raw)
	}
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/territories", token: s.token(t, cio)})
	if items := list.get("items").([]any); len(items) < 2 {
		t.Fatalf("territories = %s", list.Raw)
	}

	for _, st := range []map[string]any{
		{"id": "pe-dreux", "territory_id": "dreux", "name": "France Travail, agence de Dreux", "network": "Pôle emploi", "cep_operator": true,
			"publics": []string{"jobseeker", "employee"}, "postal_code": "28100", "commune": "Dreux", "contact": "39 49"},
		{"id": "ml-dreux", "territory_id": "dreux", "name": "Mission locale de Dreux", "network": "Mission locale", "cep_operator": true,
			"publics": []string{"jobseeker", "student"}, "postal_code": "28100", "commune": "Dreux"},
		{"id": "cio-dreux", "territory_id": "dreux", "name": "CIO de Dreux", "network": "CIO", "publics": []string{"pupil", "jobseeker"},
			"postal_code": "28100", "commune": "Dreux"},
	} {
		r := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/structures", token: adm, body: st})
		if r.get("active") != true {
			t.Fatalf("structure = %s", r.Raw)
		}
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/structures", token: adm, body: map[string]any{"id": "x-dreux",
		"territory_id": "nowhere", "name": "X", "network": "CCI", "publics": []string{"alien"}, "postal_code": "28A"}}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"publics[0]", "postal_code"}) {
		t.Fatalf("fields = %v", f)
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/structures", token: adm, body: map[string]any{"id": "x-dreux",
		"territory_id": "nowhere", "name": "X", "network": "CCI", "publics": []string{}}}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"territory_id"}) {
		t.Fatalf("fields = %v", f)
	}

	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/routing-rules", token: adm, body: map[string]any{"territory_id": "dreux",
		"rules": []any{map[string]any{"priority": 10, "public": "jobseeker", "network": "Mission locale", "reason": "Les demandeurs d'emploi de Dreux vont à la Mission locale."},
			map[string]any{"priority": 40, "public": "jobseeker", "network": "CIO", "reason": "Le CIO informe aussi sur les métiers."}}}})

	twoYearsAgo := day(time.Now().AddDate(-2, 0, 0))
	conv := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/territories/dreux/conventions", token: adm, body: map[string]any{
		"title": "Convention locale du SPRO, bassin de vie de Dreux", "signed_on": twoYearsAgo, "starts_on": twoYearsAgo,
		"signatories": []string{"pe-dreux", "cio-dreux"}}})
	n.convention = conv.str("id")
	if got := conv.get("partners"); fmt.Sprint(got) != "[cio-dreux pe-dreux]" {
		t.Fatalf("partners = %v", got)
	}

	for _, u := range []map[string]any{
		{"email": "adviser.pe-dreux@dreux.demo.test", "display_name": "Adviser, France Travail Dreux", "role": "adviser", "structure_id": "pe-dreux"},
		{"email": "adviser.ml-dreux@dreux.demo.test", "display_name": "Adviser, Mission locale Dreux", "role": "adviser", "structure_id": "ml-dreux"},
		{"email": "adviser.cio-dreux@dreux.demo.test", "display_name": "Adviser, CIO Dreux", "role": "adviser", "structure_id": "cio-dreux"},
		{"email": "coordinator@dreux.demo.test", "display_name": "Local coordination, Dreux", "role": "coordinator", "structure_id": "pe-dreux"},
	} {
		r := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/users", token: adm, body: u})
		if r.str("territory_id") != "dreux" {
			t.Fatalf("user = %s", r.Raw)
		}
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/users", token: adm, body: map[string]any{
		"email": "adviser.pe-dreux@dreux.demo.test", "display_name": "Again", "role": "adviser", "structure_id": "pe-dreux"}}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"email"}) {
		t.Fatalf("fields = %v", f)
	}
	// Chartres' coordination may not place users in Dreux.
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/users", token: s.token(t, coordinator), body: map[string]any{
		"email": "intruder@dreux.demo.test", "display_name": "X", "role": "adviser", "structure_id": "pe-dreux"}}), http.StatusForbidden)
	n.pe, n.ml, n.cio = s.token(t, "adviser.pe-dreux@dreux.demo.test"), s.token(t, "adviser.ml-dreux@dreux.demo.test"), s.token(t, "adviser.cio-dreux@dreux.demo.test")
	n.coord = s.token(t, "coordinator@dreux.demo.test")
	return n
}

func TestSecondNetworkFromNothing(t *testing.T) {
	s := env(t)
	n := newNetwork(t, s)
	today, tomorrow := day(time.Now()), day(time.Now().AddDate(0, 0, 1))

	// A structure that signed no convention is not offered.
	first := s.openCase(t, n.pe, "")
	atCIO := s.openCase(t, n.cio, "")
	ids, _ := s.recommended(t, n.pe, first)
	if slices.Contains(ids, "ml-dreux") {
		t.Fatalf("ml-dreux, no partner yet, is recommended: %v", ids)
	}
	handoff := func(token, caseID, to string) response {
		return s.do(t, call{method: "POST", path: "/api/v1/cases/" + caseID + "/handoffs", token: token,
			body: map[string]any{"to_structure_id": to, "reason": "Jeune demandeur d'emploi"}})
	}
	p := problemOf(t, handoff(n.pe, first, "ml-dreux"), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"to_structure_id"}) || !strings.Contains(p.str("detail"), "not a partner") {
		t.Fatalf("refusal = %s", p.Raw)
	}

	// Joining from tomorrow does not make it a partner today (the rule is by date)...
	amend := func(body map[string]any) response {
		return s.do(t, call{method: "POST", path: "/api/v1/conventions/" + n.convention + "/amendments", token: n.admin, body: body})
	}
	if r := amend(map[string]any{"structure_id": "ml-dreux", "change": "join", "effective_on": tomorrow}); r.Status != http.StatusCreated {
		t.Fatalf("amendment: %s", r.Raw)
	}
	problemOf(t, handoff(n.pe, first, "ml-dreux"), http.StatusBadRequest)
	// ...joining today does, and it then receives the hand-off.
	if r := amend(map[string]any{"structure_id": "ml-dreux", "change": "join", "effective_on": today, "summary": "Avenant n° 2 : la Mission locale rejoint le réseau"}); r.Status != http.StatusCreated || r.str("number") != "2" {
		t.Fatalf("amendment: %d %s", r.Status, r.Raw)
	}
	p = problemOf(t, amend(map[string]any{"structure_id": "ml-dreux", "change": "join", "effective_on": today}), http.StatusConflict)
	if f := fieldsOf(p); !slices.Equal(f, []string{"structure_id"}) {
		t.Fatalf("fields = %v", f)
	}
	problemOf(t, amend(map[string]any{"structure_id": "ml-dreux", "change": "stay", "effective_on": "soon"}), http.StatusBadRequest)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/conventions/" + n.convention + "/amendments", token: n.pe,
		body: map[string]any{"structure_id": "ml-dreux", "change": "leave", "effective_on": today}}), http.StatusForbidden)

	// Its offer of services, published by its own users, is quoted in the reasons.
	offer := map[string]any{"offer": []any{map[string]any{"what": "Accompagnement des 16-25 ans vers l'emploi", "publics": []string{"jobseeker"},
		"how_to_reach": "02 37 00 00 00", "opening_hours": "lundi-vendredi 9h-17h", "delays": "rendez-vous sous 8 jours"}}}
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/ml-dreux", token: n.pe, body: offer}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/structures/ml-dreux", token: n.ml, body: map[string]any{"active": false}}), http.StatusForbidden)
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/structures/ml-dreux", token: n.ml, body: offer})
	if r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures/ml-dreux", token: n.cio}); r.str("offer.0.delays") != "rendez-vous sous 8 jours" {
		t.Fatalf("offer not readable by a partner: %s", r.Raw)
	}
	ids, reasons := s.recommended(t, n.pe, first)
	if len(ids) == 0 || ids[0] != "ml-dreux" {
		t.Fatalf("recommendations = %v", ids)
	}
	want := "Offre de services : Accompagnement des 16-25 ans vers l'emploi ; accès : 02 37 00 00 00 ; horaires : lundi-vendredi 9h-17h ; délais : rendez-vous sous 8 jours."
	if !slices.Contains(reasons["ml-dreux"], want) {
		t.Fatalf("reasons = %q", reasons["ml-dreux"])
	}
	h := handoff(n.pe, first, "ml-dreux")
	if h.Status != http.StatusCreated {
		t.Fatalf("hand-off: %d %s", h.Status, h.Raw)
	}
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + first, token: n.ml})

	// A structure leaving is no longer offered.
	second := s.openCase(t, n.pe, "")
	if ids, _ := s.recommended(t, n.pe, second); !slices.Contains(ids, "cio-dreux") {
		t.Fatalf("cio-dreux, a partner, is not recommended: %v", ids)
	}
	if r := amend(map[string]any{"structure_id": "cio-dreux", "change": "leave", "effective_on": today}); r.Status != http.StatusCreated {
		t.Fatalf("amendment: %s", r.Raw)
	}
	if ids, _ := s.recommended(t, n.pe, second); slices.Contains(ids, "cio-dreux") {
		t.Fatalf("cio-dreux, gone, is recommended: %v", ids)
	}
	p = problemOf(t, handoff(n.pe, second, "cio-dreux"), http.StatusBadRequest)
	if !strings.Contains(p.str("detail"), "not a partner") {
		t.Fatalf("refusal = %s", p.Raw)
	}
	hist := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/territories/dreux/conventions", token: n.cio})
	if got := hist.get("items.0.amendments").([]any); len(got) != 3 || fmt.Sprint(hist.get("items.0.partners")) != "[ml-dreux pe-dreux]" {
		t.Fatalf("convention history = %s", hist.Raw)
	}

	// The coordinating pair, designated by majority: a vote short of it is recorded as
	// rejected, the next one designates.
	start := day(time.Now().AddDate(0, 0, -350))
	vote := func(inFavour ...string) response {
		return s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/territories/dreux/coordination", token: n.admin, body: map[string]any{
			"voted_on": start, "structure_ids": []string{"pe-dreux"}, "present": []string{"pe-dreux", "cio-dreux"}, "in_favour": inFavour}})
	}
	if r := vote("pe-dreux"); r.str("result") != "rejected" || r.str("majority") != "2" {
		t.Fatalf("vote = %s", r.Raw)
	}
	// Before a designation, the coordinator role gives no coordinator rights.
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/structures/ml-dreux/pending-handoffs", token: n.coord}), http.StatusForbidden)
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/territories/dreux/coordination", token: n.admin, body: map[string]any{
		"voted_on": start, "structure_ids": []string{"ml-dreux"}, "present": []string{"pe-dreux"}, "in_favour": []string{"pe-dreux"}}}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"structure_ids[0]"}) { // ml-dreux was no partner then
		t.Fatalf("fields = %v", f)
	}
	designated := vote("pe-dreux", "cio-dreux")
	ends := designated.str("ends_on")
	startDay, _ := time.Parse(time.DateOnly, start)
	if designated.str("result") != "adopted" || ends != startDay.AddDate(1, 0, -1).Format(time.DateOnly) {
		t.Fatalf("designation = %s", designated.Raw)
	}
	coord := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/territories/dreux/coordination", token: n.cio})
	if coord.str("in_force.id") != designated.str("id") || len(coord.get("votes").([]any)) != 2 {
		t.Fatalf("coordination = %s", coord.Raw)
	}
	// The Région's supervisors are told; the term ends in about two weeks, so the
	// durable reminder goes at once to coordination and supervisors.
	sup := s.token(t, supervisor)
	notified := func(token, kind string) bool {
		r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?kind=" + kind, token: token})
		for _, it := range r.get("items").([]any) {
			m := it.(map[string]any)
			if m["recipient_territory_id"] == "dreux" && strings.Contains(fmt.Sprint(m["payload"]), designated.str("id")) {
				return true
			}
		}
		return false
	}
	if !notified(sup, "coordination_designated") {
		t.Fatal("the supervisors were not notified of the designation")
	}
	eventually(t, 30*time.Second, "the term's reminder", func() bool {
		return notified(n.coord, "coordination_term_ending") && notified(sup, "coordination_term_ending")
	})

	// Deactivating a structure: no new hand-off, its pending ones listed to the
	// coordination, its cases still readable.
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/structures/ml-dreux", token: n.admin, body: map[string]any{"active": false}})
	pending := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/structures/ml-dreux/pending-handoffs", token: n.coord})
	if pending.str("items.0.case_id") != first || len(pending.get("items").([]any)) != 1 {
		t.Fatalf("pending = %s", pending.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/structures/ml-dreux/pending-handoffs", token: s.token(t, coordinator)}), http.StatusForbidden)
	if r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?kind=structure_deactivated", token: n.coord}); !strings.Contains(string(r.Raw), h.str("id")) {
		t.Fatalf("the coordination was not told of the pending hand-off: %s", r.Raw)
	}
	p = problemOf(t, handoff(n.pe, second, "ml-dreux"), http.StatusBadRequest)
	if !strings.Contains(p.str("detail"), "deactivated") {
		t.Fatalf("refusal = %s", p.Raw)
	}
	// The coordination reassigns the pending hand-off, but not to a structure that
	// left the convention.
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/supervision/cases/" + first + "/reassign", token: n.coord,
		body: map[string]any{"to_structure_id": "cio-dreux", "reason": "structure désactivée"}}), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"to_structure_id"}) || !strings.Contains(p.str("detail"), "not a partner") {
		t.Fatalf("refusal = %s", p.Raw)
	}
	if ids, _ := s.recommended(t, n.pe, second); slices.Contains(ids, "ml-dreux") {
		t.Fatalf("a deactivated structure is recommended: %v", ids)
	}
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + first, token: n.ml})

	// Coordinator rights follow the designation: the coordinator reads a case its
	// structure does not hold until the term's last day, and not the day after.
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + atCIO, token: n.coord})
	last, _ := time.ParseInLocation(time.DateOnly, ends, convention.Paris)
	lastEvening := s.clockServer(t, func() time.Time { return last.Add(23 * time.Hour) })
	dayAfter := s.clockServer(t, func() time.Time { return last.Add(24*time.Hour + 30*time.Minute) })
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + atCIO, token: n.coord, base: lastEvening})
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + atCIO, token: n.coord, base: dayAfter}), http.StatusNotFound)
	if me := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/me", token: n.coord, base: dayAfter}); me.str("role") != "adviser" {
		t.Fatalf("after the term, me = %s", me.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/users", token: n.coord, base: dayAfter}), http.StatusForbidden)
	// Its own structure's cases stay its own.
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + second, token: n.coord, base: dayAfter})

	// Every change is in the administration audit trail: who, when, what.
	trail := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/admin/audit?territory_id=dreux&page_size=200", token: n.admin})
	entities := map[string]bool{}
	var deactivation map[string]any
	for _, it := range trail.get("items").([]any) {
		m := it.(map[string]any)
		entities[fmt.Sprint(m["entity"])] = true
		if m["entity"] == "territory" && m["action"] == "create" {
			if ch := m["changes"].(map[string]any); ch["cep_model"] != "2019" || ch["region"] != "Centre-Val de Loire" {
				t.Errorf("territory creation entry = %v", m)
			}
		}
		if m["entity"] == "structure" && m["entity_id"] == "ml-dreux" && m["action"] == "update" {
			if ch, ok := m["changes"].(map[string]any)["active"]; ok {
				deactivation = ch.(map[string]any)
				if m["user_id"] != "admin" || m["at"] == nil {
					t.Errorf("deactivation entry = %v", m)
				}
			}
		}
	}
	for _, e := range []string{"territory", "structure", "convention", "amendment", "coordination", "routing_rules", "user"} {
		if !entities[e] {
			t.Errorf("no %s change in the trail: %s", e, trail.Raw)
		}
	}
	if deactivation["from"] != true || deactivation["to"] != false {
		t.Errorf("deactivation = %v", deactivation)
	}
	if r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/admin/audit", token: n.coord}); r.str("items.0.territory_id") != "dreux" {
		t.Errorf("coordinator's trail = %.300s", r.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/admin/audit?territory_id=chartres", token: n.coord}), http.StatusForbidden)
	// The trail's filters: the admin's changes of structures today, named.
	mine := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/admin/audit?territory_id=dreux&entity=structure&actor=admin&from=" + today + "&to=" + today, token: n.admin})
	items := mine.get("items").([]any)
	if len(items) == 0 {
		t.Fatalf("the admin's changes of structures today: %.300s", mine.Raw)
	}
	for _, it := range items {
		m := it.(map[string]any)
		if m["entity"] != "structure" || m["user_id"] != "admin" || m["user_name"] != "Administration de la plateforme" || m["entity_name"] == nil {
			t.Errorf("filtered entry = %v", m)
		}
	}
	for q, field := range map[string]string{"entity=case": "entity", "from=30/11/2026": "from", "from=" + today + "&to=2020-01-01": "to"} {
		if f := fieldsOf(problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/admin/audit?" + q, token: n.admin}), http.StatusBadRequest)); len(f) != 1 || f[0] != field {
			t.Errorf("%s: fields %v, want %s", q, f, field)
		}
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/admin/audit", token: n.pe}), http.StatusForbidden)
}

// TestMovedUserLosesFormerCases moves an adviser to another structure: with the same
// token, the former structure's case is out of reach at the next request.
func TestMovedUserLosesFormerCases(t *testing.T) {
	s := env(t)
	adm := s.token(t, admin)
	u := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/users", token: adm, body: map[string]any{
		"email": "mover@chartres.demo.test", "display_name": "Adviser who moves", "role": "adviser", "structure_id": "cio-chartres"}})
	tok := s.token(t, "mover@chartres.demo.test")
	id := s.openCase(t, tok, "")
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: tok})
	moved := s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/users/" + u.str("id"), token: s.token(t, coordinator),
		body: map[string]any{"structure_id": "bij-chartres"}})
	if moved.str("structure_id") != "bij-chartres" {
		t.Fatalf("moved = %s", moved.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: tok}), http.StatusNotFound)
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases", token: tok})
	if strings.Contains(string(list.Raw), id) {
		t.Fatalf("the former structure's case is still listed: %s", list.Raw)
	}
	// Deactivated, the user cannot sign in at all.
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/users/" + u.str("id"), token: adm, body: map[string]any{"active": false}})
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/me", token: tok}), http.StatusUnauthorized)
	// Moving a user to another territory's structure is beyond a coordinator.
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/users/adviser-cio-chartres", token: s.token(t, coordinator),
		body: map[string]any{"structure_id": "nowhere"}}), http.StatusBadRequest)
}

// TestUsersImportFromCSV imports users from a CSV file: the dry run lists every error
// by line and writes nothing; an import with errors writes nothing; a clean one
// imports every line.
func TestUsersImportFromCSV(t *testing.T) {
	s := env(t)
	adm := s.token(t, admin)
	csvBody := strings.Join([]string{
		"email,display_name,role,structure_id",
		"import.one@chartres.demo.test,Imported one,adviser,cio-chartres",
		"not-an-email,Bad email,adviser,cio-chartres",
		"import.two@chartres.demo.test,Unknown structure,adviser,nowhere",
		"import.one@chartres.demo.test,Twice,adviser,bij-chartres",
		"import.three@chartres.demo.test,Bad role,chief,cio-chartres",
		"adviser.cio-chartres@chartres.demo.test,Existing,adviser,cio-chartres",
		"import.four@chartres.demo.test,,adviser,",
	}, "\n") + "\n"
	importing := func(token, query, body string) response {
		return s.do(t, call{method: "POST", path: "/api/v1/users/import" + query, token: token, body: body,
			headers: map[string]string{"Content-Type": "text/csv"}})
	}
	dry := importing(adm, "?dry_run=true", csvBody)
	if dry.Status != http.StatusOK {
		t.Fatalf("dry run: %d %s", dry.Status, dry.Raw)
	}
	var got []string
	for _, e := range dry.get("errors").([]any) {
		m := e.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v", m["line"], m["field"]))
	}
	want := []string{"3:email", "4:structure_id", "5:email", "6:role", "7:email", "8:display_name"}
	if !slices.Equal(got, want) {
		t.Fatalf("dry-run errors = %v, want %v (%s)", got, want, dry.Raw)
	}
	if dry.str("lines") != "7" || dry.str("valid") != "1" || dry.str("created") != "0" {
		t.Fatalf("report = %s", dry.Raw)
	}
	exists := func(email string) bool {
		var n int64
		s.app.Store.DB.Table("users").Where("email = ?", email).Count(&n)
		return n > 0
	}
	if exists("import.one@chartres.demo.test") {
		t.Fatal("the dry run wrote a user")
	}
	p := problemOf(t, importing(adm, "", csvBody), http.StatusBadRequest)
	if f := fieldsOf(p); len(f) != len(want) || f[0] != "lines[3].email" {
		t.Fatalf("fields = %v", f)
	}
	if exists("import.one@chartres.demo.test") {
		t.Fatal("an import with errors wrote a user")
	}
	// A coordinator imports into its own territory only.
	p = problemOf(t, importing(s.token(t, coordinator), "", "email,display_name,role,structure_id\nimport.x@x.test,X,adviser,pe-dreux-none\nimport.y@x.test,Y,admin,\n"), http.StatusBadRequest)
	if f := fieldsOf(p); !slices.Equal(f, []string{"lines[2].structure_id", "lines[3].line"}) {
		t.Fatalf("fields = %v", f)
	}
	problemOf(t, importing(adm, "", "who,what\nx,y\n"), http.StatusBadRequest)
	problemOf(t, importing(adm, "?dry_run=true", "email,display_name,role,structure_id\na@b.test,"+strings.Repeat("x", 1<<20)+",adviser,cio-chartres\n"), http.StatusRequestEntityTooLarge)
	ok := importing(adm, "", "display_name,email,role,structure_id\nImported one,import.one@chartres.demo.test,adviser,cio-chartres\nImported two,Import.Two@chartres.demo.test,adviser,bij-chartres\n")
	if ok.Status != http.StatusCreated || ok.str("created") != "2" {
		t.Fatalf("import: %d %s", ok.Status, ok.Raw)
	}
	me := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/me", token: s.token(t, "import.two@chartres.demo.test")})
	if me.str("structure_id") != "bij-chartres" || me.str("territory_id") != "chartres" {
		t.Fatalf("imported user = %s", me.Raw)
	}
	trail := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/admin/audit?entity=user&page_size=5", token: s.token(t, supervisor)})
	if trail.str("items.0.user_id") != "admin" || trail.str("items.0.action") != "create" {
		t.Fatalf("trail = %s", trail.Raw)
	}
}
