//go:build nodevserver

package devserver

import (
	"errors"
	"log/slog"
	"time"
)

// Available reports whether this binary carries the embedded server.
const Available = false

// Options configure the embedded server.
type Options struct {
	DBPath       string
	Namespace    string
	FrontendPort int
	Logger       *slog.Logger
	TLS          *TLS
	Postgres     *Postgres
	Retention    time.Duration
}

// Postgres names the server's own databases (unused without the embedded server).
type Postgres struct {
	URL, VisibilityURL string
}

// TLS are the frontend's certificate files (unused without the embedded server).
type TLS struct {
	CertFile, KeyFile, CAFile string
	RequireClientCert         bool
}

// Server is absent from production builds.
type Server struct{}

// ErrNotBuiltIn is returned by Start in binaries built with the nodevserver tag.
var ErrNotBuiltIn = errors.New("this cep binary was built without the embedded Temporal server (nodevserver tag): set CEP_TEMPORAL_ADDRESS or use a development build")

// Start always fails in production builds.
func Start(Options) (*Server, error) { return nil, ErrNotBuiltIn }

// Address is empty.
func (*Server) Address() string { return "" }

// Stop does nothing.
func (*Server) Stop() error { return nil }

// WebUIOptions configure the Temporal web UI (unused without the embedded server).
type WebUIOptions struct {
	IP                                        string
	Port                                      int
	TemporalAddress, Namespace, CodecEndpoint string
}

// WebUI is absent from production builds.
type WebUI struct{}

// ErrPortTaken is returned when the UI's port is already in use.
var ErrPortTaken = errors.New("port already in use")

// StartWebUI always fails in production builds.
func StartWebUI(WebUIOptions) (*WebUI, error) { return nil, ErrNotBuiltIn }

// URL is empty.
func (*WebUI) URL() string { return "" }

// Stop does nothing.
func (*WebUI) Stop() {}
