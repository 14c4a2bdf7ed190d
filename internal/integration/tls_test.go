package integration

import (
	"context"
	"crypto/ecdsa"
	"crypto/elliptic"
	"crypto/rand"
	"crypto/x509"
	"crypto/x509/pkix"
	"encoding/pem"
	"math/big"
	"net"
	"os"
	"path/filepath"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/devserver"
)

// pki is a throwaway certificate authority with a server certificate for localhost and
// a client certificate, as files.
type pki struct{ ca, serverCert, serverKey, clientCert, clientKey, otherCA string }

func newPKI(t *testing.T, dir string) pki {
	t.Helper()
	write := func(name, typ string, der []byte) string {
		path := filepath.Join(dir, name)
		if err := os.WriteFile(path, pem.EncodeToMemory(&pem.Block{Type: typ, Bytes: der}), 0o600); err != nil {
			t.Fatal(err)
		}
		return path
	}
	newKey := func() *ecdsa.PrivateKey {
		k, err := ecdsa.GenerateKey(elliptic.P256(), rand.Reader)
		if err != nil {
			t.Fatal(err)
		}
		return k
	}
	serial := int64(0)
	tmpl := func(cn string) *x509.Certificate {
		serial++
		return &x509.Certificate{SerialNumber: big.NewInt(serial), Subject: pkix.Name{CommonName: cn},
			NotBefore: time.Now().Add(-time.Hour), NotAfter: time.Now().Add(24 * time.Hour)}
	}
	makeCA := func(name string) (*x509.Certificate, *ecdsa.PrivateKey, string) {
		key := newKey()
		c := tmpl(name)
		c.IsCA, c.BasicConstraintsValid, c.KeyUsage = true, true, x509.KeyUsageCertSign|x509.KeyUsageDigitalSignature
		der, err := x509.CreateCertificate(rand.Reader, c, c, &key.PublicKey, key)
		if err != nil {
			t.Fatal(err)
		}
		parsed, _ := x509.ParseCertificate(der)
		return parsed, key, write(name+".pem", "CERTIFICATE", der)
	}
	leaf := func(name string, ca *x509.Certificate, caKey *ecdsa.PrivateKey, usage ...x509.ExtKeyUsage) (string, string) {
		key := newKey()
		c := tmpl(name)
		c.KeyUsage, c.ExtKeyUsage = x509.KeyUsageDigitalSignature, usage
		c.DNSNames, c.IPAddresses = []string{"localhost"}, []net.IP{net.ParseIP("127.0.0.1")}
		der, err := x509.CreateCertificate(rand.Reader, c, ca, &key.PublicKey, caKey)
		if err != nil {
			t.Fatal(err)
		}
		kder, err := x509.MarshalECPrivateKey(key)
		if err != nil {
			t.Fatal(err)
		}
		return write(name+".pem", "CERTIFICATE", der), write(name+"-key.pem", "EC PRIVATE KEY", kder)
	}
	ca, caKey, caFile := makeCA("cep-test-ca")
	var p pki
	p.ca = caFile
	// The server's certificate also authenticates its own system workers as clients.
	p.serverCert, p.serverKey = leaf("temporal-frontend", ca, caKey, x509.ExtKeyUsageServerAuth, x509.ExtKeyUsageClientAuth)
	p.clientCert, p.clientKey = leaf("cep-worker", ca, caKey, x509.ExtKeyUsageClientAuth)
	_, _, p.otherCA = makeCA("unrelated-ca")
	return p
}

// TestTemporalTLS runs embedded servers whose frontend requires TLS, then TLS with a
// client certificate, and connects cep to them as `cep worker` does. With TLS: the CA
// alone works, no TLS or another CA fails. With mutual TLS: the CA, certificate and key
// work; no TLS, no client certificate or another CA fail.
func TestTemporalTLS(t *testing.T) {
	s := env(t) // the database, and skipped without PostgreSQL like every test here
	dir := t.TempDir()
	p := newPKI(t, dir)
	type attempt struct {
		name          string
		cert, key, ca string
		works         bool
	}
	for _, server := range []struct {
		name     string
		mutual   bool
		attempts []attempt
	}{
		{"TLS", false, []attempt{
			{"with the CA", "", "", p.ca, true},
			{"without TLS", "", "", "", false},
			{"trusting another CA", "", "", p.otherCA, false},
		}},
		{"mutual TLS", true, []attempt{
			{"with the CA, certificate and key", p.clientCert, p.clientKey, p.ca, true},
			{"without TLS", "", "", "", false},
			{"without a client certificate", "", "", p.ca, false},
			{"trusting another CA", p.clientCert, p.clientKey, p.otherCA, false},
		}},
	} {
		t.Run(server.name, func(t *testing.T) {
			srv, err := devserver.Start(devserver.Options{DBPath: filepath.Join(t.TempDir(), "temporal.db"), Namespace: "default",
				Logger: quietLogger(), TLS: &devserver.TLS{CertFile: p.serverCert, KeyFile: p.serverKey, CAFile: p.ca, RequireClientCert: server.mutual}})
			if err != nil {
				t.Fatal(err)
			}
			defer srv.Stop()
			for _, at := range server.attempts {
				cfg := testConfig(t.TempDir(), s.app.Cfg.DatabaseURL)
				cfg.TemporalAddress, cfg.TemporalPort = srv.Address(), 7233 // the port of an embedded server, unused here
				cfg.TemporalTLSCert, cfg.TemporalTLSKey, cfg.TemporalTLSCA = at.cert, at.key, at.ca
				if err := cfg.Validate(); err != nil {
					t.Fatal(err)
				}
				a, err := app.Start(context.Background(), cfg, quietLogger(), app.Parts{Worker: true})
				if err == nil {
					// The worker registered the search attributes: the connection works.
					_, err = a.Temporal.CheckHealth(context.Background(), &client.CheckHealthRequest{})
					a.Stop(context.Background())
				}
				if (err == nil) != at.works {
					t.Errorf("cep %s: error %v, want success %v", at.name, err, at.works)
				} else if err != nil {
					t.Logf("cep %s: refused as it should: %v", at.name, err)
				}
			}
		})
	}
}
