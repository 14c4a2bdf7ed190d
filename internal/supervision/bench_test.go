package supervision

import (
	"context"
	"os"
	"slices"
	"strconv"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/testdb"
)

// BenchmarkStuckCases measures the stuck-case list on PostgreSQL with CEP_BENCH_CASES
// synthetic cases (default 100,000), against a baseline measured in the same run: a
// plain indexed page of 50 cases. Each sub-benchmark reports its p50 and p95 in
// milliseconds, and the stuck lists their p95 as a multiple of the baseline's.
//
//	go test ./internal/supervision -run '^$' -bench StuckCases -benchtime 200x
func BenchmarkStuckCases(b *testing.B) {
	n := 100000
	if v, err := strconv.Atoi(os.Getenv("CEP_BENCH_CASES")); err == nil && v > 0 {
		n = v
	}
	st := testdb.Open(b)
	ctx := context.Background()
	terrs := []string{"chartres"}
	for i := 1; i < 10; i++ {
		terrs = append(terrs, "synthetic-"+strconv.Itoa(i))
	}
	if err := SeedCases(ctx, st.DB, st.Dialect, SeedOptions{Count: n, Territories: terrs,
		Structures: []string{"pole-emploi-chartres", "cap-emploi-28", "cio-chartres", "apec-centre"}, Seed: 1}); err != nil {
		b.Fatal(err)
	}
	cfg := Defaults()
	now := time.Now().UTC()
	var baseP95 time.Duration
	run := func(name string, f func() error) {
		b.Run(name, func(b *testing.B) {
			var d []time.Duration
			for b.Loop() {
				start := time.Now()
				if err := f(); err != nil {
					b.Fatal(err)
				}
				d = append(d, time.Since(start))
			}
			slices.Sort(d)
			p := func(q float64) time.Duration { return d[max(int(q*float64(len(d)))-1, 0)] }
			b.ReportMetric(float64(p(0.5).Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(p(0.95).Microseconds())/1000, "p95-ms")
			if baseP95 == 0 {
				baseP95 = p(0.95)
			} else {
				b.ReportMetric(float64(p(0.95))/float64(baseP95), "p95/baseline")
			}
		})
	}
	run("baseline", func() error {
		var ids []string
		return st.DB.WithContext(ctx).Raw("SELECT id FROM cases WHERE territory_id = ? AND stage = 'counselling' ORDER BY created_at DESC LIMIT 50", "chartres").Scan(&ids).Error
	})
	run("territory", func() error {
		_, _, err := Stuck(ctx, st.DB, st.Dialect, now, cfg, Filter{TerritoryID: "chartres"})
		return err
	})
	run("region", func() error {
		_, _, err := Stuck(ctx, st.DB, st.Dialect, now, cfg, Filter{})
		return err
	})
}
