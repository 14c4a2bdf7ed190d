package integration

import (
	"context"
	"net"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/activities"
	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// TestDecidedHandoffIsAConflict: accepting or declining a hand-off that was already
// decided answers 409 naming its status (a second click, a colleague), not 404.
func TestDecidedHandoffIsAConflict(t *testing.T) {
	s := env(t)
	peTok, capTok := s.token(t, pe), s.token(t, cap28)
	id := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: peTok, body: newCaseBody("jobseeker", true, true)}).str("id")
	hid := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: peTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + hid + "/accept", token: capTok})
	for what, body := range map[string]any{"accept": nil, "decline": map[string]any{"reason_code": "no_capacity"}} {
		r := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + hid + "/" + what, token: capTok,
			body: body}), http.StatusConflict)
		if r.str("handoff_status") != workflows.HandoffAccepted || r.str("stage") != "reception" {
			t.Fatalf("%s of an accepted hand-off: %s", what, r.Raw)
		}
	}
	// A declined one too, for the holder who can still see the case.
	hid2 := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: capTok,
		body: map[string]any{"to_structure_id": "pole-emploi-chartres", "reason": "retour"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + hid2 + "/decline", token: peTok,
		body: map[string]any{"reason_code": "no_capacity"}})
	r := problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + hid2 + "/accept", token: capTok}), http.StatusConflict)
	if r.str("handoff_status") != workflows.HandoffDeclined {
		t.Fatalf("accept of a declined hand-off: %s", r.Raw)
	}
	// An unknown hand-off stays a 404.
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/nope/accept", token: capTok}), http.StatusNotFound)
}

// TestTemporalUnreachableAnswersFast: with the default update timeout (20 s), writes
// answer 503 within a few seconds while Temporal is unreachable — here a host that
// accepts connections and never answers, as a dropped route or a hung server does —
// and a creation without an Idempotency-Key leaves no personal details behind once the
// sweep has run.
func TestTemporalUnreachableAnswersFast(t *testing.T) {
	s := env(t)
	hole, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	defer hole.Close()
	go func() {
		var held []net.Conn
		defer func() {
			for _, c := range held {
				c.Close()
			}
		}()
		for {
			c, err := hole.Accept()
			if err != nil {
				return
			}
			held = append(held, c)
		}
	}()
	dead, err := client.NewLazyClient(client.Options{HostPort: hole.Addr().String(), Namespace: "default"})
	if err != nil {
		t.Fatal(err)
	}
	defer dead.Close()
	key, _ := auth.LoadKey("", s.app.Cfg.SigningKeyPath())
	verifier, _ := auth.NewVerifier(context.Background(), key, "", "", "")
	srv := httptest.NewServer(api.NewRouter(api.Deps{Store: s.app.Store, Temporal: dead, Verifier: verifier, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Settings: workflows.Settings{HandoffRemindAfter: time.Hour, HandoffExpireAfter: 2 * time.Hour,
			InactivityRemindAfter: time.Hour, HistoryEventsLimit: 1000}}))
	defer srv.Close()
	tok := s.token(t, pe)
	existing := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true)}).str("id")

	var before int64
	s.app.Store.DB.Model(&models.Beneficiary{}).Count(&before)
	for _, c := range []call{
		{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true), base: srv.URL},
		{method: "POST", path: "/api/v1/cases/" + existing + "/counselling", token: tok, base: srv.URL},
		{method: "POST", path: "/api/v1/cases/" + existing + "/contacts", token: tok, base: srv.URL,
			body: map[string]any{"channel": "email", "note": "rappel"}},
		{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true), base: srv.URL,
			headers: map[string]string{"Idempotency-Key": "unreachable-" + existing}},
	} {
		start := time.Now()
		r := s.do(t, c)
		took := time.Since(start)
		problemOf(t, r, http.StatusServiceUnavailable)
		if r.Header.Get("Retry-After") == "" {
			t.Errorf("%s %s: 503 without Retry-After", c.method, c.path)
		}
		if took > 6*time.Second {
			t.Errorf("%s %s answered 503 after %s, want a few seconds", c.method, c.path, took)
		}
	}
	// The first creation wrote its row before finding Temporal out (and could not ask
	// it whether the workflow started); the periodic sweep, asking the real server,
	// removes it. (The later one, refused by the gate, wrote nothing.)
	sweeper := &activities.Activities{Store: s.app.Store, Log: quietLogger(), Temporal: s.app.Temporal}
	if _, err := sweeper.SweepOrphans(context.Background(), workflows.OrphanSweep{MinAge: 0, Batch: 1000}); err != nil {
		t.Fatal(err)
	}
	var after int64
	s.app.Store.DB.Model(&models.Beneficiary{}).Count(&after)
	if after != before {
		t.Errorf("creations refused while Temporal was unreachable left %d personal-details rows after the sweep", after-before)
	}
	s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + existing, token: tok})
}
