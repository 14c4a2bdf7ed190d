// Package auth issues and verifies the bearer tokens of the API: HS256 tokens signed
// with the platform key (printed by `cep token`), and, when configured, ID tokens of an
// OpenID Connect issuer such as ProConnect. The token names an identity (an email, and
// for OpenID Connect the issuer and subject the user is bound to); the user's role and
// structure come from the database (directory.UserFor).
package auth

import (
	"context"
	"crypto/rand"
	"encoding/hex"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/coreos/go-oidc/v3/oidc"
	"github.com/golang-jwt/jwt/v5"
)

// Issuer is the iss claim of tokens signed by cep itself.
const Issuer = "cep"

// ErrInvalidToken is returned for any token that cannot be trusted.
var ErrInvalidToken = errors.New("invalid or expired token")

// Identity is who a valid token names.
type Identity struct {
	Email string
	// Issuer and Subject are set for an OpenID Connect ID token: the user is bound to
	// them at first sign-in and matched on them afterwards (package directory).
	Issuer, Subject string
}

// Verifier checks tokens and returns the identity they name.
type Verifier struct {
	key        []byte
	oidc       *oidc.IDTokenVerifier
	emailClaim string
}

// LoadKey returns secret when set, or the key kept at path, creating it on first use.
func LoadKey(secret, path string) ([]byte, error) {
	if secret != "" {
		if len(secret) < 32 {
			return nil, errors.New("CEP_TOKEN_SECRET must be at least 32 characters")
		}
		return []byte(secret), nil
	}
	if b, err := os.ReadFile(path); err == nil {
		key, err := hex.DecodeString(strings.TrimSpace(string(b)))
		if err != nil || len(key) < 32 {
			return nil, fmt.Errorf("signing key %s is corrupt: delete it to make a new one", path)
		}
		return key, nil
	} else if !errors.Is(err, os.ErrNotExist) {
		return nil, err
	}
	key := make([]byte, 32)
	if _, err := rand.Read(key); err != nil {
		return nil, err
	}
	if err := os.MkdirAll(filepath.Dir(path), 0o750); err != nil {
		return nil, err
	}
	// O_EXCL: when two processes start together, one writes and both read the same key.
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o600)
	if errors.Is(err, os.ErrExist) {
		return LoadKey("", path)
	}
	if err != nil {
		return nil, err
	}
	defer f.Close()
	if _, err := f.WriteString(hex.EncodeToString(key) + "\n"); err != nil {
		return nil, err
	}
	return key, nil
}

// NewVerifier verifies cep tokens with key and, when issuer is set, OIDC ID tokens.
func NewVerifier(ctx context.Context, key []byte, issuer, clientID, emailClaim string) (*Verifier, error) {
	v := &Verifier{key: key, emailClaim: emailClaim}
	if v.emailClaim == "" {
		v.emailClaim = "email"
	}
	if issuer != "" {
		if clientID == "" {
			// Without an audience check, an ID token issued to any other application of
			// the same provider would open cep.
			return nil, errors.New("CEP_OIDC_CLIENT_ID is required with CEP_OIDC_ISSUER")
		}
		p, err := oidc.NewProvider(ctx, issuer)
		if err != nil {
			return nil, fmt.Errorf("OIDC issuer %s: %w", issuer, err)
		}
		v.oidc = p.Verifier(&oidc.Config{ClientID: clientID})
	}
	return v, nil
}

// Sign makes a token for email valid for ttl.
func Sign(key []byte, userID, email string, ttl time.Duration) (string, error) {
	now := time.Now()
	claims := jwt.MapClaims{
		"iss": Issuer, "sub": userID, "email": email,
		"iat": now.Unix(), "nbf": now.Add(-time.Minute).Unix(), "exp": now.Add(ttl).Unix(),
	}
	return jwt.NewWithClaims(jwt.SigningMethodHS256, claims).SignedString(key)
}

// Verify returns the identity named by a valid token: cep's own (HS256), or an ID
// token of the configured OpenID Connect issuer (signature, issuer, audience = the
// client ID, expiry) whose email is verified.
func (v *Verifier) Verify(ctx context.Context, raw string) (Identity, error) {
	if raw == "" {
		return Identity{}, ErrInvalidToken
	}
	var claims jwt.MapClaims
	parsed, err := jwt.ParseWithClaims(raw, &claims, func(t *jwt.Token) (any, error) { return v.key, nil },
		jwt.WithValidMethods([]string{"HS256"}), jwt.WithIssuer(Issuer), jwt.WithExpirationRequired())
	if err == nil && parsed.Valid {
		if email, _ := claims["email"].(string); email != "" {
			return Identity{Email: email}, nil
		}
		return Identity{}, ErrInvalidToken
	}
	if v.oidc != nil {
		tok, oerr := v.oidc.Verify(ctx, raw)
		if oerr != nil {
			return Identity{}, ErrInvalidToken
		}
		var c map[string]any
		if err := tok.Claims(&c); err != nil {
			return Identity{}, ErrInvalidToken
		}
		// An unverified address could be anyone's: it names no one.
		if verified, _ := c["email_verified"].(bool); !verified && c["email_verified"] != "true" {
			return Identity{}, ErrInvalidToken
		}
		if email, _ := c[v.emailClaim].(string); email != "" && tok.Subject != "" {
			return Identity{Email: email, Issuer: tok.Issuer, Subject: tok.Subject}, nil
		}
	}
	return Identity{}, ErrInvalidToken
}
