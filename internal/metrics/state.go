package metrics

import (
	"context"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
)

// The state gauges are read from the database at scrape time, at most every
// stateFresh: the outbox's backlog and oldest undelivered notification, and the stuck
// cases by reason (the supervision list's own queries, one count per reason).
const stateFresh = 30 * time.Second

var (
	outboxBacklogDesc = prometheus.NewDesc("cep_outbox_backlog",
		"Notifications not yet delivered.", nil, nil)
	outboxOldestDesc = prometheus.NewDesc("cep_outbox_oldest_undelivered_age_seconds",
		"Age of the oldest notification not yet delivered (0 when none).", nil, nil)
	stuckDesc = prometheus.NewDesc("cep_stuck_cases",
		"Open cases needing a supervisor, by reason (a case may have several).", []string{"reason"}, nil)
)

// state reads the gauges of one database; the last Watch wins (a process serves one
// deployment; tests may start several).
type state struct {
	mu     sync.Mutex
	store  *store.Store
	cfg    supervision.Config
	at     time.Time
	cached []prometheus.Metric
}

var watched = &state{}

func init() { Registry.MustRegister(watched) }

// Watch makes the state gauges read st, with the stuck-case thresholds cfg.
func Watch(st *store.Store, cfg supervision.Config) {
	watched.mu.Lock()
	defer watched.mu.Unlock()
	watched.store, watched.cfg, watched.at, watched.cached = st, cfg, time.Time{}, nil
}

func (s *state) Describe(ch chan<- *prometheus.Desc) {
	ch <- outboxBacklogDesc
	ch <- outboxOldestDesc
	ch <- stuckDesc
}

func (s *state) Collect(ch chan<- prometheus.Metric) {
	s.mu.Lock()
	defer s.mu.Unlock()
	if s.store == nil {
		return
	}
	if time.Since(s.at) > stateFresh {
		if ms, err := s.read(); err == nil {
			s.cached, s.at = ms, time.Now()
		}
	}
	for _, m := range s.cached {
		ch <- m
	}
}

func (s *state) read() ([]prometheus.Metric, error) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	db := s.store.DB.WithContext(ctx)
	var backlog int64
	if err := db.Model(&models.Notification{}).Where("delivered_at IS NULL").Count(&backlog).Error; err != nil {
		return nil, err
	}
	var oldest models.Notification
	age := 0.0
	if backlog > 0 {
		if err := db.Where("delivered_at IS NULL").Order("created_at").Limit(1).Take(&oldest).Error; err == nil {
			age = time.Since(oldest.CreatedAt).Seconds()
		}
	}
	out := []prometheus.Metric{
		prometheus.MustNewConstMetric(outboxBacklogDesc, prometheus.GaugeValue, float64(backlog)),
		prometheus.MustNewConstMetric(outboxOldestDesc, prometheus.GaugeValue, age),
	}
	now := time.Now().UTC()
	for _, reason := range supervision.Reasons {
		_, total, err := supervision.Stuck(ctx, s.store.DB.WithContext(ctx), s.store.Dialect, now, s.cfg, supervision.Filter{Reason: reason, PageSize: 1})
		if err != nil {
			return nil, err
		}
		out = append(out, prometheus.MustNewConstMetric(stuckDesc, prometheus.GaugeValue, float64(total), reason))
	}
	return out, nil
}
