// Package e2e checks the README's promise from outside, as a user would: it builds the
// cep binary, runs two `cep dev` side by side on one machine, gets tokens with
// `cep token`, lists users with `cep users --json`, and restarts one instance to see that
// its cases survive. It starts no server itself and links none.
package e2e

import (
	"bytes"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"syscall"
	"testing"
	"time"
)

func freePort(t *testing.T) int {
	t.Helper()
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port
}

type instance struct {
	bin, dir, addr string
	temporalPort   int
	cmd            *exec.Cmd
	out            *bytes.Buffer
	// extraEnv is added to the environment (e.g. CEP_DATABASE_URL).
	extraEnv []string
}

func (in *instance) env() []string {
	env := append(os.Environ(), "CEP_DATA_DIR="+in.dir, "CEP_HTTP_ADDR="+in.addr,
		fmt.Sprintf("CEP_TEMPORAL_PORT=%d", in.temporalPort), "CEP_DATABASE_URL=", "CEP_TEMPORAL_ADDRESS=",
		// Instances run side by side: each test that wants the web UI gives it a free port.
		"CEP_TEMPORAL_UI_PORT=0")
	return append(env, in.extraEnv...)
}

// kill stops cep dev with SIGKILL, as a crash would: no shutdown at all.
func (in *instance) kill(t *testing.T) {
	t.Helper()
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Kill()
	_ = in.cmd.Wait()
	in.cmd = nil
}

func (in *instance) start(t *testing.T) time.Duration {
	t.Helper()
	in.out = &bytes.Buffer{}
	in.cmd = exec.Command(in.bin, "dev")
	in.cmd.Env = in.env()
	in.cmd.Stdout, in.cmd.Stderr = in.out, in.out
	begin := time.Now()
	if err := in.cmd.Start(); err != nil {
		t.Fatal(err)
	}
	deadline := time.Now().Add(90 * time.Second)
	for {
		resp, err := http.Get("http://" + in.addr + "/readyz")
		if err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return time.Since(begin)
			}
		}
		if time.Now().After(deadline) {
			t.Fatalf("cep dev not ready after 90 s:\n%s", in.out.String())
		}
		time.Sleep(100 * time.Millisecond)
	}
}

func (in *instance) stop(t *testing.T) {
	t.Helper()
	if in.cmd == nil || in.cmd.Process == nil {
		return
	}
	_ = in.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- in.cmd.Wait() }()
	select {
	case err := <-done:
		if err != nil {
			t.Errorf("cep dev did not exit cleanly on SIGTERM: %v\n%s", err, in.out.String())
		}
		// A clean shutdown says so and nothing else: no warning or error from the
		// worker or the embedded server about peers going away.
		_, after, found := strings.Cut(in.out.String(), "shutting down")
		if !found {
			t.Errorf("cep dev did not log its shutdown:\n%s", in.out.String())
		}
		for _, l := range strings.Split(after, "\n") {
			if strings.Contains(l, "level=WARN") || strings.Contains(l, "level=ERROR") {
				t.Errorf("a clean shutdown printed: %s", l)
			}
		}
	case <-time.After(60 * time.Second):
		_ = in.cmd.Process.Kill()
		t.Errorf("cep dev did not stop within 60 s of SIGTERM")
	}
	in.cmd = nil
}

func (in *instance) run(t *testing.T, args ...string) []byte {
	t.Helper()
	cmd := exec.Command(in.bin, args...)
	cmd.Env = in.env()
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("cep %v: %v", args, err)
	}
	return out
}

func (in *instance) call(t *testing.T, token, method, path string, body any) (int, map[string]any) {
	t.Helper()
	var rd io.Reader
	if body != nil {
		raw, _ := json.Marshal(body)
		rd = bytes.NewReader(raw)
	}
	req, _ := http.NewRequest(method, "http://"+in.addr+path, rd)
	req.Header.Set("Authorization", "Bearer "+token)
	req.Header.Set("Content-Type", "application/json")
	resp, err := http.DefaultClient.Do(req)
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	var out map[string]any
	_ = json.NewDecoder(resp.Body).Decode(&out)
	return resp.StatusCode, out
}

func TestTwoDevInstancesAndRestart(t *testing.T) {
	if testing.Short() {
		t.Skip("builds and runs the cep binary")
	}
	tmp := t.TempDir()
	bin := cepBinary(t)
	a := &instance{bin: bin, dir: filepath.Join(tmp, "a"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), temporalPort: freePort(t)}
	b := &instance{bin: bin, dir: filepath.Join(tmp, "b"), addr: fmt.Sprintf("127.0.0.1:%d", freePort(t)), temporalPort: freePort(t)}
	defer a.stop(t)
	defer b.stop(t)
	ta := a.start(t)
	tb := b.start(t)
	t.Logf("cep dev ready in %s and %s (side by side)", ta.Round(time.Millisecond), tb.Round(time.Millisecond))
	if !strings.Contains(a.out.String(), "cep token --user") {
		t.Errorf("the start banner does not say how to get a token:\n%s", a.out.String())
	}
	// The banner leads with the console, which the binary serves at / with the demo sign-in.
	if _, after, _ := strings.Cut(a.out.String(), "cep dev is ready.\n"); !strings.HasPrefix(after, "  Console:    http://"+a.addr+"/") {
		t.Errorf("the start banner does not lead with the console:\n%s", a.out.String())
	}
	noRedirect := &http.Client{CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
	if resp, err := noRedirect.Get("http://" + a.addr + "/"); err != nil || resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/connexion" {
		t.Errorf("GET / on cep dev: %v %v", resp, err)
	}
	if resp, err := http.Get("http://" + a.addr + "/connexion"); err != nil {
		t.Error(err)
	} else {
		page, _ := io.ReadAll(resp.Body)
		resp.Body.Close()
		if !strings.Contains(string(page), "coordinator@chartres.demo.test") {
			t.Errorf("cep dev's sign-in page lists no demo user")
		}
	}

	var users []map[string]any
	if err := json.Unmarshal(a.run(t, "users", "--json"), &users); err != nil {
		t.Fatal(err)
	}
	if len(users) != 18+6 { // Chartres and the Région, and the 2019-model territory (Châteauroux)
		t.Fatalf("%d users, want 24", len(users))
	}
	for _, u := range users {
		for _, f := range []string{"email", "role", "structure_id"} {
			if _, ok := u[f]; !ok {
				t.Fatalf("user without %s: %v", f, u)
			}
		}
	}
	const email = "adviser.pole-emploi-chartres@chartres.demo.test"
	zero := exec.Command(a.bin, "token", "--user", email, "--ttl", "0s")
	zero.Env = a.env()
	if out, err := zero.CombinedOutput(); err == nil || !strings.Contains(string(out), "--ttl must be positive") {
		t.Errorf("cep token --ttl 0s: err %v, output %q; want a refusal", err, out)
	}
	tokA := strings.TrimSpace(string(a.run(t, "token", "--user", email)))
	tokB := strings.TrimSpace(string(b.run(t, "token", "--user", email)))
	// Chartres' 15 structures and the 5 of the 2019-model demonstration territory.
	if st, body := a.call(t, tokA, "GET", "/api/v1/structures", nil); st != http.StatusOK || len(body["items"].([]any)) != 15+5 {
		t.Fatalf("structures: %d %v", st, body)
	}
	// Each instance has its own signing key: a token of one is refused by the other.
	if st, _ := b.call(t, tokA, "GET", "/api/v1/me", nil); st != http.StatusUnauthorized {
		t.Fatalf("instance b accepted a token of instance a: %d", st)
	}
	st, c := a.call(t, tokA, "POST", "/api/v1/cases", map[string]any{
		"beneficiary": map[string]any{"first_name": "Dominique", "last_name": "Exemple", "birth_date": "1979-03-02",
			"gender": "undisclosed", "postal_code": "28110", "public": "employee"},
		"channel": "phone", "request": "Projet de transition", "needs": []string{"transition_project"},
		"consent": map[string]any{"data_sharing": true},
	})
	if st != http.StatusCreated {
		t.Fatalf("create: %d %v", st, c)
	}
	id := c["id"].(string)
	if st, _ := b.call(t, tokB, "GET", "/api/v1/cases/"+id, nil); st != http.StatusNotFound {
		t.Fatalf("instance b sees instance a's case: %d", st)
	}

	// Restart a: the case is still there and its workflow still runs.
	a.stop(t)
	a.start(t)
	if st, got := a.call(t, tokA, "GET", "/api/v1/cases/"+id, nil); st != http.StatusOK || got["stage"] != "reception" {
		t.Fatalf("after restart: %d %v", st, got)
	}
	// (The workflow reads its encrypted history again: the payload key was kept.)
	if st, got := a.call(t, tokA, "POST", "/api/v1/cases/"+id+"/pause", map[string]any{"reason": "Congé"}); st != http.StatusOK || got["paused"] != true {
		t.Fatalf("the workflow did not survive the restart: %d %v", st, got)
	}
	if info, err := os.Stat(filepath.Join(a.dir, "payload.keys")); err != nil || info.Mode().Perm() != 0o600 {
		t.Fatalf("cep dev's payload key file: %v %v", info, err)
	}

	// Outside `cep dev`, a server without CEP_PAYLOAD_KEYS refuses to start, in one line.
	for _, mode := range []string{"serve", "api", "worker"} {
		cmd := exec.Command(bin, mode)
		cmd.Env = append(a.env(), "CEP_TEMPORAL_ADDRESS=127.0.0.1:1", "CEP_PAYLOAD_KEYS=")
		out, err := cmd.CombinedOutput()
		if err == nil || strings.Count(strings.TrimSpace(string(out)), "\n") != 0 ||
			!strings.Contains(string(out), "CEP_PAYLOAD_KEYS is required") {
			t.Fatalf("cep %s without CEP_PAYLOAD_KEYS: %v\n%s", mode, err, out)
		}
	}
}
