// Package integration runs the API end to end against real parts: the embedded Temporal
// server (in process) and a fresh PostgreSQL database. It is the one test package that
// links the Temporal server, to keep test binaries few.
package integration

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"os"
	"path/filepath"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/testdb"
)

// Demo users of the seed.
const (
	pe          = "adviser.pole-emploi-chartres@chartres.demo.test"
	cap28       = "adviser.cap-emploi-28@chartres.demo.test"
	cio         = "adviser.cio-chartres@chartres.demo.test"
	apec        = "adviser.apec-centre@chartres.demo.test"
	coordinator = "coordinator@chartres.demo.test"
	supervisor  = "supervisor@region-centre.demo.test"
	admin       = "admin@cep.demo.test"
)

type stack struct {
	app  *app.App
	base string
	key  []byte
	// short is a second router on the same store, worker and server, whose cases run
	// with deadlines of seconds.
	shortBase string
}

var (
	shared    *stack
	sharedErr error
	once      sync.Once
	teardown  []func()
	skipAll   string
)

func TestMain(m *testing.M) {
	code := m.Run()
	for i := len(teardown) - 1; i >= 0; i-- {
		teardown[i]()
	}
	os.Exit(code)
}

func quietLogger() *slog.Logger {
	if os.Getenv("CEP_TEST_VERBOSE") != "" {
		return slog.New(slog.NewTextHandler(os.Stderr, &slog.HandlerOptions{Level: slog.LevelDebug}))
	}
	return slog.New(slog.NewTextHandler(io.Discard, nil))
}

// testConfig is the configuration of an embedded stack in dir.
func testConfig(dir, dbURL string) config.Config {
	cfg, err := config.Load()
	if err != nil {
		panic(err)
	}
	cfg.DataDir, cfg.DatabaseURL, cfg.HTTPAddr, cfg.TemporalPort, cfg.TemporalAddress = dir, dbURL, "127.0.0.1:0", 0, ""
	// One address and a few users drive every test: the limits have tests of their own
	// (api.TestRateLimits).
	cfg.RateLimitPerMinute, cfg.RateLimitPerAddressPerMinute = 0, 0
	// The key of the recorded histories, so that the replay test can read the ones
	// recorded here.
	keys, err := os.ReadFile(recordedKeysFile)
	if err != nil {
		panic(err)
	}
	cfg.PayloadKeys = strings.TrimSpace(string(keys))
	return cfg
}

// recordedKeysFile holds the (test-only) CEP_PAYLOAD_KEYS of the recorded histories.
var recordedKeysFile = filepath.Join("..", "..", "workflows", "testdata", "payload.keys")

// env starts (once) the shared stack on PostgreSQL.
func env(t *testing.T) *stack {
	t.Helper()
	once.Do(func() {
		dbURL, drop, err := testdb.CreateDatabase()
		if errors.Is(err, testdb.ErrUnreachable) && os.Getenv("CI") == "" {
			skipAll = err.Error()
			return
		}
		if err != nil {
			sharedErr = err
			return
		}
		teardown = append(teardown, drop)
		dir, err := os.MkdirTemp("", "cep-integration-")
		if err != nil {
			sharedErr = err
			return
		}
		teardown = append(teardown, func() { os.RemoveAll(dir) })
		cfg := testConfig(dir, dbURL)
		a, err := app.Start(context.Background(), cfg, quietLogger(), app.Parts{Embedded: true, Migrate: true, Seed: true, Demo: true, API: true, Worker: true})
		if err != nil {
			sharedErr = err
			return
		}
		teardown = append(teardown, func() { a.Stop(context.Background()) })
		key, err := auth.LoadKey("", cfg.SigningKeyPath())
		if err != nil {
			sharedErr = err
			return
		}
		verifier, _ := auth.NewVerifier(context.Background(), key, "", "", "")
		short := app.Settings(cfg)
		short.HandoffRemindAfter, short.HandoffExpireAfter, short.InactivityRemindAfter = 2*time.Second, 5*time.Second, 4*time.Second
		short.FollowUpAfter = 3 * time.Second // the 6-month follow-up survey, in seconds
		short.HistoryEventsLimit = 150
		srv := httptest.NewServer(api.NewRouter(api.Deps{Store: a.Store, Temporal: a.Temporal, Verifier: verifier,
			Log: quietLogger(), TaskQueue: cfg.TaskQueue, Settings: short}))
		teardown = append(teardown, srv.Close)
		shared = &stack{app: a, base: "http://" + a.APIAddr, key: key, shortBase: srv.URL}
	})
	if skipAll != "" {
		t.Skip(skipAll)
	}
	if sharedErr != nil {
		t.Fatalf("integration stack: %v", sharedErr)
	}
	return shared
}

func (s *stack) token(t *testing.T, email string) string {
	t.Helper()
	var id string
	if err := s.app.Store.DB.Table("users").Select("id").Where("email = ?", email).Scan(&id).Error; err != nil || id == "" {
		t.Fatalf("no user %s", email)
	}
	tok, err := auth.Sign(s.key, id, email, time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	return tok
}

// response is a decoded answer.
type response struct {
	Status int
	Header http.Header
	Body   map[string]any
	Raw    []byte
}

func (r response) str(path string) string {
	v := r.get(path)
	if v == nil {
		return ""
	}
	return fmt.Sprint(v)
}

// get walks a dotted path through the JSON body ("handoff.id", "items.0.id").
func (r response) get(path string) any {
	var cur any = r.Body
	for _, part := range strings.Split(path, ".") {
		switch c := cur.(type) {
		case map[string]any:
			cur = c[part]
		case []any:
			var i int
			if _, err := fmt.Sscan(part, &i); err != nil || i >= len(c) {
				return nil
			}
			cur = c[i]
		default:
			return nil
		}
	}
	return cur
}

type call struct {
	method, path, token string
	body                any
	headers             map[string]string
	base                string
}

func (s *stack) do(t *testing.T, c call) response {
	t.Helper()
	var rd io.Reader
	switch b := c.body.(type) {
	case nil:
	case string:
		rd = strings.NewReader(b)
	default:
		raw, _ := json.Marshal(b)
		rd = bytes.NewReader(raw)
	}
	base := c.base
	if base == "" {
		base = s.base
	}
	req, err := http.NewRequest(c.method, base+c.path, rd)
	if err != nil {
		t.Fatal(err)
	}
	if c.token != "" {
		req.Header.Set("Authorization", "Bearer "+c.token)
	}
	if rd != nil {
		req.Header.Set("Content-Type", "application/json")
	}
	for k, v := range c.headers {
		req.Header.Set(k, v)
	}
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	raw, _ := io.ReadAll(resp.Body)
	out := response{Status: resp.StatusCode, Header: resp.Header, Raw: raw}
	if strings.Contains(resp.Header.Get("Content-Type"), "json") && len(raw) > 0 {
		if err := json.Unmarshal(raw, &out.Body); err != nil {
			t.Fatalf("%s %s: body is not a JSON object: %s", c.method, c.path, raw)
		}
	}
	return out
}

func (s *stack) must(t *testing.T, want int, c call) response {
	t.Helper()
	r := s.do(t, c)
	if r.Status != want {
		t.Fatalf("%s %s: status %d, want %d: %s", c.method, c.path, r.Status, want, r.Raw)
	}
	return r
}

// problemOf checks an RFC 9457 answer and returns it.
func problemOf(t *testing.T, r response, status int) response {
	t.Helper()
	if r.Status != status {
		t.Fatalf("status %d, want %d: %s", r.Status, status, r.Raw)
	}
	if ct := r.Header.Get("Content-Type"); !strings.HasPrefix(ct, "application/problem+json") {
		t.Fatalf("content type %q, want application/problem+json", ct)
	}
	for _, f := range []string{"type", "title", "status", "detail"} {
		if r.get(f) == nil {
			t.Fatalf("problem without %s: %s", f, r.Raw)
		}
	}
	return r
}

func fieldsOf(r response) []string {
	var out []string
	errs, _ := r.get("errors").([]any)
	for _, e := range errs {
		out = append(out, fmt.Sprint(e.(map[string]any)["field"]))
	}
	return out
}

func newCaseBody(public string, disability, consent bool) map[string]any {
	return map[string]any{
		"beneficiary": map[string]any{"first_name": "Camille", "last_name": "Exemple", "birth_date": "1988-06-15",
			"gender": "female", "postal_code": "28000", "public": public, "disability_recognized": disability,
			"email": "camille@example.test"},
		"channel": "on_site", "request": "Souhaite se reconvertir dans le soin", "needs": []string{"career_change", "training"},
		"consent": map[string]any{"data_sharing": consent},
	}
}

// openCase creates a case at the structure of token's user and returns its ID.
func (s *stack) openCase(t *testing.T, token string, base string) string {
	t.Helper()
	r := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: token, body: newCaseBody("jobseeker", true, true), base: base})
	return r.str("id")
}

// eventually polls until f holds or the timeout passes.
func eventually(t *testing.T, within time.Duration, what string, f func() bool) {
	t.Helper()
	deadline := time.Now().Add(within)
	for !f() {
		if time.Now().After(deadline) {
			t.Fatalf("timed out after %s waiting for %s", within, what)
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func eventTypes(t *testing.T, s *stack, token, id string) []string {
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id + "/events", token: token})
	var out []string
	items, _ := r.get("items").([]any)
	for _, it := range items {
		out = append(out, fmt.Sprint(it.(map[string]any)["type"]))
	}
	return out
}

// newServer serves a router built for one test.
func newServer(h http.Handler) *httptest.Server { return httptest.NewServer(h) }
