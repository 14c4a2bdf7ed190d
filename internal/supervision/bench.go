package supervision

import (
	"context"
	"fmt"
	"io"
	"slices"
	"time"

	"gorm.io/gorm"
)

// Timing is the latency distribution of one query.
type Timing struct {
	Name     string
	Runs     int
	P50, P95 time.Duration
}

func measure(name string, runs int, f func() error) (Timing, error) {
	d := make([]time.Duration, 0, runs)
	for i := 0; i < runs; i++ {
		start := time.Now()
		if err := f(); err != nil {
			return Timing{}, fmt.Errorf("%s: %w", name, err)
		}
		d = append(d, time.Since(start))
	}
	slices.Sort(d)
	pick := func(p float64) time.Duration { return d[max(int(p*float64(len(d)))-1, 0)] }
	return Timing{Name: name, Runs: runs, P50: pick(0.50), P95: pick(0.95)}, nil
}

// Bench measures the stuck-case list against a baseline run in the same process on the
// same data: a plain indexed page of 50 cases of a territory, newest first.
func Bench(ctx context.Context, db *gorm.DB, dialect string, cfg Config, territory string, runs int) ([]Timing, error) {
	now := time.Now().UTC()
	var out []Timing
	type row struct {
		ID    string
		Stage string
	}
	// Warm up the pool and the caches for every query alike.
	for i := 0; i < 5; i++ {
		var rows []row
		if err := db.WithContext(ctx).Raw("SELECT id, stage FROM cases WHERE territory_id = ? ORDER BY created_at DESC LIMIT 50", territory).Scan(&rows).Error; err != nil {
			return nil, err
		}
		if _, _, err := Stuck(ctx, db, dialect, now, cfg, Filter{TerritoryID: territory}); err != nil {
			return nil, err
		}
	}
	for _, q := range []struct {
		name string
		f    func() error
	}{
		{"baseline: SELECT ... WHERE territory_id ORDER BY created_at DESC LIMIT 50", func() error {
			var rows []row
			return db.WithContext(ctx).Raw("SELECT id, stage, structure_id, created_at FROM cases WHERE territory_id = ? AND stage = 'counselling' ORDER BY created_at DESC LIMIT 50", territory).Scan(&rows).Error
		}},
		{"stuck cases, one territory (coordinator), page 1", func() error {
			_, _, err := Stuck(ctx, db, dialect, now, cfg, Filter{TerritoryID: territory})
			return err
		}},
		{"stuck cases, every territory (Région), page 1", func() error {
			_, _, err := Stuck(ctx, db, dialect, now, cfg, Filter{})
			return err
		}},
		{"stuck cases, every territory, reason=inactive, page 20", func() error {
			_, _, err := Stuck(ctx, db, dialect, now, cfg, Filter{Reason: ReasonInactive, Page: 20})
			return err
		}},
		{"stuck cases, one territory, stage=handoff, min_age=30d", func() error {
			_, _, err := Stuck(ctx, db, dialect, now, cfg, Filter{TerritoryID: territory, Stage: "handoff", MinAge: 30 * 24 * time.Hour})
			return err
		}},
	} {
		t, err := measure(q.name, runs, q.f)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, nil
}

// PrintBench writes the timings and their ratio to the baseline (the first one).
func PrintBench(w io.Writer, cases int64, ts []Timing) {
	fmt.Fprintf(w, "cases in the database: %d\n", cases)
	fmt.Fprintf(w, "%-62s %6s %10s %10s %8s\n", "query", "runs", "p50", "p95", "p95/base")
	for _, t := range ts {
		fmt.Fprintf(w, "%-62.62s %6d %10s %10s %7.1fx\n", t.Name, t.Runs, t.P50.Round(10*time.Microsecond),
			t.P95.Round(10*time.Microsecond), float64(t.P95)/float64(ts[0].P95))
	}
}
