package metrics

import (
	"io"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/internal/testdb"
)

func scrape(t *testing.T) string {
	t.Helper()
	w := httptest.NewRecorder()
	Handler().ServeHTTP(w, httptest.NewRequest("GET", "/metrics", nil))
	b, _ := io.ReadAll(w.Body)
	return string(b)
}

// The SDK's metrics become Prometheus series with their tags as labels (timers as
// histograms in seconds); a later use of the same name with other tags keeps the first
// label set; HTTP requests are counted by route template and status.
func TestSeries(t *testing.T) {
	h := TemporalHandler().WithTags(map[string]string{"namespace": "default", "task_queue": "cep-cases"})
	h.Counter("temporal_test_failures").Inc(2)
	h.WithTags(map[string]string{"operation": "x"}).Counter("temporal_test_failures").Inc(1)
	h.Timer("temporal_test_latency").Record(150 * time.Millisecond)
	h.Gauge("temporal_test_slots").Update(3)
	ObserveRequest("/api/v1/cases/:id", "GET", 200, 20*time.Millisecond)
	ObserveRequest("", "GET", 404, time.Millisecond)
	RateLimitRefusals.WithLabelValues("/api/v1/cases", "per_user").Inc()
	out := scrape(t)
	for _, want := range []string{
		`temporal_test_failures{namespace="default",task_queue="cep-cases"} 3`,
		`temporal_test_latency_seconds_count{namespace="default",task_queue="cep-cases"} 1`,
		`temporal_test_slots{namespace="default",task_queue="cep-cases"} 3`,
		`cep_http_requests_total{method="GET",route="/api/v1/cases/:id",status="200"} 1`,
		`cep_http_requests_total{method="GET",route="unmatched",status="404"} 1`,
		`cep_http_request_duration_seconds_bucket{method="GET",route="/api/v1/cases/:id",le="0.025"} 1`,
		`cep_rate_limit_refusals_total{limit="per_user",route="/api/v1/cases"} 1`,
	} {
		if !strings.Contains(out, want) {
			t.Errorf("no %s in\n%s", want, grepCep(out))
		}
	}
}

// The state gauges read the database: the outbox backlog and a count per stuck reason.
func TestStateGauges(t *testing.T) {
	st := testdb.Open(t)
	Watch(st, supervision.Defaults())
	defer Watch(nil, supervision.Config{})
	out := scrape(t)
	if !strings.Contains(out, "cep_outbox_backlog 0") {
		t.Errorf("no outbox backlog in\n%s", grepCep(out))
	}
	for _, r := range supervision.Reasons {
		if !strings.Contains(out, `cep_stuck_cases{reason="`+r+`"} 0`) {
			t.Errorf("no stuck count for %s in\n%s", r, grepCep(out))
		}
	}
}

func grepCep(out string) string {
	var b strings.Builder
	for _, l := range strings.Split(out, "\n") {
		if strings.HasPrefix(l, "cep_") || strings.HasPrefix(l, "temporal_") {
			b.WriteString(l + "\n")
		}
	}
	return b.String()
}
