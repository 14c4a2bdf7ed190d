package integration

import (
	"net/http"
	"testing"
	"time"
)

// TestIdempotencyKeysAreTiedToOneRequest replays commands with their Idempotency-Key
// on the real stack: the same request answers as the first did, another request with
// the same key answers 422 and changes nothing, and a replayed creation answers only
// to who may still see the case, as an audited read.
func TestIdempotencyKeysAreTiedToOneRequest(t *testing.T) {
	s := env(t)
	cioTok, capTok, coordTok := s.token(t, cio), s.token(t, cap28), s.token(t, coordinator)
	key := func(k string) map[string]string {
		return map[string]string{"Idempotency-Key": k + "-" + time.Now().Format("150405.000000")}
	}
	db := s.app.Store.DB

	create := key("create")
	body := newCaseBody("jobseeker", true, true)
	first := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: cioTok, body: body, headers: create})
	id := first.str("id")
	again := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: cioTok, body: body, headers: create})
	if again.str("id") != id {
		t.Fatalf("the replay named case %s, the first %s", again.str("id"), id)
	}
	other := newCaseBody("student", false, true)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases", token: cioTok, body: other, headers: create}), http.StatusUnprocessableEntity)
	var reads int64
	db.Table("audit_log").Where("case_id = ? AND user_id = ? AND what = ?", id, "adviser-cio-chartres", "cases.create").Count(&reads)
	if reads != 2 {
		t.Errorf("creation answers audited as reads: %d, want 2 (first and replay)", reads)
	}

	// An update: the same key with another body is refused and changes nothing.
	pause := key("pause")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: cioTok, body: map[string]any{"reason": "holiday"}, headers: pause})
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: cioTok, body: map[string]any{"reason": "holiday"}, headers: pause})
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/pause", token: cioTok, body: map[string]any{"reason": "illness"}, headers: pause}),
		http.StatusUnprocessableEntity)
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases/" + id + "/resume", token: cioTok, headers: pause}), http.StatusUnprocessableEntity)
	if got := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/cases/" + id, token: cioTok}); got.get("paused") != true || got.str("pause_reason") != "holiday" {
		t.Errorf("after the refused reuse: paused %v, reason %q", got.get("paused"), got.str("pause_reason"))
	}
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/resume", token: cioTok, headers: key("resume")})

	// A coordination command likewise.
	remind := key("remind")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/supervision/cases/" + id + "/remind", token: coordTok, body: map[string]any{"reason": "r1"}, headers: remind})
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/supervision/cases/" + id + "/remind", token: coordTok, body: map[string]any{"reason": "r2"}, headers: remind}),
		http.StatusUnprocessableEntity)

	// Once Cap emploi has taken the case, the CIO no longer sees it: its replayed
	// creation answers 404.
	h := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs", token: cioTok,
		body: map[string]any{"to_structure_id": "cap-emploi-28", "reason": "RQTH"}}).str("id")
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + id + "/handoffs/" + h + "/accept", token: capTok})
	eventually(t, 10*time.Second, "the hand-off projected", func() bool {
		var holder string
		db.Table("cases").Select("structure_id").Where("id = ?", id).Scan(&holder)
		return holder == "cap-emploi-28"
	})
	problemOf(t, s.do(t, call{method: "POST", path: "/api/v1/cases", token: cioTok, body: body, headers: create}), http.StatusNotFound)
}
