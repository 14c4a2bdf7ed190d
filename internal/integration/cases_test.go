package integration

import (
	"context"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// TestCasePath drives a case through every level and checks the answers, the timeline
// and the projection.
func TestCasePath(t *testing.T) {
	s := env(t)
	peTok, capTok := s.token(t, pe), s.token(t, cap28)
	created := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: peTok, body: newCaseBody("jobseeker", true, true)})
	id := created.str("id")
	if created.str("stage") != "reception" || created.get("paused") != false || created.str("structure_id") != "pole-emploi-chartres" || created.str("created_at") == "" {
		t.Fatalf("created = %s", created.Raw)
	}
	if created.str("beneficiary.last_name") != "Exemple" || created.get("consent.data_sharing") != true {
		t.Fatalf("created without its details: %s", created.Raw)
	}

	recs := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/recommendations", token: peTok})
	if recs.str("items.0.structure_id") != "cap-emploi-28" || recs.get("items.0.reasons") == nil {
		t.Fatalf("a job seeker with RQTH should go to Cap emploi first: %s", recs.Raw)
	}

	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH: accompagnement spécialisé"}})
	hid := h.str("id")
	if h.str("status") != "pending" || h.str("due_at") == "" || h.str("case.stage") != "handoff" {
		t.Fatalf("hand-off = %s", h.Raw)
	}
	due, _ := time.Parse(time.RFC3339Nano, h.str("due_at"))
	if d := time.Until(due); d < 29*24*time.Hour || d > 31*24*time.Hour {
		t.Fatalf("hand-off due in %s, want the 30-day default", d)
	}
	// The target sees the case while the hand-off is pending; others do not.
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: capTok})
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: s.token(t, cio)}), http.StatusNotFound)
	// The target structure's inbox has the request.
	inbox := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?case_id=" + id, token: capTok})
	if inbox.str("items.0.kind") != workflows.NotifyHandoffRequested {
		t.Fatalf("inbox = %s", inbox.Raw)
	}

	acc := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + hid + "/accept", token: capTok})
	if acc.str("structure_id") != "cap-emploi-28" || acc.str("stage") != "reception" || acc.get("handoff") != nil {
		t.Fatalf("accepted = %s", acc.Raw)
	}
	c := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: capTok})
	if c.str("stage") != "counselling" || c.str("referent_adviser_id") != "adviser-cap-emploi-28" {
		t.Fatalf("counselling = %s", c.Raw)
	}
	sess := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/sessions", token: capTok,
		body: map[string]any{"date": "2026-11-20", "duration_minutes": 60, "mode": "on_site", "summary": "Bilan des compétences"}})
	if sess.str("id") == "" || sess.str("stage") != "counselling" || sess.get("case.sessions_count") != float64(1) {
		t.Fatalf("session = %s", sess.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: capTok, body: map[string]any{
		"target_occupation": "Aide-soignante", "rome_code": "j1501", "autonomy": "medium", "maturity": "building",
		"competences": []any{map[string]any{"label": "Relation d'aide", "transferable": true}}}})
	impl := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: capTok})
	if impl.str("stage") != "implementation" || impl.str("project.rome_code") != "J1501" {
		t.Fatalf("implementation = %s", impl.Raw)
	}
	act := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: capTok, body: map[string]any{
		"type": "training", "title": "Diplôme d'État d'aide-soignant", "provider": "IFAS Chartres", "start_date": "2027-01-10",
		"end_date": "2027-12-20", "hours": 1540, "cost_eur": 6800}})
	aid := act.str("action.id")
	if aid == "" || act.get("plan_revision") != float64(1) {
		t.Fatalf("action = %s", act.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/actions/" + aid, token: capTok, body: map[string]any{
		"type": "training", "title": "DEAS", "start_date": "2027-01-10", "cost_eur": 7000}})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: capTok, body: map[string]any{
		"type": "complementary_service", "title": "Atelier CV", "start_date": "2026-12-01", "cost_eur": 0}})
	del := s.must(t, http.StatusOK, call{method: "DELETE", path: "/api/v1/cases/" + id + "/actions/" + aid, token: capTok})
	if del.get("plan_revision") != float64(4) || len(del.get("actions").([]any)) != 1 {
		t.Fatalf("after delete = %s", del.Raw)
	}
	revs := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/plan-revisions", token: capTok})
	if n := len(revs.get("items").([]any)); n != 4 {
		t.Fatalf("%d plan revisions kept, want 4", n)
	}

	syn := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/synthesis", token: capTok})
	if syn.str("project.target_occupation") != "Aide-soignante" || syn.str("competences.0.label") != "Relation d'aide" {
		t.Fatalf("synthesis = %s", syn.Raw)
	}
	html := s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/synthesis", token: capTok, headers: map[string]string{"Accept": "text/html"}})
	if html.Status != http.StatusOK || html.Header.Get("Content-Type") != "text/html; charset=utf-8" ||
		!strings.Contains(string(html.Raw), "Aide-soignante") || !strings.Contains(string(html.Raw), "Atelier CV") {
		t.Fatalf("synthesis page: %d %s", html.Status, html.Raw)
	}

	closed := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/close", token: capTok,
		body: map[string]any{"outcome": "training", "note": "Entrée en formation"}})
	if closed.str("stage") != "closed" || closed.str("outcome") != "training" || closed.str("closed_at") == "" {
		t.Fatalf("closed = %s", closed.Raw)
	}
	want := []string{"case_opened", "handoff_requested", "handoff_accepted", "counselling_started", "session_recorded",
		"project_set", "implementation_started", "action_added", "action_changed", "action_added", "action_removed", "closed"}
	if got := eventTypes(t, s, capTok, id); !slices.Equal(got, want) {
		t.Fatalf("timeline = %v\nwant %v", got, want)
	}
	// Every event names its actor and structure.
	ev := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/events", token: capTok})
	for _, it := range ev.get("items").([]any) {
		m := it.(map[string]any)
		if m["actor_id"] == "" || m["structure_id"] == "" || m["at"] == "" {
			t.Fatalf("event without actor: %v", m)
		}
	}
	// A closed case refuses changes with 409 and its stage.
	p := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: capTok, body: map[string]any{"reason": "x"}}), http.StatusConflict)
	if p.str("stage") != "closed" {
		t.Fatalf("conflict without stage: %s", p.Raw)
	}
	// The workflow ended.
	desc, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	if st := desc.GetWorkflowExecutionInfo().GetStatus().String(); st != "Completed" {
		t.Fatalf("workflow status %s", st)
	}
	recordHistory(t, s, id, "case_path")
}

func TestCreateCaseValidation(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	mut := func(f func(m map[string]any)) map[string]any {
		b := newCaseBody("jobseeker", false, true)
		f(b)
		return b
	}
	ben := func(b map[string]any) map[string]any { return b["beneficiary"].(map[string]any) }
	for _, tc := range []struct {
		name   string
		body   any
		fields []string
	}{
		{"missing names", mut(func(b map[string]any) { delete(ben(b), "first_name"); delete(ben(b), "last_name") }), []string{"beneficiary.first_name", "beneficiary.last_name"}},
		{"bad birth date", mut(func(b map[string]any) { ben(b)["birth_date"] = "15/06/1988" }), []string{"beneficiary.birth_date"}},
		{"future birth date", mut(func(b map[string]any) { ben(b)["birth_date"] = "2999-01-01" }), []string{"beneficiary.birth_date"}},
		{"bad gender", mut(func(b map[string]any) { ben(b)["gender"] = "x" }), []string{"beneficiary.gender"}},
		{"bad public", mut(func(b map[string]any) { ben(b)["public"] = "retired" }), []string{"beneficiary.public"}},
		{"bad postal code", mut(func(b map[string]any) { ben(b)["postal_code"] = "28" }), []string{"beneficiary.postal_code"}},
		{"bad email", mut(func(b map[string]any) { ben(b)["email"] = "nope" }), []string{"beneficiary.email"}},
		{"bad channel", mut(func(b map[string]any) { b["channel"] = "fax" }), []string{"channel"}},
		{"bad need", mut(func(b map[string]any) { b["needs"] = []string{"training", "magic"} }), []string{"needs[1]"}},
		{"consent missing", mut(func(b map[string]any) { b["consent"] = map[string]any{} }), []string{"consent.data_sharing"}},
		{"unknown field", mut(func(b map[string]any) { b["nickname"] = "x" }), []string{"nickname"}},
		{"wrong type", mut(func(b map[string]any) { ben(b)["disability_recognized"] = "yes" }), []string{"beneficiary.disability_recognized"}},
		{"not JSON", "{", nil},
		{"empty body", "", nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			var before int64
			s.app.Store.DB.Model(&models.Beneficiary{}).Count(&before)
			p := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases", token: tok, body: tc.body}), http.StatusBadRequest)
			got := fieldsOf(p)
			slices.Sort(got)
			want := slices.Clone(tc.fields)
			slices.Sort(want)
			if tc.fields != nil && !slices.Equal(got, want) {
				t.Fatalf("fields = %v, want %v (%s)", got, want, p.Raw)
			}
			var after int64
			s.app.Store.DB.Model(&models.Beneficiary{}).Count(&after)
			if after != before {
				t.Fatal("a refused request left personal data behind")
			}
		})
	}
}

func TestIdempotentCreationAndActions(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	key := map[string]string{"Idempotency-Key": fmt.Sprintf("create-%d", time.Now().UnixNano())}
	a := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("employee", false, true), headers: key})
	b := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("employee", false, true), headers: key})
	if a.str("id") != b.str("id") {
		t.Fatalf("same key, two cases: %s %s", a.str("id"), b.str("id"))
	}
	var n int64
	s.app.Store.DB.Model(&models.Case{}).Where("id = ?", a.str("id")).Count(&n)
	if n != 1 {
		t.Fatalf("%d case rows", n)
	}
	// Concurrent retries of one creation still make one case.
	key2 := map[string]string{"Idempotency-Key": fmt.Sprintf("create-conc-%d", time.Now().UnixNano())}
	ids := make([]string, 5)
	var wg sync.WaitGroup
	for i := range ids {
		wg.Add(1)
		go func() {
			defer wg.Done()
			r := s.do(t, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("employee", false, true), headers: key2})
			if r.Status == http.StatusCreated {
				ids[i] = r.str("id")
			}
		}()
	}
	wg.Wait()
	for _, id := range ids {
		if id == "" || id != ids[0] {
			t.Fatalf("concurrent retries answered %v", ids)
		}
	}

	// An update retried with the same key applies once.
	id := a.str("id")
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: tok, body: map[string]any{
		"target_occupation": "Comptable", "autonomy": "high", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: tok})
	actKey := map[string]string{"Idempotency-Key": "action-1"}
	body := map[string]any{"type": "vae", "title": "VAE BTS comptabilité", "start_date": "2027-02-01", "cost_eur": 1200}
	x := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: body, headers: actKey})
	y := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: body, headers: actKey})
	if x.str("action.id") != y.str("action.id") || len(y.get("case.actions").([]any)) != 1 {
		t.Fatalf("retried action applied twice: %s", y.Raw)
	}
}

func TestConcurrentActionsLoseNothing(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: tok, body: map[string]any{
		"target_occupation": "Électricien", "autonomy": "high", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: tok})
	const n = 8
	var wg sync.WaitGroup
	statuses := make([]int, n)
	for i := range n {
		wg.Add(1)
		go func() {
			defer wg.Done()
			statuses[i] = s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: map[string]any{
				"type": "training", "title": fmt.Sprintf("Module %d", i), "start_date": "2027-01-01", "cost_eur": 100}}).Status
		}()
	}
	wg.Wait()
	for _, st := range statuses {
		if st != http.StatusCreated {
			t.Fatalf("statuses = %v", statuses)
		}
	}
	got := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: tok})
	if len(got.get("actions").([]any)) != n || got.get("plan_revision") != float64(n) {
		t.Fatalf("after %d concurrent adds: %s", n, got.Raw)
	}
	var revs int64
	s.app.Store.DB.Model(&models.PlanRevision{}).Where("case_id = ?", id).Count(&revs)
	if revs != n {
		t.Fatalf("%d plan revisions, want %d", revs, n)
	}

	// Concurrent accept and cancel of one hand-off: exactly one wins.
	id2 := s.openCase(t, tok, "")
	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id2 + "/handoffs", token: tok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "x"}})
	hid := h.str("id")
	var accept, cancel int
	wg.Add(2)
	go func() {
		defer wg.Done()
		accept = s.do(t, call{method: "POST", path: "/api/v1/cases/" + id2 + "/handoffs/" + hid + "/accept", token: s.token(t, cap28)}).Status
	}()
	go func() {
		defer wg.Done()
		cancel = s.do(t, call{method: "POST", path: "/api/v1/cases/" + id2 + "/handoffs/" + hid + "/cancel", token: tok}).Status
	}()
	wg.Wait()
	if (accept == http.StatusOK) == (cancel == http.StatusOK) {
		t.Fatalf("accept %d, cancel %d: exactly one must win", accept, cancel)
	}
}

func TestTransitionRulesAndAccess(t *testing.T) {
	s := env(t)
	peTok, cioTok, capTok := s.token(t, pe), s.token(t, cio), s.token(t, cap28)

	// A structure that is not a CEP operator receives people but gives no level 2.
	atCIO := s.openCase(t, cioTok, "")
	p := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + atCIO + "/counselling", token: cioTok}), http.StatusForbidden)
	_ = p
	// Hand-off needs consent.
	noConsent := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: peTok, body: newCaseBody("jobseeker", false, false)}).str("id")
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + noConsent + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "x"}}), http.StatusConflict)
	if p.str("stage") != "reception" || !slices.Contains(fieldsOf(p), "consent.data_sharing") {
		t.Fatalf("consent conflict = %s", p.Raw)
	}
	// Unknown target structure is a field error.
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + noConsent + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "nowhere", "reason": "x"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"to_structure_id"}) {
		t.Fatalf("fields = %v", fieldsOf(p))
	}

	id := s.openCase(t, peTok, "")
	// Level 3 needs a project; straight from reception it needs a mature one.
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: peTok}), http.StatusConflict)
	if p.str("stage") != "reception" {
		t.Fatalf("conflict = %s", p.Raw)
	}
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: peTok, body: map[string]any{
		"target_occupation": "Boulanger", "autonomy": "low", "maturity": "emerging", "competences": []any{}}})
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: peTok}), http.StatusConflict)
	// Sessions belong to levels 2 and 3.
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/sessions", token: peTok,
		body: map[string]any{"date": "2026-11-20", "duration_minutes": 30, "mode": "phone", "summary": "x"}}), http.StatusConflict)
	// The referent must be an adviser of the holding structure.
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: peTok,
		body: map[string]any{"adviser_id": "adviser-cap-emploi-28"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"adviser_id"}) {
		t.Fatalf("fields = %v", fieldsOf(p))
	}

	// Pause blocks stage actions; resume restores them.
	paused := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: peTok, body: map[string]any{"reason": "Raisons de santé"}})
	if paused.get("paused") != true || paused.get("deadlines") == nil || len(paused.get("deadlines").([]any)) != 0 {
		t.Fatalf("paused = %s", paused.Raw)
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: peTok}), http.StatusConflict)
	if p.get("paused") != true || p.str("stage") != "reception" {
		t.Fatalf("paused conflict = %s", p.Raw)
	}
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: peTok, body: map[string]any{"reason": "again"}}), http.StatusConflict)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/resume", token: peTok})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: peTok})

	// Who may act: other structures get 404, supervisors 404 on reads, and 403 on actions
	// they can see but not take.
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: capTok, body: map[string]any{"reason": "x"}}), http.StatusNotFound)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: s.token(t, supervisor)}), http.StatusNotFound)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases", token: s.token(t, supervisor), body: newCaseBody("jobseeker", false, true)}), http.StatusForbidden)
	coordTok := s.token(t, coordinator)
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: coordTok})
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?stage=counselling&page_size=200", token: coordTok})
	found := false
	for _, it := range list.get("items").([]any) {
		if it.(map[string]any)["id"] == id {
			found = true
		}
		if it.(map[string]any)["stage"] != "counselling" {
			t.Fatalf("filter ignored: %v", it)
		}
	}
	if !found {
		t.Fatal("the coordinator does not see a case of its territory")
	}
	mine := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?page_size=200", token: cioTok})
	for _, it := range mine.get("items").([]any) {
		if it.(map[string]any)["structure_id"] != "cio-chartres" {
			t.Fatalf("the CIO sees another structure's case: %v", it)
		}
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases?paused=maybe", token: cioTok}), http.StatusBadRequest)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/not-a-uuid", token: cioTok}), http.StatusNotFound)

	// Decline goes back to the sender with its reason; re-orientation from counselling.
	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "apec-centre", "reason": "Profil cadre"}})
	p = problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + h.str("id") + "/decline", token: s.token(t, apec),
		body: map[string]any{"reason_code": "because"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"reason_code"}) {
		t.Fatalf("fields = %v", fieldsOf(p))
	}
	d := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + h.str("id") + "/decline", token: s.token(t, apec),
		body: map[string]any{"reason_code": "not_in_remit", "note": "Pas cadre"}})
	// The decliner no longer sees the case once it is back with the sender.
	if d.Status != http.StatusOK {
		t.Fatal(d.Raw)
	}
	back := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: peTok})
	if back.str("stage") != "counselling" || back.str("structure_id") != "pole-emploi-chartres" {
		t.Fatalf("after decline = %s", back.Raw)
	}
	hs := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/handoffs", token: peTok})
	if hs.str("items.0.status") != "declined" || hs.str("items.0.decline_reason") != "not_in_remit" {
		t.Fatalf("hand-offs = %s", hs.Raw)
	}
	inbox := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?case_id=" + id + "&kind=handoff_declined", token: peTok})
	if inbox.str("items.0.payload.reason_code") != "not_in_remit" {
		t.Fatalf("sender's inbox = %s", inbox.Raw)
	}

	// Withdrawal closes the case at the person's request.
	w := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/withdraw", token: peTok, body: map[string]any{"reason": "Ne souhaite pas poursuivre"}})
	if w.str("stage") != "closed" || w.str("outcome") != "withdrawn" {
		t.Fatalf("withdrawn = %s", w.Raw)
	}
}

// TestHandoffExpiry runs a real hand-off past its (shortened) deadlines on the real
// server: reminders, expiry, return to the sender, escalation, coordinator notified.
func TestHandoffExpiry(t *testing.T) {
	s := env(t)
	peTok := s.token(t, pe)
	id := s.openCase(t, peTok, s.shortBase)
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok, base: s.shortBase,
		body: map[string]any{"to_structure_id": "cio-chartres", "reason": "Orientation scolaire"}})
	var got response
	eventually(t, 30*time.Second, "the hand-off to expire", func() bool {
		got = s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: peTok})
		return got.get("escalated") == true
	})
	if got.str("stage") != "reception" || got.get("handoff") != nil || got.str("structure_id") != "pole-emploi-chartres" {
		t.Fatalf("after expiry = %s", got.Raw)
	}
	types := eventTypes(t, s, peTok, id)
	if !slices.Contains(types, "handoff_reminded") || !slices.Contains(types, "handoff_expired") {
		t.Fatalf("timeline = %v", types)
	}
	coord := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?case_id=" + id + "&kind=handoff_expired", token: s.token(t, coordinator)})
	foundCoordination := false
	for _, it := range coord.get("items").([]any) {
		if it.(map[string]any)["recipient_role"] == "coordinator" {
			foundCoordination = true
		}
	}
	if !foundCoordination {
		t.Fatalf("coordinator not notified: %s", coord.Raw)
	}
	hs := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/handoffs", token: peTok})
	if hs.str("items.0.status") != "expired" {
		t.Fatalf("hand-off = %s", hs.Raw)
	}
	eventually(t, 20*time.Second, "notifications to be delivered", func() bool {
		var undelivered int64
		s.app.Store.DB.Model(&models.Notification{}).Where("case_id = ? AND delivered_at IS NULL", id).Count(&undelivered)
		return undelivered == 0
	})
	recordHistory(t, s, id, "handoff_expired")
}

func TestContactSignal(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	s.must(t, http.StatusAccepted, call{method: "POST", path: "/api/v1/cases/" + id + "/contacts", token: tok, body: map[string]any{"channel": "email", "note": "a répondu"}})
	eventually(t, 10*time.Second, "the contact to be recorded", func() bool {
		return slices.Contains(eventTypes(t, s, tok, id), "contact_recorded")
	})
}
