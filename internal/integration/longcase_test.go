package integration

import (
	"context"
	"fmt"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/workflows"
)

// TestLongCaseContinuesAsNew drives a case past its history limit on the real server:
// the workflow continues as new, carrying its state and the requests it processed.
func TestLongCaseContinuesAsNew(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, s.shortBase)
	first, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	firstRun := first.GetWorkflowExecutionInfo().GetExecution().GetRunId()
	s.must(t, http.StatusOK, call{method: "PUT", path: "/api/v1/cases/" + id + "/project", token: tok, body: map[string]any{
		"target_occupation": "Menuisier", "autonomy": "high", "maturity": "mature", "competences": []any{}}})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/implementation", token: tok})
	addKey := map[string]string{"Idempotency-Key": "first-action"}
	body := map[string]any{"type": "training", "title": "CAP menuisier", "start_date": "2027-01-01", "cost_eur": 3000}
	firstAction := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: body, headers: addKey})

	const n = 30
	for i := range n {
		s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: map[string]any{
			"type": "other", "title": fmt.Sprintf("Étape %d", i), "start_date": "2027-01-01", "cost_eur": 0}})
	}
	var runID string
	eventually(t, 20*time.Second, "the workflow to continue as new", func() bool {
		d, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
		if err != nil {
			t.Fatal(err)
		}
		runID = d.GetWorkflowExecutionInfo().GetExecution().GetRunId()
		return runID != firstRun
	})
	// The state went across, and the retried request is still recognised.
	again := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/actions", token: tok, body: body, headers: addKey})
	if got := len(again.get("case.actions").([]any)); got != n+1 {
		t.Fatalf("%d actions after continue-as-new, want %d", got, n+1)
	}
	if again.str("case.stage") != "implementation" || again.get("case.plan_revision") != float64(n+1) {
		t.Fatalf("state not carried: %s", again.Raw)
	}
	if firstAction.str("action.id") == "" {
		t.Fatal("no action id")
	}
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/close", token: tok, body: map[string]any{"outcome": "training"}})
	recordRun(t, s, id, firstRun, "continued_as_new")
}

// TestTemporalUnreachable answers 503 with Retry-After, and loses nothing: no case row
// is written without its workflow, and the same request succeeds once Temporal is back.
func TestTemporalUnreachable(t *testing.T) {
	s := env(t)
	dead, err := client.NewLazyClient(client.Options{HostPort: "127.0.0.1:1", Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	key, _ := auth.LoadKey("", s.app.Cfg.SigningKeyPath())
	verifier, _ := auth.NewVerifier(context.Background(), key, "", "", "")
	router := api.NewRouter(api.Deps{Store: s.app.Store, Temporal: dead, Verifier: verifier, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Settings: workflows.Settings{HandoffRemindAfter: time.Hour, HandoffExpireAfter: 2 * time.Hour,
			InactivityRemindAfter: time.Hour, HistoryEventsLimit: 1000}, UpdateTimeout: 3 * time.Second})
	srv := httptest.NewServer(router)
	defer srv.Close()
	tok := s.token(t, pe)
	hdr := map[string]string{"Idempotency-Key": fmt.Sprintf("offline-%d", time.Now().UnixNano())}
	r := s.do(t, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true), headers: hdr, base: srv.URL})
	problemOf(t, r, http.StatusServiceUnavailable)
	if r.Header.Get("Retry-After") == "" {
		t.Fatal("503 without Retry-After")
	}
	ready := s.do(t, call{method: "GET", path: "/readyz", base: srv.URL})
	if ready.Status != http.StatusServiceUnavailable || ready.str("checks.temporal") != "unreachable" {
		t.Fatalf("readyz = %d %s", ready.Status, ready.Raw)
	}
	// The retry, once Temporal answers, creates the case.
	created := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true), headers: hdr})
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + created.str("id"), token: tok})
}
