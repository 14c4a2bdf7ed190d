// Package webhook is how cep reaches partners' webhooks safely: only https (plain http
// to loopback in `cep dev`), never to an address inside the deployment's network
// (loopback, private, link-local, cloud metadata...), checked when the address is set
// and again on every connection after DNS resolution, without following redirects;
// each delivery signed with the structure's secret.
package webhook

import (
	"context"
	"crypto/hmac"
	"crypto/rand"
	"crypto/sha256"
	"encoding/hex"
	"errors"
	"fmt"
	"net"
	"net/http"
	"net/netip"
	"net/url"
	"strings"
	"syscall"
	"time"
)

// SignatureHeader carries the HMAC-SHA256 of the body under the structure's secret,
// as "sha256=<hex>".
const SignatureHeader = "X-CEP-Signature"

// Policy says which addresses may be called.
type Policy struct {
	// AllowLoopbackHTTP admits http:// and loopback addresses: `cep dev` only, where a
	// partner's webhook is a local test server.
	AllowLoopbackHTTP bool
	// Resolver resolves host names; nil is net.DefaultResolver.
	Resolver *net.Resolver
}

// ErrRefused is an address the policy refuses.
var ErrRefused = errors.New("webhook address refused")

// blocked are the ranges no webhook may reach besides those netip classifies
// (loopback, private, link-local, multicast, unspecified): shared address space,
// documentation-free special ranges and cloud metadata endpoints.
var blocked = []netip.Prefix{
	netip.MustParsePrefix("0.0.0.0/8"),
	netip.MustParsePrefix("100.64.0.0/10"),     // carrier-grade NAT (RFC 6598)
	netip.MustParsePrefix("192.0.0.0/24"),      // IETF protocol assignments
	netip.MustParsePrefix("198.18.0.0/15"),     // benchmarking
	netip.MustParsePrefix("240.0.0.0/4"),       // reserved
	netip.MustParsePrefix("fd00:ec2::254/128"), // AWS metadata over IPv6
	netip.MustParsePrefix("64:ff9b::/96"),      // NAT64 can reach IPv4 inside
}

// allowedIP tells whether a connection to ip is allowed.
func (p Policy) allowedIP(ip netip.Addr) bool {
	ip = ip.Unmap()
	if ip.IsLoopback() {
		return p.AllowLoopbackHTTP
	}
	if !ip.IsValid() || ip.IsPrivate() || ip.IsLinkLocalUnicast() || ip.IsLinkLocalMulticast() ||
		ip.IsInterfaceLocalMulticast() || ip.IsMulticast() || ip.IsUnspecified() {
		return false // link-local covers 169.254.169.254, the metadata endpoint
	}
	for _, b := range blocked {
		if b.Contains(ip) {
			return false
		}
	}
	return true
}

// Check parses a webhook address and checks it against the policy, resolving its
// host: the answer names what is wrong without echoing the address.
func (p Policy) Check(ctx context.Context, raw string) (*url.URL, error) {
	u, err := url.Parse(raw)
	if err != nil || u.Host == "" || u.User != nil {
		return nil, fmt.Errorf("%w: not an absolute URL without credentials", ErrRefused)
	}
	switch {
	case u.Scheme == "https":
	case u.Scheme == "http" && p.AllowLoopbackHTTP:
	default:
		return nil, fmt.Errorf("%w: must be https", ErrRefused)
	}
	ips, err := p.resolve(ctx, u.Hostname())
	if err != nil {
		return nil, fmt.Errorf("%w: the host does not resolve", ErrRefused)
	}
	for _, ip := range ips {
		if !p.allowedIP(ip) {
			return nil, fmt.Errorf("%w: resolves to a loopback, private, link-local or reserved address", ErrRefused)
		}
		if u.Scheme == "http" && !ip.Unmap().IsLoopback() {
			return nil, fmt.Errorf("%w: plain http is for loopback only", ErrRefused)
		}
	}
	return u, nil
}

func (p Policy) resolve(ctx context.Context, host string) ([]netip.Addr, error) {
	if ip, err := netip.ParseAddr(host); err == nil {
		return []netip.Addr{ip}, nil
	}
	r := p.Resolver
	if r == nil {
		r = net.DefaultResolver
	}
	ips, err := r.LookupNetIP(ctx, "ip", host)
	if err == nil && len(ips) == 0 {
		err = errors.New("no address")
	}
	return ips, err
}

// Client is an HTTP client that connects only where the policy allows, checking the
// address actually dialled (after DNS resolution, so a name that changes its answer
// between the check and the call is still refused), uses no proxy and follows no
// redirect.
func (p Policy) Client(timeout time.Duration) *http.Client {
	d := &net.Dialer{Timeout: timeout, Control: func(network, address string, _ syscall.RawConn) error {
		ap, err := netip.ParseAddrPort(address)
		if err != nil || !p.allowedIP(ap.Addr()) {
			return ErrRefused
		}
		return nil
	}}
	tr := &http.Transport{Proxy: nil, DialContext: d.DialContext, ForceAttemptHTTP2: true,
		TLSHandshakeTimeout: timeout, MaxIdleConns: 10, IdleConnTimeout: 90 * time.Second}
	return &http.Client{Timeout: timeout, Transport: tr,
		CheckRedirect: func(*http.Request, []*http.Request) error { return http.ErrUseLastResponse }}
}

// NewSecret makes a structure's signing secret.
func NewSecret() string {
	b := make([]byte, 32)
	_, _ = rand.Read(b)
	return hex.EncodeToString(b)
}

// Sign is the X-CEP-Signature value of body under secret.
func Sign(secret string, body []byte) string {
	m := hmac.New(sha256.New, []byte(secret))
	m.Write(body)
	return "sha256=" + hex.EncodeToString(m.Sum(nil))
}

// Describe is what may be stored of a delivery error: its kind, never the address
// (url.Error and dial errors quote the URL and the IP).
func Describe(err error) string {
	var ne net.Error
	switch {
	case err == nil:
		return ""
	case strings.HasPrefix(err.Error(), "webhook answered ") || strings.HasPrefix(err.Error(), "the webhook has no signing secret"):
		return err.Error()
	case errors.Is(err, ErrRefused):
		return "webhook address refused: " + refusedReason(err)
	case errors.As(err, &ne) && ne.Timeout():
		return "webhook timed out"
	case strings.Contains(err.Error(), "certificate"):
		return "webhook TLS certificate refused"
	case strings.Contains(err.Error(), "connection refused"):
		return "webhook connection refused"
	case strings.Contains(err.Error(), "no such host"):
		return "webhook host does not resolve"
	default:
		return "webhook unreachable"
	}
}

func refusedReason(err error) string {
	_, reason, ok := strings.Cut(err.Error(), ErrRefused.Error()+": ")
	if !ok || strings.Contains(reason, "://") {
		return "loopback, private, link-local or reserved address"
	}
	return reason
}
