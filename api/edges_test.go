package api

import (
	"context"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/testdb"
)

func edgeRouter(t *testing.T, perUser, perAddress int) (http.Handler, []byte) {
	t.Helper()
	key := []byte("0123456789abcdef0123456789abcdef")
	v, err := auth.NewVerifier(context.Background(), key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	return NewRouter(Deps{Store: testdb.Open(t), Verifier: v, Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		RateLimitPerMinute: perUser, RateLimitPerAddressPerMinute: perAddress}), key
}

func get(h http.Handler, path, token, addr string) *httptest.ResponseRecorder {
	req := httptest.NewRequest(http.MethodGet, path, nil)
	if token != "" {
		req.Header.Set("Authorization", "Bearer "+token)
	}
	req.RemoteAddr = addr
	w := httptest.NewRecorder()
	h.ServeHTTP(w, req)
	return w
}

// TestRateLimits checks the per-user and per-address limits: over them, 429 problem
// with Retry-After; the others are not held back.
func TestRateLimits(t *testing.T) {
	h, key := edgeRouter(t, 2, 5)
	cio, _ := auth.Sign(key, "adviser-cio-chartres", "adviser.cio-chartres@chartres.demo.test", time.Hour)
	pe, _ := auth.Sign(key, "adviser-pole-emploi-chartres", "adviser.pole-emploi-chartres@chartres.demo.test", time.Hour)
	for i := 0; i < 2; i++ {
		if w := get(h, "/api/v1/me", cio, "192.0.2.1:1000"); w.Code != http.StatusOK {
			t.Fatalf("call %d: %d %s", i+1, w.Code, w.Body)
		}
	}
	w := get(h, "/api/v1/me", cio, "192.0.2.2:1000") // another address, same user
	if w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" ||
		!strings.HasPrefix(w.Header().Get("Content-Type"), "application/problem+json") || !strings.Contains(w.Body.String(), "rate-limited") {
		t.Fatalf("over the user's limit: %d %v %s", w.Code, w.Header(), w.Body)
	}
	if w := get(h, "/api/v1/me", pe, "192.0.2.1:1000"); w.Code != http.StatusOK {
		t.Fatalf("another user held back: %d", w.Code)
	}
	// The address 192.0.2.1 has made 3 calls; 2 more pass, the next is refused, even
	// without a token.
	get(h, "/healthz", "", "192.0.2.1:1")
	get(h, "/healthz", "", "192.0.2.1:2")
	if w := get(h, "/healthz", "", "192.0.2.1:3"); w.Code != http.StatusTooManyRequests || w.Header().Get("Retry-After") == "" {
		t.Fatalf("over the address's limit: %d", w.Code)
	}
	// X-Forwarded-For from an untrusted peer changes nothing.
	req := httptest.NewRequest(http.MethodGet, "/healthz", nil)
	req.RemoteAddr, req.Header["X-Forwarded-For"] = "192.0.2.1:4", []string{"198.51.100.9"}
	w = httptest.NewRecorder()
	h.ServeHTTP(w, req)
	if w.Code != http.StatusTooManyRequests {
		t.Fatalf("a forged X-Forwarded-For escaped the limit: %d", w.Code)
	}
}

// TestSecurityHeaders checks the headers of every answer, and no-store on answers
// that carry personal data.
func TestSecurityHeaders(t *testing.T) {
	h, key := edgeRouter(t, 0, 0)
	cio, _ := auth.Sign(key, "adviser-cio-chartres", "adviser.cio-chartres@chartres.demo.test", time.Hour)
	for _, w := range []*httptest.ResponseRecorder{get(h, "/healthz", "", "192.0.2.1:1"), get(h, "/api/v1/me", cio, "192.0.2.1:1"),
		get(h, "/api/v1/cases", cio, "192.0.2.1:1"), get(h, "/nowhere", "", "192.0.2.1:1"), get(h, "/api/v1/me", "", "192.0.2.1:1")} {
		if w.Header().Get("X-Content-Type-Options") != "nosniff" || w.Header().Get("Referrer-Policy") != "no-referrer" ||
			!strings.Contains(w.Header().Get("Content-Security-Policy"), "frame-ancestors 'none'") {
			t.Errorf("%d answer headers: %v", w.Code, w.Header())
		}
	}
	for _, path := range []string{"/api/v1/me", "/api/v1/cases"} {
		if w := get(h, path, cio, "192.0.2.1:1"); w.Header().Get("Cache-Control") != "no-store" {
			t.Errorf("%s: Cache-Control %q", path, w.Header().Get("Cache-Control"))
		}
	}
}
