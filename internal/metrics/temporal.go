package metrics

import (
	"sort"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"
	"go.temporal.io/sdk/client"
)

// The Temporal SDK's metrics (the names it documents, e.g.
// temporal_workflow_task_execution_latency, temporal_activity_execution_failed) as
// Prometheus series: counters as counters, gauges as gauges, timers as histograms in
// seconds (suffix _seconds). Each name keeps the label set it was first used with:
// Prometheus needs one set per name; a missing tag becomes "", an extra one is dropped.

// TemporalHandler is the SDK's metrics handler, to set as client.Options.MetricsHandler.
func TemporalHandler() client.MetricsHandler { return sdkHandler{reg: sdk} }

var sdk = &sdkRegistry{metrics: map[string]*sdkMetric{}}

type sdkRegistry struct {
	mu      sync.Mutex
	metrics map[string]*sdkMetric
}

type sdkMetric struct {
	labels  []string
	counter *prometheus.CounterVec
	gauge   *prometheus.GaugeVec
	timer   *prometheus.HistogramVec
}

var timerBuckets = []float64{.001, .005, .01, .025, .05, .1, .25, .5, 1, 2.5, 5, 10, 30, 60}

func (r *sdkRegistry) get(kind, name string, tags map[string]string) *sdkMetric {
	name = strings.NewReplacer(".", "_", "-", "_").Replace(name)
	if kind == "timer" {
		name += "_seconds"
	}
	r.mu.Lock()
	defer r.mu.Unlock()
	if m, ok := r.metrics[name]; ok {
		return m
	}
	labels := make([]string, 0, len(tags))
	for k := range tags {
		labels = append(labels, k)
	}
	sort.Strings(labels)
	m := &sdkMetric{labels: labels}
	help := "Temporal SDK metric " + name + "."
	var c prometheus.Collector
	switch kind {
	case "counter":
		m.counter = prometheus.NewCounterVec(prometheus.CounterOpts{Name: name, Help: help}, labels)
		c = m.counter
	case "gauge":
		m.gauge = prometheus.NewGaugeVec(prometheus.GaugeOpts{Name: name, Help: help}, labels)
		c = m.gauge
	default:
		m.timer = prometheus.NewHistogramVec(prometheus.HistogramOpts{Name: name, Help: help, Buckets: timerBuckets}, labels)
		c = m.timer
	}
	if err := Registry.Register(c); err != nil {
		// A name of the SDK's clashing with one of ours would be a bug; keep going
		// without that series rather than fail the worker.
		m.counter, m.gauge, m.timer = nil, nil, nil
	}
	r.metrics[name] = m
	return m
}

func (m *sdkMetric) values(tags map[string]string) []string {
	v := make([]string, len(m.labels))
	for i, l := range m.labels {
		v[i] = tags[l]
	}
	return v
}

type sdkHandler struct {
	reg  *sdkRegistry
	tags map[string]string
}

func (h sdkHandler) WithTags(tags map[string]string) client.MetricsHandler {
	merged := make(map[string]string, len(h.tags)+len(tags))
	for k, v := range h.tags {
		merged[k] = v
	}
	for k, v := range tags {
		merged[k] = v
	}
	return sdkHandler{reg: h.reg, tags: merged}
}

func (h sdkHandler) Counter(name string) client.MetricsCounter {
	m := h.reg.get("counter", name, h.tags)
	if m.counter == nil {
		return client.MetricsNopHandler.Counter(name)
	}
	c := m.counter.WithLabelValues(m.values(h.tags)...)
	return counterFunc(func(d int64) { c.Add(float64(d)) })
}

func (h sdkHandler) Gauge(name string) client.MetricsGauge {
	m := h.reg.get("gauge", name, h.tags)
	if m.gauge == nil {
		return client.MetricsNopHandler.Gauge(name)
	}
	g := m.gauge.WithLabelValues(m.values(h.tags)...)
	return gaugeFunc(g.Set)
}

func (h sdkHandler) Timer(name string) client.MetricsTimer {
	m := h.reg.get("timer", name, h.tags)
	if m.timer == nil {
		return client.MetricsNopHandler.Timer(name)
	}
	o := m.timer.WithLabelValues(m.values(h.tags)...)
	return timerFunc(func(d time.Duration) { o.Observe(d.Seconds()) })
}

type counterFunc func(int64)

func (f counterFunc) Inc(d int64) { f(d) }

type gaugeFunc func(float64)

func (f gaugeFunc) Update(v float64) { f(v) }

type timerFunc func(time.Duration)

func (f timerFunc) Record(d time.Duration) { f(d) }
