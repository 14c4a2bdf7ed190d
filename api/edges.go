package api

import (
	"net/http"
	"strconv"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/ratelimit"
)

// pageCSP is the content security policy of every answer: cep's pages (reports,
// syntheses) are self-contained HTML with inline styles and SVG, no script, and are
// never framed (clickjacking).
const pageCSP = "default-src 'none'; style-src 'unsafe-inline'; img-src data:; frame-ancestors 'none'; base-uri 'none'; form-action 'none'"

// securityHeaders are sent with every answer: no MIME sniffing, no referrer leaving
// cep (URLs carry case IDs), the CSP above.
func securityHeaders() gin.HandlerFunc {
	return func(c *gin.Context) {
		h := c.Writer.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("Content-Security-Policy", pageCSP)
		c.Next()
	}
}

// noStore keeps answers that carry personal data (every authenticated one) out of
// browser and proxy caches.
func noStore(c *gin.Context) {
	c.Header("Cache-Control", "no-store")
	c.Next()
}

// limited refuses a call over the limiter's rate for key with 429 and Retry-After.
func limited(c *gin.Context, l *ratelimit.Limiter, key, who string) bool {
	ok, wait := l.Allow(key, time.Now())
	if ok {
		return false
	}
	c.Header("Retry-After", strconv.Itoa(ratelimit.RetryAfter(wait)))
	writeError(c, problem(http.StatusTooManyRequests, "rate-limited", "Too many requests",
		"too many requests from this "+who+": retry after "+strconv.Itoa(ratelimit.RetryAfter(wait))+" s"))
	return true
}

// addressLimit bounds the calls of one client address (the peer, or the address a
// trusted proxy reports), before any authentication.
func addressLimit(l *ratelimit.Limiter) gin.HandlerFunc {
	return func(c *gin.Context) {
		if limited(c, l, c.ClientIP(), "address") {
			c.Abort()
			return
		}
		c.Next()
	}
}
