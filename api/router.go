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
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
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
}

type server struct {
	svc      *cases.Service
	dir      *directory.Directory
	verifier *auth.Verifier
	log      *slog.Logger
}

// NewRouter builds the HTTP handler of the whole API.
func NewRouter(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	svc := d.Service
	if svc == nil {
		svc = cases.New(cases.Config{Store: d.Store, Temporal: d.Temporal, Log: d.Log, TaskQueue: d.TaskQueue,
			Settings: d.Settings, UpdateTimeout: d.UpdateTimeout, Supervision: d.Supervision})
	}
	dir := d.Directory
	if dir == nil {
		dir = directory.New(d.Store)
	}
	s := &server{svc: svc, dir: dir, verifier: d.Verifier, log: d.Log}
	r := gin.New()
	r.HandleMethodNotAllowed = true
	r.Use(requestContext(d.Log), recovery(), codecPreflight(d.Codec))
	r.NoRoute(func(c *gin.Context) { writeError(c, notFound("no route "+c.Request.Method+" "+c.Request.URL.Path)) })
	r.NoMethod(func(c *gin.Context) {
		writeError(c, problem(http.StatusMethodNotAllowed, "method-not-allowed", "Method not allowed", c.Request.Method+" is not allowed here"))
	})

	r.GET("/healthz", func(c *gin.Context) { c.JSON(http.StatusOK, gin.H{"status": "ok"}) })
	r.GET("/readyz", s.ready)
	r.GET("/api/v1/openapi.json", serveOpenAPI)
	r.GET("/metrics", gin.WrapH(metrics.Handler()))

	v1 := r.Group("/api/v1", s.authenticate)
	v1.GET("/me", handler(s.me))
	v1.GET("/structures", handler(s.listStructures))
	v1.GET("/structures/:id", handler(s.getStructure))
	v1.PATCH("/structures/:id", handler(s.patchStructure))
	v1.GET("/users", handler(s.listUsers))
	v1.GET("/routing-rules", handler(s.listRoutingRules))
	v1.PUT("/routing-rules", handler(s.replaceRoutingRules))
	v1.GET("/notifications", handler(s.listNotifications))
	v1.GET("/vocabularies", handler(s.vocabularies))
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
	cs.PUT("/:id/project", handler(s.setProject))
	cs.POST("/:id/implementation", handler(s.startImplementation))
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

	sup := v1.Group("/supervision")
	sup.GET("/stuck-cases", handler(s.stuckCases))
	sup.POST("/cases/:id/remind", handler(s.supervisorRemind))
	sup.POST("/cases/:id/reassign", handler(s.supervisorReassign))
	sup.POST("/cases/:id/take-back", handler(s.supervisorTakeBack))
	sup.GET("/indicators", handler(s.indicators))
	sup.GET("/annual-report", handler(s.annualReport))
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
