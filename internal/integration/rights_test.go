package integration

import (
	"encoding/json"
	"fmt"
	"net/http"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/store"
)

// markedCase opens a case at the structure of token's user for a person named by
// marker, with consent to sharing.
func (s *stack) markedCase(t *testing.T, token, marker string, consent bool) string {
	t.Helper()
	body := newCaseBody("jobseeker", true, consent)
	b := body["beneficiary"].(map[string]any)
	b["first_name"], b["last_name"], b["email"] = "Prénom"+marker, marker, strings.ToLower(marker)+"@example.test"
	body["request"] = "Demande de " + marker
	return s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: token, body: body}).str("id")
}

// tablesWith answers the tables of the application database with a row whose text
// holds marker, after a VACUUM (PostgreSQL).
func (s *stack) tablesWith(t *testing.T, st *store.Store, marker string) []string {
	t.Helper()
	if err := st.DB.Exec("VACUUM").Error; err != nil {
		t.Fatal(err)
	}
	var tables []string
	if err := st.DB.Raw("SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'").Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, table := range tables {
		var n int64
		if err := st.DB.Raw(fmt.Sprintf(`SELECT COUNT(*) FROM %q x WHERE x::text LIKE ?`, table), "%"+marker+"%").Scan(&n).Error; err != nil {
			t.Fatal(err)
		}
		if n > 0 {
			found = append(found, table)
		}
	}
	return found
}

// TestAccessAndRectification: the person's copy of their data (JSON and the French
// page), who may ask for it, and a rectification the timeline names without values.
func TestAccessAndRectification(t *testing.T) {
	s := env(t)
	capTok, cioTok, coordTok := s.token(t, cap28), s.token(t, cio), s.token(t, coordinator)
	marker := "Acces" + strings.ReplaceAll(uuid.NewString()[:8], "-", "")
	id := s.markedCase(t, capTok, marker, true)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: capTok})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/sessions", token: capTok,
		body: map[string]any{"date": "2026-11-20", "duration_minutes": 45, "mode": "phone", "summary": "Entretien " + marker}})

	exp := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/export", token: capTok})
	if exp.str("case.beneficiary.last_name") != marker || exp.str("case.request") != "Demande de "+marker ||
		exp.str("sessions.0.summary") != "Entretien "+marker || exp.str("consents.0.source") != "reception" || exp.get("consents.0.data_sharing") != true {
		t.Fatalf("export = %s", exp.Raw)
	}
	var sawExport bool
	for _, it := range exp.get("audit").([]any) {
		a := it.(map[string]any)
		sawExport = sawExport || (a["what"] == "cases.export" && a["user_id"] == "adviser-cap-emploi-28")
	}
	if !sawExport || len(exp.get("events").([]any)) < 3 || exp.get("notifications") == nil || exp.get("financing_plans") == nil {
		t.Fatalf("the export lacks its own audit line, the timeline or a section: %s", exp.Raw)
	}
	page := s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/export", token: capTok, headers: map[string]string{"Accept": "text/html"}})
	if page.Status != http.StatusOK || !strings.HasPrefix(page.Header.Get("Content-Type"), "text/html") ||
		!strings.Contains(string(page.Raw), "Vos données personnelles") || !strings.Contains(string(page.Raw), marker) ||
		!strings.Contains(string(page.Raw), "Qui a consulté ou modifié votre dossier") {
		t.Fatalf("export page: %d %s", page.Status, page.Raw)
	}
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/export", token: coordTok})
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/export", token: cioTok}), http.StatusNotFound)
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + "/export", token: s.token(t, supervisor)}), http.StatusNotFound)

	// Rectification: checked as at reception, the timeline names the fields only.
	p := problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: capTok,
		body: map[string]any{"postal_code": "28A00", "email": "nope"}}), http.StatusBadRequest)
	if got := fieldsOf(p); !slices.Contains(got, "postal_code") || !slices.Contains(got, "email") {
		t.Fatalf("invalid rectification fields = %v: %s", got, p.Raw)
	}
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: capTok, body: map[string]any{"unknown": 1}}), http.StatusBadRequest)
	problemOf(t, s.do(t, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: capTok, body: map[string]any{}}), http.StatusBadRequest)
	rect := s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: capTok,
		headers: map[string]string{"Idempotency-Key": "rect-1"}, body: map[string]any{"phone": "0611223344", "postal_code": "28100", "public": "employee"}})
	if rect.str("beneficiary.phone") != "0611223344" || rect.str("beneficiary.postal_code") != "28100" || rect.str("beneficiary.public") != "employee" {
		t.Fatalf("rectified = %s", rect.Raw)
	}
	// The retry applies nothing more.
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: capTok,
		headers: map[string]string{"Idempotency-Key": "rect-1"}, body: map[string]any{"phone": "0611223344", "postal_code": "28100", "public": "employee"}})
	var rectified []map[string]any
	for _, e := range s.events(t, capTok, id) {
		if e["type"] == "beneficiary_rectified" {
			rectified = append(rectified, e)
		}
	}
	if len(rectified) != 1 {
		t.Fatalf("%d rectification events, want 1", len(rectified))
	}
	raw, _ := json.Marshal(rectified[0])
	if fields := fmt.Sprint(rectified[0]["details"].(map[string]any)["fields"]); fields != "[phone postal_code public]" ||
		rectified[0]["actor_id"] != "adviser-cap-emploi-28" || strings.Contains(string(raw), "0611223344") || strings.Contains(string(raw), "28100") {
		t.Fatalf("rectification event = %s: it names the fields, the actor, never the values", raw)
	}
	var public string
	s.app.Store.DB.Raw("SELECT public FROM cases WHERE id = ?", id).Scan(&public)
	if public != "jobseeker" {
		t.Errorf("the case's public is %q after rectification: the case keeps the categories of reception", public)
	}
	// A closed case is rectified too: the service writes the timeline line.
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/close", token: capTok, body: map[string]any{"outcome": "job"}})
	s.must(t, http.StatusOK, call{method: "PATCH", path: "/api/v1/cases/" + id + "/beneficiary", token: coordTok, body: map[string]any{"email": "autre@example.test"}})
	evs := s.events(t, capTok, id)
	last := evs[len(evs)-1]
	if last["type"] != "beneficiary_rectified" || fmt.Sprint(last["details"].(map[string]any)["fields"]) != "[email]" || last["actor_role"] != "coordinator" {
		t.Fatalf("last event of the closed case = %v", last)
	}
}

// TestConsentWithdrawal: withdrawing cancels the pending hand-off, ends the target's
// access and forbids new hand-offs; giving it again allows them; the ledger dates each.
func TestConsentWithdrawal(t *testing.T) {
	s := env(t)
	peTok, capTok := s.token(t, pe), s.token(t, cap28)
	id := s.markedCase(t, peTok, "Consent"+uuid.NewString()[:8], true)
	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}})
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: capTok})
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/consent", token: peTok, body: map[string]any{"note": "x"}}), http.StatusBadRequest)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/consent", token: capTok, body: map[string]any{"data_sharing": false}}), http.StatusForbidden)

	w := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/consent", token: peTok,
		headers: map[string]string{"Idempotency-Key": "withdraw-1"}, body: map[string]any{"data_sharing": false, "note": "Retrait par courrier"}})
	if w.get("consent.data_sharing") != false || w.get("handoff") != nil || w.str("stage") != "reception" {
		t.Fatalf("after withdrawal = %s", w.Raw)
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: capTok}), http.StatusNotFound)
	hs := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/handoffs", token: peTok})
	if hs.str("items.0.id") != h.str("id") || hs.str("items.0.status") != "cancelled" {
		t.Fatalf("hand-offs after withdrawal = %s", hs.Raw)
	}
	p := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "x"}}), http.StatusConflict)
	if !slices.Equal(fieldsOf(p), []string{"consent.data_sharing"}) {
		t.Fatalf("hand-off without consent: %s", p.Raw)
	}
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/consent", token: peTok, body: map[string]any{"data_sharing": true}})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH, consentement redonné"}})
	ledger := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/consent", token: peTok})
	items := ledger.get("items").([]any)
	got := []string{}
	for _, it := range items {
		m := it.(map[string]any)
		got = append(got, fmt.Sprintf("%v:%v", m["source"], m["data_sharing"]))
		if m["at"] == "" || m["actor_id"] != "adviser-pole-emploi-chartres" {
			t.Errorf("ledger entry without date or actor: %v", m)
		}
	}
	if !slices.Equal(got, []string{"reception:true", "change:false", "change:true"}) || ledger.str("items.1.note") != "Retrait par courrier" {
		t.Fatalf("ledger = %s", ledger.Raw)
	}
}

// TestErasure: who may erase, the case ends, nothing personal stays in any table after
// a VACUUM, the case answers 410, and the indicators count it as before.
func TestErasure(t *testing.T) {
	s := env(t)
	capTok, peTok, coordTok := s.token(t, cap28), s.token(t, pe), s.token(t, coordinator)
	from := time.Now().UTC().Add(-time.Second)
	marker := "Efface" + strings.ReplaceAll(uuid.NewString(), "-", "")
	id := s.markedCase(t, capTok, marker, true)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/counselling", token: capTok})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/sessions", token: capTok,
		body: map[string]any{"date": "2026-11-20", "duration_minutes": 45, "mode": "phone", "summary": "Synthèse " + marker}})
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: capTok, body: map[string]any{
		"target_occupation": "Métier " + marker, "autonomy": "medium", "maturity": "mature",
		"competences": []any{map[string]any{"label": "Compétence " + marker}}}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: capTok, body: map[string]any{"note": "Note " + marker}})
	s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: capTok, body: map[string]any{
		"type": "training", "title": "Formation " + marker, "provider": "Organisme " + marker, "start_date": "2027-01-10", "cost_eur": 3000}})
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/situation", token: capTok, body: map[string]any{
		"employment_status": "jobseeker", "jobseeker_registered": true, "oeth": true, "cpf_balance_eur": 1234}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: capTok, body: map[string]any{"reason": "Pause " + marker}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/resume", token: capTok})
	s.must(t, http.StatusAccepted, call{method: "POST", path: "/api/v1/cases/" + id + "/contacts", token: capTok, body: map[string]any{"channel": "phone", "note": "Appel " + marker}})
	eventually(t, 10*time.Second, "the contact in the timeline", func() bool { return slices.Contains(eventTypes(t, s, capTok, id), "contact_recorded") })
	// A closed case of the same period: the indicators must not change when it is erased.
	closed := s.markedCase(t, capTok, "Ferme"+marker, true)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + closed + "/close", token: capTok, body: map[string]any{"outcome": "information_given", "note": "Fin " + marker}})
	to := time.Now().UTC().Add(time.Second)
	time.Sleep(1100 * time.Millisecond)
	indicators := func() string {
		r := s.must(t, http.StatusOK, call{method: "GET", token: coordTok, path: fmt.Sprintf("/api/v1/supervision/indicators?from=%s&to=%s",
			from.Format(time.RFC3339Nano), to.Format(time.RFC3339Nano))})
		delete(r.Body, "generated_at")
		b, _ := json.Marshal(r.Body)
		return string(b)
	}
	before := indicators()
	// The yearly report counts the people received and the levels they reached.
	report := func() string {
		r := s.must(t, http.StatusOK, call{method: "GET", token: coordTok, path: fmt.Sprintf("/api/v1/supervision/annual-report?year=%d", from.Year())})
		var ar struct {
			Totals struct {
				NewCases     json.RawMessage `json:"new_cases"`
				LevelEntries json.RawMessage `json:"level_entries"`
			} `json:"totals"`
		}
		if err := json.Unmarshal(r.Raw, &ar); err != nil {
			t.Fatal(err)
		}
		return string(ar.Totals.NewCases) + string(ar.Totals.LevelEntries)
	}
	reportBefore := report()
	if tables := s.tablesWith(t, s.app.Store, marker); len(tables) == 0 {
		t.Fatal("the marker is nowhere before the erasure: the search finds nothing")
	}

	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/erase", token: capTok, body: map[string]any{"reason": "x"}}), http.StatusForbidden)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/erase", token: coordTok, body: map[string]any{}}), http.StatusBadRequest)
	er := s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/erase", token: coordTok, body: map[string]any{"reason": "Demande de la personne du 20/11"}})
	if er.str("case_id") != id || er.str("erased_at") == "" {
		t.Fatalf("erasure = %s", er.Raw)
	}
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + closed + "/erase", token: s.token(t, admin), body: map[string]any{"reason": "Demande"}})
	for _, path := range []string{"", "/events", "/export", "/consent"} {
		p := problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id + path, token: capTok}), http.StatusGone)
		if !strings.Contains(p.str("type"), "gone") {
			t.Errorf("GET %s: %s", path, p.Raw)
		}
	}
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/erase", token: coordTok, body: map[string]any{"reason": "again"}}), http.StatusGone)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: capTok, body: map[string]any{"reason": "x"}}), http.StatusGone)
	// The workflow ended the case.
	var row struct {
		Stage, Outcome, ErasureReason string
	}
	s.app.Store.DB.Raw("SELECT stage, outcome, erasure_reason FROM cases WHERE id = ?", id).Scan(&row)
	if row.Stage != "closed" || row.Outcome != "erased" || row.ErasureReason != "Demande de la personne du 20/11" {
		t.Fatalf("erased case row = %+v", row)
	}
	desc, err := s.app.Temporal.DescribeWorkflowExecution(t.Context(), "case-"+id, "")
	if err != nil || desc.WorkflowExecutionInfo.Status.String() != "Completed" {
		t.Fatalf("the case's workflow after the erasure: %v %v", desc, err)
	}
	if tables := s.tablesWith(t, s.app.Store, marker); len(tables) > 0 {
		t.Fatalf("after the erasure and a VACUUM, tables %v still hold the person's data", tables)
	}
	// Lists no longer show it; the audit (coordination) still says who erased and why.
	list := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases?page_size=200", token: capTok})
	if strings.Contains(string(list.Raw), id) {
		t.Error("the erased case is still listed")
	}
	audit := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/audit", token: coordTok})
	var erased bool
	for _, it := range audit.get("items").([]any) {
		m := it.(map[string]any)
		erased = erased || (m["action"] == "erase" && m["user_id"] == "coordinator-chartres" && m["what"] == "Demande de la personne du 20/11")
	}
	if !erased {
		t.Errorf("the audit does not say who erased and why: %s", audit.Raw)
	}
	if after := indicators(); after != before {
		t.Errorf("indicators changed with the erasure:\nbefore %s\nafter  %s", before, after)
	}
	if after := report(); after != reportBefore {
		t.Errorf("the yearly report's counts changed with the erasure:\nbefore %s\nafter  %s", reportBefore, after)
	}
	_ = peTok
}
