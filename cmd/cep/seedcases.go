package main

import (
	"context"
	"flag"
	"fmt"
	"os"
	"time"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
)

// runSeedCases writes synthetic cases straight into the projection tables, to measure
// supervision at region scale, and optionally measures the stuck-case list:
//
//	cep seed-cases --count 100000 --bench 300
func runSeedCases(args []string) error {
	fs := flag.NewFlagSet("seed-cases", flag.ContinueOnError)
	count := fs.Int("count", 100000, "synthetic cases to add")
	territories := fs.Int("territories", 10, "territories to spread them over: the seeded Chartres one and synthetic others")
	seed := fs.Uint64("seed", 1, "random seed (same seed, same mix)")
	runs := fs.Int("bench", 0, "then time each supervision query this many times (0: no measurement)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	sup, err := cfg.Supervision()
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg)
	ctx := context.Background()
	st, err := migratedStore(ctx, cfg, log, true, false)
	if err != nil {
		return err
	}
	defer st.Close()
	var structures []string
	if err := st.DB.Table("structures").Where("territory_id = ?", store.ChartresTerritoryID).Order("id").Pluck("id", &structures).Error; err != nil {
		return err
	}
	terrs := []string{store.ChartresTerritoryID}
	for i := 1; i < *territories; i++ {
		terrs = append(terrs, fmt.Sprintf("synthetic-%02d", i))
	}
	start := time.Now()
	if err := supervision.SeedCases(ctx, st.DB, st.Dialect, supervision.SeedOptions{Count: *count, Territories: terrs,
		Structures: structures, Seed: *seed}); err != nil {
		return err
	}
	var total int64
	if err := st.DB.Table("cases").Count(&total).Error; err != nil {
		return err
	}
	fmt.Printf("added %d synthetic cases in %s (%d cases in %s)\n", *count, time.Since(start).Round(time.Millisecond), total, st.Dialect)
	if *runs <= 0 {
		return nil
	}
	timings, err := supervision.Bench(ctx, st.DB, st.Dialect, sup, store.ChartresTerritoryID, *runs)
	if err != nil {
		return err
	}
	supervision.PrintBench(os.Stdout, total, timings)
	return nil
}
