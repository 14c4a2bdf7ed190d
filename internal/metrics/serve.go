package metrics

import (
	"errors"
	"net"
	"net/http"
	"time"
)

func serve(addr string, h http.Handler) (*http.Server, string, error) {
	ln, err := net.Listen("tcp", addr)
	if err != nil {
		return nil, "", err
	}
	srv := &http.Server{Handler: h, ReadHeaderTimeout: 10 * time.Second}
	go func() {
		if err := srv.Serve(ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
			_ = err // the process goes on without its metrics endpoint
		}
	}()
	return srv, ln.Addr().String(), nil
}
