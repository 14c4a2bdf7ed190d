// Package console is cep's web console: server-rendered French pages in the État design
// system (DSFR), for CEP advisers, partner structures, coordinators and the Région. It
// is served by the cep binary beside the JSON API, with its templates and assets
// embedded. Sign-in is a server-side session (the database's web_sessions), opened with
// ProConnect (OpenID Connect) or, in `cep dev`, with one click on a demo user. Every
// rule about cases lives in the service layer the JSON API also calls: the console only
// turns its answers into pages.
package console

import (
	"context"
	"errors"
	"log/slog"
	"net/http"
	"strings"
	"sync"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/websession"
	"github.com/spro-cep/cep/models"
)

// Deps are what the console needs.
type Deps struct {
	// Cases is the service layer: every read and change of a case goes through it.
	Cases *cases.Service
	// Directory gives the users and structures (and maps a sign-in to a user).
	Directory *directory.Directory
	// Store holds the sessions table.
	Store *store.Store
	Log   *slog.Logger
	// Dev shows the demo users on /connexion and allows cookies over plain HTTP; it is
	// set by `cep dev` only.
	Dev bool
	// SessionIdle and SessionMaxAge bound a session (CEP_SESSION_IDLE, CEP_SESSION_MAX_AGE).
	SessionIdle, SessionMaxAge time.Duration
	// OIDC, when its Issuer is set, offers "S'identifier avec ProConnect".
	OIDC OIDCConfig
	// RateLimitPerMinute bounds each signed-in user's calls, RateLimitPerAddressPerMinute
	// each client address's (0: unlimited); TrustedProxies are the reverse proxies whose
	// X-Forwarded-For names the client. The API's settings, read the same way.
	RateLimitPerMinute, RateLimitPerAddressPerMinute int
	TrustedProxies                                   []string
	// Codec is the remote codec endpoint (internal/payloadcodec) that the Temporal web
	// UI of `cep dev` calls at CodecPath with the console's session; CodecOrigins are the
	// UI's origins, the only ones allowed to. Nil serves no codec.
	Codec        http.Handler
	CodecOrigins []string
}

// Console is the web console, an http.Handler.
type Console struct {
	cases    *cases.Service
	dir      *directory.Directory
	store    *store.Store
	log      *slog.Logger
	dev      bool
	sessions *websession.Store
	assets   *assets
	views    *views
	oidc     *oidcClient
	mux      *http.ServeMux
	handler  http.Handler
	limits   *limits

	codecHandler http.Handler
	codecOrigins []string

	structMu     sync.RWMutex
	structures   map[string]string
	structuresAt time.Time
}

// New parses every template (a broken one fails here, at start-up) and, when OpenID
// Connect is configured, discovers the issuer.
func New(ctx context.Context, d Deps) (*Console, error) {
	if d.Store == nil || d.Directory == nil {
		return nil, errors.New("console: no store or directory")
	}
	if d.Log == nil {
		d.Log = slog.Default()
	}
	if d.SessionIdle <= 0 {
		d.SessionIdle = time.Hour
	}
	if d.SessionMaxAge <= 0 {
		d.SessionMaxAge = 12 * time.Hour
	}
	a, err := newAssets()
	if err != nil {
		return nil, err
	}
	v, err := parseViews(a, templateFiles)
	if err != nil {
		return nil, err
	}
	c := &Console{cases: d.Cases, dir: d.Directory, store: d.Store, log: d.Log.With("component", "console"), dev: d.Dev, assets: a, views: v,
		sessions:     &websession.Store{DB: d.Store.DB, Idle: d.SessionIdle, MaxAge: d.SessionMaxAge},
		codecHandler: d.Codec, codecOrigins: d.CodecOrigins}
	switch {
	case d.OIDC.Issuer != "" && d.OIDC.RedirectURL == "":
		// The issuer may be set for the API's bearer tokens alone.
		c.log.Warn("CEP_OIDC_ISSUER is set without CEP_OIDC_REDIRECT_URL: the console does not offer ProConnect sign-in")
	case d.OIDC.Issuer != "":
		if c.oidc, err = newOIDC(ctx, d.OIDC); err != nil {
			return nil, err
		}
	}
	if c.limits, err = newLimits(d.RateLimitPerMinute, d.RateLimitPerAddressPerMinute, d.TrustedProxies); err != nil {
		c.log.Error("CEP_TRUSTED_PROXIES is invalid: trusting no proxy", "error", err)
		c.limits, _ = newLimits(d.RateLimitPerMinute, d.RateLimitPerAddressPerMinute, nil)
	}
	c.routes()
	return c, nil
}

func (c *Console) routes() {
	m := http.NewServeMux()
	m.Handle("GET "+c.assets.prefix, c.assets)
	m.HandleFunc("GET /{$}", c.home)
	m.HandleFunc("GET /connexion", c.signInPage)
	m.HandleFunc("POST /connexion/demo", c.signInDemo)
	m.HandleFunc("GET /connexion/oidc", c.signInOIDC)
	m.HandleFunc("GET /connexion/oidc/retour", c.oidcCallback)
	m.HandleFunc("POST /deconnexion", c.signOut)
	m.HandleFunc("POST "+CodecPath+"{op}", c.codec)
	m.HandleFunc("OPTIONS "+CodecPath+"{op}", c.codec)
	c.pageRoutes(m)
	m.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		c.renderError(w, r, http.StatusNotFound, "Page non trouvée", "La page que vous cherchez n'existe pas ou n'est plus à cette adresse.")
	})
	c.mux = m
	c.handler = securityHeaders(withRequestID(c.byAddress(c.withSession(c.byUser(m)))))
}

func (c *Console) ServeHTTP(w http.ResponseWriter, r *http.Request) { c.handler.ServeHTTP(w, r) }

// Mount serves the JSON API (and its health checks) and the console from one handler:
// /api/…, /healthz, /readyz, /metrics and the survey pages (/enquete/…) go to api,
// everything else to the console.
func Mount(api http.Handler, console http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		p := r.URL.Path
		if strings.HasPrefix(p, "/api/") || p == "/api" || p == "/healthz" || p == "/readyz" || p == "/metrics" ||
			strings.HasPrefix(p, "/enquete/") {
			api.ServeHTTP(w, r)
			return
		}
		console.ServeHTTP(w, r)
	})
}

// contentSecurityPolicy allows only the console's own files: no inline script or style,
// no framing (clickjacking), forms posted only to cep. DSFR draws some icons with data:
// URLs.
const contentSecurityPolicy = "default-src 'self'; script-src 'self'; style-src 'self'; img-src 'self' data:; " +
	"font-src 'self'; connect-src 'self'; frame-ancestors 'none'; form-action 'self'; base-uri 'none'; object-src 'none'"

func securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		h := w.Header()
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "no-referrer")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Content-Security-Policy", contentSecurityPolicy)
		if !strings.HasPrefix(r.URL.Path, "/static/") {
			// Pages carry personal data: never kept by the browser or a proxy.
			h.Set("Cache-Control", "no-store")
		}
		next.ServeHTTP(w, r)
	})
}

type runNotesKey struct{}

// withRequestID names each request, as the API does, for the timeline and the logs.
func withRequestID(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		id := uuid.NewString()
		w.Header().Set("X-Request-ID", id)
		// The service notes the case workflow run a request reaches, for its log lines.
		ctx, lastRun := cases.WithRunNotes(context.WithValue(r.Context(), requestIDKey{}, id))
		next.ServeHTTP(w, r.WithContext(context.WithValue(ctx, runNotesKey{}, lastRun)))
	})
}

func (c *Console) home(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	if u == nil {
		http.Redirect(w, r, "/connexion", http.StatusSeeOther)
		return
	}
	http.Redirect(w, r, homeFor(u.Role), http.StatusSeeOther)
}

func (c *Console) renderError(w http.ResponseWriter, r *http.Request, status int, title, message string) {
	c.render(w, r, status, "error", page{Title: title, Data: struct{ Message string }{message}})
}

func (c *Console) serverError(w http.ResponseWriter, r *http.Request, err error) {
	attrs := []any{"request_id", requestID(r), "method", r.Method, "path", r.URL.Path, "error", err}
	if f, ok := r.Context().Value(runNotesKey{}).(func() cases.RunNote); ok {
		if n := f(); n.RunID != "" {
			attrs = append(attrs, "case_id", n.CaseID, "run_id", n.RunID)
		}
	}
	c.log.Error("console: request failed", attrs...)
	c.renderError(w, r, http.StatusInternalServerError, "Erreur technique",
		"Une erreur inattendue s'est produite. Réessayez dans un instant ; si elle persiste, prévenez l'administrateur.")
}

// structureName is the name of a structure for the header and lists; the reference
// table is small and read once.
func (c *Console) structureName(r *http.Request, id *string) string {
	if id == nil || *id == "" {
		return ""
	}
	return c.structureNames(r)[*id]
}

// structureNamesTTL bounds how long a name changed elsewhere (the API, another cep
// process) may show stale: the list is read at most that often, not on every page.
const structureNamesTTL = 30 * time.Second

// structureNames maps every structure's ID to its name.
func (c *Console) structureNames(r *http.Request) map[string]string {
	c.structMu.RLock()
	names, at := c.structures, c.structuresAt
	c.structMu.RUnlock()
	if names != nil && time.Since(at) < structureNamesTTL {
		return names
	}
	rows, err := c.allStructures(r)
	if err != nil {
		c.log.Warn("console: structures unreadable", "error", err)
		return map[string]string{}
	}
	names = make(map[string]string, len(rows))
	for _, s := range rows {
		names[s.ID] = s.Name
	}
	c.structMu.Lock()
	c.structures, c.structuresAt = names, time.Now()
	c.structMu.Unlock()
	return names
}

// allStructures lists every structure of the directory.
func (c *Console) allStructures(r *http.Request) ([]models.Structure, error) {
	return c.dir.Structures(r.Context(), c.caller(r), directory.StructureQuery{})
}
