package integration

import (
	"context"
	"encoding/json"
	"fmt"
	"math"
	"net/http"
	"slices"
	"sort"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/workflows"
)

const chartres = "chartres"

// supCfg are stuck-case thresholds of seconds: reception cases are inactive after 2 s,
// counselling lasts at most 2 s, a pause 2 s; a workflow is a problem from the third
// attempt of a task, looked at once its deadline is 1 s late.
func supCfg() supervision.Config {
	return supervision.Config{
		InactiveAfter:    map[string]time.Duration{"reception": 2 * time.Second},
		StageDeadline:    map[string]time.Duration{"counselling": 2 * time.Second},
		PausedAfter:      2 * time.Second,
		ActivityAttempts: 3,
		ProbeGrace:       time.Second,
		ProbeTTL:         0,
	}
}

// supRouter serves the API on the shared store, worker and server, with cases opened
// with the given deadlines and the stuck-case thresholds of supCfg.
func (s *stack) supRouter(t *testing.T, remind, expire, inactivity time.Duration) string {
	t.Helper()
	verifier, err := auth.NewVerifier(context.Background(), s.key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	settings := s.app.Cfg
	st := workflows.Settings{HandoffRemindAfter: remind, HandoffExpireAfter: expire, InactivityRemindAfter: inactivity,
		HistoryEventsLimit: settings.HistoryEventsLimit, FundingReminderLead: settings.FundingReminderLead.D(),
		FundingAnswerAfter: settings.FundingAnswerAfter.D()}
	cfg := supCfg()
	srv := newServer(api.NewRouter(api.Deps{Store: s.app.Store, Temporal: s.app.Temporal, Verifier: verifier,
		Log: quietLogger(), TaskQueue: settings.TaskQueue, Settings: st, Supervision: &cfg, PseudonymKey: s.app.RefKey}))
	t.Cleanup(srv.Close)
	return srv.URL
}

// stuckItem finds a case in the stuck list (by ID for coordinators, by reference for
// the Région), or nil.
func stuckItem(r response, caseID string) map[string]any {
	items, _ := r.get("items").([]any)
	for _, it := range items {
		m := it.(map[string]any)
		if m["case_id"] == caseID || m["case_ref"] == supervision.Ref(shared.app.RefKey, caseID) {
			return m
		}
	}
	return nil
}

func reasonCodes(item map[string]any) []string {
	var out []string
	rs, _ := item["reasons"].([]any)
	for _, r := range rs {
		out = append(out, fmt.Sprint(r.(map[string]any)["code"]))
	}
	return out
}

func reasonSince(t *testing.T, item map[string]any, code string) time.Time {
	t.Helper()
	rs, _ := item["reasons"].([]any)
	for _, r := range rs {
		m := r.(map[string]any)
		if m["code"] == code {
			ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(m["since"]))
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
	}
	t.Fatalf("no reason %s in %v", code, item)
	return time.Time{}
}

// waitStuck polls the list filtered by reason until the case shows up with it.
func (s *stack) waitStuck(t *testing.T, base, token, caseID, reason string, within time.Duration) map[string]any {
	t.Helper()
	var item map[string]any
	eventually(t, within, caseID+" listed as "+reason, func() bool {
		r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&reason=" + reason, token: token, base: base})
		item = stuckItem(r, caseID)
		return item != nil
	})
	if !slices.Contains(reasonCodes(item), reason) {
		t.Fatalf("%s listed without %s: %v", caseID, reason, item)
	}
	return item
}

func (s *stack) events(t *testing.T, token, caseID string) []map[string]any {
	t.Helper()
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + caseID + "/events", token: token})
	var out []map[string]any
	for _, it := range r.get("items").([]any) {
		out = append(out, it.(map[string]any))
	}
	return out
}

func eventAt(t *testing.T, evs []map[string]any, typ string) time.Time {
	t.Helper()
	for _, e := range evs {
		if e["type"] == typ {
			ts, err := time.Parse(time.RFC3339Nano, fmt.Sprint(e["at"]))
			if err != nil {
				t.Fatal(err)
			}
			return ts
		}
	}
	t.Fatalf("no %s event", typ)
	return time.Time{}
}

func near(a, b time.Time) bool { return a.Sub(b).Abs() < 2*time.Millisecond }

// TestStuckCases produces each reason with a real scenario (deadlines of seconds), checks
// the list's access rules, filters and order, and coordination's three actions.
func TestStuckCases(t *testing.T) {
	s := env(t)
	peTok, cioTok, capTok := s.token(t, pe), s.token(t, cio), s.token(t, cap28)
	coordTok, supTok, adminTok := s.token(t, coordinator), s.token(t, supervisor), s.token(t, admin)
	slow := s.supRouter(t, time.Second, 10*time.Minute, time.Hour)    // hand-offs overdue after 1 s, expiring after 10 min
	expiring := s.supRouter(t, time.Second, 3*time.Second, time.Hour) // hand-offs expiring after 3 s
	failing := s.supRouter(t, time.Hour, 2*time.Hour, 3*time.Second)  // the workflow's inactivity deadline after 3 s
	list := slow

	// handoff_overdue: pending past its reminder.
	overdue := s.openCase(t, peTok, slow)
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + overdue + "/handoffs", token: peTok, base: slow,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}})
	// handoff_expired: back from an expired hand-off, escalated.
	expired := s.openCase(t, peTok, expiring)
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + expired + "/handoffs", token: peTok, base: expiring,
		body: map[string]any{"to_structure_id": "apec-centre", "reason": "cadre"}})
	// stage_overdue: in counselling longer than its 2 s.
	longStage := s.openCase(t, peTok, slow)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + longStage + "/counselling", token: peTok, base: slow})
	// inactive: nothing happens at reception for more than 2 s.
	inactive := s.openCase(t, peTok, slow)
	// paused_too_long.
	paused := s.openCase(t, peTok, slow)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + paused + "/pause", token: peTok, base: slow,
		body: map[string]any{"reason": "santé"}})
	// financing_shortfall: a 6000 EUR training nobody funds raises the financing alert.
	short := s.openCase(t, peTok, slow)
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + short + "/project", token: peTok, base: slow,
		body: map[string]any{"target_occupation": "Aide-soignante", "autonomy": "medium", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + short + "/implementation", token: peTok, base: slow})
	start := time.Now().UTC().AddDate(0, 8, 0)
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + short + "/actions", token: peTok, base: slow,
		body: map[string]any{"type": "training", "title": "DEAS", "start_date": start.Format(time.DateOnly), "cost_eur": 6000}})
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + short + "/situation", token: peTok, base: slow,
		body: map[string]any{"employment_status": "inactive", "cpf_balance_eur": 0, "contract_type": "none"}})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + short + "/financing-plan", token: peTok, base: slow})
	// workflow_problem: its projection fails (a trigger refuses its events) once its
	// inactivity deadline fires, and the activity retries.
	broken := s.openCase(t, peTok, failing)
	trigger := "cep_test_fail_" + strings.ReplaceAll(broken[:8], "-", "")
	db := s.app.Store.DB
	if err := db.Exec(`CREATE OR REPLACE FUNCTION cep_test_fail_projection() RETURNS trigger AS $$
		BEGIN RAISE EXCEPTION 'test: projection refused'; END; $$ LANGUAGE plpgsql`).Error; err != nil {
		t.Fatal(err)
	}
	if err := db.Exec(fmt.Sprintf(`CREATE TRIGGER %s BEFORE INSERT ON case_events FOR EACH ROW
		WHEN (NEW.case_id = '%s') EXECUTE FUNCTION cep_test_fail_projection()`, trigger, broken)).Error; err != nil {
		t.Fatal(err)
	}
	dropped := false
	drop := func() {
		if !dropped {
			dropped = true
			if err := db.Exec("DROP TRIGGER IF EXISTS " + trigger + " ON case_events").Error; err != nil {
				t.Error(err)
			}
		}
	}
	t.Cleanup(drop)

	it := s.waitStuck(t, list, coordTok, overdue, supervision.ReasonHandoffOverdue, 15*time.Second)
	if since := reasonSince(t, it, supervision.ReasonHandoffOverdue); !near(since, eventAt(t, s.events(t, peTok, overdue), "handoff_reminded")) {
		t.Errorf("handoff_overdue since %s, want the first reminder", since)
	}
	it = s.waitStuck(t, list, coordTok, expired, supervision.ReasonHandoffExpired, 15*time.Second)
	if since := reasonSince(t, it, supervision.ReasonHandoffExpired); !near(since, eventAt(t, s.events(t, peTok, expired), "handoff_expired")) {
		t.Errorf("handoff_expired since %s, want the expiry", since)
	}
	it = s.waitStuck(t, list, coordTok, longStage, supervision.ReasonStageOverdue, 15*time.Second)
	if since := reasonSince(t, it, supervision.ReasonStageOverdue); !near(since, eventAt(t, s.events(t, peTok, longStage), "counselling_started")) {
		t.Errorf("stage_overdue since %s, want the start of counselling", since)
	}
	if slices.Contains(reasonCodes(it), supervision.ReasonInactive) {
		t.Errorf("counselling has no inactivity threshold here, yet %v", reasonCodes(it))
	}
	it = s.waitStuck(t, list, coordTok, inactive, supervision.ReasonInactive, 15*time.Second)
	if slices.Contains(reasonCodes(it), supervision.ReasonStageOverdue) {
		t.Errorf("reception has no stage deadline here, yet %v", reasonCodes(it))
	}
	it = s.waitStuck(t, list, coordTok, paused, supervision.ReasonPausedTooLong, 15*time.Second)
	if since := reasonSince(t, it, supervision.ReasonPausedTooLong); !near(since, eventAt(t, s.events(t, peTok, paused), "paused")) {
		t.Errorf("paused_too_long since %s, want the pause", since)
	}
	if slices.Contains(reasonCodes(it), supervision.ReasonInactive) {
		t.Errorf("a paused case is not inactive: %v", reasonCodes(it))
	}
	s.waitStuck(t, list, coordTok, short, supervision.ReasonFinancingShortfall, 15*time.Second)
	it = s.waitStuck(t, list, coordTok, broken, supervision.ReasonWorkflowProblem, 40*time.Second)
	if it["stage"] != "reception" {
		t.Errorf("broken case = %v", it)
	}
	// Repaired, the projection goes through and the problem leaves the list.
	drop()
	eventually(t, 90*time.Second, "the broken case's projection to go through", func() bool {
		return slices.Contains(eventTypes(t, s, peTok, broken), "inactivity_reminded")
	})
	eventually(t, 10*time.Second, "the workflow problem to clear", func() bool {
		r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&reason=workflow_problem", token: coordTok, base: list})
		return stuckItem(r, broken) == nil
	})

	// Access: coordinators see names, the Région pseudonymous references, advisers nothing.
	coordList := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200", token: coordTok, base: list})
	if coordList.get("pseudonymised") != false {
		t.Errorf("coordinator list pseudonymised: %s", coordList.Raw)
	}
	if c := stuckItem(coordList, inactive); c == nil || c["first_name"] != "Camille" || c["last_name"] != "Exemple" || c["case_id"] != inactive {
		t.Errorf("coordinator item = %v", c)
	}
	supList := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200", token: supTok, base: list})
	if supList.get("pseudonymised") != true || strings.Contains(string(supList.Raw), "Camille") || strings.Contains(string(supList.Raw), inactive) {
		t.Errorf("the Région's list carries personal details or case IDs: %s", supList.Raw)
	}
	if c := stuckItem(supList, inactive); c == nil || c["case_ref"] != supervision.Ref(shared.app.RefKey, inactive) || c["first_name"] != nil || c["case_id"] != nil {
		t.Errorf("supervisor item = %v", c)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/stuck-cases", token: peTok, base: list}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/stuck-cases", token: adminTok, base: list}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/stuck-cases?territory=elsewhere", token: coordTok, base: list}), http.StatusForbidden)
	if r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?territory=elsewhere", token: supTok, base: list}); r.get("total") != float64(0) {
		t.Errorf("unknown territory lists %v", r.get("total"))
	}
	for q, field := range map[string]string{"reason=bogus": "reason", "stage=closed": "stage", "min_age=soon": "min_age", "page_size=500": "page_size"} {
		p := problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/stuck-cases?" + q, token: coordTok, base: list}), http.StatusBadRequest)
		if !slices.Equal(fieldsOf(p), []string{field}) {
			t.Errorf("%s: fields %v, want %s", q, fieldsOf(p), field)
		}
	}
	// Reading names is audited.
	var audited int64
	db.Table("audit_log").Where("case_id = ? AND user_id = ? AND what = ?", inactive, "coordinator-chartres", "supervision.stuck-cases").Count(&audited)
	if audited == 0 {
		t.Error("the coordinator's stuck list is not in the audit trail")
	}
	var supAudited int64
	db.Table("audit_log").Where("user_id = ?", "supervisor-region").Count(&supAudited)
	if supAudited != 0 {
		t.Errorf("the pseudonymous list recorded %d reads of personal details", supAudited)
	}

	// Oldest first, and filters.
	var prev time.Time
	for i, x := range coordList.get("items").([]any) {
		since, _ := time.Parse(time.RFC3339Nano, fmt.Sprint(x.(map[string]any)["since"]))
		if i > 0 && since.Before(prev) {
			t.Fatalf("item %d since %s before %s: not oldest first", i, since, prev)
		}
		prev = since
	}
	byStage := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&stage=counselling", token: coordTok, base: list})
	if stuckItem(byStage, longStage) == nil || stuckItem(byStage, inactive) != nil {
		t.Errorf("stage filter: %s", byStage.Raw)
	}
	for _, x := range byStage.get("items").([]any) {
		if x.(map[string]any)["stage"] != "counselling" {
			t.Errorf("stage filter let through %v", x)
		}
	}
	byStructure := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&structure_id=cap-emploi-28", token: coordTok, base: list})
	if stuckItem(byStructure, overdue) == nil || stuckItem(byStructure, inactive) != nil {
		t.Errorf("structure filter (holder or hand-off target): %s", byStructure.Raw)
	}
	old := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&min_age=1h", token: coordTok, base: list})
	if stuckItem(old, inactive) != nil {
		t.Errorf("min_age=1h lists a case stuck for seconds")
	}
	paged := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=2&page=1", token: coordTok, base: list})
	if n := len(paged.get("items").([]any)); n != 2 || paged.get("total").(float64) < 7 {
		t.Errorf("page of 2: %d items, total %v", n, paged.get("total"))
	}

	// Coordination acts, as itself.
	sup := "/api/v1/supervision/cases/"
	problemOf(t, s.do(t, call{method: "POST", path: sup + inactive + "/remind", token: peTok, base: list}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "POST", path: sup + inactive + "/remind", token: supTok, base: list}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "POST", path: sup + "8d0c6b57-6a1e-4a31-9d7e-1c2b3a4d5e6f/remind", token: coordTok, base: list}), http.StatusNotFound)
	s.must(t, http.StatusOK, call{method: "POST", path: sup + inactive + "/remind", token: coordTok, base: list,
		body: map[string]any{"reason": "merci de rappeler la personne"}})
	evs := s.events(t, peTok, inactive)
	last := evs[len(evs)-1]
	if last["type"] != "supervisor_reminded" || last["actor_id"] != "coordinator-chartres" || last["actor_role"] != "coordinator" {
		t.Errorf("last event after remind = %v", last)
	}
	var reminders int64
	db.Table("notifications").Where("case_id = ? AND kind = ? AND recipient_structure_id = ?", inactive, workflows.NotifySupervisorReminder, "pole-emploi-chartres").Count(&reminders)
	if reminders != 1 {
		t.Errorf("%d supervisor reminders in the outbox, want 1", reminders)
	}
	s.waitStuck(t, list, coordTok, inactive, supervision.ReasonInactive, 5*time.Second) // a reminder is not activity

	p := problemOf(t, s.do(t, call{method: "POST", path: sup + overdue + "/reassign", token: coordTok, base: list, body: map[string]any{}}), http.StatusBadRequest)
	if !slices.Contains(fieldsOf(p), "to_structure_id") || !slices.Contains(fieldsOf(p), "reason") {
		t.Errorf("reassign without body: fields %v", fieldsOf(p))
	}
	p = problemOf(t, s.do(t, call{method: "POST", path: sup + overdue + "/reassign", token: coordTok, base: list,
		body: map[string]any{"to_structure_id": "nowhere", "reason": "x"}}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"to_structure_id"}) {
		t.Errorf("reassign to an unknown structure: fields %v", fieldsOf(p))
	}
	problemOf(t, s.do(t, call{method: "POST", path: sup + inactive + "/reassign", token: coordTok, base: list,
		body: map[string]any{"to_structure_id": "cio-chartres", "reason": "x"}}), http.StatusConflict)
	re := s.must(t, http.StatusOK, call{method: "POST", path: sup + overdue + "/reassign", token: coordTok, base: list,
		body: map[string]any{"to_structure_id": "cio-chartres", "reason": "Cap emploi ne répond pas"}, headers: map[string]string{"Idempotency-Key": "reassign-1"}})
	if re.str("handoff.to_structure_id") != "cio-chartres" || re.str("handoff.status") != "pending" || re.str("stage") != "handoff" {
		t.Fatalf("after reassign: %s", re.Raw)
	}
	var statuses []string
	db.Table("handoffs").Where("case_id = ?", overdue).Order("requested_at").Pluck("to_structure_id || ':' || status", &statuses)
	if !slices.Equal(statuses, []string{"cap-emploi-28:cancelled", "cio-chartres:pending"}) {
		t.Errorf("hand-offs after reassign = %v", statuses)
	}
	// The new target may now answer; the old one may not see the case any more.
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + overdue, token: capTok}), http.StatusNotFound)
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + overdue, token: cioTok})

	tb := s.must(t, http.StatusOK, call{method: "POST", path: sup + expired + "/take-back", token: coordTok, base: list,
		body: map[string]any{"structure_id": "cap-emploi-28", "reason": "reprise par la coordination"}})
	if tb.str("structure_id") != "cap-emploi-28" || tb.get("escalated") != false || tb.str("stage") != "reception" {
		t.Fatalf("after take-back: %s", tb.Raw)
	}
	after := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&reason=handoff_expired", token: coordTok, base: list})
	if stuckItem(after, expired) != nil {
		t.Errorf("a case taken back is still listed as expired")
	}
	types := eventTypes(t, s, capTok, expired)
	if types[len(types)-1] != "case_taken_back" {
		t.Errorf("timeline after take-back: %v", types)
	}
	problemOf(t, s.do(t, call{method: "POST", path: sup + expired + "/take-back", token: coordTok, base: list,
		body: map[string]any{"reason": "x"}}), http.StatusBadRequest)
}

// TestAuditTrail: reads of a person's file and changes to it, who and from which
// request; the trail cannot be rewritten.
func TestAuditTrail(t *testing.T) {
	s := env(t)
	peTok, coordTok, adminTok, supTok := s.token(t, pe), s.token(t, coordinator), s.token(t, admin), s.token(t, supervisor)
	id := s.openCase(t, peTok, "")
	// The client's X-Request-ID is kept apart; the trail quotes the server's own ID.
	r1 := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: peTok, headers: map[string]string{"X-Request-ID": "audit-read-0001"}})
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/synthesis", token: peTok})
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?page_size=5", token: peTok})
	r2 := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/events", token: coordTok, headers: map[string]string{"X-Request-ID": "audit-read-0002"}})
	r3 := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: peTok, body: map[string]any{"reason": "r"},
		headers: map[string]string{"X-Request-ID": "audit-change-0003"}})
	for _, r := range []response{r1, r2, r3} {
		if rid := r.Header.Get("X-Request-ID"); rid == "" || strings.HasPrefix(rid, "audit-") {
			t.Errorf("the answer's request ID is %q: the client chose it", rid)
		}
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: supTok}), http.StatusNotFound)

	tr := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/audit", token: coordTok})
	type entry struct{ action, what, user, role, structure, request, client string }
	var got []entry
	for _, x := range tr.get("items").([]any) {
		m := x.(map[string]any)
		client, _ := m["client_request_id"].(string)
		got = append(got, entry{fmt.Sprint(m["action"]), fmt.Sprint(m["what"]), fmt.Sprint(m["user_id"]), fmt.Sprint(m["role"]),
			fmt.Sprint(m["structure_id"]), fmt.Sprint(m["request_id"]), client})
	}
	want := []entry{
		{"read", "cases", "adviser-pole-emploi-chartres", "adviser", "pole-emploi-chartres", r1.Header.Get("X-Request-ID"), "audit-read-0001"},
		{"read", "cases.synthesis", "adviser-pole-emploi-chartres", "adviser", "pole-emploi-chartres", "", ""},
		{"read", "cases.list", "adviser-pole-emploi-chartres", "adviser", "pole-emploi-chartres", "", ""},
		{"read", "cases.events", "coordinator-chartres", "coordinator", "pole-emploi-chartres", r2.Header.Get("X-Request-ID"), "audit-read-0002"},
		{"change", "case_opened", "adviser-pole-emploi-chartres", "adviser", "pole-emploi-chartres", "", ""},
		{"change", "paused", "adviser-pole-emploi-chartres", "adviser", "pole-emploi-chartres", r3.Header.Get("X-Request-ID"), ""},
	}
	for _, w := range want {
		found := slices.ContainsFunc(got, func(g entry) bool {
			return g.action == w.action && g.what == w.what && g.user == w.user && g.role == w.role && g.structure == w.structure &&
				(w.request == "" || g.request == w.request) && (w.client == "" || g.client == w.client)
		})
		if !found {
			t.Errorf("audit trail lacks %+v:\n%v", w, got)
		}
	}
	for _, g := range got {
		if strings.HasPrefix(g.request, "audit-") {
			t.Errorf("the trail quotes a client's request ID as its own: %+v", g)
		}
	}
	for _, g := range got {
		if g.user == "supervisor-region" {
			t.Errorf("a refused read was recorded: %+v", g)
		}
	}
	if names, _ := tr.get("items.0.user_name").(string); names == "" {
		t.Errorf("audit items carry no user name: %s", tr.Raw)
	}
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/audit", token: adminTok})
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/audit", token: peTok}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/audit", token: supTok}), http.StatusForbidden)

	// Append-only, whatever the caller.
	db := s.app.Store.DB
	var before int64
	db.Table("audit_log").Where("case_id = ?", id).Count(&before)
	for _, stmt := range []string{"UPDATE audit_log SET what = 'nothing' WHERE case_id = ?", "DELETE FROM audit_log WHERE case_id = ?"} {
		err := db.Exec(stmt, id).Error
		if err == nil || !strings.Contains(err.Error(), "append-only") {
			t.Errorf("%s: err = %v, want the append-only refusal", stmt, err)
		}
	}
	var after int64
	db.Table("audit_log").Where("case_id = ?", id).Count(&after)
	if after != before {
		t.Errorf("audit rows %d -> %d", before, after)
	}
}

// rawEvent is a case_events row read straight from the database.
type rawEvent struct {
	CaseID      string
	Type        string
	StructureID string
	At          time.Time
	Details     string
	Gender      string
	AgeBand     string
}

func nearestRank(v []float64, p float64) float64 {
	if len(v) == 0 {
		return 0
	}
	s := slices.Clone(v)
	sort.Float64s(s)
	i := int(math.Ceil(p/100*float64(len(s)))) - 1
	return s[max(i, 0)]
}

// TestIndicatorsAgreeWithEvents recomputes the indicators of a closed period from the
// raw timeline rows and compares them with the API, then checks the yearly report.
func TestIndicatorsAgreeWithEvents(t *testing.T) {
	s := env(t)
	peTok, capTok, cioTok := s.token(t, pe), s.token(t, cap28), s.token(t, cio)
	coordTok, supTok := s.token(t, coordinator), s.token(t, supervisor)
	yearStart := time.Date(time.Now().UTC().Year(), 1, 1, 0, 0, 0, 0, time.UTC)

	// Some activity of every kind.
	a := s.openCase(t, peTok, "")
	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + a + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + a + "/handoffs/" + h + "/accept", token: capTok})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + a + "/counselling", token: capTok})
	time.Sleep(300 * time.Millisecond) // a measurable time in counselling
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + a + "/close", token: capTok, body: map[string]any{"outcome": "training"}})
	b := s.openCase(t, peTok, "")
	h = s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + b + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cio-chartres", "reason": "élève"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + b + "/handoffs/" + h + "/decline", token: cioTok,
		body: map[string]any{"reason_code": "no_capacity"}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + b + "/pause", token: peTok, body: map[string]any{"reason": "r"}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + b + "/resume", token: peTok})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + b + "/withdraw", token: peTok, body: map[string]any{"reason": "r"}})

	// A period that has ended: everything in it is projected by the time we read.
	to := time.Now().UTC()
	time.Sleep(1500 * time.Millisecond)
	from := yearStart
	q := fmt.Sprintf("/api/v1/supervision/indicators?territory=%s&from=%s&to=%s", chartres, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))
	// The coordination sees its territory in full (the Région's view is masked, below).
	r := s.must(t, http.StatusOK, call{method: "GET", path: q, token: coordTok})
	var ind supervision.Indicators
	if err := json.Unmarshal(r.Raw, &ind); err != nil {
		t.Fatal(err)
	}
	if len(ind.Territories) != 1 || ind.Territories[0].TerritoryID != chartres {
		t.Fatalf("territories = %s", r.Raw)
	}
	got := ind.Territories[0]

	// The independent computation, from raw rows.
	var evs []rawEvent
	if err := s.app.Store.DB.Raw(`SELECT e.case_id, e.type, e.structure_id, e.at, e.details, c.gender, c.age_band
		FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.territory_id = ? AND e.at >= ? AND e.at < ? ORDER BY e.case_id, e.seq`, chartres, from, to).Scan(&evs).Error; err != nil {
		t.Fatal(err)
	}
	var requestedAt = map[string]time.Time{}
	var allRequests []rawEvent
	if err := s.app.Store.DB.Raw(`SELECT e.case_id, e.type, e.at, e.details FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.territory_id = ? AND e.type = 'handoff_requested'`, chartres).Scan(&allRequests).Error; err != nil {
		t.Fatal(err)
	}
	detail := func(e rawEvent) map[string]any {
		var d map[string]any
		_ = json.Unmarshal([]byte(e.Details), &d)
		return d
	}
	for _, e := range allRequests {
		requestedAt[fmt.Sprint(detail(e)["handoff_id"])] = e.At
	}
	want := struct {
		newCases, sent, accepted, declined, expired, cancelled, withdrawals, pauses int
		byChannel, byPublic, byGender, byAge, levels, declinedBy, outcomes          map[string]int
		newByStructure                                                              map[string]int
		hours                                                                       []float64
	}{byChannel: map[string]int{}, byPublic: map[string]int{}, byGender: map[string]int{}, byAge: map[string]int{},
		levels: map[string]int{}, declinedBy: map[string]int{}, outcomes: map[string]int{}, newByStructure: map[string]int{}}
	for _, e := range evs {
		d := detail(e)
		switch e.Type {
		case "case_opened":
			want.newCases++
			want.newByStructure[e.StructureID]++
			want.byChannel[fmt.Sprint(d["channel"])]++
			want.byPublic[fmt.Sprint(d["public"])]++
			want.byGender[e.Gender]++
			want.byAge[e.AgeBand]++
			want.levels["reception"]++
		case "counselling_started":
			want.levels["counselling"]++
		case "implementation_started":
			want.levels["implementation"]++
		case "handoff_requested":
			want.sent++
		case "handoff_accepted", "handoff_declined":
			if e.Type == "handoff_accepted" {
				want.accepted++
			} else {
				want.declined++
				want.declinedBy[fmt.Sprint(d["reason_code"])]++
			}
			if req, ok := requestedAt[fmt.Sprint(d["handoff_id"])]; ok {
				want.hours = append(want.hours, e.At.Sub(req).Hours())
			}
		case "handoff_expired":
			want.expired++
		case "handoff_cancelled":
			want.cancelled++
		case "closed":
			want.outcomes[fmt.Sprint(d["outcome"])]++
		case "withdrawn":
			want.outcomes["withdrawn"]++
			want.withdrawals++
		case "paused":
			want.pauses++
		}
	}
	if want.newCases < 2 || want.accepted < 1 || want.declined < 1 || want.withdrawals < 1 {
		t.Fatalf("the scenario's own activity is missing from the raw rows: %+v", want)
	}
	eqInt := func(what string, got supervision.Count, want int) {
		if int(got) != want {
			t.Errorf("%s = %d, recomputed %d", what, got, want)
		}
	}
	eqMap := func(what string, got supervision.Counts, want map[string]int) {
		for k, v := range want {
			if got[k] != supervision.Count(v) {
				t.Errorf("%s[%s] = %d, recomputed %d", what, k, got[k], v)
			}
		}
		for k, v := range got {
			if supervision.Count(want[k]) != v {
				t.Errorf("%s[%s] = %d, recomputed %d", what, k, v, want[k])
			}
		}
	}
	tot := got.Totals
	eqInt("new cases", tot.NewCases.Total, want.newCases)
	eqMap("by channel", tot.NewCases.ByChannel, want.byChannel)
	eqMap("by public", tot.NewCases.ByPublic, want.byPublic)
	eqMap("by gender", tot.NewCases.ByGender, want.byGender)
	eqMap("by age band", tot.NewCases.ByAgeBand, want.byAge)
	for _, lvl := range []string{"reception", "counselling", "implementation"} {
		eqInt("entries into "+lvl, tot.LevelEntries[lvl], want.levels[lvl])
	}
	eqInt("hand-offs sent", tot.Handoffs.Sent, want.sent)
	eqInt("hand-offs accepted", tot.Handoffs.Accepted, want.accepted)
	eqInt("hand-offs declined", tot.Handoffs.Declined, want.declined)
	eqMap("declined by reason", tot.Handoffs.DeclinedByReason, want.declinedBy)
	eqInt("hand-offs expired", tot.Handoffs.Expired, want.expired)
	eqInt("hand-offs cancelled", tot.Handoffs.Cancelled, want.cancelled)
	eqMap("outcomes", tot.Outcomes, want.outcomes)
	eqInt("withdrawals", tot.Withdrawals, want.withdrawals)
	eqInt("pauses", tot.Pauses, want.pauses)
	eqInt("decisions timed", tot.Handoffs.TimeToDecision.Count, len(want.hours))
	for _, c := range []struct {
		name string
		got  float64
		p    float64
	}{{"median", tot.Handoffs.TimeToDecision.MedianHours, 50}, {"p90", tot.Handoffs.TimeToDecision.P90Hours, 90}} {
		if w := nearestRank(want.hours, c.p); math.Abs(c.got-w) > 0.001 {
			t.Errorf("time to decision %s = %v h, recomputed %v h", c.name, c.got, w)
		}
	}
	var plans, shortfalls int64
	s.app.Store.DB.Raw(`SELECT COUNT(*) FROM financing_plans fp JOIN cases c ON c.id = fp.case_id
		WHERE c.territory_id = ? AND fp.created_at >= ? AND fp.created_at < ?`, chartres, from, to).Scan(&plans)
	s.app.Store.DB.Raw(`SELECT COUNT(*) FROM financing_plans fp JOIN cases c ON c.id = fp.case_id
		WHERE c.territory_id = ? AND fp.created_at >= ? AND fp.created_at < ? AND fp.shortfall`, chartres, from, to).Scan(&shortfalls)
	eqInt("financing plans", tot.Financing.PlansComputed, int(plans))
	eqInt("shortfalls", tot.Financing.Shortfalls, int(shortfalls))
	var sumNew supervision.Count
	for _, st := range got.Structures {
		eqInt("new cases of "+st.StructureID, st.NewCases.Total, want.newByStructure[st.StructureID])
		sumNew += st.NewCases.Total
	}
	eqInt("new cases over structures", sumNew, want.newCases)
	if ts := tot.TimeInStage["counselling"]; ts.Cases < 1 || ts.TotalDays <= 0 {
		t.Errorf("time in counselling = %+v", ts)
	}

	// The Région gets whole days and no count from 1 to 4: "<5" instead.
	sr := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/indicators?territory=%s&from=%s&to=%s",
		chartres, from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano)), token: supTok})
	var sind supervision.Indicators
	if err := json.Unmarshal(sr.Raw, &sind); err != nil {
		t.Fatal(err)
	}
	if !sind.SmallCountsMasked || !sind.From.Equal(from.Truncate(24*time.Hour)) || !sind.To.Equal(to.Truncate(24*time.Hour).Add(24*time.Hour)) {
		t.Errorf("the Région's period is %s to %s (masked %v), want whole days around %s to %s", sind.From, sind.To, sind.SmallCountsMasked, from, to)
	}
	assertMasked(t, sr.Raw)
	if tot.Handoffs.Declined >= 1 && tot.Handoffs.Declined <= 4 && !strings.Contains(strings.ReplaceAll(string(sr.Raw), `\u003c`, "<"), `"declined":"<5"`) {
		t.Errorf("the Région sees %d declined hand-offs: %s", tot.Handoffs.Declined, sr.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/indicators", token: peTok}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/indicators?territory=elsewhere", token: coordTok}), http.StatusForbidden)
	p := problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/indicators?from=yesterday", token: supTok}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"from"}) {
		t.Errorf("fields = %v", fieldsOf(p))
	}

	// The yearly report: new cases and closures only come from requests, so they are
	// stable while the test reads them.
	year := time.Now().UTC().Year()
	var opened, closures int64
	var outcomes []struct {
		Type    string
		Details string
	}
	s.app.Store.DB.Raw(`SELECT COUNT(*) FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.territory_id = ? AND e.type = 'case_opened' AND e.at >= ?`, chartres, yearStart).Scan(&opened)
	s.app.Store.DB.Raw(`SELECT e.type, e.details FROM case_events e JOIN cases c ON c.id = e.case_id
		WHERE c.territory_id = ? AND e.type IN ('closed', 'withdrawn') AND e.at >= ?`, chartres, yearStart).Scan(&outcomes)
	closures = int64(len(outcomes))
	rep := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/annual-report?territory=%s&year=%d", chartres, year), token: coordTok})
	var ar supervision.AnnualReport
	if err := json.Unmarshal(rep.Raw, &ar); err != nil {
		t.Fatal(err)
	}
	eqInt("report new cases", ar.Totals.NewCases.Total, int(opened))
	var monthsNew, monthsClosed supervision.Count
	for _, m := range ar.Months {
		monthsNew += m.NewCases
		monthsClosed += m.Closures
	}
	eqInt("report new cases over months", monthsNew, int(opened))
	eqInt("report closures over months", monthsClosed, int(closures))
	var outcomeSum supervision.Count
	for _, v := range ar.Totals.Outcomes {
		outcomeSum += v
	}
	eqInt("report outcomes", outcomeSum, int(closures))

	supRep := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/annual-report?territory=%s&year=%d", chartres, year), token: supTok})
	assertMasked(t, supRep.Raw)
	csvRep := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/annual-report?territory=%s&year=%d&format=csv", chartres, year), token: coordTok})
	if ct := csvRep.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/csv") {
		t.Errorf("CSV content type %q", ct)
	}
	if !strings.Contains(string(csvRep.Raw), fmt.Sprintf("territory,,new_cases,total,%d\n", opened)) ||
		!strings.HasPrefix(string(csvRep.Raw), "section,structure_id,indicator,key,value\n") {
		t.Errorf("CSV report:\n%s", csvRep.Raw)
	}
	// The spreadsheet of French habits, as the console downloads it.
	frCSV := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/annual-report?territory=%s&year=%d&format=csv-fr", chartres, year), token: coordTok})
	if !strings.HasPrefix(string(frCSV.Raw), "\ufeffPérimètre;Structure;Indicateur;Détail;Valeur\n") ||
		!strings.Contains(string(frCSV.Raw), fmt.Sprintf(";Nouveaux dossiers;Total;%d\n", opened)) {
		t.Errorf("French CSV report:\n%s", frCSV.Raw)
	}
	html := s.must(t, http.StatusOK, call{method: "GET", path: fmt.Sprintf("/api/v1/supervision/annual-report?year=%d", year), token: coordTok,
		headers: map[string]string{"Accept": "text/html"}})
	if ct := html.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") || !strings.Contains(string(html.Raw), "<svg") ||
		!strings.Contains(string(html.Raw), "Bilan d'activité annuel") {
		t.Errorf("HTML report (%s): %.400s", ct, html.Raw)
	}
	byAccept := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/annual-report", token: coordTok, headers: map[string]string{"Accept": "text/csv"}})
	if !strings.HasPrefix(byAccept.Header.Get("Content-Type"), "text/csv") {
		t.Errorf("Accept: text/csv gave %s", byAccept.Header.Get("Content-Type"))
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/annual-report?territory=chartres", token: peTok}), http.StatusForbidden)
	p = problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/annual-report", token: supTok}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"territory"}) {
		t.Errorf("fields = %v", fieldsOf(p))
	}
	p = problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/annual-report?territory=chartres&format=pdf", token: supTok}), http.StatusBadRequest)
	if !slices.Equal(fieldsOf(p), []string{"format"}) {
		t.Errorf("fields = %v", fieldsOf(p))
	}
}

// TestWorkflowTaskFailuresAreListed: a case whose workflow task keeps failing (here, a
// workflow type no worker knows, as after a bad deployment) and whose deadline passed is
// listed as a workflow problem from its pending workflow task's attempts.
func TestWorkflowTaskFailuresAreListed(t *testing.T) {
	s := env(t)
	coordTok := s.token(t, coordinator)
	list := s.supRouter(t, time.Hour, 2*time.Hour, time.Hour)
	id := "5f0e4c2a-9b7d-4e61-8a3f-" + fmt.Sprintf("%012d", time.Now().UnixNano()%1e12)
	now := time.Now().UTC()
	if err := s.app.Store.DB.Exec(`INSERT INTO cases (id, territory_id, structure_id, stage, channel, public, gender, age_band,
		created_by, created_at, updated_at, last_activity_at, version, state, entered_stage, stage_entered_at, due_at)
		VALUES (?, 'chartres', 'pole-emploi-chartres', 'reception', 'phone', 'other', 'undisclosed', '26_44', 'test', ?, ?, ?, 1, '{}', 'reception', ?, ?)`,
		id, now, now, now, now, now.Add(-time.Minute)).Error; err != nil {
		t.Fatal(err)
	}
	ctx := context.Background()
	run, err := s.app.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: workflows.WorkflowID(id), TaskQueue: s.app.Cfg.TaskQueue},
		"CaseFromAFutureVersion", "not a case")
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = s.app.Temporal.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over") })
	it := s.waitStuck(t, list, coordTok, id, supervision.ReasonWorkflowProblem, 60*time.Second)
	if since := reasonSince(t, it, supervision.ReasonWorkflowProblem); since.After(time.Now()) || since.Before(now.Add(-2*time.Minute)) {
		t.Errorf("workflow_problem since %s", since)
	}
	// Terminated, it is no problem any more.
	if err := s.app.Temporal.TerminateWorkflow(ctx, run.GetID(), run.GetRunID(), "test over"); err != nil {
		t.Fatal(err)
	}
	eventually(t, 10*time.Second, "the problem to clear", func() bool {
		r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/stuck-cases?page_size=200&reason=workflow_problem", token: coordTok, base: list})
		return stuckItem(r, id) == nil
	})
}

// assertMasked checks that no count from 1 to 4 appears in an indicators document
// (every integer of it is a count, a year or 0).
func assertMasked(t *testing.T, raw []byte) {
	t.Helper()
	var doc any
	if err := json.Unmarshal(raw, &doc); err != nil {
		t.Fatal(err)
	}
	var walk func(path string, v any)
	walk = func(path string, v any) {
		switch x := v.(type) {
		case map[string]any:
			for k, e := range x {
				walk(path+"."+k, e)
			}
		case []any:
			for i, e := range x {
				walk(fmt.Sprintf("%s[%d]", path, i), e)
			}
		case float64:
			if x >= 1 && x <= 4 && x == math.Trunc(x) && !strings.HasSuffix(path, "_hours") && !strings.HasSuffix(path, "_days") {
				t.Errorf("%s = %v shown to the Région", path, x)
			}
		}
	}
	walk("", doc)
}
