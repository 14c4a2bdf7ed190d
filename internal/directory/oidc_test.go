package directory

import (
	"context"
	"crypto/rand"
	"crypto/rsa"
	"encoding/base64"
	"encoding/json"
	"math/big"
	"net/http"
	"net/http/httptest"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// provider is an OpenID Connect provider running in the test: discovery, JWKS and ID
// tokens signed RS256 with its own key.
type provider struct {
	srv *httptest.Server
	key *rsa.PrivateKey
}

func newProvider(t *testing.T) *provider {
	t.Helper()
	key, err := rsa.GenerateKey(rand.Reader, 2048)
	if err != nil {
		t.Fatal(err)
	}
	p := &provider{key: key}
	mux := http.NewServeMux()
	mux.HandleFunc("/.well-known/openid-configuration", func(w http.ResponseWriter, r *http.Request) {
		_ = json.NewEncoder(w).Encode(map[string]any{"issuer": p.srv.URL, "jwks_uri": p.srv.URL + "/keys",
			"authorization_endpoint": p.srv.URL + "/authorize", "token_endpoint": p.srv.URL + "/token",
			"response_types_supported": []string{"code"}, "subject_types_supported": []string{"public"},
			"id_token_signing_alg_values_supported": []string{"RS256"}})
	})
	mux.HandleFunc("/keys", func(w http.ResponseWriter, r *http.Request) {
		pub := key.PublicKey
		_ = json.NewEncoder(w).Encode(map[string]any{"keys": []any{map[string]any{"kty": "RSA", "alg": "RS256", "use": "sig", "kid": "k1",
			"n": base64.RawURLEncoding.EncodeToString(pub.N.Bytes()),
			"e": base64.RawURLEncoding.EncodeToString(big.NewInt(int64(pub.E)).Bytes())}}})
	})
	p.srv = httptest.NewServer(mux)
	t.Cleanup(p.srv.Close)
	return p
}

// idToken signs claims over sane defaults (issuer, audience "cep", valid an hour).
func (p *provider) idToken(t *testing.T, claims jwt.MapClaims) string {
	t.Helper()
	now := time.Now()
	c := jwt.MapClaims{"iss": p.srv.URL, "aud": "cep", "sub": "subject-1", "iat": now.Unix(), "exp": now.Add(time.Hour).Unix(),
		"email": "adviser.cio-chartres@chartres.demo.test", "email_verified": true}
	for k, v := range claims {
		if v == nil {
			delete(c, k)
		} else {
			c[k] = v
		}
	}
	tok := jwt.NewWithClaims(jwt.SigningMethodRS256, c)
	tok.Header["kid"] = "k1"
	raw, err := tok.SignedString(p.key)
	if err != nil {
		t.Fatal(err)
	}
	return raw
}

// TestOpenIDConnectSignIn signs in with ID tokens of a provider running in the test:
// the token must be the provider's, for cep, unexpired, with a verified email; the user
// is bound to the issuer and subject at first sign-in and matched on them afterwards.
func TestOpenIDConnectSignIn(t *testing.T) {
	ctx := context.Background()
	p := newProvider(t)
	other := newProvider(t)
	if _, err := auth.NewVerifier(ctx, []byte("0123456789abcdef0123456789abcdef"), p.srv.URL, "", ""); err == nil {
		t.Fatal("an issuer without a client ID was accepted")
	}
	v, err := auth.NewVerifier(ctx, []byte("0123456789abcdef0123456789abcdef"), p.srv.URL, "cep", "")
	if err != nil {
		t.Fatal(err)
	}
	st := testdb.Open(t)
	d := New(st)
	signIn := func(raw string) (*models.User, error) {
		id, err := v.Verify(ctx, raw)
		if err != nil {
			return nil, err
		}
		return d.UserFor(ctx, id)
	}

	for name, raw := range map[string]string{
		"wrong audience":    p.idToken(t, jwt.MapClaims{"aud": "another-app"}),
		"wrong issuer":      other.idToken(t, jwt.MapClaims{"iss": p.srv.URL}), // signed by another provider's key
		"issuer of another": other.idToken(t, nil),
		"expired":           p.idToken(t, jwt.MapClaims{"exp": time.Now().Add(-time.Minute).Unix(), "iat": time.Now().Add(-time.Hour).Unix()}),
		"unverified email":  p.idToken(t, jwt.MapClaims{"email_verified": false}),
		"no email_verified": p.idToken(t, jwt.MapClaims{"email_verified": nil}),
	} {
		if u, err := signIn(raw); err == nil {
			t.Errorf("%s: signed in as %s", name, u.ID)
		}
	}
	if _, err := signIn(p.idToken(t, jwt.MapClaims{"sub": "stranger", "email": "nobody@example.test"})); cases.AsError(err) == nil {
		t.Errorf("an unknown user signed in: %v", err)
	}

	// First sign-in binds the user to the issuer and subject.
	u, err := signIn(p.idToken(t, nil))
	if err != nil || u.ID != "adviser-cio-chartres" {
		t.Fatalf("first sign-in = %+v, %v", u, err)
	}
	var bound models.User
	st.DB.Where("id = ?", u.ID).Take(&bound)
	if bound.OIDCIssuer != p.srv.URL || bound.OIDCSubject != "subject-1" {
		t.Fatalf("binding = %q %q", bound.OIDCIssuer, bound.OIDCSubject)
	}
	// Later sign-ins match on the subject, even after the email changed at the provider.
	if u, err := signIn(p.idToken(t, jwt.MapClaims{"email": "renamed@example.test"})); err != nil || u.ID != "adviser-cio-chartres" {
		t.Errorf("sign-in after an email change = %+v, %v", u, err)
	}
	// Another subject with the bound user's email does not open the account.
	if u, err := signIn(p.idToken(t, jwt.MapClaims{"sub": "subject-2"})); err == nil {
		t.Errorf("a subject change signed in as %s", u.ID)
	}
	// cep's own tokens still name users by email.
	tok, _ := auth.Sign([]byte("0123456789abcdef0123456789abcdef"), "adviser-cio-chartres", "adviser.cio-chartres@chartres.demo.test", time.Minute)
	if u, err := signIn(tok); err != nil || u.ID != "adviser-cio-chartres" {
		t.Errorf("cep token = %+v, %v", u, err)
	}
}
