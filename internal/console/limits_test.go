package console_test

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/testdb"
)

// TestConsoleIsRateLimited: the console's pages count against the same limits as the
// API — per signed-in user, and per client address before any session (the address a
// trusted proxy reports) — and an excess gets a French 429 page with Retry-After.
func TestConsoleIsRateLimited(t *testing.T) {
	st := testdb.Open(t)
	c, err := console.New(context.Background(), console.Deps{Store: st, Directory: directory.New(st), Cases: cases.New(cases.Config{Store: st}),
		Dev: true, Log: slog.New(slog.NewTextHandler(io.Discard, nil)), RateLimitPerMinute: 4, RateLimitPerAddressPerMinute: 8,
		TrustedProxies: []string{"127.0.0.1"}})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console.Mount(http.NotFoundHandler(), c))
	t.Cleanup(srv.Close)
	s := &site{Server: srv, st: st}
	from := func(addr string) func(*http.Request) {
		return func(r *http.Request) { r.Header.Set("X-Forwarded-For", "203.0.113.9, "+addr) }
	}
	do := func(cl *http.Client, method, path string, form url.Values, via func(*http.Request)) (*http.Response, string) {
		t.Helper()
		var body io.Reader
		if form != nil {
			body = strings.NewReader(form.Encode())
		}
		req, _ := http.NewRequest(method, srv.URL+path, body)
		if form != nil {
			req.Header.Set("Content-Type", "application/x-www-form-urlencoded")
		}
		via(req)
		resp, err := cl.Do(req)
		if err != nil {
			t.Fatal(err)
		}
		defer resp.Body.Close()
		b, _ := io.ReadAll(resp.Body)
		return resp, string(b)
	}

	// The user's budget: sign-in (a visitor's call) then four pages; the fifth is refused.
	cl := s.client(t)
	_, page := do(cl, "GET", "/connexion", nil, from("198.51.100.1"))
	if resp, _ := do(cl, "POST", "/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {cioAdviser}}, from("198.51.100.2")); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	for i := range 4 {
		if resp, _ := do(cl, "GET", "/dossiers", nil, from("198.51.100.3")); resp.StatusCode != http.StatusOK {
			t.Fatalf("page %d within the user's limit: %d", i+1, resp.StatusCode)
		}
	}
	resp, body := do(cl, "GET", "/dossiers", nil, from("198.51.100.4"))
	if resp.StatusCode != http.StatusTooManyRequests || resp.Header.Get("Retry-After") == "" || !strings.Contains(body, "Trop de demandes") {
		t.Fatalf("over the user's limit: %d, Retry-After %q, %.300s", resp.StatusCode, resp.Header.Get("Retry-After"), body)
	}

	// One address's budget, whoever calls: the client named by the trusted proxy counts,
	// not the proxy itself.
	for i := range 8 {
		if resp, _ := do(s.client(t), "GET", "/connexion", nil, from("192.0.2.7")); resp.StatusCode != http.StatusOK {
			t.Fatalf("call %d within the address's limit: %d", i+1, resp.StatusCode)
		}
	}
	if resp, _ := do(s.client(t), "GET", "/connexion", nil, from("192.0.2.7")); resp.StatusCode != http.StatusTooManyRequests {
		t.Errorf("over the address's limit: %d", resp.StatusCode)
	}
	if resp, _ := do(s.client(t), "GET", "/connexion", nil, from("192.0.2.8")); resp.StatusCode != http.StatusOK {
		t.Errorf("another client behind the same proxy: %d", resp.StatusCode)
	}
}
