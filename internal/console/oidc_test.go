package console_test

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"crypto/sha256"
	"encoding/base64"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/go-jose/go-jose/v4"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/testdb"
)

// fakeIssuer is a minimal OpenID Connect provider: discovery, keys, an authorisation
// endpoint that approves at once as a given email, and a token endpoint that checks
// the PKCE verifier.
type fakeIssuer struct {
	*httptest.Server
	key   *rsa.PrivateKey
	email string
	// userInfoOnly gives the email in the user info only, as ProConnect does.
	userInfoOnly bool

	mu        sync.Mutex
	challenge map[string]string // code → code_challenge
	nonce     map[string]string // code → nonce
}

func newFakeIssuer(t *testing.T, clientID string) *fakeIssuer {
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	f := &fakeIssuer{key: key, challenge: map[string]string{}, nonce: map[string]string{}}
	mux := http.NewServeMux()
	f.Server = httptest.NewServer(mux)
	t.Cleanup(f.Close)
	mux.HandleFunc("GET /.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": f.URL, "authorization_endpoint": f.URL + "/authorize",
			"token_endpoint": f.URL + "/token", "userinfo_endpoint": f.URL + "/userinfo", "jwks_uri": f.URL + "/jwks", "response_types_supported": []string{"code"},
			"subject_types_supported": []string{"public"}, "id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("GET /jwks", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(jose.JSONWebKeySet{Keys: []jose.JSONWebKey{{Key: &key.PublicKey, KeyID: "k1", Algorithm: "RS256", Use: "sig"}}})
	})
	mux.HandleFunc("GET /userinfo", func(w http.ResponseWriter, r *http.Request) {
		if r.Header.Get("Authorization") != "Bearer at" {
			http.Error(w, "no token", http.StatusUnauthorized)
			return
		}
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"sub": "pc-123", "email": f.email})
	})
	mux.HandleFunc("GET /authorize", func(w http.ResponseWriter, r *http.Request) {
		q := r.URL.Query()
		if q.Get("code_challenge_method") != "S256" || q.Get("code_challenge") == "" || q.Get("nonce") == "" ||
			q.Get("state") == "" || q.Get("client_id") != clientID {
			http.Error(w, "missing PKCE, nonce or state", http.StatusBadRequest)
			return
		}
		code := base64.RawURLEncoding.EncodeToString([]byte(q.Get("state")))[:16]
		f.mu.Lock()
		f.challenge[code], f.nonce[code] = q.Get("code_challenge"), q.Get("nonce")
		f.mu.Unlock()
		http.Redirect(w, r, q.Get("redirect_uri")+"?code="+code+"&state="+url.QueryEscape(q.Get("state")), http.StatusFound)
	})
	mux.HandleFunc("POST /token", func(w http.ResponseWriter, r *http.Request) {
		_ = r.ParseForm()
		code := r.PostForm.Get("code")
		f.mu.Lock()
		challenge, nonce := f.challenge[code], f.nonce[code]
		delete(f.challenge, code)
		f.mu.Unlock()
		sum := sha256.Sum256([]byte(r.PostForm.Get("code_verifier")))
		if challenge == "" || base64.RawURLEncoding.EncodeToString(sum[:]) != challenge {
			w.Header().Set("Content-Type", "application/json")
			w.WriteHeader(http.StatusBadRequest)
			_, _ = io.WriteString(w, `{"error":"invalid_grant"}`)
			return
		}
		signer, err := jose.NewSigner(jose.SigningKey{Algorithm: jose.RS256, Key: key},
			(&jose.SignerOptions{}).WithType("JWT").WithHeader("kid", "k1"))
		if err != nil {
			t.Error(err)
			return
		}
		now := time.Now()
		c := map[string]any{"iss": f.URL, "aud": clientID, "sub": "pc-123", "email": f.email,
			"nonce": nonce, "iat": now.Unix(), "exp": now.Add(time.Minute).Unix()}
		if f.userInfoOnly {
			delete(c, "email")
		}
		claims, _ := json.Marshal(c)
		jws, err := signer.Sign(claims)
		if err != nil {
			t.Error(err)
			return
		}
		idToken, _ := jws.CompactSerialize()
		w.Header().Set("Content-Type", "application/json")
		_ = json.NewEncoder(w).Encode(map[string]any{"access_token": "at", "token_type": "Bearer", "expires_in": 60, "id_token": idToken})
	})
	return f
}

// follow GETs u and returns the response without following redirects.
func follow(t *testing.T, c *http.Client, u string) *http.Response {
	t.Helper()
	resp, err := c.Get(u)
	if err != nil {
		t.Fatal(err)
	}
	resp.Body.Close()
	return resp
}

func TestProConnectSignIn(t *testing.T) {
	st := testdb.Open(t)
	issuer := newFakeIssuer(t, "cep-console")
	var handler http.Handler
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) { handler.ServeHTTP(w, r) }))
	defer srv.Close()
	c, err := console.New(context.Background(), console.Deps{Store: st, Directory: directory.New(st), Cases: cases.New(cases.Config{Store: st}), Log: slog.New(slog.NewTextHandler(io.Discard, nil)),
		OIDC: console.OIDCConfig{Issuer: issuer.URL, ClientID: "cep-console", ClientSecret: "s3cret",
			RedirectURL: srv.URL + "/connexion/oidc/retour"}})
	if err != nil {
		t.Fatal(err)
	}
	handler = c
	s := &site{Server: srv, st: st}

	signIn := func(email string) (*http.Client, *http.Response, string) {
		issuer.email = email
		cl := s.client(t)
		_, page := get(t, cl, srv.URL+"/connexion")
		if !strings.Contains(page, "ProConnect") || strings.Contains(page, "demo.test") {
			t.Fatal("the sign-in page should offer ProConnect and no demo user")
		}
		start := follow(t, cl, srv.URL+"/connexion/oidc")
		if start.StatusCode != http.StatusFound || !strings.HasPrefix(start.Header.Get("Location"), issuer.URL+"/authorize") {
			t.Fatalf("start: %d %s", start.StatusCode, start.Header.Get("Location"))
		}
		back := follow(t, cl, start.Header.Get("Location"))
		if back.StatusCode != http.StatusFound {
			t.Fatalf("issuer refused the request: %d", back.StatusCode)
		}
		return cl, follow(t, cl, back.Header.Get("Location")), back.Header.Get("Location")
	}

	cl, done, callback := signIn(cioAdviser)
	if done.StatusCode != http.StatusSeeOther || done.Header.Get("Location") != "/dossiers" {
		t.Fatalf("callback: %d %s", done.StatusCode, done.Header.Get("Location"))
	}
	if resp, _ := get(t, cl, srv.URL+"/dossiers"); resp.StatusCode != http.StatusOK {
		t.Fatalf("/dossiers after ProConnect: %d", resp.StatusCode)
	}
	// The same answer replayed (by this browser or another) signs no one in.
	if resp := follow(t, cl, callback); resp.StatusCode != http.StatusForbidden {
		t.Errorf("replayed callback: %d, want 403", resp.StatusCode)
	}
	if resp := follow(t, s.client(t), callback); resp.StatusCode != http.StatusForbidden {
		t.Errorf("callback in another browser: %d, want 403", resp.StatusCode)
	}

	// A state that does not match is refused.
	cl = s.client(t)
	_, _ = get(t, cl, srv.URL+"/connexion")
	start := follow(t, cl, srv.URL+"/connexion/oidc")
	back := follow(t, cl, start.Header.Get("Location"))
	u, _ := url.Parse(back.Header.Get("Location"))
	q := u.Query()
	q.Set("state", "forged")
	u.RawQuery = q.Encode()
	if resp := follow(t, cl, u.String()); resp.StatusCode != http.StatusForbidden {
		t.Errorf("forged state: %d, want 403", resp.StatusCode)
	}

	// The email may come from the user info only.
	issuer.userInfoOnly = true
	if _, resp, _ := signIn(coordinator); resp.StatusCode != http.StatusSeeOther || resp.Header.Get("Location") != "/supervision" {
		t.Errorf("email from the user info: %d %s", resp.StatusCode, resp.Header.Get("Location"))
	}
	issuer.userInfoOnly = false

	// An identity with no active user of cep is refused.
	if _, resp, _ := signIn("someone@elsewhere.gouv.fr"); resp.StatusCode != http.StatusForbidden {
		t.Errorf("unknown email: %d, want 403", resp.StatusCode)
	}
	before := signedInSessions(t, st)
	if before != 2 {
		t.Errorf("%d signed-in sessions, want the two of the successful sign-ins", before)
	}
}
