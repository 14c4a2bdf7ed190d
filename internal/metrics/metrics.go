// Package metrics is cep's Prometheus instrumentation: HTTP requests by route and
// status, the Temporal SDK's own metrics (workflow task and activity latencies,
// failures), projection lag, the outbox's backlog and failures, stuck cases by reason,
// and rate-limit refusals. Everything goes to one registry, served at GET /metrics by
// the API and, for workers, on CEP_METRICS_ADDR. No label ever carries personal data or
// a case ID: routes are templates (/api/v1/cases/:id), not paths.
package metrics

import (
	"net/http"
	"strconv"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"github.com/prometheus/client_golang/prometheus/collectors"
	"github.com/prometheus/client_golang/prometheus/promhttp"
)

// Registry holds every metric of the process.
var Registry = prometheus.NewRegistry()

var (
	httpRequests = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cep_http_requests_total", Help: "HTTP requests answered, by route template, method and status.",
	}, []string{"route", "method", "status"})
	httpDuration = prometheus.NewHistogramVec(prometheus.HistogramOpts{
		Name: "cep_http_request_duration_seconds", Help: "Time to answer an HTTP request, by route template and method.",
		Buckets: []float64{.005, .01, .025, .05, .075, .1, .15, .2, .3, .5, 1, 2.5, 5, 10, 20},
	}, []string{"route", "method"})

	// ProjectionLag is the time from a change in a case workflow to its projection in
	// the database (observed when the projection is written).
	ProjectionLag = prometheus.NewHistogram(prometheus.HistogramOpts{
		Name: "cep_projection_lag_seconds", Help: "Time from a change in a case workflow to its projection in the database.",
		Buckets: []float64{.01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60, 300, 900},
	})
	// ProjectionFailures counts projection batches refused or failed (by kind:
	// "data" for a refusal of the data, "outage" otherwise).
	ProjectionFailures = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cep_projection_failures_total", Help: "Projection attempts that failed, by kind (data refused, outage).",
	}, []string{"kind"})
	// OutboxDeliveries counts notification deliveries by result ("delivered",
	// "failed").
	OutboxDeliveries = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cep_outbox_deliveries_total", Help: "Notification deliveries attempted, by result (delivered, failed).",
	}, []string{"result"})
	// RateLimitRefusals counts requests refused by a rate limiter, by route template
	// and limit name; a limiter increments it with
	// RateLimitRefusals.WithLabelValues(route, limit).Inc().
	RateLimitRefusals = prometheus.NewCounterVec(prometheus.CounterOpts{
		Name: "cep_rate_limit_refusals_total", Help: "Requests refused by a rate limit, by route template and limit.",
	}, []string{"route", "limit"})
	// OrphansRemoved counts personal-details rows of creations that never started,
	// removed by the sweep.
	OrphansRemoved = prometheus.NewCounter(prometheus.CounterOpts{
		Name: "cep_orphan_details_removed_total", Help: "Personal-details rows of creations whose workflow never started, removed by the sweep.",
	})
)

func init() {
	Registry.MustRegister(collectors.NewGoCollector(), collectors.NewProcessCollector(collectors.ProcessCollectorOpts{}),
		httpRequests, httpDuration, ProjectionLag, ProjectionFailures, OutboxDeliveries, RateLimitRefusals, OrphansRemoved)
}

// Handler serves the registry in the Prometheus text format.
func Handler() http.Handler {
	return promhttp.HandlerFor(Registry, promhttp.HandlerOpts{Registry: Registry})
}

// ObserveRequest records one answered HTTP request. route is the router's template
// ("" for unknown routes, recorded as "unmatched" so that random paths do not make
// new series).
func ObserveRequest(route, method string, status int, took time.Duration) {
	if route == "" {
		route = "unmatched"
	}
	httpRequests.WithLabelValues(route, method, strconv.Itoa(status)).Inc()
	httpDuration.WithLabelValues(route, method).Observe(took.Seconds())
}

// Serve serves GET /metrics on addr until the returned server is shut down; the
// listener error, if any, comes back at once.
func Serve(addr string) (*http.Server, string, error) {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", Handler())
	return serve(addr, mux)
}
