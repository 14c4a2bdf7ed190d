package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"testing"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/workflows"
)

// lockedBuffer collects log lines written from the server's goroutines.
type lockedBuffer struct {
	mu  sync.Mutex
	buf bytes.Buffer
}

func (b *lockedBuffer) Write(p []byte) (int, error) {
	b.mu.Lock()
	defer b.mu.Unlock()
	return b.buf.Write(p)
}

func (b *lockedBuffer) lines(t *testing.T) []map[string]any {
	b.mu.Lock()
	defer b.mu.Unlock()
	var out []map[string]any
	for _, l := range strings.Split(strings.TrimSpace(b.buf.String()), "\n") {
		var m map[string]any
		if err := json.Unmarshal([]byte(l), &m); err != nil {
			t.Fatalf("log line is not JSON: %s", l)
		}
		out = append(out, m)
	}
	return out
}

// TestRequestLogsCarryCaseAndRun: a request about a case logs its request ID, the case
// and the workflow run it reached (the creation too, whose route names no case), and
// never the person's details.
func TestRequestLogsCarryCaseAndRun(t *testing.T) {
	s := env(t)
	logs := &lockedBuffer{}
	cfg := s.app.Cfg
	key, _ := auth.LoadKey("", cfg.SigningKeyPath())
	verifier, _ := auth.NewVerifier(context.Background(), key, "", "", "")
	srv := newServer(api.NewRouter(api.Deps{Store: s.app.Store, Temporal: s.app.Temporal, Verifier: verifier,
		Log: slog.New(slog.NewJSONHandler(logs, nil)), TaskQueue: cfg.TaskQueue, Settings: app.Settings(cfg)}))
	defer srv.Close()

	tok := s.token(t, pe)
	id := s.openCase(t, tok, srv.URL)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: tok, base: srv.URL,
		body: map[string]any{"reason": "Congé"}})
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: tok, base: srv.URL})
	desc, err := s.app.Temporal.DescribeWorkflowExecution(context.Background(), workflows.WorkflowID(id), "")
	if err != nil {
		t.Fatal(err)
	}
	run := desc.GetWorkflowExecutionInfo().GetExecution().GetRunId()

	found := map[string]map[string]any{}
	for _, l := range logs.lines(t) {
		if l["msg"] == "request" {
			found[l["method"].(string)+" "+l["route"].(string)] = l
		}
	}
	for _, route := range []string{"POST /api/v1/cases", "POST /api/v1/cases/:id/pause"} {
		l := found[route]
		if l == nil || l["case_id"] != id || l["run_id"] != run || l["request_id"] == nil || l["request_id"] == "" {
			t.Errorf("%s logged %v; want case_id %s, run_id %s and a request_id", route, l, id, run)
		}
	}
	// A read reaches no workflow: it names the case, not a run.
	if l := found["GET /api/v1/cases/:id"]; l == nil || l["case_id"] != id {
		t.Errorf("GET /cases/:id logged %v", l)
	}
	logs.mu.Lock()
	defer logs.mu.Unlock()
	for _, personal := range []string{"Camille", "Exemple", "camille@example.test", "1988-06-15"} {
		if strings.Contains(logs.buf.String(), personal) {
			t.Errorf("the logs carry personal data (%q)", personal)
		}
	}
}
