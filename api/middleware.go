package api

import (
	"log/slog"
	"net/http"
	"regexp"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/internal/tracing"
	"github.com/spro-cep/cep/models"
)

const (
	ctxRequestID       = "request_id"
	ctxClientRequestID = "client_request_id"
	ctxUser            = "user"
	ctxLogger          = "logger"
	ctxLastRun         = "last_run"
)

var requestIDPattern = regexp.MustCompile(`^[A-Za-z0-9._:-]{1,128}$`)

// requestContext gives each request an ID of the server's own, answered in
// X-Request-ID and quoted by the audit trail and the timeline: a client cannot choose
// the ID its reads and changes are recorded under. A client's own X-Request-ID, when
// sane, is kept apart as client_request_id (logs, audit log) to correlate with its
// logs. It also gives a logger, and logs the outcome: only method, path, status and
// IDs, never bodies, which carry personal data.
func requestContext(log *slog.Logger) gin.HandlerFunc {
	return func(c *gin.Context) {
		id := uuid.NewString()
		c.Set(ctxRequestID, id)
		c.Header("X-Request-ID", id)
		l := log.With("request_id", id)
		if cid := caseIDOf(c); cid != "" {
			// Every line about a case carries its ID (a UUID, never personal data).
			l = l.With("case_id", cid)
		}
		if client := c.GetHeader("X-Request-ID"); requestIDPattern.MatchString(client) {
			c.Set(ctxClientRequestID, client)
			l = l.With("client_request_id", client)
		}
		c.Set(ctxLogger, l)
		// The service notes the case workflow run it reaches, for the lines below.
		ctx, lastRun := cases.WithRunNotes(c.Request.Context())
		c.Request = c.Request.WithContext(ctx)
		c.Set(ctxLastRun, lastRun)
		start := time.Now()
		if tracing.Enabled() {
			var end func(int)
			c.Request, end = tracing.StartRequest(c.Request, c.FullPath())
			defer func() { end(c.Writer.Status()) }()
		}
		c.Next()
		took := time.Since(start)
		metrics.ObserveRequest(c.FullPath(), c.Request.Method, c.Writer.Status(), took)
		attrs := []any{"method", c.Request.Method, "route", c.FullPath(), "status", c.Writer.Status(),
			"duration_ms", took.Milliseconds()}
		if u, ok := c.Get(ctxUser); ok {
			attrs = append(attrs, "user_id", u.(*models.User).ID)
		}
		logger(c).Info("request", attrs...)
	}
}

// caseIDOf is the case a request is about, from its route: /cases/:id and
// /supervision/cases/:id.
func caseIDOf(c *gin.Context) string {
	if strings.Contains(c.FullPath(), "/cases/:id") {
		return c.Param("id")
	}
	return ""
}

// logger is the request's logger, with the case workflow run the request reached once
// it has reached one (and the case, for a route that does not name it, such as a
// creation).
func logger(c *gin.Context) *slog.Logger {
	l, ok := c.Get(ctxLogger)
	if !ok {
		return slog.Default()
	}
	log := l.(*slog.Logger)
	if f, ok := c.Get(ctxLastRun); ok {
		if n := f.(func() cases.RunNote)(); n.RunID != "" {
			if caseIDOf(c) == "" {
				log = log.With("case_id", n.CaseID)
			}
			log = log.With("run_id", n.RunID)
		}
	}
	return log
}

// recovery answers a panic with a 500 problem instead of a dropped connection.
func recovery() gin.HandlerFunc {
	return func(c *gin.Context) {
		defer func() {
			if rec := recover(); rec != nil {
				logger(c).Error("panic", "panic", rec)
				writeError(c, problem(http.StatusInternalServerError, "internal", "Internal error", "an unexpected error occurred"))
			}
		}()
		c.Next()
	}
}

// authenticate resolves the bearer token to an active user.
func (s *server) authenticate(c *gin.Context) {
	h := c.GetHeader("Authorization")
	scheme, token, ok := strings.Cut(h, " ")
	if !ok || !strings.EqualFold(scheme, "Bearer") || strings.TrimSpace(token) == "" {
		c.Header("WWW-Authenticate", `Bearer realm="cep"`)
		writeError(c, unauthorized("send Authorization: Bearer <token>; `cep token --user EMAIL` prints one"))
		return
	}
	id, err := s.verifier.Verify(c.Request.Context(), strings.TrimSpace(token))
	if err != nil {
		c.Header("WWW-Authenticate", `Bearer realm="cep", error="invalid_token"`)
		writeError(c, unauthorized("the token is invalid or expired"))
		return
	}
	u, err := s.dir.UserFor(c.Request.Context(), id)
	if e := cases.AsError(err); e != nil && e.Kind == cases.KindNotFound {
		writeError(c, unauthorized("the token names no active user"))
		return
	}
	if err != nil {
		writeError(c, err)
		return
	}
	if limited(c, s.perUser, u.ID, "user") {
		c.Abort()
		return
	}
	c.Set(ctxUser, u)
	c.Next()
}

func currentUser(c *gin.Context) *models.User {
	return c.MustGet(ctxUser).(*models.User)
}

// handler adapts a handler that returns an error to gin, so that every failure goes
// through writeError.
func handler(f func(c *gin.Context) error) gin.HandlerFunc {
	return func(c *gin.Context) {
		if err := f(c); err != nil {
			writeError(c, err)
		}
	}
}

// caller is the authenticated user of the request, as the service knows callers.
func caller(c *gin.Context) cases.Caller {
	who := cases.CallerOf(currentUser(c), c.GetString(ctxRequestID))
	who.ClientRequestID = c.GetString(ctxClientRequestID)
	return who
}

// idempotencyKey is the request's Idempotency-Key header; the service checks it.
func idempotencyKey(c *gin.Context) string { return c.GetHeader("Idempotency-Key") }
