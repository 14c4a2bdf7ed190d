package integration

import (
	"encoding/json"
	"io"
	"net/http"
	"net/url"
	"strings"
	"testing"
	"time"
)

// surveyLinks are the survey invitations of a case in the holder's outbox, by moment.
func surveyLinks(t *testing.T, s *stack, tok, caseID string) map[string]string {
	t.Helper()
	r := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/notifications?kind=survey_invitation&case_id=" + caseID, token: tok})
	out := map[string]string{}
	for _, it := range asList(r.get("items")) {
		var p map[string]any
		switch v := it.(map[string]any)["payload"].(type) {
		case map[string]any:
			p = v
		case string:
			_ = json.Unmarshal([]byte(v), &p)
		}
		if link, _ := p["link"].(string); link != "" {
			out[p["moment"].(string)] = link
		}
	}
	return out
}

func page(t *testing.T, method, u string, form url.Values) (int, string) {
	t.Helper()
	var resp *http.Response
	var err error
	if method == "POST" {
		resp, err = http.PostForm(u, form)
	} else {
		resp, err = http.Get(u)
	}
	if err != nil {
		t.Fatal(err)
	}
	defer resp.Body.Close()
	b, _ := io.ReadAll(resp.Body)
	if ct := resp.Header.Get("Content-Type"); !strings.HasPrefix(ct, "text/html") {
		t.Fatalf("%s %s: content type %q", method, u, ct)
	}
	return resp.StatusCode, string(b)
}

// A person answers the survey at the end of a level and, 6 months after the closure
// (seconds here), the follow-up survey, through signed links without an account; the
// answers feed the indicators.
func TestSurveyAndSixMonthFollowUpAnswered(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.openCase(t, tok, s.shortBase)
	base := "/api/v1/cases/" + id
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/counselling", token: tok, base: s.shortBase})
	s.must(t, http.StatusOK, call{method: "POST", path: base + "/close", token: tok, body: map[string]any{"outcome": "training"}, base: s.shortBase})

	var links map[string]string
	eventually(t, 15*time.Second, "the level-end survey invitation", func() bool {
		links = surveyLinks(t, s, tok, id)
		return links["level_end"] != ""
	})
	levelEnd := s.base + links["level_end"]
	if !strings.HasPrefix(links["level_end"], "/enquete/") {
		t.Fatalf("link %q", links["level_end"])
	}
	code, body := page(t, "GET", levelEnd, nil)
	if code != http.StatusOK || !strings.Contains(body, `lang="fr"`) || !strings.Contains(body, "<legend>Êtes-vous satisfait(e) du conseil reçu ?</legend>") ||
		strings.Contains(body, `name="situation"`) {
		t.Fatalf("level-end survey page (%d): %s", code, body)
	}
	if code, _ := page(t, "POST", levelEnd, url.Values{"satisfaction": {"4"}}); code != http.StatusBadRequest {
		t.Fatalf("an incomplete answer is refused: %d", code)
	}
	if code, body := page(t, "POST", levelEnd, url.Values{"satisfaction": {"4"}, "usefulness": {"3"}}); code != http.StatusOK || !strings.Contains(body, "enregistrées") {
		t.Fatalf("answer (%d): %s", code, body)
	}
	if code, _ := page(t, "POST", levelEnd, url.Values{"satisfaction": {"1"}, "usefulness": {"1"}}); code != http.StatusConflict {
		t.Fatalf("a second answer: %d", code)
	}
	tampered := levelEnd[:len(levelEnd)-3] + "abc"
	if code, _ := page(t, "GET", tampered, nil); code != http.StatusNotFound {
		t.Fatalf("a tampered link: %d", code)
	}

	// Six months after the closure (3 s here), the follow-up asks the situation too.
	eventually(t, 30*time.Second, "the 6-month follow-up invitation", func() bool {
		links = surveyLinks(t, s, tok, id)
		return links["six_months"] != ""
	})
	six := s.base + links["six_months"]
	code, body = page(t, "GET", six, nil)
	if code != http.StatusOK || !strings.Contains(body, `name="situation" value="job"`) {
		t.Fatalf("6-month survey page (%d): %s", code, body)
	}
	if code, _ := page(t, "POST", six, url.Values{"satisfaction": {"3"}, "usefulness": {"2"}}); code != http.StatusBadRequest {
		t.Fatalf("the 6-month answer needs the situation: %d", code)
	}
	if code, _ := page(t, "POST", six, url.Values{"satisfaction": {"3"}, "usefulness": {"2"}, "situation": {"job"}}); code != http.StatusOK {
		t.Fatalf("6-month answer: %d", code)
	}

	// The indicators count the answers: satisfaction, usefulness, situation by outcome.
	today := time.Now().UTC()
	ind := s.must(t, http.StatusOK, call{method: "GET", token: s.token(t, coordinator), path: "/api/v1/supervision/indicators?from=" +
		today.AddDate(0, 0, -1).Format(time.DateOnly) + "&to=" + today.AddDate(0, 0, 2).Format(time.DateOnly)})
	if n, _ := ind.get("follow_up.surveys_answered").(float64); n < 2 {
		t.Fatalf("indicators: %s", ind.Raw)
	}
	if n, _ := ind.get("follow_up.situation_at_six_months.training.job").(float64); n < 1 {
		t.Fatalf("situation at 6 months by outcome: %s", ind.get("follow_up"))
	}
	if n, _ := ind.get("follow_up.outcomes_by_gender.female.training").(float64); n < 1 {
		t.Fatalf("outcomes by gender: %v", ind.get("follow_up"))
	}
	if r, _ := ind.get("follow_up.satisfaction_rate").(float64); r <= 0 || r > 1 {
		t.Fatalf("satisfaction rate %v", r)
	}
}
