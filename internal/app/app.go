// Package app assembles cep from its parts: configuration, database, Temporal client,
// worker and HTTP API. The commands of cmd/cep choose which parts a process runs.
package app

import (
	"context"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"os"
	"strconv"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/operatorservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/interceptor"
	tlog "go.temporal.io/sdk/log"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"

	"github.com/spro-cep/cep/activities"
	"github.com/spro-cep/cep/api"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/binding"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/devserver"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/internal/payloadcodec"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/internal/tracing"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Parts selects what a process runs.
type Parts struct {
	// Embedded starts the in-process Temporal server when no address is configured.
	Embedded bool
	// Migrate applies migrations at start; Seed loads the reference data; Demo creates
	// the demo accounts (`cep dev` only).
	Migrate, Seed, Demo bool
	API, Worker         bool
	// Dev is `cep dev`: the console lists the demo users and allows cookies over HTTP.
	Dev bool
}

// App is a running cep process.
type App struct {
	Cfg      config.Config
	Log      *slog.Logger
	Store    *store.Store
	Temporal client.Client
	// Cases and Directory are the service layer both faces call, once the API part is
	// started.
	Cases     *cases.Service
	Directory *directory.Directory
	// RefKey keys the pseudonymous case references (PseudonymKey).
	RefKey []byte
	// Codec encrypts the payloads of Temporal.Client and its worker.
	Codec *payloadcodec.Codec
	// APIAddr is the address the API listens on, once started.
	APIAddr string

	// MetricsAddr is where GET /metrics answers: the API's address, or
	// CEP_METRICS_ADDR's for a worker.
	MetricsAddr string
	// WebUIURL is the Temporal web UI `cep dev` serves, empty when none.
	WebUIURL string

	dev   *devserver.Server
	parts Parts
	webUI *devserver.WebUI
	// codec is the remote codec endpoint; codecOrigins the web UIs allowed to call it
	// from a browser.
	codec        http.Handler
	codecOrigins []string
	worker       worker.Worker
	http         *http.Server
	ln           net.Listener
	metrics      *http.Server
	// stopTracing flushes the spans (a no-op when tracing is off).
	stopTracing func(context.Context) error
}

// NewLogger builds the process logger from the configuration.
func NewLogger(cfg config.Config) *slog.Logger {
	var level slog.Level
	if err := level.UnmarshalText([]byte(cfg.LogLevel)); err != nil {
		level = slog.LevelInfo
	}
	opts := &slog.HandlerOptions{Level: level}
	if cfg.LogFormat == "json" {
		return slog.New(slog.NewJSONHandler(os.Stderr, opts))
	}
	return slog.New(slog.NewTextHandler(os.Stderr, opts))
}

// OpenStore opens the database named by the configuration.
func OpenStore(cfg config.Config) (*store.Store, error) {
	return store.Open(cfg.DatabaseURL, cfg.SQLitePath())
}

// Settings are the workflow durations from the configuration.
func Settings(cfg config.Config) workflows.Settings {
	return workflows.Settings{
		HandoffRemindAfter:     cfg.HandoffRemindAfter.D(),
		HandoffExpireAfter:     cfg.HandoffExpireAfter.D(),
		InactivityRemindAfter:  cfg.InactivityRemindAfter.D(),
		HistoryEventsLimit:     cfg.HistoryEventsLimit,
		FundingReminderLead:    cfg.FundingReminderLead.D(),
		FundingAnswerAfter:     cfg.FundingAnswerAfter.D(),
		ProjectionConfirmAfter: cfg.ProjectionConfirmAfter.D(),
	}
}

// Start brings up the selected parts. Stop releases whatever was started, even after a
// failed Start.
func Start(ctx context.Context, cfg config.Config, log *slog.Logger, parts Parts) (*App, error) {
	a := &App{Cfg: cfg, Log: log}
	if err := a.start(ctx, parts); err != nil {
		a.Stop(context.Background())
		return nil, err
	}
	return a, nil
}

func (a *App) start(ctx context.Context, parts Parts) error {
	cfg := a.Cfg
	a.parts = parts
	var err error
	if a.stopTracing, err = tracing.Setup(ctx, "cep"); err != nil {
		return err
	}
	if a.Store, err = OpenStore(cfg); err != nil {
		return err
	}
	if parts.Migrate {
		if err := a.Store.Migrate(ctx, a.Log); err != nil {
			return err
		}
	}
	if parts.Seed {
		if err := a.Store.Seed(ctx); err != nil {
			return err
		}
	}
	if parts.Demo {
		if err := a.Store.SeedDemo(ctx); err != nil {
			return err
		}
	}
	address := cfg.TemporalAddress
	if address == "" {
		if !parts.Embedded {
			return errors.New("CEP_TEMPORAL_ADDRESS is required outside `cep dev`")
		}
		begin := time.Now()
		a.dev, err = devserver.Start(devserver.Options{
			DBPath: cfg.TemporalDBPath(), Namespace: cfg.TemporalNamespace, FrontendPort: cfg.TemporalPort, Logger: a.Log,
			Retention: cfg.TemporalRetention.D(),
		})
		if err != nil {
			return err
		}
		address = a.dev.Address()
		a.Log.Info("embedded Temporal server started", "address", address, "took", time.Since(begin).Round(time.Millisecond))
	}
	opts, codec, err := ClientOptions(cfg, parts.Embedded)
	if err != nil {
		return err
	}
	// The embedded server listens in plain gRPC on loopback; TLS is for a cluster.
	if a.dev != nil {
		opts.ConnectionOptions.TLS = nil
	}
	opts.HostPort, a.Codec = address, codec
	opts.Logger = tlog.NewStructuredLogger(a.Log.With("component", "temporal-client"))
	a.Temporal, err = client.Dial(opts)
	if err != nil {
		return fmt.Errorf("connect to Temporal at %s: %w", address, err)
	}
	if parts.Worker || parts.API || a.dev != nil {
		// Without its search attributes every case workflow stalls on its first upsert,
		// and the deployment binding cannot be recorded: better not to start than to
		// take cases it cannot run.
		if err := EnsureSearchAttributes(ctx, a.Temporal, cfg.TemporalNamespace); err != nil {
			return fmt.Errorf("the case search attributes are not registered in namespace %s (%w): ask the cluster operator to add them (temporal operator search-attribute create) or give cep the rights to", cfg.TemporalNamespace, err)
		}
	}
	if a.dev != nil {
		if err := setNamespaceRetention(ctx, a.Temporal, cfg.TemporalNamespace, cfg.TemporalRetention.D()); err != nil {
			return err
		}
	}
	if parts.Worker || parts.API {
		if err := a.checkBinding(ctx); err != nil {
			return err
		}
	}
	if parts.Worker {
		a.worker, err = NewWorker(a.Temporal, cfg, a.Store, a.Log, webhook.Policy{AllowLoopbackHTTP: parts.Embedded})
		if err != nil {
			return err
		}
		if err := a.worker.Start(); err != nil {
			return fmt.Errorf("start worker: %w", err)
		}
		if err := StartOutbox(ctx, a.Temporal, cfg.TaskQueue); err != nil {
			return err
		}
		if err := EnsureRetentionSchedule(ctx, a.Temporal, cfg); err != nil {
			return err
		}
		if err := directory.StartTermsInForce(ctx, a.Store, directory.TemporalTerms(a.Temporal, cfg.TaskQueue)); err != nil {
			return err
		}
		if cfg.MetricsAddr != "" && !parts.API {
			if a.metrics, a.MetricsAddr, err = metrics.Serve(cfg.MetricsAddr); err != nil {
				return fmt.Errorf("CEP_METRICS_ADDR %s: %w", cfg.MetricsAddr, err)
			}
			if sup, err := cfg.Supervision(); err == nil {
				metrics.Watch(a.Store, sup)
			}
		}
	}
	if parts.API {
		key, err := auth.LoadKey(cfg.TokenSecret, cfg.SigningKeyPath())
		if err != nil {
			return err
		}
		verifier, err := auth.NewVerifier(ctx, key, cfg.OIDCIssuer, cfg.OIDCClientID, cfg.OIDCEmailClaim)
		if err != nil {
			return err
		}
		sup, err := cfg.Supervision()
		if err != nil {
			return err
		}
		a.RefKey = PseudonymKey(cfg, key)
		a.codecOrigins = cfg.TemporalUIOrigins()
		if a.serveWebUI() {
			a.codecOrigins = append(a.codecOrigins, webUIOrigins(cfg)...)
		}
		a.codec = codecHandler(cfg, a.Codec, a.Store, a.codecOrigins)
		a.Cases = cases.New(cases.Config{Store: a.Store, Temporal: a.Temporal, Log: a.Log,
			TaskQueue: cfg.TaskQueue, Settings: Settings(cfg), Supervision: &sup, PseudonymKey: a.RefKey,
			Surveys: survey.NewSigner(key)})
		a.Directory = directory.New(a.Store).WithWebhooks(webhook.Policy{AllowLoopbackHTTP: parts.Embedded}).
			WithTerms(directory.TemporalTerms(a.Temporal, cfg.TaskQueue))
		router := api.NewRouter(api.Deps{
			Store: a.Store, Temporal: a.Temporal, Verifier: verifier, Log: a.Log,
			TaskQueue: cfg.TaskQueue, Settings: Settings(cfg), Supervision: &sup, Service: a.Cases, Directory: a.Directory,
			Codec: a.codec, PseudonymKey: a.RefKey,
			RateLimitPerMinute: cfg.RateLimitPerMinute, RateLimitPerAddressPerMinute: cfg.RateLimitPerAddressPerMinute,
			TrustedProxies: cfg.TrustedProxies,
			Survey:         &survey.Handler{DB: a.Store.DB, Signer: survey.NewSigner(key), Log: a.Log},
		})
		web, err := NewConsole(ctx, cfg, a, parts.Dev)
		if err != nil {
			return err
		}
		a.ln, err = net.Listen("tcp", cfg.HTTPAddr)
		if err != nil {
			return fmt.Errorf("listen on %s: %w", cfg.HTTPAddr, err)
		}
		a.APIAddr = a.ln.Addr().String()
		a.MetricsAddr = a.APIAddr
		metrics.Watch(a.Store, sup)
		// Bounded reads, writes and idle connections: a slow or idle client cannot hold
		// a connection (and its goroutine) for ever. Writes allow for a case command's
		// wait on its workflow (20 s) and a report.
		a.http = &http.Server{Handler: console.Mount(router, web), ReadHeaderTimeout: 10 * time.Second, ReadTimeout: 30 * time.Second,
			WriteTimeout: 60 * time.Second, IdleTimeout: 120 * time.Second, MaxHeaderBytes: 64 << 10}
		go func() {
			if err := a.http.Serve(a.ln); err != nil && !errors.Is(err, http.ErrServerClosed) {
				a.Log.Error("http server stopped", "error", err)
			}
		}()
		if a.serveWebUI() {
			a.startWebUI()
		}
	}
	return nil
}

// serveWebUI: `cep dev` serves the Temporal web UI unless CEP_TEMPORAL_UI_PORT is 0;
// the test harnesses that embed a server do not.
func (a *App) serveWebUI() bool { return a.dev != nil && a.parts.Dev && a.Cfg.TemporalUIPort != 0 }

// webUIHost is the host of the API's address, where the web UI listens too (loopback
// when the API listens on every interface).
func webUIHost(cfg config.Config) string {
	host, _, err := net.SplitHostPort(cfg.HTTPAddr)
	if err != nil || host == "" || host == "0.0.0.0" || host == "::" {
		return "127.0.0.1"
	}
	return host
}

// webUIOrigins are the origins a browser gives the embedded web UI.
func webUIOrigins(cfg config.Config) []string {
	port := strconv.Itoa(cfg.TemporalUIPort)
	origins := []string{"http://" + net.JoinHostPort(webUIHost(cfg), port)}
	if webUIHost(cfg) == "127.0.0.1" {
		origins = append(origins, "http://localhost:"+port)
	}
	return origins
}

// startWebUI serves the Temporal web UI beside the embedded server. The UI is a
// convenience: a taken port is a warning, not a reason to stop `cep dev`.
func (a *App) startWebUI() {
	// The browser calls the codec on the host it reached the UI on (its cookie is the
	// console's on that host), at the API's port.
	api := a.APIAddr
	if _, port, err := net.SplitHostPort(a.APIAddr); err == nil {
		api = net.JoinHostPort(webUIHost(a.Cfg), port)
	}
	ui, err := devserver.StartWebUI(devserver.WebUIOptions{IP: webUIHost(a.Cfg), Port: a.Cfg.TemporalUIPort,
		TemporalAddress: a.dev.Address(), Namespace: a.Cfg.TemporalNamespace,
		CodecEndpoint: "http://" + api + strings.TrimSuffix(console.CodecPath, "/")})
	if err != nil {
		a.Log.Warn("the Temporal web UI is not served: set CEP_TEMPORAL_UI_PORT to a free port (0 for none)", "error", err)
		return
	}
	a.webUI, a.WebUIURL = ui, ui.URL()
}

// NewConsole makes the web console served beside the API, on the same service layer.
func NewConsole(ctx context.Context, cfg config.Config, a *App, dev bool) (*console.Console, error) {
	return console.New(ctx, console.Deps{Cases: a.Cases, Directory: a.Directory, Store: a.Store, Log: a.Log, Dev: dev,
		SessionIdle: cfg.SessionIdle.D(), SessionMaxAge: cfg.SessionMaxAge.D(),
		OIDC: console.OIDCConfig{Issuer: cfg.OIDCIssuer, ClientID: cfg.OIDCClientID, ClientSecret: cfg.OIDCClientSecret,
			RedirectURL: cfg.OIDCRedirectURL, EmailClaim: cfg.OIDCEmailClaim},
		RateLimitPerMinute: cfg.RateLimitPerMinute, RateLimitPerAddressPerMinute: cfg.RateLimitPerAddressPerMinute,
		TrustedProxies: cfg.TrustedProxies, Codec: a.codec, CodecOrigins: a.codecOrigins})
}

// ClientOptions are the options of every Temporal client cep starts (HostPort aside):
// the namespace, every payload encrypted with the configured keys (with dev, the data
// directory's key when CEP_PAYLOAD_KEYS is empty), failure messages encrypted too, and
// TLS when configured.
func ClientOptions(cfg config.Config, dev bool) (client.Options, *payloadcodec.Codec, error) {
	keys, err := cfg.PayloadCodecKeys(dev)
	if err != nil {
		return client.Options{}, nil, err
	}
	tlsCfg, err := cfg.TemporalTLS()
	if err != nil {
		return client.Options{}, nil, err
	}
	codec := payloadcodec.NewCodec(keys)
	dc := payloadcodec.DataConverter(keys)
	var interceptors []interceptor.ClientInterceptor
	if i := tracing.Interceptor(); i != nil {
		interceptors = append(interceptors, i)
	}
	return client.Options{
		Namespace:         cfg.TemporalNamespace,
		MetricsHandler:    metrics.TemporalHandler(),
		Interceptors:      interceptors,
		DataConverter:     dc,
		FailureConverter:  payloadcodec.FailureConverter(dc),
		ConnectionOptions: client.ConnectionOptions{TLS: tlsCfg},
	}, codec, nil
}

// CodecHandler is the remote codec endpoint of the API: admins decode payloads for the
// Temporal UI and CLI, each decode recorded in the audit log. The API authenticates the
// caller before handing the request over.
func CodecHandler(cfg config.Config, codec *payloadcodec.Codec, st *store.Store) http.Handler {
	return codecHandler(cfg, codec, st, cfg.TemporalUIOrigins())
}

func codecHandler(cfg config.Config, codec *payloadcodec.Codec, st *store.Store, origins []string) http.Handler {
	return payloadcodec.NewHandler(payloadcodec.HandlerOptions{
		Codec: codec, Namespace: cfg.TemporalNamespace, AllowedOrigins: origins,
		Roles: []string{models.RoleAdmin}, Authenticate: payloadcodec.CallerFromRequest,
		AuditDecode: func(ctx context.Context, c payloadcodec.Caller) error {
			return st.DB.WithContext(ctx).Create(&models.AuditEntry{At: time.Now().UTC(), UserID: c.UserID, UserRole: c.Role,
				StructureID: c.StructureID, RequestID: c.RequestID, Action: "read", What: "codec.decode"}).Error
		},
	})
}

// Poller counts of the case worker.
const (
	workflowTaskPollers = 8
	activityTaskPollers = 8
)

// NewWorker makes the case worker with its workflow and activities.
// Webhooks may use plain http to loopback only when policy says so (`cep dev`).
func NewWorker(c client.Client, cfg config.Config, st *store.Store, log *slog.Logger, policy webhook.Policy) (worker.Worker, error) {
	schemes, err := financing.DefaultSchemes()
	if err != nil {
		return nil, fmt.Errorf("built-in funding schemes: %w", err)
	}
	if cfg.FinancingSchemesDir != "" {
		more, err := financing.LoadSchemesDir(cfg.FinancingSchemesDir)
		if err != nil {
			return nil, fmt.Errorf("CEP_FINANCING_SCHEMES_DIR: %w", err)
		}
		schemes = append(schemes, more...)
	}
	// Pollers: the SDK's default two workflow-task pollers are split between the sticky
	// and the normal queue, so a burst of new cases (whose first workflow task is on the
	// normal queue) queued behind one poll at a time: 120–145 ms between a first task's
	// scheduling and its start at 8 creations at once. Polls are long-lived and idle ones
	// cost nothing.
	w := worker.New(c, cfg.TaskQueue, worker.Options{
		MaxConcurrentWorkflowTaskPollers: workflowTaskPollers,
		MaxConcurrentActivityTaskPollers: activityTaskPollers,
	})
	w.RegisterWorkflowWithOptions(workflows.CaseWorkflow, workflow.RegisterOptions{Name: workflows.CaseWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.FundingRequestWorkflow, workflow.RegisterOptions{Name: workflows.FundingRequestWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.OutboxWorkflow, workflow.RegisterOptions{Name: workflows.OutboxWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.CoordinationTermWorkflow, workflow.RegisterOptions{Name: workflows.CoordinationTermWorkflowName})
	w.RegisterWorkflowWithOptions(workflows.FollowUpWorkflow, workflow.RegisterOptions{Name: workflows.FollowUpWorkflowName})
	// Survey links are signed with a key derived from the platform key, which the API
	// that checks them loads the same way.
	key, err := auth.LoadKey(cfg.TokenSecret, cfg.SigningKeyPath())
	if err != nil {
		return nil, fmt.Errorf("survey links: %w", err)
	}
	acts := &activities.Activities{Store: st, Log: log.With("component", "activities"),
		HTTP: policy.Client(cfg.NotificationWebhookTimeout.D()), Webhooks: policy, Schemes: schemes,
		ShortfallThresholdEUR: cfg.FinancingShortfallThresholdEUR, Surveys: survey.NewSigner(key), Temporal: c}
	acts.Register(w)
	binding.Register(w)
	w.RegisterWorkflowWithOptions(workflows.RetentionWorkflow, workflow.RegisterOptions{Name: workflows.RetentionWorkflowName})
	sup, err := cfg.Supervision()
	if err != nil {
		return nil, err
	}
	activities.RegisterRetention(w, cases.New(cases.Config{Store: st, Temporal: c, Log: log.With("component", "retention"),
		TaskQueue: cfg.TaskQueue, Settings: Settings(cfg), Supervision: &sup, Surveys: acts.Surveys}))
	return w, nil
}

// checkBinding refuses to serve a namespace and task queue bound to another database:
// two deployments sharing one Temporal would otherwise split new cases between their
// databases without a word.
func (a *App) checkBinding(ctx context.Context) error {
	id, err := a.Store.DeploymentID(ctx)
	if err != nil {
		return fmt.Errorf("database identity (are the migrations applied? `cep migrate`): %w", err)
	}
	return binding.Check(ctx, a.Temporal, a.Cfg.TemporalNamespace, a.Cfg.TaskQueue, id)
}

// StartOutbox starts the outbox sweeper unless it runs already: every worker calls it,
// the workflow ID keeps it to one per deployment.
func StartOutbox(ctx context.Context, c client.Client, taskQueue string) error {
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.OutboxWorkflowID, TaskQueue: taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
	}, workflows.OutboxWorkflowName, workflows.OutboxInput{})
	if err != nil {
		return fmt.Errorf("start the outbox sweeper %s: %w", workflows.OutboxWorkflowID, err)
	}
	return nil
}

// EnsureSearchAttributes registers the case search attributes that the namespace lacks.
func EnsureSearchAttributes(ctx context.Context, c client.Client, namespace string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	list, err := c.OperatorService().ListSearchAttributes(ctx, &operatorservice.ListSearchAttributesRequest{Namespace: namespace})
	if err != nil {
		return fmt.Errorf("list search attributes: %w", err)
	}
	missing := map[string]enumspb.IndexedValueType{}
	for _, attrs := range []map[string]enumspb.IndexedValueType{workflows.SearchAttributes(), binding.SearchAttributes()} {
		for name, typ := range attrs {
			if _, ok := list.GetCustomAttributes()[name]; !ok {
				missing[name] = typ
			}
		}
	}
	if len(missing) == 0 {
		return nil
	}
	_, err = c.OperatorService().AddSearchAttributes(ctx, &operatorservice.AddSearchAttributesRequest{
		Namespace: namespace, SearchAttributes: missing,
	})
	if err != nil && !strings.Contains(err.Error(), "already exists") {
		return fmt.Errorf("add search attributes: %w", err)
	}
	return nil
}

// Stop shuts the parts down in reverse order: no new requests, then the worker, then
// the connections and the embedded server.
func (a *App) Stop(ctx context.Context) {
	if a.metrics != nil {
		_ = a.metrics.Close()
	}
	if a.webUI != nil {
		a.webUI.Stop()
	}
	if a.http != nil {
		sctx, cancel := context.WithTimeout(ctx, 15*time.Second)
		_ = a.http.Shutdown(sctx)
		cancel()
	}
	if a.worker != nil {
		a.worker.Stop()
	}
	if a.Temporal != nil {
		a.Temporal.Close()
	}
	if a.dev != nil {
		if err := a.dev.Stop(); err != nil {
			a.Log.Warn("embedded Temporal server stop", "error", err)
		}
	}
	if a.Store != nil {
		_ = a.Store.Close()
	}
	if a.stopTracing != nil {
		sctx, cancel := context.WithTimeout(ctx, 5*time.Second)
		_ = a.stopTracing(sctx)
		cancel()
	}
}

// TemporalAddress is the Temporal frontend this process talks to.
func (a *App) TemporalAddress() string {
	if a.dev != nil {
		return a.dev.Address()
	}
	return a.Cfg.TemporalAddress
}
