//go:build !nodevserver

package devserver

import (
	"errors"
	"fmt"
	"net"
	"net/http"
	"strconv"
	"time"

	uiserver "github.com/temporalio/ui-server/v2/server"
	uiconfig "github.com/temporalio/ui-server/v2/server/config"
	uioptions "github.com/temporalio/ui-server/v2/server/server_options"
)

// WebUIOptions configure the Temporal web UI served beside the embedded server.
type WebUIOptions struct {
	// IP and Port are where the UI listens (loopback in `cep dev`).
	IP   string
	Port int
	// TemporalAddress is the frontend the UI reads workflows from.
	TemporalAddress string
	// Namespace is the one the UI opens on.
	Namespace string
	// CodecEndpoint is where the UI's browser decodes payloads (cep's session-authenticated
	// codec); the browser sends its cookies so that a signed-in admin sees clear payloads.
	CodecEndpoint string
}

// WebUI is a running Temporal web UI.
type WebUI struct {
	srv *uiserver.Server
	url string
}

// ErrPortTaken is returned when the UI's port is already in use.
var ErrPortTaken = errors.New("port already in use")

// StartWebUI serves the Temporal web UI (its assets are embedded in the ui-server module)
// and waits until it answers. The UI server exits the process when it cannot listen, so
// the port is tried first and a taken one is reported as ErrPortTaken instead.
func StartWebUI(o WebUIOptions) (*WebUI, error) {
	addr := net.JoinHostPort(o.IP, strconv.Itoa(o.Port))
	l, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, fmt.Errorf("Temporal web UI on %s: %w", addr, ErrPortTaken)
	}
	_ = l.Close()
	srv := uiserver.NewServer(uioptions.WithConfigProvider(&uiconfig.Config{
		Host:                o.IP,
		Port:                o.Port,
		TemporalGRPCAddress: o.TemporalAddress,
		EnableUI:            true,
		DefaultNamespace:    o.Namespace,
		DisableNewsFetch:    true,
		HideLogs:            true,
		// Plain HTTP on loopback: the UI's CSRF cookie must not require HTTPS.
		CORS:  uiconfig.CORS{CookieInsecure: true},
		Codec: uiconfig.Codec{Endpoint: o.CodecEndpoint, IncludeCredentials: true},
	}))
	go func() { _ = srv.Start() }()
	url := "http://" + addr
	if err := waitHTTP(url+"/healthz", 10*time.Second); err != nil {
		srv.Stop()
		return nil, fmt.Errorf("Temporal web UI on %s: %w", addr, err)
	}
	return &WebUI{srv: srv, url: url}, nil
}

// URL is the UI's address.
func (u *WebUI) URL() string { return u.url }

// Stop closes the UI server.
func (u *WebUI) Stop() { u.srv.Stop() }

func waitHTTP(url string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		resp, err := http.Get(url)
		if err == nil {
			_ = resp.Body.Close()
			if resp.StatusCode < 500 {
				return nil
			}
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("not answering after %s", within)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
