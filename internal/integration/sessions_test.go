package integration

import (
	"net/http"
	"testing"
	"time"
)

// TestSessionsCanBeCorrected corrects a session's summary alone and deletes a session
// recorded twice, through the real server: the other fields keep their values, the
// timeline names the fields but not the text, a deleted session stays deleted, a retried
// deletion answers as the first, and nobody outside the holding structure may do it.
func TestSessionsCanBeCorrected(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, "")
	base := "/api/v1/cases/" + id
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/counselling", token: tok})
	today := time.Now().In(paris()).Format(time.DateOnly)
	first := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/sessions", token: tok, body: map[string]any{
		"date": today, "duration_minutes": 60, "mode": "on_site", "summary": "Premier entretien"}})
	dup := s.must(t, http.StatusCreated, call{method: "POST", path: base + "/sessions", token: tok, body: map[string]any{
		"date": today, "duration_minutes": 60, "mode": "on_site", "summary": "Saisi deux fois"}})
	sid, dupID := first.str("id"), dup.str("id")

	got := s.must(t, http.StatusOK, call{method: "PATCH", path: base + "/sessions/" + sid, token: tok,
		body: map[string]any{"summary": "Premier entretien, projet d'aide-soignant"}})
	if got.str("summary") != "Premier entretien, projet d'aide-soignant" || got.str("date") != today ||
		got.get("duration_minutes") != float64(60) || got.str("mode") != "on_site" {
		t.Fatalf("after a summary correction the session is %s", got.Raw)
	}

	key := map[string]string{"Idempotency-Key": "remove-dup-1"}
	removed := s.must(t, http.StatusOK, call{method: "DELETE", path: base + "/sessions/" + dupID, token: tok, headers: key})
	if removed.get("sessions_count") != float64(1) {
		t.Fatalf("after a deletion sessions_count = %v", removed.get("sessions_count"))
	}
	s.must(t, http.StatusOK, call{method: "DELETE", path: base + "/sessions/" + dupID, token: tok, headers: key})
	problemOf(t, s.do(t, call{method: "DELETE", path: base + "/sessions/" + dupID, token: tok}), http.StatusNotFound)
	problemOf(t, s.do(t, call{method: "PATCH", path: base + "/sessions/" + dupID, token: tok, body: map[string]any{"mode": "phone"}}), http.StatusNotFound)

	list := s.must(t, http.StatusOK, call{method: "GET", path: base + "/sessions", token: tok})
	if items := list.get("items").([]any); len(items) != 1 || items[0].(map[string]any)["id"] != sid {
		t.Fatalf("sessions after the deletion: %s", list.Raw)
	}
	events := s.must(t, http.StatusOK, call{method: "GET", path: base + "/events", token: tok})
	var changed, gone bool
	for _, e := range events.get("items").([]any) {
		ev := e.(map[string]any)
		d, _ := ev["details"].(map[string]any)
		switch ev["type"] {
		case "session_changed":
			changed = d["session_id"] == sid && ev["actor_id"] != "" && len(d["fields"].([]any)) == 1
			if _, leaked := d["summary"]; leaked {
				t.Error("the timeline carries the corrected summary")
			}
		case "session_removed":
			gone = d["session_id"] == dupID
		}
	}
	if !changed || !gone {
		t.Fatalf("timeline lacks the corrections (changed %v, removed %v): %s", changed, gone, events.Raw)
	}

	tomorrow := time.Now().In(paris()).AddDate(0, 0, 1).Format(time.DateOnly)
	for _, tc := range []struct {
		body  map[string]any
		field string
	}{
		{map[string]any{"date": tomorrow}, "date"},
		{map[string]any{"mode": "carrier pigeon"}, "mode"},
		{map[string]any{"duration_minutes": 0}, "duration_minutes"},
	} {
		p := problemOf(t, s.do(t, call{method: "PATCH", path: base + "/sessions/" + sid, token: tok, body: tc.body}), http.StatusBadRequest)
		if p.str("errors.0.field") != tc.field {
			t.Errorf("PATCH %v: problem %s, want field %s", tc.body, p.Raw, tc.field)
		}
	}
	problemOf(t, s.do(t, call{method: "PATCH", path: base + "/sessions/" + sid, token: tok, body: map[string]any{}}), http.StatusBadRequest)
	problemOf(t, s.do(t, call{method: "DELETE", path: base + "/sessions/" + sid, token: s.token(t, cio)}), http.StatusNotFound)
}

func paris() *time.Location {
	l, err := time.LoadLocation("Europe/Paris")
	if err != nil {
		panic(err)
	}
	return l
}
