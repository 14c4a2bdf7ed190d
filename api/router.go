// Package api is the REST API of cep (Gin, JSON, RFC 9457 problems). It talks to
// Temporal for every change to a case and to the database for reads; it never reaches
// into workflow state one case at a time to build a list.
package api

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"github.com/gin-gonic/gin"
	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
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
	// Codec is the remote codec endpoint (internal/payloadcodec); nil answers 404.
	Codec http.Handler
}

type server struct {
	store         *store.Store
	temporal      client.Client
	verifier      *auth.Verifier
	log           *slog.Logger
	taskQueue     string
	settings      workflows.Settings
	updateTimeout time.Duration
	supervision   supervision.Config
	prober        *supervision.Prober
}

// NewRouter builds the HTTP handler of the whole API.
func NewRouter(d Deps) *gin.Engine {
	gin.SetMode(gin.ReleaseMode)
	s := &server{store: d.Store, temporal: d.Temporal, verifier: d.Verifier, log: d.Log,
		taskQueue: d.TaskQueue, settings: d.Settings, updateTimeout: d.UpdateTimeout}
	if s.updateTimeout == 0 {
		s.updateTimeout = 20 * time.Second
	}
	s.initSupervision(d)
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

	v1 := r.Group("/api/v1", s.authenticate)
	v1.GET("/me", handler(s.me))
	v1.GET("/structures", handler(s.listStructures))
	v1.GET("/structures/:id", handler(s.getStructure))
	v1.PATCH("/structures/:id", requireRole(models.RoleAdmin, models.RoleCoordinator), handler(s.patchStructure))
	v1.GET("/users", requireRole(models.RoleAdmin, models.RoleCoordinator), handler(s.listUsers))
	v1.GET("/routing-rules", handler(s.listRoutingRules))
	v1.PUT("/routing-rules", requireRole(models.RoleAdmin, models.RoleCoordinator), handler(s.replaceRoutingRules))
	v1.GET("/notifications", handler(s.listNotifications))
	v1.GET("/vocabularies", handler(s.vocabularies))
	v1.POST("/codec/decode", requireRole(models.RoleAdmin), codec(d.Codec))
	v1.POST("/codec/encode", requireRole(models.RoleAdmin), codec(d.Codec))

	cases := v1.Group("/cases")
	cases.POST("", requireRole(models.RoleAdviser, models.RoleCoordinator), handler(s.createCase))
	cases.GET("", handler(s.listCases))
	cases.GET("/:id", handler(s.getCase))
	cases.GET("/:id/events", handler(s.caseEvents))
	cases.GET("/:id/handoffs", handler(s.caseHandoffs))
	cases.GET("/:id/sessions", handler(s.caseSessions))
	cases.GET("/:id/plan-revisions", handler(s.planRevisions))
	cases.GET("/:id/recommendations", handler(s.recommendations))
	cases.GET("/:id/synthesis", handler(s.synthesis))
	cases.POST("/:id/handoffs", handler(s.requestHandoff))
	cases.POST("/:id/handoffs/:hid/accept", handler(s.acceptHandoff))
	cases.POST("/:id/handoffs/:hid/decline", handler(s.declineHandoff))
	cases.POST("/:id/handoffs/:hid/cancel", handler(s.cancelHandoff))
	cases.POST("/:id/counselling", handler(s.startCounselling))
	cases.POST("/:id/sessions", handler(s.addSession))
	cases.PUT("/:id/project", handler(s.setProject))
	cases.POST("/:id/implementation", handler(s.startImplementation))
	cases.POST("/:id/actions", handler(s.addAction))
	cases.PUT("/:id/actions/:aid", handler(s.changeAction))
	cases.DELETE("/:id/actions/:aid", handler(s.removeAction))
	cases.POST("/:id/pause", handler(s.pause))
	cases.POST("/:id/resume", handler(s.resume))
	cases.POST("/:id/withdraw", handler(s.withdraw))
	cases.POST("/:id/close", handler(s.closeCase))
	cases.POST("/:id/contacts", handler(s.recordContact))
	s.supervisionRoutes(v1, cases)
	cases.PUT("/:id/situation", handler(s.setSituation))
	cases.POST("/:id/financing-plan", handler(s.computeFinancingPlan))
	cases.GET("/:id/financing-plan", handler(s.getFinancingPlan))
	cases.POST("/:id/funding-requests", handler(s.requestFunding))
	cases.GET("/:id/funding-requests", handler(s.listFundingRequests))
	cases.POST("/:id/funding-requests/:rid/submit", handler(s.fundingEvent("submit")))
	cases.POST("/:id/funding-requests/:rid/acknowledge", handler(s.fundingEvent("acknowledge")))
	cases.POST("/:id/funding-requests/:rid/decision", handler(s.fundingEvent("decision")))
	cases.POST("/:id/funding-requests/:rid/withdraw", handler(s.withdrawFunding))
	return r
}

// ready answers 200 only when the database and Temporal both answer.
func (s *server) ready(c *gin.Context) {
	ctx, cancel := context.WithTimeout(c.Request.Context(), 3*time.Second)
	defer cancel()
	checks := gin.H{"database": "ok", "temporal": "ok"}
	status := http.StatusOK
	if err := s.store.Ping(ctx); err != nil {
		checks["database"], status = "unreachable", http.StatusServiceUnavailable
	}
	if _, err := s.temporal.CheckHealth(ctx, &client.CheckHealthRequest{}); err != nil {
		checks["temporal"], status = "unreachable", http.StatusServiceUnavailable
	}
	if status != http.StatusOK {
		c.Header("Retry-After", "5")
		c.Header("Content-Type", "application/problem+json")
		c.JSON(status, gin.H{"type": problemBase + "unavailable", "title": "Not ready", "status": status,
			"detail": "a dependency does not answer", "checks": checks})
		return
	}
	c.JSON(http.StatusOK, gin.H{"status": "ready", "checks": checks})
}
