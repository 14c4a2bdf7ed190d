package integration

import (
	"bytes"
	"context"
	"database/sql"
	"encoding/base64"
	"encoding/json"
	"fmt"
	"io"
	"net"
	"net/http"
	"os"
	"os/exec"
	"path/filepath"
	"strings"
	"sync"
	"syscall"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/devserver"
	"github.com/spro-cep/cep/internal/testdb"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// The production shape on one machine: a Temporal server whose own persistence is
// PostgreSQL, the application database on PostgreSQL, two `cep api` and two
// `cep worker` processes of the real binary. Cases are driven through both APIs while
// one worker is killed (SIGKILL) and restarted; every case reaches its end exactly once.
func TestProductionTopology(t *testing.T) {
	if testing.Short() {
		t.Skip("builds the binary and runs six processes")
	}
	dbs := make([]string, 3) // application, Temporal, Temporal visibility
	for i := range dbs {
		u, drop, err := testdb.CreateDatabase()
		if err != nil {
			if os.Getenv("CI") == "" {
				t.Skip(err)
			}
			t.Fatal(err)
		}
		t.Cleanup(drop)
		dbs[i] = u
	}
	appDB, temporalDB, visibilityDB := dbs[0], dbs[1], dbs[2]

	srv, err := devserver.Start(devserver.Options{Namespace: "default", Logger: quietLogger(),
		Postgres: &devserver.Postgres{URL: temporalDB, VisibilityURL: visibilityDB}})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = srv.Stop() })
	assertTemporalOnPostgres(t, temporalDB)

	tmp := t.TempDir()
	bin := filepath.Join(tmp, "cep")
	build := exec.Command("go", "build", "-tags", "nodevserver", "-o", bin, "./cmd/cep")
	build.Dir = filepath.Join("..", "..")
	if out, err := build.CombinedOutput(); err != nil {
		t.Fatalf("go build: %v\n%s", err, out)
	}
	secret := strings.Repeat("topology-secret-", 3)
	env := append(os.Environ(), "CEP_TEMPORAL_ADDRESS="+srv.Address(), "CEP_DATABASE_URL="+appDB,
		"CEP_TOKEN_SECRET="+secret, "CEP_DATA_DIR="+filepath.Join(tmp, "data"), "CEP_LOG_LEVEL=warn",
		"CEP_PAYLOAD_KEYS=topology:"+base64.StdEncoding.EncodeToString(bytes.Repeat([]byte{7}, 32)))
	if out, err := (&exec.Cmd{Path: bin, Args: []string{bin, "migrate", "--seed", "--demo"}, Env: env}).CombinedOutput(); err != nil {
		t.Fatalf("cep migrate --seed --demo: %v\n%s", err, out)
	}

	apis := []*process{newProcess(bin, env, "api"), newProcess(bin, env, "api")}
	workers := []*process{newProcess(bin, env, "worker"), newProcess(bin, env, "worker")}
	for _, p := range append(apis, workers...) {
		p.start(t)
		t.Cleanup(func() { p.stop(t) })
	}
	for _, p := range apis {
		p.waitReady(t)
	}
	// The containers' health check is the binary itself.
	health := func(addr string) error {
		return (&exec.Cmd{Path: bin, Args: []string{bin, "health"}, Env: append(env, "CEP_HTTP_ADDR="+addr)}).Run()
	}
	if err := health(apis[0].addr); err != nil {
		t.Errorf("cep health on a ready API: %v", err)
	}
	if err := health(freeAddr()); err == nil {
		t.Error("cep health succeeded where nothing listens")
	}

	key := []byte(secret)
	sender, _ := auth.Sign(key, "adviser-pole-emploi-chartres", "adviser.pole-emploi-chartres@chartres.demo.test", time.Hour)
	target, _ := auth.Sign(key, "adviser-cap-emploi-28", "adviser.cap-emploi-28@chartres.demo.test", time.Hour)

	const cases = 16
	ids := make([]string, cases)
	errs := make(chan error, cases)
	var wg sync.WaitGroup
	killed := make(chan struct{})
	for i := 0; i < cases; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			if i >= cases/2 {
				<-killed // the second half runs while a worker is down, then restarted
			}
			d := &retryingClient{t: t, apis: apis, turn: i}
			id, err := d.casePath(sender, target, i)
			ids[i] = id
			errs <- err
		}(i)
		time.Sleep(100 * time.Millisecond)
	}
	time.Sleep(time.Second)
	workers[0].kill(t)
	close(killed)
	time.Sleep(3 * time.Second)
	workers[0].start(t)
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Error(err)
		}
	}
	if t.Failed() {
		for _, p := range append(apis, workers...) {
			t.Logf("%s output:\n%s", p.role, p.output())
		}
		t.FailNow()
	}

	// Every case exactly once, closed once, in the application database.
	db, err := sql.Open("pgx", appDB)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var total, closed int
	if err := db.QueryRow(`SELECT count(*), count(*) FILTER (WHERE stage = 'closed') FROM cases`).Scan(&total, &closed); err != nil {
		t.Fatal(err)
	}
	if total != cases || closed != cases {
		t.Fatalf("%d cases (%d closed) in the database, want %d closed", total, closed, cases)
	}
	rows, err := db.Query(`SELECT case_id, count(*) FROM case_events WHERE type IN ('case_opened', 'closed') GROUP BY case_id, type HAVING count(*) <> 1`)
	if err != nil {
		t.Fatal(err)
	}
	defer rows.Close()
	for rows.Next() {
		var id string
		var n int
		_ = rows.Scan(&id, &n)
		t.Errorf("case %s has an opening or closing event %d times", id, n)
	}
}

// assertTemporalOnPostgres checks that the server really keeps its histories in
// PostgreSQL: its schema is in the database the test gave it.
func assertTemporalOnPostgres(t *testing.T, url string) {
	t.Helper()
	db, err := sql.Open("pgx", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var n int
	if err := db.QueryRow(`SELECT count(*) FROM information_schema.tables WHERE table_name IN ('executions', 'history_node', 'namespaces')`).Scan(&n); err != nil || n != 3 {
		t.Fatalf("the Temporal schema is not in PostgreSQL: %d tables, %v", n, err)
	}
}

// process is one cep process of the topology.
type process struct {
	bin, role, addr string
	env             []string
	cmd             *exec.Cmd
	mu              sync.Mutex
	out             bytes.Buffer
}

func newProcess(bin string, env []string, role string) *process {
	p := &process{bin: bin, role: role, env: env}
	if role == "api" {
		p.addr = freeAddr()
	}
	return p
}

func freeAddr() string {
	l, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		panic(err)
	}
	defer l.Close()
	return l.Addr().String()
}

func (p *process) Write(b []byte) (int, error) {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.Write(b)
}

func (p *process) output() string {
	p.mu.Lock()
	defer p.mu.Unlock()
	return p.out.String()
}

func (p *process) start(t *testing.T) {
	t.Helper()
	p.cmd = exec.Command(p.bin, p.role)
	p.cmd.Env = append(p.env, "CEP_HTTP_ADDR="+p.addr)
	p.cmd.Stdout, p.cmd.Stderr = p, p
	if err := p.cmd.Start(); err != nil {
		t.Fatal(err)
	}
}

func (p *process) kill(t *testing.T) {
	t.Helper()
	_ = p.cmd.Process.Signal(syscall.SIGKILL)
	_ = p.cmd.Wait()
	p.cmd = nil
}

func (p *process) stop(t *testing.T) {
	if p.cmd == nil {
		return
	}
	_ = p.cmd.Process.Signal(syscall.SIGTERM)
	done := make(chan error, 1)
	go func() { done <- p.cmd.Wait() }()
	select {
	case <-done:
	case <-time.After(30 * time.Second):
		_ = p.cmd.Process.Kill()
		t.Errorf("cep %s did not stop within 30 s", p.role)
	}
	p.cmd = nil
}

func (p *process) waitReady(t *testing.T) {
	t.Helper()
	deadline := time.Now().Add(60 * time.Second)
	for time.Now().Before(deadline) {
		if resp, err := http.Get("http://" + p.addr + "/readyz"); err == nil {
			resp.Body.Close()
			if resp.StatusCode == http.StatusOK {
				return
			}
		}
		time.Sleep(200 * time.Millisecond)
	}
	t.Fatalf("cep api on %s not ready:\n%s", p.addr, p.output())
}

// retryingClient drives one case through the APIs in turn, as a careful client would:
// every write carries an Idempotency-Key and is retried with it after a timeout or a
// 5xx, so that a worker dying under a request never loses or duplicates a change.
type retryingClient struct {
	t    *testing.T
	apis []*process
	turn int
}

func (c *retryingClient) do(token, method, path string, body any, want int, out any) error {
	raw, _ := json.Marshal(body)
	key := uuid.NewString()
	deadline := time.Now().Add(2 * time.Minute)
	for {
		api := c.apis[c.turn%len(c.apis)]
		c.turn++
		req, _ := http.NewRequestWithContext(context.Background(), method, "http://"+api.addr+"/api/v1"+path, bytes.NewReader(raw))
		req.Header.Set("Authorization", "Bearer "+token)
		req.Header.Set("Content-Type", "application/json")
		req.Header.Set("Idempotency-Key", key)
		resp, err := (&http.Client{Timeout: 45 * time.Second}).Do(req)
		if err == nil {
			b, _ := io.ReadAll(resp.Body)
			resp.Body.Close()
			if resp.StatusCode == want {
				if out != nil {
					return json.Unmarshal(b, out)
				}
				return nil
			}
			if resp.StatusCode < 500 {
				return fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
			}
			err = fmt.Errorf("%s %s: %d %s", method, path, resp.StatusCode, b)
		}
		if time.Now().After(deadline) {
			return err
		}
		time.Sleep(500 * time.Millisecond)
	}
}

func (c *retryingClient) casePath(sender, target string, i int) (string, error) {
	var created struct {
		ID string `json:"id"`
	}
	err := c.do(sender, "POST", "/cases", map[string]any{
		"beneficiary": map[string]any{"first_name": "Topologie", "last_name": fmt.Sprintf("Cas %d", i), "birth_date": "1985-04-12",
			"gender": "undisclosed", "postal_code": "28000", "public": "jobseeker", "disability_recognized": true},
		"channel": "on_site", "request": "Reconversion", "needs": []string{"training"},
		"consent": map[string]any{"data_sharing": true},
	}, http.StatusCreated, &created)
	if err != nil {
		return "", err
	}
	id := created.ID
	var h struct {
		ID string `json:"id"`
	}
	if err := c.do(sender, "POST", "/cases/"+id+"/handoffs", map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"},
		http.StatusCreated, &h); err != nil {
		return id, err
	}
	for _, s := range []struct {
		method, path string
		body         any
	}{
		{"POST", "/cases/" + id + "/handoffs/" + h.ID + "/accept", map[string]any{}},
		{"POST", "/cases/" + id + "/counselling", map[string]any{}},
		{"PUT", "/cases/" + id + "/project", map[string]any{"target_occupation": "Aide-soignant", "competences": []any{},
			"autonomy": "medium", "maturity": "building"}},
		{"POST", "/cases/" + id + "/implementation", map[string]any{}},
		{"POST", "/cases/" + id + "/close", map[string]any{"outcome": "training"}},
	} {
		if err := c.do(target, s.method, s.path, s.body, http.StatusOK, nil); err != nil {
			return id, err
		}
	}
	return id, nil
}
