package webhook

import (
	"context"
	"errors"
	"net/http"
	"net/http/httptest"
	"strings"
	"testing"
	"time"
)

func TestCheckRefusesInternalAddresses(t *testing.T) {
	ctx := context.Background()
	strict, dev := Policy{}, Policy{AllowLoopbackHTTP: true}
	for _, tc := range []struct {
		url       string
		strict    bool // accepted in production
		dev       bool // accepted by `cep dev`
		dontMatch string
	}{
		{"https://203.0.113.7/hooks", true, true, ""},
		{"https://[2001:db8::1]/hooks", true, true, ""},
		{"http://203.0.113.7/hooks", false, false, ""},
		{"http://127.0.0.1:8080/hooks", false, true, ""},
		{"https://127.0.0.1/hooks", false, true, ""},
		{"http://localhost:9/x", false, true, ""},
		{"https://[::1]/hooks", false, true, ""},
		{"https://10.1.2.3/hooks", false, false, ""},
		{"https://172.16.0.1/hooks", false, false, ""},
		{"https://192.168.1.1/hooks", false, false, ""},
		{"https://169.254.169.254/latest/meta-data", false, false, ""},
		{"https://[fe80::1]/hooks", false, false, ""},
		{"https://[fd00:ec2::254]/hooks", false, false, ""},
		{"https://100.64.0.1/hooks", false, false, ""},
		{"https://0.0.0.0/hooks", false, false, ""},
		{"https://[::ffff:10.0.0.1]/hooks", false, false, ""},
		{"ftp://203.0.113.7/x", false, false, ""},
		{"https://user:pw@203.0.113.7/x", false, false, ""},
		{"https://does-not-resolve.invalid/x", false, false, ""},
	} {
		_, err := strict.Check(ctx, tc.url)
		if (err == nil) != tc.strict {
			t.Errorf("strict Check(%s) = %v, want accepted=%v", tc.url, err, tc.strict)
		}
		_, err = dev.Check(ctx, tc.url)
		if (err == nil) != tc.dev {
			t.Errorf("dev Check(%s) = %v, want accepted=%v", tc.url, err, tc.dev)
		}
		if err != nil && strings.Contains(Describe(err), "://") {
			t.Errorf("Describe quotes the address: %s", Describe(err))
		}
	}
}

// The client checks the address it dials, so a name that passed Check and then
// resolves elsewhere (DNS rebinding) is still refused; and it follows no redirect.
func TestClientDialsOnlyAllowedAddresses(t *testing.T) {
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if r.URL.Path == "/redirect" {
			http.Redirect(w, r, "http://169.254.169.254/latest/meta-data", http.StatusFound)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	_, err := Policy{}.Client(2 * time.Second).Get(srv.URL)
	if !errors.Is(err, ErrRefused) {
		t.Fatalf("the strict client reached a loopback server: %v", err)
	}
	if d := Describe(err); strings.Contains(d, "127.0.0.1") || strings.Contains(d, "http") {
		t.Errorf("Describe quotes the address: %s", d)
	}
	resp, err := Policy{AllowLoopbackHTTP: true}.Client(2 * time.Second).Get(srv.URL + "/redirect")
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusFound {
		t.Errorf("the client followed a redirect: %d", resp.StatusCode)
	}
}

func TestSignature(t *testing.T) {
	body := []byte(`{"id":"n1"}`)
	if Sign("s1", body) == Sign("s2", body) || !strings.HasPrefix(Sign("s1", body), "sha256=") || len(NewSecret()) != 64 {
		t.Errorf("signature %s", Sign("s1", body))
	}
	// The reference value: HMAC-SHA256("s1", body), as a partner would compute it.
	if got := Sign("key", []byte("The quick brown fox jumps over the lazy dog")); got != "sha256=f7bc83f430538424b13298e6aa6fb143ef4d59a14946175997479dbc2d1a3cd8" {
		t.Errorf("Sign = %s", got)
	}
}
