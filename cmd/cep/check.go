package main

import (
	"context"
	"errors"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"strconv"
	"time"

	"go.temporal.io/sdk/client"
	tlog "go.temporal.io/sdk/log"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/check"
)

// runCheck is `cep check [--repair]`: it dials the Temporal of the configuration (with
// `cep dev`'s environment, the running dev server on CEP_TEMPORAL_PORT; it starts
// none) and the database of the configuration, and prints every difference between
// the open case workflows and their projection and outbox.
func runCheck(args []string) error {
	fs := flag.NewFlagSet("check", flag.ContinueOnError)
	repair := fs.Bool("repair", false, "ask each divergent case workflow to project itself again (idempotent)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	dev := cfg.TemporalAddress == ""
	address := cfg.TemporalAddress
	if dev {
		address = "127.0.0.1:" + strconv.Itoa(cfg.TemporalPort)
	}
	st, err := app.OpenStore(cfg)
	if err != nil {
		return err
	}
	defer st.Close()
	opts, _, err := app.ClientOptions(cfg, dev)
	if err != nil {
		return err
	}
	if dev {
		opts.ConnectionOptions.TLS = nil
	}
	opts.HostPort = address
	opts.Logger = tlog.NewStructuredLogger(slog.New(slog.NewTextHandler(io.Discard, nil)))
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Minute)
	defer cancel()
	dctx, dcancel := context.WithTimeout(ctx, 10*time.Second)
	defer dcancel()
	c, err := client.DialContext(dctx, opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s (is `cep dev` running with this CEP_DATA_DIR and CEP_TEMPORAL_PORT?): %w", address, err)
	}
	defer c.Close()
	rep, err := check.Run(ctx, check.Options{Store: st, Temporal: c, Namespace: cfg.TemporalNamespace}, *repair)
	if err != nil {
		return err
	}
	counts := map[string]int{}
	for _, d := range rep.Differences {
		fmt.Println(d)
		counts[d.Kind]++
	}
	fmt.Printf("%d open case workflows checked: %d lost, %d duplicated, %d stuck, %d divergent",
		rep.Workflows, counts["lost"], counts["duplicated"], counts["stuck"], counts["divergent"])
	if *repair {
		fmt.Printf(" (%d re-projected)", rep.Repaired)
	}
	fmt.Println()
	if n := len(rep.Differences); n > 0 {
		return errors.New(strconv.Itoa(n) + " differences")
	}
	return nil
}
