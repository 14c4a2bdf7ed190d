package console

import (
	"net"
	"net/http"
	"net/netip"
	"strconv"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/ratelimit"
)

// limits bound how often one client address, and one signed-in user, may call the
// console: the same rates (CEP_RATE_LIMIT_PER_ADDRESS_PER_MINUTE, CEP_RATE_LIMIT_PER_MINUTE)
// and the same limiter as the API's.
type limits struct {
	perAddress, perUser *ratelimit.Limiter
	// trusted are the reverse proxies whose X-Forwarded-For names the client
	// (CEP_TRUSTED_PROXIES), as the API reads it.
	trusted []netip.Prefix
}

func newLimits(perUser, perAddress int, proxies []string) (*limits, error) {
	l := &limits{perAddress: ratelimit.New(perAddress), perUser: ratelimit.New(perUser)}
	for _, p := range proxies {
		if p = strings.TrimSpace(p); p == "" {
			continue
		}
		if !strings.Contains(p, "/") {
			a, err := netip.ParseAddr(p)
			if err != nil {
				return nil, err
			}
			l.trusted = append(l.trusted, netip.PrefixFrom(a, a.BitLen()))
			continue
		}
		pre, err := netip.ParsePrefix(p)
		if err != nil {
			return nil, err
		}
		l.trusted = append(l.trusted, pre)
	}
	return l, nil
}

func (l *limits) isTrusted(a netip.Addr) bool {
	for _, p := range l.trusted {
		if p.Contains(a.Unmap()) {
			return true
		}
	}
	return false
}

// clientAddress is the peer, or, when the peer is a trusted proxy, the rightmost
// address of X-Forwarded-For that is not one.
func (l *limits) clientAddress(r *http.Request) string {
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		host = r.RemoteAddr
	}
	peer, err := netip.ParseAddr(host)
	if err != nil || !l.isTrusted(peer) {
		return host
	}
	hops := strings.Split(r.Header.Get("X-Forwarded-For"), ",")
	for i := len(hops) - 1; i >= 0; i-- {
		a, err := netip.ParseAddr(strings.TrimSpace(hops[i]))
		if err != nil {
			break
		}
		if !l.isTrusted(a) {
			return a.String()
		}
	}
	return host
}

// byAddress refuses a client address over its rate, before any session is read.
func (c *Console) byAddress(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if ok, wait := c.limits.perAddress.Allow(c.limits.clientAddress(r), time.Now()); !ok {
			c.tooMany(w, r, wait)
			return
		}
		next.ServeHTTP(w, r)
	})
}

// byUser refuses a signed-in user over their rate. Static files do not count: a page
// fetches several.
func (c *Console) byUser(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if u := userFrom(r); u != nil && !strings.HasPrefix(r.URL.Path, "/static/") {
			if ok, wait := c.limits.perUser.Allow(u.ID, time.Now()); !ok {
				c.tooMany(w, r, wait)
				return
			}
		}
		next.ServeHTTP(w, r)
	})
}

func (c *Console) tooMany(w http.ResponseWriter, r *http.Request, wait time.Duration) {
	s := ratelimit.RetryAfter(wait)
	w.Header().Set("Retry-After", strconv.Itoa(s))
	c.renderError(w, r, http.StatusTooManyRequests, "Trop de demandes",
		"Vous avez envoyé beaucoup de demandes en peu de temps. Attendez "+strconv.Itoa(s)+" secondes avant de réessayer ; rien de ce que vous avez fait n'est perdu.")
}
