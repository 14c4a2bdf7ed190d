package auth

import (
	"context"
	"path/filepath"
	"testing"
	"time"

	"github.com/golang-jwt/jwt/v5"
)

func TestSignAndVerify(t *testing.T) {
	key, err := LoadKey("", filepath.Join(t.TempDir(), "k"))
	if err != nil {
		t.Fatal(err)
	}
	v, err := NewVerifier(context.Background(), key, "", "", "")
	if err != nil {
		t.Fatal(err)
	}
	tok, err := Sign(key, "u1", "a@b.test", time.Hour)
	if err != nil {
		t.Fatal(err)
	}
	id, err := v.Verify(context.Background(), tok)
	email := id.Email
	if err != nil || email != "a@b.test" {
		t.Fatalf("Verify = %q, %v", email, err)
	}

	expired, _ := Sign(key, "u1", "a@b.test", -time.Hour)
	if _, err := v.Verify(context.Background(), expired); err == nil {
		t.Fatal("an expired token was accepted")
	}
	other, _ := Sign([]byte("another-key-another-key-another-key!"), "u1", "a@b.test", time.Hour)
	if _, err := v.Verify(context.Background(), other); err == nil {
		t.Fatal("a token signed with another key was accepted")
	}
	none := jwt.NewWithClaims(jwt.SigningMethodNone, jwt.MapClaims{"iss": Issuer, "email": "a@b.test", "exp": time.Now().Add(time.Hour).Unix()})
	unsigned, _ := none.SignedString(jwt.UnsafeAllowNoneSignatureType)
	if _, err := v.Verify(context.Background(), unsigned); err == nil {
		t.Fatal("an unsigned token was accepted")
	}
	if _, err := v.Verify(context.Background(), "garbage"); err == nil {
		t.Fatal("garbage was accepted")
	}
}

func TestLoadKeyIsStable(t *testing.T) {
	path := filepath.Join(t.TempDir(), "dir", "signing.key")
	k1, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	k2, err := LoadKey("", path)
	if err != nil {
		t.Fatal(err)
	}
	if string(k1) != string(k2) || len(k1) != 32 {
		t.Fatal("the key changed between loads")
	}
	if _, err := LoadKey("short", path); err == nil {
		t.Fatal("a short secret was accepted")
	}
}
