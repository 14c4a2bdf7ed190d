// Command cep runs the CEP case workflow engine.
//
//	cep dev        whole system in one process: embedded Temporal and SQLite (or CEP_DATABASE_URL)
//	cep serve      API and worker against CEP_TEMPORAL_ADDRESS and CEP_DATABASE_URL
//	cep api        API only
//	cep worker     worker only
//	cep migrate    apply database migrations (--seed loads the Chartres reference data)
//	cep token      print a signed API token for a user
//	cep users      list users
//	cep bench      drive synthetic cases through the embedded stack and compare with the raw engine
//	cep seed-cases write synthetic cases into the database and time the stuck-case list
//	cep health     exit 0 when a running cep answers ready (container health checks)
package main

import (
	"context"
	"encoding/json"
	"errors"
	"flag"
	"fmt"
	"log/slog"
	"os"
	"os/signal"
	"syscall"
	"text/tabwriter"
	"time"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/bench"
	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
)

const usage = `cep — CEP case workflow engine for the SPRO network

Usage: cep <command> [flags]

Commands:
  dev       run everything in one process (embedded Temporal server, SQLite unless CEP_DATABASE_URL)
  serve     run the API and the worker against an external Temporal cluster and PostgreSQL
  api       run the API only
  worker    run the worker only
  migrate   apply the database migrations (--seed also loads the reference data)
  token     print a signed token: cep token --user EMAIL
  users     list the users: cep users [--json]
  bench     benchmark the case path against the raw engine: cep bench [--cases N]
  check     compare every open case workflow with its projection and the outbox: cep check [--repair]
  seed-cases  write synthetic cases for the supervision benchmark: cep seed-cases --count 100000 [--bench RUNS]
  health    exit 0 when a running cep answers ready: cep health [--url URL] (for container health checks)

Configuration comes from CEP_* environment variables (see README.md).
`

func main() {
	if len(os.Args) < 2 {
		fmt.Fprint(os.Stderr, usage)
		os.Exit(2)
	}
	cmd, args := os.Args[1], os.Args[2:]
	var err error
	switch cmd {
	case "dev":
		err = runServer(args, "dev")
	case "serve":
		err = runServer(args, "serve")
	case "api":
		err = runServer(args, "api")
	case "worker":
		err = runServer(args, "worker")
	case "migrate":
		err = runMigrate(args)
	case "token":
		err = runToken(args)
	case "users":
		err = runUsers(args)
	case "bench":
		err = bench.Run(args)
	case "seed-cases":
		err = runSeedCases(args)
	case "health":
		err = runHealth(args)
	case "check":
		err = runCheck(args)
	case "help", "-h", "--help":
		fmt.Print(usage)
		return
	default:
		fmt.Fprintf(os.Stderr, "cep: unknown command %q\n\n%s", cmd, usage)
		os.Exit(2)
	}
	if err != nil {
		fmt.Fprintln(os.Stderr, "cep:", err)
		os.Exit(1)
	}
}

// loadConfig reads the environment and applies the common flags.
func loadConfig(fs *flag.FlagSet, args []string) (config.Config, error) {
	cfg, err := config.Load()
	if err != nil {
		return cfg, err
	}
	fs.StringVar(&cfg.DataDir, "data-dir", cfg.DataDir, "data directory (CEP_DATA_DIR)")
	fs.StringVar(&cfg.DatabaseURL, "database-url", cfg.DatabaseURL, "PostgreSQL URL; empty for SQLite in the data directory (CEP_DATABASE_URL)")
	fs.StringVar(&cfg.HTTPAddr, "http-addr", cfg.HTTPAddr, "API listen address (CEP_HTTP_ADDR)")
	fs.StringVar(&cfg.TemporalAddress, "temporal-address", cfg.TemporalAddress, "Temporal frontend host:port (CEP_TEMPORAL_ADDRESS)")
	fs.IntVar(&cfg.TemporalPort, "temporal-port", cfg.TemporalPort, "embedded Temporal frontend port (CEP_TEMPORAL_PORT)")
	if err := fs.Parse(args); err != nil {
		return cfg, err
	}
	return cfg, cfg.Validate()
}

func runServer(args []string, mode string) error {
	fs := flag.NewFlagSet(mode, flag.ContinueOnError)
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	// Only `cep dev` may make its own payload key: servers share theirs.
	if mode != "dev" {
		if err := cfg.RequirePayloadKeys(); err != nil {
			return err
		}
	}
	log := app.NewLogger(cfg)
	parts := map[string]app.Parts{
		"dev":    {Embedded: true, Migrate: true, Seed: true, Demo: true, API: true, Worker: true, Dev: true},
		"serve":  {API: true, Worker: true, Seed: cfg.Seed},
		"api":    {API: true},
		"worker": {Worker: true},
	}[mode]
	ctx, stop := signal.NotifyContext(context.Background(), os.Interrupt, syscall.SIGTERM)
	defer stop()
	begin := time.Now()
	a, err := app.Start(ctx, cfg, log, parts)
	if err != nil {
		return err
	}
	log.Info("cep ready", "mode", mode, "took", time.Since(begin).Round(time.Millisecond))
	if mode == "dev" {
		printDevBanner(cfg, a)
	}
	<-ctx.Done()
	log.Info("shutting down")
	a.Stop(context.Background())
	return nil
}

func printDevBanner(cfg config.Config, a *app.App) {
	db := cfg.SQLitePath()
	if cfg.DatabaseURL != "" {
		db = "PostgreSQL (CEP_DATABASE_URL)"
	}
	fmt.Printf(`
cep dev is ready.
  Console:    http://%s/   (sign in with one click as any demo user at http://%s/connexion)
  API:        http://%s/api/v1   (OpenAPI: http://%s/api/v1/openapi.json)
  Temporal:   %s, namespace %s
  Database:   %s
  Data dir:   %s
  Metrics:    http://%s/metrics   (Prometheus)
%s
Get a token (same CEP_DATA_DIR), then call the API:
  TOKEN=$(go run ./cmd/cep token --user adviser.pole-emploi-chartres@chartres.demo.test)
  curl -H "Authorization: Bearer $TOKEN" http://%s/api/v1/structures
List the demo users: go run ./cmd/cep users
Stop with Ctrl-C; cases are kept in the data directory.
`, a.APIAddr, a.APIAddr, a.APIAddr, a.APIAddr, a.TemporalAddress(), cfg.TemporalNamespace, db, cfg.DataDir, a.MetricsAddr, webUILine(a), a.APIAddr)
}

func runMigrate(args []string) error {
	fs := flag.NewFlagSet("migrate", flag.ContinueOnError)
	seed := fs.Bool("seed", false, "also load the Chartres reference data (CEP_SEED)")
	demo := fs.Bool("demo", false, "with --seed, also create the demo accounts (never on a production database)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	log := app.NewLogger(cfg)
	ctx := context.Background()
	st, err := migratedStore(ctx, cfg, log, *seed || cfg.Seed, *demo && (*seed || cfg.Seed))
	if err != nil {
		return err
	}
	defer st.Close()
	v, err := st.SchemaVersion(ctx)
	if err != nil {
		return err
	}
	log.Info("database ready", "schema_version", v)
	return nil
}

// migratedStore opens the database, applies the migrations and, if asked, the seed and
// the demo accounts.
func migratedStore(ctx context.Context, cfg config.Config, log *slog.Logger, seed, demo bool) (*store.Store, error) {
	st, err := app.OpenStore(cfg)
	if err != nil {
		return nil, err
	}
	if err := st.Migrate(ctx, log); err != nil {
		st.Close()
		return nil, err
	}
	if seed {
		if err := st.Seed(ctx); err != nil {
			st.Close()
			return nil, err
		}
		log.Info("seed loaded")
	}
	if demo {
		if err := st.SeedDemo(ctx); err != nil {
			st.Close()
			return nil, err
		}
		log.Info("demo accounts created")
	}
	return st, nil
}

func users(cfg config.Config) ([]models.User, error) {
	st, err := app.OpenStore(cfg)
	if err != nil {
		return nil, err
	}
	defer st.Close()
	var us []models.User
	if err := st.DB.Order("role, email").Find(&us).Error; err != nil {
		return nil, fmt.Errorf("read users (has `cep dev` or `cep migrate --seed` run with this configuration?): %w", err)
	}
	return us, nil
}

func runToken(args []string) error {
	fs := flag.NewFlagSet("token", flag.ContinueOnError)
	email := fs.String("user", "", "email of the user the token is for")
	ttl := fs.Duration("ttl", 0, "validity (default CEP_TOKEN_TTL)")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	if *email == "" {
		return errors.New("usage: cep token --user EMAIL")
	}
	d := cfg.TokenTTL.D()
	ttlSet := false
	fs.Visit(func(f *flag.Flag) { ttlSet = ttlSet || f.Name == "ttl" })
	if ttlSet {
		if *ttl <= 0 {
			return fmt.Errorf("--ttl must be positive (got %s): a token without validity is useless", *ttl)
		}
		d = *ttl
	}
	us, err := users(cfg)
	if err != nil {
		return err
	}
	for _, u := range us {
		if u.Email == *email {
			if !u.Active {
				return fmt.Errorf("user %s is not active", *email)
			}
			key, err := auth.LoadKey(cfg.TokenSecret, cfg.SigningKeyPath())
			if err != nil {
				return err
			}
			tok, err := auth.Sign(key, u.ID, u.Email, d)
			if err != nil {
				return err
			}
			fmt.Println(tok)
			return nil
		}
	}
	return fmt.Errorf("no user %s: `cep users` lists them", *email)
}

func runUsers(args []string) error {
	fs := flag.NewFlagSet("users", flag.ContinueOnError)
	asJSON := fs.Bool("json", false, "print a JSON array")
	cfg, err := loadConfig(fs, args)
	if err != nil {
		return err
	}
	us, err := users(cfg)
	if err != nil {
		return err
	}
	if *asJSON {
		out := make([]any, len(us))
		for i, u := range us {
			out[i] = api.UserJSON(u)
		}
		enc := json.NewEncoder(os.Stdout)
		enc.SetIndent("", "  ")
		return enc.Encode(out)
	}
	w := tabwriter.NewWriter(os.Stdout, 0, 2, 2, ' ', 0)
	fmt.Fprintln(w, "EMAIL\tROLE\tSTRUCTURE")
	for _, u := range us {
		sid := ""
		if u.StructureID != nil {
			sid = *u.StructureID
		}
		fmt.Fprintf(w, "%s\t%s\t%s\n", u.Email, u.Role, sid)
	}
	return w.Flush()
}

// webUILine is the banner's line for the Temporal web UI, empty when none is served.
func webUILine(a *app.App) string {
	if a.WebUIURL == "" {
		return ""
	}
	return "  Temporal UI: " + a.WebUIURL + "   (payloads decoded for an admin signed in to the console)\n"
}
