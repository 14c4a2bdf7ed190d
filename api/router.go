// Package api is the JSON face of cep (Gin, JSON, RFC 9457 problems). Its handlers only
// decode a request, name the caller, call the service layer (internal/cases, and
// internal/directory for reference data), which holds every rule, permission, workflow call and the read audit, and write the answer;
// writeError maps the service's typed errors to problems in one place.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/internal/ratelimit"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/workflows"
)

// Deps are what the API needs.
type Deps struct {
	Store     *store.Store
	Temporal  client.Client
	Verifier  *auth.Verifier
	Log       *slog.Logger
	TaskQueue string
	Settings  workflows.Settings
	// UpdateTimeout bounds a call to a case workflow; 0 means 20 seconds.
	UpdateTimeout time.Duration
	// Supervision are the stuck-case thresholds; nil means the defaults.
	Supervision *supervision.Config
	// Service and Directory are the service layer to call; nil makes them from the
	// fields above. Pass the console's to share them.
	Service   *cases.Service
	Directory *directory.Directory
	// Codec is the remote codec endpoint (internal/payloadcodec); nil answers 404.
	Codec http.Handler
	// PseudonymKey keys the cases' pseudonymous references (see cases.Config).
	PseudonymKey []byte
	// RateLimitPerMinute bounds each user's calls, RateLimitPerAddressPerMinute each
	// client address's; 0 is unlimited. TrustedProxies are the reverse proxies whose
	// X-Forwarded-For names the client address (none: the peer is the client).
	RateLimitPerMinute, RateLimitPerAddressPerMinute int
	TrustedProxies                                   []string
	// Survey serves the satisfaction survey's page, /enquete/{token}, without an
	// account (internal/survey); nil answers 404.
	Survey http.Handler
}

type server struct {
	svc      *cases.Service
	dir      *directory.Directory
	verifier *auth.Verifier
	log      *slog.Logger
	perUser  *ratelimit.Limiter
}

// NewRouter builds the HTTP handler of the whole API.
func NewRouter(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	svc := d.Service
	if svc == nil {
		cfg := cases.Config{Store: d.Store, Temporal: d.Temporal, Log: d.Log, TaskQueue: d.TaskQueue,
			Settings: d.Settings, UpdateTimeout: d.UpdateTimeout, Supervision: d.Supervision, PseudonymKey: d.PseudonymKey}
		if h, ok := d.Survey.(*survey.Handler); ok {
			cfg.Surveys = h.Signer
		}
		svc = cases.New(cfg)
	}
	dir := d.Directory
	if dir == nil {
		dir = directory.New(d.Store)
		if d.Temporal != nil {
			dir.WithTerms(directory.TemporalTerms(d.Temporal, d.TaskQueue))
		}
	}
	s := &server{svc: svc, dir: dir, verifier: d.Verifier, log: d.Log, perUser: ratelimit.New(d.RateLimitPerMinute)}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	if err := r.SetTrustedProxies(d.TrustedProxies); err != nil {
		d.Log.Error("CEP_TRUSTED_PROXIES is invalid: trusting no proxy", "error", err)
		_ = r.SetTrustedProxies(nil)
	}
	r.Use(requestContext(d.Log), securityHeaders(), recovery(), addressLimit(ratelimit.New(d.RateLimitPerAddressPerMinute)), codecPreflight(d.Codec))
	r.NoRoute(func(c *gin.Context) { writeError(c, notFound("no route "+c.Request.Method+" "+c.Request.URL.Path)) })
	r.NoMethod(func(c *gin.Context) {
		writeError(c, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", c.Request.Method+" is not allowed here"))
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	if d.Survey != nil {
		r.GET("/enquete/:token", gin.WrapH(d.Survey))
		r.POST("/enquete/:token", gin.WrapH(d.Survey))
	}
	r.GET("/api/v1/openapi.json", serveOpenAPI)
	r.GET("/metrics", gin.WrapH(metrics.Handler()))

	v1 := r.Group("/api/v1", noStore, s.authenticate)
	v1.GET("/me", handler(s.me))
	v1.GET("/structures", handler(s.listStructures))
	v1.GET("/structures/:id", handler(s.getStructure))
	v1.PATCH("/structures/:id", handler(s.patchStructure))
	v1.GET("/users", handler(s.listUsers))
	v1.GET("/routing-rules", handler(s.listRoutingRules))
	v1.PUT("/routing-rules", handler(s.replaceRoutingRules))
	v1.GET("/notifications", handler(s.listNotifications))
	v1.GET("/vocabularies", handler(s.vocabularies))
	v1.GET("/territories", handler(s.listTerritories))
	v1.POST("/territories", handler(s.createTerritory))
	v1.GET("/territories/:id", handler(s.getTerritory))
	v1.PATCH("/territories/:id", handler(s.patchTerritory))
	v1.GET("/territories/:id/conventions", handler(s.listConventions))
	v1.POST("/territories/:id/conventions", handler(s.createConvention))
	v1.GET("/territories/:id/coordination", handler(s.getCoordination))
	v1.POST("/territories/:id/coordination", handler(s.recordVote))
	v1.POST("/conventions/:id/amendments", handler(s.addAmendment))
	v1.POST("/structures", handler(s.createStructure))
	v1.GET("/structures/:id/pending-handoffs", handler(s.pendingHandoffs))
	v1.POST("/users", handler(s.createUser))
	v1.POST("/users/import", handler(s.importUsers))
	v1.PATCH("/users/:id", handler(s.patchUser))
	v1.GET("/admin/audit", handler(s.adminAudit))
	v1.POST("/codec/decode", codec(d.Codec))
	v1.POST("/codec/encode", codec(d.Codec))

	cs := v1.Group("/cases")
	cs.POST("", handler(s.createCase))
	cs.GET("", handler(s.listCases))
	cs.GET("/:id", handler(s.getCase))
	cs.GET("/:id/events", handler(s.caseEvents))
	cs.GET("/:id/handoffs", handler(s.caseHandoffs))
	cs.GET("/:id/sessions", handler(s.caseSessions))
	cs.GET("/:id/plan-revisions", handler(s.planRevisions))
	cs.GET("/:id/recommendations", handler(s.recommendations))
	cs.GET("/:id/synthesis", handler(s.synthesis))
	cs.POST("/:id/handoffs", handler(s.requestHandoff))
	cs.POST("/:id/handoffs/:hid/accept", handler(s.acceptHandoff))
	cs.POST("/:id/handoffs/:hid/decline", handler(s.declineHandoff))
	cs.POST("/:id/handoffs/:hid/cancel", handler(s.cancelHandoff))
	cs.POST("/:id/counselling", handler(s.startCounselling))
	cs.POST("/:id/sessions", handler(s.addSession))
	cs.PATCH("/:id/sessions/:sid", handler(s.changeSession))
	cs.DELETE("/:id/sessions/:sid", handler(s.removeSession))
	cs.PUT("/:id/project", handler(s.setProject))
	cs.POST("/:id/implementation", handler(s.startImplementation))
	cs.POST("/:id/levels", handler(s.startLevel))
	cs.POST("/:id/actions", handler(s.addAction))
	cs.PUT("/:id/actions/:aid", handler(s.changeAction))
	cs.PATCH("/:id/actions/:aid", handler(s.patchAction))
	cs.DELETE("/:id/actions/:aid", handler(s.removeAction))
	cs.POST("/:id/pause", handler(s.pause))
	cs.POST("/:id/resume", handler(s.resume))
	cs.POST("/:id/withdraw", handler(s.withdraw))
	cs.POST("/:id/close", handler(s.closeCase))
	cs.POST("/:id/contacts", handler(s.recordContact))
	cs.GET("/:id/audit", handler(s.caseAudit))
	cs.PUT("/:id/situation", handler(s.setSituation))
	cs.POST("/:id/financing-plan", handler(s.computeFinancingPlan))
	cs.GET("/:id/financing-plan", handler(s.getFinancingPlan))
	cs.POST("/:id/funding-requests", handler(s.requestFunding))
	cs.GET("/:id/funding-requests", handler(s.listFundingRequests))
	cs.POST("/:id/funding-requests/:rid/submit", handler(s.fundingEvent(cases.FundingSubmit)))
	cs.POST("/:id/funding-requests/:rid/acknowledge", handler(s.fundingEvent(cases.FundingAcknowledge)))
	cs.POST("/:id/funding-requests/:rid/decision", handler(s.fundingEvent(cases.FundingDecide)))
	cs.POST("/:id/funding-requests/:rid/withdraw", handler(s.withdrawFunding))
	cs.GET("/:id/export", handler(s.exportCase))
	cs.PATCH("/:id/beneficiary", handler(s.rectifyBeneficiary))
	cs.POST("/:id/consent", handler(s.setConsent))
	cs.GET("/:id/consent", handler(s.consents))
	cs.POST("/:id/erase", handler(s.eraseCase))

	sup := v1.Group("/supervision")
	sup.GET("/stuck-cases", handler(s.stuckCases))
	sup.POST("/cases/:id/remind", handler(s.supervisorRemind))
	sup.POST("/cases/:id/reassign", handler(s.supervisorReassign))
	sup.POST("/cases/:id/take-back", handler(s.supervisorTakeBack))
	sup.GET("/indicators", handler(s.indicators))
	sup.GET("/annual-report", handler(s.annualReport))
	sup.GET("/retention", handler(s.retention))
	return r
}

// ready answers 200 only when the database and Temporal both answer.
func (s *server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	ok, checks := s.svc.Ready(ctx)
	if !ok {
		c.Header("Retry-After", "5")
		c.Header("Content-Type", "application/problem+json")
		c.JSON(http.StatusServiceUnavailable, gin.H{"type": problemBase + "unavailable", "title": "Not ready",
			"status": http.StatusServiceUnavailable, "detail": "a dependency does not answer", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
}
