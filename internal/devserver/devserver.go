//go:build !nodevserver

// Package devserver runs a Temporal server inside the cep process for `cep dev` and the
// integration tests: SQLite persistence in the data directory, one namespace, frontend on
// a chosen port and every internal port picked free so that several instances can run
// side by side. Production binaries are built with the nodevserver tag and leave it out.
package devserver

import (
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"math/rand/v2"
	"net"
	"os"
	"path/filepath"
	"strconv"
	"strings"
	"sync/atomic"
	"time"

	"go.temporal.io/server/common/cluster"
	"go.temporal.io/server/common/config"
	"go.temporal.io/server/common/dynamicconfig"
	sqliteplugin "go.temporal.io/server/common/persistence/sql/sqlplugin/sqlite"
	"go.temporal.io/server/common/primitives"
	"go.temporal.io/server/common/primitives/timestamp"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/temporal"
)

// Available reports whether this binary carries the embedded server.
const Available = true

// Options configure the embedded server.
type Options struct {
	// DBPath is the SQLite file; its directory is created if needed.
	DBPath string
	// Namespace is registered at start if missing.
	Namespace string
	// FrontendPort is the gRPC port clients dial; 0 picks a free one.
	FrontendPort int
	// Logger receives the server's warnings and errors.
	Logger *slog.Logger
	// TLS, when set, makes the frontend serve TLS only.
	TLS *TLS
	// Postgres, when set, replaces the SQLite file (DBPath is then unused): the shape of
	// a production cluster, for the topology test.
	Postgres *Postgres
	// Retention is how long closed workflows' histories are kept when the namespace is
	// created (0: 30 days); the app sets it again on every start.
	Retention time.Duration
}

// TLS are the frontend's certificate files, to test cep against a cluster that requires
// TLS or mutual TLS.
type TLS struct {
	// CertFile and KeyFile are the frontend's certificate (valid for localhost) and key;
	// the server's own system workers present them as client certificate too.
	CertFile, KeyFile string
	// CAFile verifies the frontend for the system workers, and the clients' certificates.
	CAFile string
	// RequireClientCert makes the frontend refuse clients without a certificate signed
	// by CAFile.
	RequireClientCert bool
}

// Server is a running embedded Temporal server.
type Server struct {
	server  temporal.Server
	address string
	phase   *atomic.Int32
}

// Start boots the server and returns once its frontend accepts connections.
func Start(opts Options) (*Server, error) {
	if opts.Namespace == "" {
		return nil, errors.New("devserver: a namespace is required")
	}
	if opts.Postgres == nil {
		if err := os.MkdirAll(filepath.Dir(opts.DBPath), 0o750); err != nil {
			return nil, fmt.Errorf("devserver: data directory: %w", err)
		}
	}
	const ip = "127.0.0.1"
	frontendPort := opts.FrontendPort
	if frontendPort == 0 {
		p, err := freePort(ip)
		if err != nil {
			return nil, err
		}
		frontendPort = p
	}
	cfg, err := serverConfig(ip, frontendPort, opts.DBPath)
	if err != nil {
		return nil, err
	}
	if t := opts.TLS; t != nil {
		cfg.Global.TLS.Frontend.Server = config.ServerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile, RequireClientAuth: t.RequireClientCert}
		if t.RequireClientCert {
			cfg.Global.TLS.Frontend.Server.ClientCAFiles = []string{t.CAFile}
		}
		cfg.Global.TLS.SystemWorker = config.WorkerTLS{CertFile: t.CertFile, KeyFile: t.KeyFile,
			Client: config.ClientTLS{ServerName: "localhost", RootCAFiles: []string{t.CAFile}}}
	}
	// Retention of closed cases' histories (CEP_TEMPORAL_RETENTION): the payloads are
	// encrypted, but an erased case's history should not outlive it by much.
	retention := opts.Retention
	if retention <= 0 {
		retention = 30 * 24 * time.Hour
	}
	if opts.Postgres != nil {
		main, visibility, err := setupPostgres(*opts.Postgres, cfg.ClusterMetadata.CurrentClusterName, opts.Namespace, retention)
		if err != nil {
			return nil, err
		}
		cfg.Persistence.DefaultStore, cfg.Persistence.VisibilityStore = "postgres", "postgres-visibility"
		cfg.Persistence.DataStores = map[string]config.DataStore{"postgres": {SQL: main}, "postgres-visibility": {SQL: visibility}}
	} else {
		if err := forgetMembers(opts.DBPath); err != nil {
			return nil, err
		}
		sqlCfg := cfg.Persistence.DataStores["sqlite"].SQL
		// The plugin creates the schema on first open (the "setup" attribute); the
		// namespace must exist before the frontend starts serving it. Both are no-ops on
		// a restart.
		ns, err := sqliteschema.NewNamespaceConfig(cfg.ClusterMetadata.CurrentClusterName, opts.Namespace, false, nil)
		if err != nil {
			return nil, fmt.Errorf("devserver: namespace: %w", err)
		}
		ns.Detail.Config.Retention = timestamp.DurationPtr(retention)
		if err := sqliteschema.CreateNamespaces(sqlCfg, ns); err != nil {
			return nil, fmt.Errorf("devserver: namespace: %w", err)
		}
	}

	logger := opts.Logger
	if logger == nil {
		logger = slog.Default()
	}
	phase := new(atomic.Int32)
	srv, err := temporal.NewServer(
		temporal.ForServices(temporal.DefaultServices),
		temporal.WithConfig(cfg),
		temporal.WithLogger(newLogger(logger, phase)),
		temporal.WithDynamicConfigClient(dynamicConfig()),
	)
	if err != nil {
		return nil, fmt.Errorf("devserver: %w", err)
	}
	if err := srv.Start(); err != nil {
		return nil, fmt.Errorf("devserver: start: %w", err)
	}
	s := &Server{server: srv, address: net.JoinHostPort(ip, strconv.Itoa(frontendPort)), phase: phase}
	if err := waitListening(s.address, 30*time.Second); err != nil {
		_ = s.Stop()
		return nil, err
	}
	phase.Store(phaseRunning)
	return s, nil
}

// Address is the frontend host:port.
func (s *Server) Address() string { return s.address }

// Stop shuts the server down.
func (s *Server) Stop() error {
	s.phase.Store(phaseStopping)
	return s.server.Stop()
}

func serverConfig(ip string, frontendPort int, dbPath string) (*config.Config, error) {
	ports := map[string]int{}
	for _, name := range []string{"frontend-http", "frontend-membership", "history", "history-membership",
		"matching", "matching-membership", "worker", "worker-membership"} {
		pick := freePort
		if strings.HasSuffix(name, "-membership") {
			// PostgreSQL's cluster_membership table keeps the port in a SMALLINT: a port
			// from the ephemeral range (above 32767) would make every heartbeat fail.
			pick = freeMembershipPort
		}
		p, err := pick(ip)
		if err != nil {
			return nil, err
		}
		ports[name] = p
	}
	sqlCfg := &config.SQL{
		PluginName:      sqliteplugin.PluginName,
		DatabaseName:    dbPath,
		ConnectAddr:     "localhost",
		ConnectProtocol: "tcp",
		// WAL with synchronous=normal and one connection: several times the throughput
		// of the defaults on SQLite, and no "database is locked" errors.
		ConnectAttributes: map[string]string{
			"mode":         "rwc",
			"setup":        "true",
			"journal_mode": "wal",
			"synchronous":  "1",
			"busy_timeout": "10000",
		},
		MaxConns:        1,
		MaxIdleConns:    1,
		MaxConnLifetime: time.Hour,
	}
	rpc := func(grpc, membership, http int) config.Service {
		return config.Service{RPC: config.RPC{GRPCPort: grpc, MembershipPort: membership, HTTPPort: http, BindOnIP: ip}}
	}
	return &config.Config{
		Global: config.Global{
			Membership: config.Membership{MaxJoinDuration: 30 * time.Second, BroadcastAddress: ip},
		},
		Persistence: config.Persistence{
			DefaultStore:     "sqlite",
			VisibilityStore:  "sqlite",
			NumHistoryShards: 1,
			DataStores:       map[string]config.DataStore{"sqlite": {SQL: sqlCfg}},
		},
		ClusterMetadata: &cluster.Config{
			EnableGlobalNamespace:    false,
			FailoverVersionIncrement: 10,
			MasterClusterName:        "active",
			CurrentClusterName:       "active",
			ClusterInformation: map[string]cluster.ClusterInformation{
				"active": {
					Enabled:                true,
					InitialFailoverVersion: 1,
					RPCAddress:             net.JoinHostPort(ip, strconv.Itoa(frontendPort)),
					ClusterID:              clusterID,
				},
			},
		},
		DCRedirectionPolicy: config.DCRedirectionPolicy{Policy: "noop"},
		Services: map[string]config.Service{
			string(primitives.FrontendService): rpc(frontendPort, ports["frontend-membership"], ports["frontend-http"]),
			string(primitives.HistoryService):  rpc(ports["history"], ports["history-membership"], 0),
			string(primitives.MatchingService): rpc(ports["matching"], ports["matching-membership"], 0),
			string(primitives.WorkerService):   rpc(ports["worker"], ports["worker-membership"], 0),
		},
		Archival: config.Archival{
			History:    config.HistoryArchival{State: "disabled"},
			Visibility: config.VisibilityArchival{State: "disabled"},
		},
		NamespaceDefaults: config.NamespaceDefaults{
			Archival: config.ArchivalNamespaceDefaults{
				History:    config.HistoryArchivalNamespaceDefaults{State: "disabled"},
				Visibility: config.VisibilityArchivalNamespaceDefaults{State: "disabled"},
			},
		},
		PublicClient: config.PublicClient{HostPort: net.JoinHostPort(ip, strconv.Itoa(frontendPort))},
	}, nil
}

// dynamicConfig tunes the server for a single local process: search attributes usable
// right after registration, and no artificial throttling of a developer's machine.
//
// The history service reads each shard's task queues at most MaxPollRPS times a second
// (20 by default): with the one shard of a local server, every workflow task that follows
// an activity, every timer and every visibility update waited for the next 50 ms slot,
// and each case transition took 50 or 100 ms whatever the load (`cep bench` at
// concurrency 1; the histories showed 40–46 ms between a workflow task's scheduling and
// its start). The readers are woken by new tasks, so a higher ceiling costs nothing when
// idle. Task queues keep their default partitions: lowering them on a data directory
// that already has tasks could strand those on the partitions no longer read. Activities
// are handed to the worker in the answer to the workflow task that schedules them (eager
// execution) when it has a free slot, without a round trip through matching.
func dynamicConfig() dynamicconfig.Client {
	return dynamicconfig.StaticClient{
		dynamicconfig.ForceSearchAttributesCacheRefreshOnRead.Key(): true,
		dynamicconfig.FrontendEnableUpdateWorkflowExecution.Key():   true,
		dynamicconfig.EnableEagerWorkflowStart.Key():                true,
		dynamicconfig.EnableActivityEagerExecution.Key():            true,
		dynamicconfig.TransferProcessorMaxPollRPS.Key():             queueReaderPollRPS,
		dynamicconfig.TimerProcessorMaxPollRPS.Key():                queueReaderPollRPS,
		dynamicconfig.VisibilityProcessorMaxPollRPS.Key():           queueReaderPollRPS,
		dynamicconfig.OutboundProcessorMaxPollRPS.Key():             queueReaderPollRPS,
	}
}

// queueReaderPollRPS lets a shard's queue readers run up to every millisecond.
const queueReaderPollRPS = 1000

// clusterID is fixed: each data directory is its own single-node cluster, and a
// restarted server must recognise the cluster metadata it stored before.
const clusterID = "5c0e5d8e-6a4f-4c39-9a0b-0c1d2e3f4a5b"

// forgetMembers removes the membership rows left by the previous run. The embedded
// server is the only user of its file, so those hosts are dead; left in place, the new
// services would try to join them (on ports now chosen afresh) and refuse requests
// with "Not enough hosts to serve the request" until the rows expire.
func forgetMembers(dbPath string) error {
	if _, err := os.Stat(dbPath); errors.Is(err, os.ErrNotExist) {
		return nil
	}
	db, err := sql.Open("sqlite", "file:"+dbPath+"?_pragma=busy_timeout(10000)")
	if err != nil {
		return fmt.Errorf("devserver: open %s: %w", dbPath, err)
	}
	defer db.Close()
	if _, err := db.Exec("DELETE FROM cluster_membership"); err != nil && !strings.Contains(err.Error(), "no such table") {
		return fmt.Errorf("devserver: reset membership: %w", err)
	}
	return nil
}

// freeMembershipPort finds a free port below 32768, where a SMALLINT can hold it.
func freeMembershipPort(ip string) (int, error) {
	start := 20000 + rand.IntN(10000)
	for p := start; p < 32768; p++ {
		l, err := net.Listen("tcp", net.JoinHostPort(ip, strconv.Itoa(p)))
		if err == nil {
			l.Close()
			return p, nil
		}
	}
	return 0, fmt.Errorf("devserver: no free membership port between %d and 32767", start)
}

func freePort(ip string) (int, error) {
	l, err := net.Listen("tcp", net.JoinHostPort(ip, "0"))
	if err != nil {
		return 0, fmt.Errorf("devserver: no free port: %w", err)
	}
	defer l.Close()
	return l.Addr().(*net.TCPAddr).Port, nil
}

func waitListening(addr string, within time.Duration) error {
	deadline := time.Now().Add(within)
	for {
		c, err := net.DialTimeout("tcp", addr, time.Second)
		if err == nil {
			return c.Close()
		}
		if time.Now().After(deadline) {
			return fmt.Errorf("devserver: frontend %s not listening after %s: %w", addr, within, err)
		}
		time.Sleep(50 * time.Millisecond)
	}
}
