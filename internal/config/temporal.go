package config

import (
	"crypto/tls"
	"crypto/x509"
	"errors"
	"fmt"
	"net/url"
	"os"
	"path/filepath"
	"strings"

	"github.com/spro-cep/cep/internal/payloadcodec"
)

// errNoPayloadKeys is what `cep serve`, `api` and `worker` answer without keys: one line
// saying what to set.
var errNoPayloadKeys = errors.New("configuration: CEP_PAYLOAD_KEYS is required outside `cep dev`: " +
	"set it to id:base64 of 32 random bytes, for example CEP_PAYLOAD_KEYS=k1:$(openssl rand -base64 32)")

func (c Config) validateTemporalSecurity() error {
	if c.PayloadKeys != "" {
		if _, err := payloadcodec.ParseKeys(c.PayloadKeys); err != nil {
			return fmt.Errorf("configuration: CEP_PAYLOAD_KEYS: %w", err)
		}
	}
	if _, err := c.TemporalTLS(); err != nil {
		return err
	}
	for _, o := range c.TemporalUIOrigins() {
		u, err := url.Parse(o)
		if err != nil || (u.Scheme != "https" && u.Scheme != "http") || u.Host == "" || (u.Path != "" && u.Path != "/") || u.RawQuery != "" {
			return fmt.Errorf("configuration: CEP_TEMPORAL_UI_ORIGIN %q is not an origin such as https://temporal.example.org", o)
		}
	}
	return nil
}

// RequirePayloadKeys refuses to run a server without CEP_PAYLOAD_KEYS: outside `cep dev`
// several processes must share the keys, so none may invent its own.
func (c Config) RequirePayloadKeys() error {
	if strings.TrimSpace(c.PayloadKeys) == "" {
		return errNoPayloadKeys
	}
	return nil
}

// PayloadCodecKeys returns the payload keys: CEP_PAYLOAD_KEYS, or when dev allows it and the
// variable is empty, the key kept in the data directory (created on first use).
func (c Config) PayloadCodecKeys(dev bool) (*payloadcodec.Keys, error) {
	if strings.TrimSpace(c.PayloadKeys) != "" {
		k, err := payloadcodec.ParseKeys(c.PayloadKeys)
		if err != nil {
			return nil, fmt.Errorf("configuration: CEP_PAYLOAD_KEYS: %w", err)
		}
		return k, nil
	}
	if !dev {
		return nil, errNoPayloadKeys
	}
	return payloadcodec.LoadOrCreateKeyFile(c.PayloadKeyPath())
}

// PayloadKeyPath is the development payload key file.
func (c Config) PayloadKeyPath() string { return filepath.Join(c.DataDir, "payload.keys") }

// TemporalUIOrigins are the origins of CEP_TEMPORAL_UI_ORIGIN, without trailing slashes.
func (c Config) TemporalUIOrigins() []string {
	var out []string
	for _, o := range strings.Split(c.TemporalUIOrigin, ",") {
		if o = strings.TrimSuffix(strings.TrimSpace(o), "/"); o != "" {
			out = append(out, o)
		}
	}
	return out
}

// TemporalTLS is the TLS configuration of the connection to Temporal, nil for plain
// gRPC: the CA alone verifies the server; a certificate and key add mutual TLS.
func (c Config) TemporalTLS() (*tls.Config, error) {
	if c.TemporalTLSCert == "" && c.TemporalTLSKey == "" && c.TemporalTLSCA == "" {
		return nil, nil
	}
	cfg := &tls.Config{MinVersion: tls.VersionTLS12}
	if (c.TemporalTLSCert == "") != (c.TemporalTLSKey == "") {
		return nil, errors.New("configuration: CEP_TEMPORAL_TLS_CERT and CEP_TEMPORAL_TLS_KEY go together (mutual TLS): set both or neither")
	}
	if c.TemporalTLSCert != "" {
		pair, err := tls.LoadX509KeyPair(c.TemporalTLSCert, c.TemporalTLSKey)
		if err != nil {
			return nil, fmt.Errorf("configuration: CEP_TEMPORAL_TLS_CERT/CEP_TEMPORAL_TLS_KEY: %w", err)
		}
		cfg.Certificates = []tls.Certificate{pair}
	}
	if c.TemporalTLSCA != "" {
		pem, err := os.ReadFile(c.TemporalTLSCA)
		if err != nil {
			return nil, fmt.Errorf("configuration: CEP_TEMPORAL_TLS_CA: %w", err)
		}
		pool := x509.NewCertPool()
		if !pool.AppendCertsFromPEM(pem) {
			return nil, fmt.Errorf("configuration: CEP_TEMPORAL_TLS_CA %s holds no PEM certificate", c.TemporalTLSCA)
		}
		cfg.RootCAs = pool
	}
	return cfg, nil
}
