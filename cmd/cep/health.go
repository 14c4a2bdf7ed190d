package main

import (
	"errors"
	"flag"
	"fmt"
	"net"
	"net/http"
	"os"
	"time"
)

// runHealth asks a running cep whether it is ready: the container images have no shell
// or curl, so their health checks call the binary itself. It exits non-zero unless the
// answer is 200 within the timeout.
func runHealth(args []string) error {
	fs := flag.NewFlagSet("health", flag.ContinueOnError)
	url := fs.String("url", "", "address to ask (default: http://CEP_HTTP_ADDR/readyz, on loopback)")
	timeout := fs.Duration("timeout", 3*time.Second, "how long to wait for the answer")
	if err := fs.Parse(args); err != nil {
		return err
	}
	target := *url
	if target == "" {
		addr := os.Getenv("CEP_HTTP_ADDR")
		if addr == "" {
			addr = "127.0.0.1:8080"
		}
		host, port, err := net.SplitHostPort(addr)
		if err != nil {
			return fmt.Errorf("CEP_HTTP_ADDR %q: %w", addr, err)
		}
		if host == "" || host == "0.0.0.0" || host == "::" {
			host = "127.0.0.1"
		}
		target = "http://" + net.JoinHostPort(host, port) + "/readyz"
	}
	resp, err := (&http.Client{Timeout: *timeout}).Get(target)
	if err != nil {
		return err
	}
	resp.Body.Close()
	if resp.StatusCode != http.StatusOK {
		return errors.New(target + " answered " + resp.Status)
	}
	return nil
}
