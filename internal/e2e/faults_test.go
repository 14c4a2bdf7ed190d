package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"math/rand/v2"
	"net/http"
	"net/url"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/testdb"
)

// The fault-injection suite's figures (the README reports them).
const (
	killRounds        = 4    // kill -9 of cep dev while cases run their full path
	casesPerRound     = 4    // new cases driven in each round
	sameKeyCreations  = 1000 // concurrent POST /cases with one Idempotency-Key
	concurrentUpdates = 200  // concurrent updates on one case
	cutUpdates        = 30   // updates in flight while the database connections are cut
)

const (
	peEmail  = "adviser.pole-emploi-chartres@chartres.demo.test"
	capEmail = "adviser.cap-emploi-28@chartres.demo.test"
)

// api is a client of one cep dev instance that tells transport failures (the process
// is dead) from answers.
type api struct {
	in     *instance
	client *http.Client
}

func (a *api) do(token, method, path, key string, body any) (int, map[string]any, error) {
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, "http://"+a.in.addr+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	if key != "" {
		req.Header.Set("Idempotency-Key", key)
	}
	resp, err := a.client.Do(req)
	if err != nil {
		return 0, nil, err
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out, nil
}

// until retries a keyed command until it is answered with a success: a dead process,
// a 503 or a timeout only mean "again, with the same key". Any other refusal fails.
func (a *api) until(t *testing.T, token, method, path, key string, body any) map[string]any {
	t.Helper()
	deadline := time.Now().Add(6 * time.Minute)
	for {
		st, out, err := a.do(token, method, path, key, body)
		switch {
		case err == nil && st >= 200 && st < 300:
			return out
		case err == nil && st != http.StatusServiceUnavailable && st != http.StatusGatewayTimeout && st < 500:
			t.Errorf("%s %s (key %s): %d %v", method, path, key, st, out)
			return nil
		}
		if time.Now().After(deadline) {
			t.Errorf("%s %s (key %s) never succeeded: %d %v %v", method, path, key, st, out, err)
			return nil
		}
		// Back off as a client told Retry-After would, with jitter: the server admits
		// only a few updates per workflow at a time, and a herd retrying in step starves.
		time.Sleep(time.Duration(500+rand.IntN(2500)) * time.Millisecond)
	}
}

func newCase(n int) map[string]any {
	return map[string]any{
		"beneficiary": map[string]any{"first_name": "Faute", "last_name": fmt.Sprintf("Injection%d", n), "birth_date": "1985-05-05",
			"gender": "female", "postal_code": "28000", "public": "jobseeker", "disability_recognized": true},
		"channel": "on_site", "request": "Reconversion", "needs": []string{"career_change"},
		"consent": map[string]any{"data_sharing": true},
	}
}

// fullPath drives one case from reception to closure, every step keyed, retrying
// through kills; it returns the case ID.
func fullPath(t *testing.T, a *api, pe, capTok string, n int) string {
	k := func(step string) string { return fmt.Sprintf("fault-%d-%s", n, step) }
	c := a.until(t, pe, "POST", "/api/v1/cases", k("create"), newCase(n))
	if c == nil {
		return ""
	}
	id := c["id"].(string)
	h := a.until(t, pe, "POST", "/api/v1/cases/"+id+"/handoffs", k("handoff"), map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"})
	hid, _ := h["id"].(string)
	if hid == "" {
		t.Errorf("case %s: the hand-off answer has no id: %v", id, h)
		return id
	}
	steps := []struct {
		token, method, path, key string
		body                     any
	}{
		{capTok, "POST", "/handoffs/" + hid + "/accept", k("accept"), nil},
		{capTok, "POST", "/counselling", k("counselling"), nil},
		{capTok, "PUT", "/project", k("project"), map[string]any{"target_occupation": "Aide-soignante", "rome_code": "J1501",
			"autonomy": "medium", "maturity": "building", "competences": []any{}}},
		{capTok, "POST", "/implementation", k("implementation"), nil},
		{capTok, "POST", "/close", k("close"), map[string]any{"outcome": "training"}},
	}
	for _, s := range steps {
		if a.until(t, s.token, s.method, "/api/v1/cases/"+id+s.path, s.key, s.body) == nil {
			return id
		}
	}
	return id
}

// TestFaults is the fault-injection suite, against real processes: the cep binary
// (cep dev: embedded Temporal server, worker, API) on a PostgreSQL database reached
// through a TCP proxy the test can cut. It kills cep dev with SIGKILL at random points
// while cases run their full path, restarts it, and checks that every case reached
// its end exactly once; sends one creation 1,000 times at once with the same key, 200
// concurrent updates to one case, an update retried after a client timeout, and
// updates while the database connections are cut; and ends with `cep check` finding
// nothing.
func TestFaults(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cep binary")
	}
	dbURL, drop := testdb.Create(t)
	defer drop()
	u, err := url.Parse(dbURL)
	if err != nil {
		t.Fatal(err)
	}
	px := newProxy(t, u.Host)
	u.Host = px.addr()
	tmp := t.TempDir()
	in := &instance{bin: cepBinary(t), dir: filepath.Join(tmp, "dev"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), temporalPort: freePort(t)}
	// Hand-off reminders every 5 s, so that timers are pending across the kills.
	in.extraEnv = []string{"CEP_DATABASE_URL=" + u.String(), "CEP_HANDOFF_REMIND_AFTER=" + remindEvery.String()}
	defer in.stop(t)
	in.start(t)
	pe := strings.TrimSpace(string(in.run(t, "token", "--user", peEmail)))
	capTok := strings.TrimSpace(string(in.run(t, "token", "--user", capEmail)))
	a := &api{in: in, client: &http.Client{Timeout: 30 * time.Second}}
	rng := rand.New(rand.NewPCG(uint64(time.Now().UnixNano()), 11))

	// A case whose hand-off stays pending: its reminder timers run across the kills.
	timerBody := newCase(0)
	timerBody["beneficiary"].(map[string]any)["last_name"] = "Minuterie"
	timerCase := a.until(t, pe, "POST", "/api/v1/cases", "timer-create", timerBody)["id"].(string)
	a.until(t, pe, "POST", "/api/v1/cases/"+timerCase+"/handoffs", "timer-handoff", map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"})
	timerStart := time.Now()

	// 1. kill -9 at random points while cases run their full path.
	var ids []string
	var mu sync.Mutex
	for round := range killRounds {
		var wg sync.WaitGroup
		for i := range casesPerRound {
			n := round*casesPerRound + i
			wg.Add(1)
			go func() {
				defer wg.Done()
				if id := fullPath(t, a, pe, capTok, n); id != "" {
					mu.Lock()
					ids = append(ids, id)
					mu.Unlock()
				}
			}()
		}
		time.Sleep(time.Duration(200+rng.IntN(2500)) * time.Millisecond)
		in.kill(t)
		in.start(t)
		wg.Wait()
	}
	t.Logf("kill -9: %d rounds, %d cases through the full path", killRounds, len(ids))
	for _, id := range ids {
		st, c := in.call(t, capTok, "GET", "/api/v1/cases/"+id, nil)
		if st != http.StatusOK || c["stage"] != "closed" {
			t.Errorf("case %s after the kills: %d %v", id, st, c["stage"])
			continue
		}
		_, ev := in.call(t, capTok, "GET", "/api/v1/cases/"+id+"/events", nil)
		seen := map[string]int{}
		for _, e := range ev["items"].([]any) {
			seen[e.(map[string]any)["type"].(string)]++
		}
		for _, typ := range []string{"case_opened", "handoff_requested", "handoff_accepted", "counselling_started", "project_set", "implementation_started", "closed"} {
			if seen[typ] != 1 {
				t.Errorf("case %s: %d %s events, want exactly 1 (%v)", id, seen[typ], typ, seen)
			}
		}
	}
	// Every creation made one case, no more.
	_, list := in.call(t, pe, "GET", "/api/v1/cases?q=Injection&page_size=200", nil)
	_, listCap := in.call(t, capTok, "GET", "/api/v1/cases?q=Injection&page_size=200", nil)
	if got := list["total"].(float64) + listCap["total"].(float64); int(got) != killRounds*casesPerRound {
		t.Errorf("%v cases named Injection*, want %d", got, killRounds*casesPerRound)
	}

	// The pending hand-off's reminders fired after the restarts, each once: as many
	// notifications as reminder events, and no more than one per interval.
	var reminders int
	for deadline := time.Now().Add(3 * remindEvery); time.Now().Before(deadline); time.Sleep(500 * time.Millisecond) {
		if reminders = countEvents(t, in, capTok, timerCase, "handoff_reminded"); reminders > 0 {
			break
		}
	}
	elapsed := time.Since(timerStart)
	_, notes := in.call(t, capTok, "GET", "/api/v1/notifications?case_id="+timerCase+"&kind=handoff_reminded&page_size=200", nil)
	reminders = countEvents(t, in, capTok, timerCase, "handoff_reminded")
	if reminders == 0 || reminders > int(elapsed/remindEvery)+1 || notes["total"] != float64(reminders) {
		t.Errorf("after %s with reminders every %s: %d reminder events, %v notifications", elapsed.Round(time.Second), remindEvery, reminders, notes["total"])
	}
	t.Logf("hand-off timers across the kills: %d reminders in %s, each notified once", reminders, elapsed.Round(time.Second))

	// 2. The same creation, 1,000 times at once, with one key: one case.
	var wg sync.WaitGroup
	var answered, created atomic.Int32
	idsSeen := sync.Map{}
	fast := &api{in: in, client: &http.Client{Timeout: 2 * time.Minute}}
	for range sameKeyCreations {
		wg.Add(1)
		go func() {
			defer wg.Done()
			st, c, err := fast.do(pe, "POST", "/api/v1/cases", "same-key-thousand", newCase(9999))
			if err != nil {
				t.Errorf("POST /cases: %v", err)
				return
			}
			answered.Add(1)
			if st == http.StatusCreated || st == http.StatusOK {
				created.Add(1)
				idsSeen.Store(c["id"], true)
			} else if st != http.StatusServiceUnavailable {
				t.Errorf("POST /cases with a shared key: %d %v", st, c)
			}
		}()
	}
	wg.Wait()
	distinct := 0
	idsSeen.Range(func(any, any) bool { distinct++; return true })
	t.Logf("%d concurrent creations with one key: %d answered, %d created or replayed, %d distinct case IDs", sameKeyCreations, answered.Load(), created.Load(), distinct)
	if distinct != 1 {
		t.Errorf("%d distinct cases from one key, want 1", distinct)
	}
	_, one := in.call(t, pe, "GET", "/api/v1/cases?q=Injection9999", nil)
	if one["total"] != float64(1) {
		t.Errorf("cases from one key: %v, want 1", one["total"])
	}

	// 3. 200 concurrent updates on one case (sessions, each its own key), then one
	// retried after a client timeout, then updates while the database is cut.
	var caseID string
	idsSeen.Range(func(k, _ any) bool { caseID = k.(string); return false })
	a.until(t, pe, "POST", "/api/v1/cases/"+caseID+"/counselling", "c-counselling", nil)
	session := func(key string) map[string]any {
		return map[string]any{"date": "2026-11-20", "duration_minutes": 30, "mode": "phone", "summary": "Point " + key}
	}
	for i := range concurrentUpdates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("s-%d", i)
			fast.until(t, pe, "POST", "/api/v1/cases/"+caseID+"/sessions", key, session(key))
		}()
	}
	wg.Wait()
	sessions := func() int {
		_, c := in.call(t, pe, "GET", "/api/v1/cases/"+caseID, nil)
		n, _ := c["sessions_count"].(float64)
		return int(n)
	}
	if n := sessions(); n != concurrentUpdates {
		t.Errorf("%d sessions after %d concurrent updates, want %d", n, concurrentUpdates, concurrentUpdates)
	}
	impatient := &api{in: in, client: &http.Client{Timeout: time.Millisecond}}
	if _, _, err := impatient.do(pe, "POST", "/api/v1/cases/"+caseID+"/sessions", "timed-out", session("timed-out")); err == nil {
		t.Log("the impatient request was answered within 1 ms")
	}
	a.until(t, pe, "POST", "/api/v1/cases/"+caseID+"/sessions", "timed-out", session("timed-out"))
	if n := sessions(); n != concurrentUpdates+1 {
		t.Errorf("%d sessions after the retried update, want %d", n, concurrentUpdates+1)
	}
	cut := 0
	for i := range cutUpdates {
		wg.Add(1)
		go func() {
			defer wg.Done()
			key := fmt.Sprintf("cut-%d", i)
			a.until(t, pe, "POST", "/api/v1/cases/"+caseID+"/sessions", key, session(key))
		}()
		if i%10 == 5 {
			cut += px.cut()
		}
	}
	wg.Wait()
	if n := sessions(); n != concurrentUpdates+1+cutUpdates {
		t.Errorf("%d sessions after updates through cut connections, want %d", n, concurrentUpdates+1+cutUpdates)
	}
	t.Logf("%d updates in flight while %d database connections were cut (%d cuts)", cutUpdates, cut, px.cuts)

	// 4. cep check finds nothing: 0 lost, 0 duplicated, 0 stuck, 0 divergent.
	cmd := exec.Command(in.bin, "check")
	cmd.Env = in.env()
	out, err := cmd.CombinedOutput()
	if err != nil || !strings.Contains(string(out), "0 lost, 0 duplicated, 0 stuck, 0 divergent") {
		t.Errorf("cep check: %v\n%s", err, out)
	}
	t.Logf("cep check: %s", strings.TrimSpace(string(out)))
}

const remindEvery = 5 * time.Second

func countEvents(t *testing.T, in *instance, token, caseID, typ string) int {
	t.Helper()
	_, ev := in.call(t, token, "GET", "/api/v1/cases/"+caseID+"/events", nil)
	items, _ := ev["items"].([]any)
	n := 0
	for _, e := range items {
		if e.(map[string]any)["type"] == typ {
			n++
		}
	}
	return n
}

var (
	buildOnce sync.Once
	builtBin  string
	buildErr  error
)

// cepBinary builds the cep binary once for the package's tests.
func cepBinary(t *testing.T) string {
	t.Helper()
	buildOnce.Do(func() {
		dir, err := os.MkdirTemp("", "cep-e2e-bin-")
		if err != nil {
			buildErr = err
			return
		}
		builtBin = filepath.Join(dir, "cep")
		build := exec.Command("go", "build", "-o", builtBin, "./cmd/cep")
		build.Dir = filepath.Join("..", "..")
		if out, err := build.CombinedOutput(); err != nil {
			buildErr = fmt.Errorf("go build: %v\n%s", err, out)
		}
	})
	if buildErr != nil {
		t.Fatal(buildErr)
	}
	return builtBin
}

func TestMain(m *testing.M) {
	code := m.Run()
	if builtBin != "" {
		os.RemoveAll(filepath.Dir(builtBin))
	}
	os.Exit(code)
}
