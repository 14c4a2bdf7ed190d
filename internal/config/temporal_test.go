package config

import (
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/base64"
	"encoding/pem"
	"math/big"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"
)

// selfSigned writes a certificate (also usable as its own CA) and its key.
func selfSigned(t *testing.T, dir string) (certFile, keyFile string) {
	t.Helper()
	key, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
	if err != nil {
		t.Fatal(err)
	}
	tmpl := &x509.Certificate{SerialNumber: big.NewInt(1), Subject: pkix.Name{CommonName: "cep test"},
		NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(time.Hour), IsCA: true, BasicConstraintsValid: true,
		KeyUsage: x509.KeyUsageCertSign | x509.KeyUsageDigitalSignature}
	der, err := x509.CreateCertificate(rand.Reader, tmpl, tmpl, &key.PublicKey, key)
	if err != nil {
		t.Fatal(err)
	}
	kder, _ := x509.MarshalECPrivateKey(key)
	certFile, keyFile = filepath.Join(dir, "c.pem"), filepath.Join(dir, "k.pem")
	_ = os.WriteFile(certFile, pem.EncodeToMemory(&pem.Block{Type: "CERTIFICATE", Bytes: der}), 0o600)
	_ = os.WriteFile(keyFile, pem.EncodeToMemory(&pem.Block{Type: "EC PRIVATE KEY", Bytes: kder}), 0o600)
	return certFile, keyFile
}

func TestPayloadKeysAreValidatedAtLoad(t *testing.T) {
	t.Setenv("CEP_PAYLOAD_KEYS", "k1:"+base64.StdEncoding.EncodeToString(make([]byte, 16)))
	if _, err := Load(); err == nil || !strings.Contains(err.Error(), "CEP_PAYLOAD_KEYS") {
		t.Fatalf("a 16-byte key: %v", err)
	}
	good := "k2:" + base64.StdEncoding.EncodeToString(make([]byte, 32)) + ",k1:" + base64.StdEncoding.EncodeToString(make([]byte, 32))
	t.Setenv("CEP_PAYLOAD_KEYS", good)
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if err := c.RequirePayloadKeys(); err != nil {
		t.Fatal(err)
	}
	k, err := c.PayloadCodecKeys(false)
	if err != nil || k.ActiveID() != "k2" {
		t.Fatalf("keys %v %v", k, err)
	}
}

func TestMissingPayloadKeysOutsideDev(t *testing.T) {
	t.Setenv("CEP_PAYLOAD_KEYS", "")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	err = c.RequirePayloadKeys()
	if err == nil || !strings.Contains(err.Error(), "CEP_PAYLOAD_KEYS is required") || strings.Contains(err.Error(), "\n") {
		t.Fatalf("want one line naming CEP_PAYLOAD_KEYS, got %v", err)
	}
	if _, err := c.PayloadCodecKeys(false); err == nil {
		t.Fatal("keys without CEP_PAYLOAD_KEYS outside dev")
	}
	// cep dev keeps one key in its data directory, the same after a restart.
	c.DataDir = t.TempDir()
	first, err := c.PayloadCodecKeys(true)
	if err != nil {
		t.Fatal(err)
	}
	again, err := c.PayloadCodecKeys(true)
	if err != nil || again.ActiveID() != first.ActiveID() {
		t.Fatalf("dev key changed: %v %v", again, err)
	}
	if st, err := os.Stat(c.PayloadKeyPath()); err != nil || st.Mode().Perm() != 0o600 {
		t.Fatalf("dev key file: %v %v", st, err)
	}
}

func TestTemporalTLSConfig(t *testing.T) {
	dir := t.TempDir()
	cert, key := selfSigned(t, dir)
	garbage := filepath.Join(dir, "garbage.pem")
	_ = os.WriteFile(garbage, []byte("not a certificate"), 0o600)
	for _, tc := range []struct {
		name            string
		cert, key, ca   string
		wantErr         string
		wantTLS, mutual bool
	}{
		{name: "none"},
		{name: "CA only: server-verified TLS", ca: cert, wantTLS: true},
		{name: "mutual TLS", cert: cert, key: key, ca: cert, wantTLS: true, mutual: true},
		{name: "cert without key", cert: cert, ca: cert, wantErr: "CEP_TEMPORAL_TLS_CERT and CEP_TEMPORAL_TLS_KEY go together"},
		{name: "missing CA file", ca: filepath.Join(dir, "nope.pem"), wantErr: "CEP_TEMPORAL_TLS_CA"},
		{name: "CA not PEM", ca: garbage, wantErr: "holds no PEM certificate"},
		{name: "key not matching", cert: cert, key: garbage, wantErr: "CEP_TEMPORAL_TLS_CERT/CEP_TEMPORAL_TLS_KEY"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Setenv("CEP_TEMPORAL_TLS_CERT", tc.cert)
			t.Setenv("CEP_TEMPORAL_TLS_KEY", tc.key)
			t.Setenv("CEP_TEMPORAL_TLS_CA", tc.ca)
			c, err := Load()
			if tc.wantErr != "" {
				if err == nil || !strings.Contains(err.Error(), tc.wantErr) {
					t.Fatalf("error %v, want %q", err, tc.wantErr)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			tlsCfg, _ := c.TemporalTLS()
			if (tlsCfg != nil) != tc.wantTLS || (tlsCfg != nil && (len(tlsCfg.Certificates) == 1) != tc.mutual) {
				t.Fatalf("tls %+v", tlsCfg)
			}
		})
	}
}

func TestTemporalUIOrigin(t *testing.T) {
	t.Setenv("CEP_TEMPORAL_UI_ORIGIN", "https://temporal.example.org/, http://localhost:8233")
	c, err := Load()
	if err != nil {
		t.Fatal(err)
	}
	if got := c.TemporalUIOrigins(); len(got) != 2 || got[0] != "https://temporal.example.org" {
		t.Fatalf("origins %v", got)
	}
	t.Setenv("CEP_TEMPORAL_UI_ORIGIN", "https://temporal.example.org/namespaces")
	if _, err := Load(); err == nil {
		t.Fatal("an origin with a path was accepted")
	}
}
