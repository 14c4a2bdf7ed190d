package integration

import (
	"io"
	"net/http"
	"strings"
	"testing"
)

// TestMetrics: GET /metrics on the API serves, in the Prometheus format, the HTTP
// requests by route template, the Temporal SDK's metrics, the projection lag, the
// outbox and the stuck cases by reason, and no case ID.
func TestMetrics(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true)}).str("id")
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: tok})
	resp, err := http.Get(s.base + "/metrics")
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	out := string(b)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("GET /metrics: %d", resp.StatusCode)
	}
	for _, want := range []string{
		`cep_http_requests_total{method="POST",route="/api/v1/cases",status="201"}`,
		`cep_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cases/:id",le=`,
		"temporal_workflow_task_execution_latency_seconds_bucket",
		"temporal_activity_execution_latency_seconds_bucket",
		"temporal_request_latency_seconds_bucket",
		"cep_projection_lag_seconds_count",
		"cep_outbox_backlog",
		`cep_stuck_cases{reason="inactive"}`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("GET /metrics has no %s", want)
		}
	}
	if strings.Contains(out, id) {
		t.Error("a case ID is in the metrics")
	}
}
