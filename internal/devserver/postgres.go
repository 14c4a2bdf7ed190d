//go:build !nodevserver

package devserver

import (
	"fmt"
	"net"
	"net/url"
	"strings"
	"time"

	"go.temporal.io/server/common/config"
	tlog "go.temporal.io/server/common/log"
	"go.temporal.io/server/common/persistence/sql/sqlplugin/postgresql"
	"go.temporal.io/server/common/primitives/timestamp"
	sqliteschema "go.temporal.io/server/schema/sqlite"
	"go.temporal.io/server/tools/common/schema"
	sqltool "go.temporal.io/server/tools/sql"
)

// Postgres puts the server's own persistence in two PostgreSQL databases, as a
// production cluster has it: one for the history, matching and namespaces, one for
// visibility (each has its own schema version table, so they cannot share a database).
type Postgres struct {
	// URL and VisibilityURL are postgres:// URLs of existing, possibly empty, databases.
	URL, VisibilityURL string
}

// postgresSQL turns a postgres:// URL into the server's SQL store configuration.
func postgresSQL(raw string) (*config.SQL, error) {
	u, err := url.Parse(raw)
	if err != nil || (u.Scheme != "postgres" && u.Scheme != "postgresql") || u.Host == "" {
		return nil, fmt.Errorf("devserver: %q is not a postgres:// URL", raw)
	}
	host, port := u.Hostname(), u.Port()
	if port == "" {
		port = "5432"
	}
	password, _ := u.User.Password()
	attrs := map[string]string{}
	for k, v := range u.Query() {
		if k == "sslmode" {
			attrs[k] = v[0]
		}
	}
	return &config.SQL{
		PluginName:        postgresql.PluginNamePGX,
		DatabaseName:      strings.TrimPrefix(u.Path, "/"),
		ConnectAddr:       net.JoinHostPort(host, port),
		ConnectProtocol:   "tcp",
		User:              u.User.Username(),
		Password:          password,
		ConnectAttributes: attrs,
		MaxConns:          20,
		MaxIdleConns:      20,
		MaxConnLifetime:   time.Hour,
	}, nil
}

// setupPostgres creates or upgrades both schemas from the ones embedded in the server
// library (what temporal-sql-tool's setup-schema and update-schema do), then registers
// the namespace. Each step is a no-op when already done, so a restart is safe.
func setupPostgres(p Postgres, clusterName, namespace string, retention time.Duration) (main, visibility *config.SQL, err error) {
	if main, err = postgresSQL(p.URL); err != nil {
		return nil, nil, err
	}
	if visibility, err = postgresSQL(p.VisibilityURL); err != nil {
		return nil, nil, err
	}
	logger := tlog.NewNoopLogger()
	for _, s := range []struct {
		cfg  *config.SQL
		name string
	}{{main, "postgresql/v12/temporal"}, {visibility, "postgresql/v12/visibility"}} {
		conn, err := sqltool.NewConnection(s.cfg, logger)
		if err != nil {
			return nil, nil, fmt.Errorf("devserver: connect to %s: %w", s.cfg.DatabaseName, err)
		}
		err = schema.NewSetupSchemaTask(conn, &schema.SetupConfig{InitialVersion: "0.0"}, logger).Run()
		if err == nil {
			err = schema.NewUpdateSchemaTask(conn, &schema.UpdateConfig{DBName: s.cfg.DatabaseName, SchemaName: s.name}, logger).Run()
		}
		conn.Close()
		if err != nil {
			return nil, nil, fmt.Errorf("devserver: schema %s in %s: %w", s.name, s.cfg.DatabaseName, err)
		}
	}
	ns, err := sqliteschema.NewNamespaceConfig(clusterName, namespace, false, nil)
	if err != nil {
		return nil, nil, fmt.Errorf("devserver: namespace: %w", err)
	}
	ns.Detail.Config.Retention = timestamp.DurationPtr(retention)
	if err := sqliteschema.CreateNamespaces(main, ns); err != nil {
		return nil, nil, fmt.Errorf("devserver: namespace: %w", err)
	}
	return main, visibility, nil
}
