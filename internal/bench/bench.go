// Package bench measures the case path end to end against the embedded stack, and in
// the same run the raw engine baseline: as many trivial one-activity workflows on the
// same Temporal server. The ratio between the two is what to compare across changes,
// since absolute numbers depend on the machine.
package bench

import (
	"bytes"
	"context"
	"encoding/json"
	"flag"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"os"
	"runtime/pprof"
	"slices"
	"sort"
	"sync"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/config"
)

// Result is what one run measured, over all its rounds.
type Result struct {
	Cases           int
	Concurrency     int
	CaseSeconds     float64
	CasesPerSecond  float64
	Latency         map[string]Percentiles
	BaselineSeconds float64
	BaselinePerSec  float64
	// RoundRatios are each round's case throughput over its baseline throughput.
	RoundRatios []float64
}

// Percentiles of one API call, in milliseconds.
type Percentiles struct {
	Count         int
	P50, P95, P99 float64
}

// Run is `cep bench`.
func Run(args []string) error {
	fs := flag.NewFlagSet("bench", flag.ContinueOnError)
	cases := fs.Int("cases", 50, "number of synthetic cases (and of baseline workflows)")
	conc := fs.Int("concurrency", 4, "cases driven at once")
	dir := fs.String("data-dir", "", "data directory (default: a new temporary one, removed at the end)")
	dbURL := fs.String("database-url", os.Getenv("CEP_DATABASE_URL"), "PostgreSQL URL for the application database; empty for SQLite")
	cpuProfile := fs.String("cpuprofile", "", "write a CPU profile of the case path (the whole process: server, worker, API) to this file")
	rounds := fs.Int("rounds", 3, "rounds of N case paths then N baseline workflows (alternating which goes first), summed: a shared machine's noise and the database's growth weigh on both sides alike")
	if err := fs.Parse(args); err != nil {
		return err
	}
	if *cases < 1 || *conc < 1 || *rounds < 1 {
		return fmt.Errorf("--cases, --concurrency and --rounds must be positive")
	}
	dataDir := *dir
	if dataDir == "" {
		d, err := os.MkdirTemp("", "cep-bench-")
		if err != nil {
			return err
		}
		defer os.RemoveAll(d)
		dataDir = d
	}
	var profile io.Writer
	if *cpuProfile != "" {
		f, err := os.Create(*cpuProfile)
		if err != nil {
			return err
		}
		defer f.Close()
		profile = f
	}
	r, err := Measure(context.Background(), dataDir, *dbURL, *cases, *conc, *rounds, profile)
	if err != nil {
		return err
	}
	Print(os.Stdout, r)
	return nil
}

// Measure starts an embedded stack in dataDir and runs both workloads, rounds times;
// with profile, it writes a CPU profile of the case paths there.
func Measure(ctx context.Context, dataDir, databaseURL string, cases, conc, rounds int, profile io.Writer) (Result, error) {
	cfg, err := config.Load()
	if err != nil {
		return Result{}, err
	}
	cfg.DataDir, cfg.DatabaseURL, cfg.HTTPAddr, cfg.TemporalPort, cfg.TemporalAddress = dataDir, databaseURL, "127.0.0.1:0", 0, ""
	cfg.RateLimitPerMinute, cfg.RateLimitPerAddressPerMinute = 0, 0 // it measures the server, not its rate limits
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	a, err := app.Start(ctx, cfg, log, app.Parts{Embedded: true, Migrate: true, Seed: true, Demo: true, API: true, Worker: true})
	if err != nil {
		return Result{}, err
	}
	defer a.Stop(context.Background())

	key, err := auth.LoadKey(cfg.TokenSecret, cfg.SigningKeyPath())
	if err != nil {
		return Result{}, err
	}
	sender, _ := auth.Sign(key, "adviser-pole-emploi-chartres", "adviser.pole-emploi-chartres@chartres.demo.test", time.Hour)
	target, _ := auth.Sign(key, "adviser-cap-emploi-28", "adviser.cap-emploi-28@chartres.demo.test", time.Hour)
	d := &driver{base: "http://" + a.APIAddr + "/api/v1", http: &http.Client{Timeout: time.Minute}, lat: map[string][]float64{}}
	b, err := startBaseline(a.Temporal)
	if err != nil {
		return Result{}, err
	}
	defer b.Stop()

	res := Result{Cases: cases * rounds, Concurrency: conc, Latency: map[string]Percentiles{}}
	casePaths := func(round int) (float64, error) {
		if profile != nil {
			if err := pprof.StartCPUProfile(profile); err != nil {
				return 0, err
			}
			defer pprof.StopCPUProfile()
			profile = nil // one profile: the first round's
		}
		begin := time.Now()
		err := parallel(cases, conc, func(i int) error { return d.casePath(sender, target, round*cases+i) })
		return time.Since(begin).Seconds(), err
	}
	for round := range rounds {
		var cs, bs float64
		if round%2 == 0 {
			if cs, err = casePaths(round); err == nil {
				bs, err = baseline(ctx, a.Temporal, round, cases, conc)
			}
		} else {
			if bs, err = baseline(ctx, a.Temporal, round, cases, conc); err == nil {
				cs, err = casePaths(round)
			}
		}
		if err != nil {
			return res, err
		}
		res.CaseSeconds += cs
		res.BaselineSeconds += bs
		res.RoundRatios = append(res.RoundRatios, bs/cs)
	}
	res.CasesPerSecond = float64(res.Cases) / res.CaseSeconds
	res.BaselinePerSec = float64(res.Cases) / res.BaselineSeconds
	for step, xs := range d.lat {
		res.Latency[step] = percentiles(xs)
	}
	return res, nil
}

// MedianRatio is the median of the rounds' ratios.
func MedianRatio(xs []float64) float64 {
	s := slices.Sorted(slices.Values(xs))
	if len(s) == 0 {
		return 0
	}
	if len(s)%2 == 1 {
		return s[len(s)/2]
	}
	return (s[len(s)/2-1] + s[len(s)/2]) / 2
}

// Print writes the report.
func Print(w io.Writer, r Result) {
	fmt.Fprintf(w, "cases: %d, concurrency: %d\n", r.Cases, r.Concurrency)
	fmt.Fprintf(w, "case path (reception → hand-off → acceptance → counselling → project → implementation → closure): %.2f cases/s (%.1f s)\n", r.CasesPerSecond, r.CaseSeconds)
	fmt.Fprintf(w, "raw engine baseline (one-activity workflows, same server): %.2f workflows/s (%.1f s)\n", r.BaselinePerSec, r.BaselineSeconds)
	fmt.Fprintf(w, "ratio: one case path costs %.2f baseline workflows (case throughput / baseline throughput = %.3f)\n",
		r.BaselinePerSec/r.CasesPerSecond, r.CasesPerSecond/r.BaselinePerSec)
	if len(r.RoundRatios) > 1 {
		fmt.Fprintf(w, "ratio of each round:")
		for _, x := range r.RoundRatios {
			fmt.Fprintf(w, " %.3f", x)
		}
		// A round whose baseline stalls (a client's wait for a workflow's result that
		// misses the close and waits out the server's 20-second long poll) weighs on
		// the sum; the median is not moved by one such round.
		fmt.Fprintf(w, " (median %.3f)\n", MedianRatio(r.RoundRatios))
	}
	steps := make([]string, 0, len(r.Latency))
	for s := range r.Latency {
		steps = append(steps, s)
	}
	sort.Strings(steps)
	fmt.Fprintf(w, "%-28s %6s %9s %9s %9s\n", "API call", "count", "p50 ms", "p95 ms", "p99 ms")
	for _, s := range steps {
		p := r.Latency[s]
		fmt.Fprintf(w, "%-28s %6d %9.1f %9.1f %9.1f\n", s, p.Count, p.P50, p.P95, p.P99)
	}
}

type driver struct {
	base string
	http *http.Client
	mu   sync.Mutex
	lat  map[string][]float64
}

func (d *driver) call(step, token, method, path string, body any, want int, out any) error {
	var rd io.Reader
	if body != nil {
		b, _ := json.Marshal(body)
		rd = bytes.NewReader(b)
	}
	req, err := http.NewRequest(method, d.base+path, rd)
	if err != nil {
		return err
	}
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	begin := time.Now()
	resp, err := d.http.Do(req)
	if err != nil {
		return fmt.Errorf("%s: %w", step, err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	ms := float64(time.Since(begin).Microseconds()) / 1000
	d.mu.Lock()
	d.lat[step] = append(d.lat[step], ms)
	d.mu.Unlock()
	if resp.StatusCode != want {
		return fmt.Errorf("%s: status %d, want %d: %s", step, resp.StatusCode, want, raw)
	}
	if out != nil {
		return json.Unmarshal(raw, out)
	}
	return nil
}

func (d *driver) casePath(sender, target string, i int) error {
	var c struct {
		ID string `json:"id"`
	}
	err := d.call("POST /cases", sender, "POST", "/cases", map[string]any{
		"beneficiary": map[string]any{"first_name": "Bench", "last_name": fmt.Sprintf("Case %d", i), "birth_date": "1985-04-12",
			"gender": "undisclosed", "postal_code": "28000", "public": "jobseeker", "disability_recognized": true},
		"channel": "on_site", "request": "Synthetic benchmark case", "needs": []string{"training"},
		"consent": map[string]any{"data_sharing": true},
	}, http.StatusCreated, &c)
	if err != nil {
		return err
	}
	var h struct {
		ID string `json:"id"`
	}
	if err := d.call("POST /handoffs", sender, "POST", "/cases/"+c.ID+"/handoffs",
		map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}, http.StatusCreated, &h); err != nil {
		return err
	}
	steps := []struct {
		name, method, path string
		body               any
	}{
		{"POST /handoffs/accept", "POST", "/cases/" + c.ID + "/handoffs/" + h.ID + "/accept", nil},
		{"POST /counselling", "POST", "/cases/" + c.ID + "/counselling", nil},
		{"PUT /project", "PUT", "/cases/" + c.ID + "/project", map[string]any{"target_occupation": "Aide-soignant",
			"competences": []map[string]any{{"label": "Relation d'aide", "transferable": true}}, "autonomy": "medium", "maturity": "building"}},
		{"POST /implementation", "POST", "/cases/" + c.ID + "/implementation", nil},
		{"POST /close", "POST", "/cases/" + c.ID + "/close", map[string]any{"outcome": "training"}},
	}
	for _, s := range steps {
		if err := d.call(s.name, target, s.method, s.path, s.body, http.StatusOK, nil); err != nil {
			return err
		}
	}
	return nil
}

func parallel(n, conc int, f func(i int) error) error {
	jobs := make(chan int)
	errs := make(chan error, n)
	var wg sync.WaitGroup
	for w := 0; w < conc; w++ {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := range jobs {
				if err := f(i); err != nil {
					errs <- err
				}
			}
		}()
	}
	for i := 0; i < n; i++ {
		jobs <- i
	}
	close(jobs)
	wg.Wait()
	close(errs)
	return <-errs
}

func percentiles(xs []float64) Percentiles {
	sort.Float64s(xs)
	at := func(q float64) float64 {
		if len(xs) == 0 {
			return 0
		}
		i := int(q*float64(len(xs))+0.5) - 1
		if i < 0 {
			i = 0
		}
		if i >= len(xs) {
			i = len(xs) - 1
		}
		return xs[i]
	}
	return Percentiles{Count: len(xs), P50: at(0.50), P95: at(0.95), P99: at(0.99)}
}

const baselineQueue = "cep-bench-baseline"

// BaselineWorkflow runs one trivial activity: the smallest unit of real engine work.
func BaselineWorkflow(ctx workflow.Context) error {
	ctx = workflow.WithActivityOptions(ctx, workflow.ActivityOptions{StartToCloseTimeout: 10 * time.Second})
	return workflow.ExecuteActivity(ctx, "BenchNoop").Get(ctx, nil)
}

// startBaseline runs the baseline's worker, on a task queue of its own, for all rounds.
func startBaseline(c client.Client) (worker.Worker, error) {
	w := worker.New(c, baselineQueue, worker.Options{})
	w.RegisterWorkflowWithOptions(BaselineWorkflow, workflow.RegisterOptions{Name: "BenchBaseline"})
	w.RegisterActivityWithOptions(func(context.Context) error { return nil }, activity.RegisterOptions{Name: "BenchNoop"})
	return w, w.Start()
}

func baseline(ctx context.Context, c client.Client, round, n, conc int) (float64, error) {
	begin := time.Now()
	err := parallel(n, conc, func(i int) error {
		run, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{ID: fmt.Sprintf("bench-baseline-%d-%d-%d", begin.UnixNano(), round, i),
			TaskQueue: baselineQueue}, "BenchBaseline")
		if err != nil {
			return err
		}
		// Asked again every 200 ms: a client's wait that misses the close would
		// otherwise wait 20 s and weigh a whole round.
		return cases.AwaitEnd(ctx, c, run.GetID(), run.GetRunID(), 200*time.Millisecond)
	})
	return time.Since(begin).Seconds(), err
}
