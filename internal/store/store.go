// Package store opens the application database (PostgreSQL, or SQLite for `cep dev`),
// applies the versioned migrations embedded in the binary, loads the seed and runs the
// queries that the API and the activities share.
package store

import (
	"context"
	"database/sql"
	"embed"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/pressly/goose/v3"
	"gorm.io/driver/postgres"
	"gorm.io/driver/sqlite"
	"gorm.io/gorm"
	"gorm.io/gorm/logger"

	// The pure-Go SQLite driver, registered as "sqlite"; the embedded Temporal server
	// uses the same one, so both share one registration.
	_ "modernc.org/sqlite"
)

//go:embed migrations
var migrations embed.FS

// Dialects the store runs on.
const (
	DialectPostgres = "postgres"
	DialectSQLite   = "sqlite"
)

// ErrNotFound is returned when a looked-up row does not exist.
var ErrNotFound = errors.New("not found")

// Store is the application database.
type Store struct {
	DB      *gorm.DB
	Dialect string
}

// Open connects to databaseURL, or to the SQLite file sqlitePath when the URL is empty.
func Open(databaseURL, sqlitePath string) (*Store, error) {
	gcfg := &gorm.Config{
		Logger:         logger.Default.LogMode(logger.Silent),
		TranslateError: true,
		NowFunc:        func() time.Time { return time.Now().UTC() },
	}
	if databaseURL != "" {
		if !strings.HasPrefix(databaseURL, "postgres://") && !strings.HasPrefix(databaseURL, "postgresql://") {
			return nil, fmt.Errorf("CEP_DATABASE_URL must be a postgres:// URL")
		}
		db, err := gorm.Open(postgres.Open(databaseURL), gcfg)
		if err != nil {
			return nil, fmt.Errorf("open PostgreSQL: %w", err)
		}
		sqlDB, err := db.DB()
		if err != nil {
			return nil, err
		}
		sqlDB.SetMaxOpenConns(20)
		sqlDB.SetMaxIdleConns(10)
		sqlDB.SetConnMaxLifetime(30 * time.Minute)
		return &Store{DB: db, Dialect: DialectPostgres}, nil
	}
	if err := os.MkdirAll(filepath.Dir(sqlitePath), 0o750); err != nil {
		return nil, fmt.Errorf("data directory: %w", err)
	}
	dsn := "file:" + sqlitePath + "?_pragma=journal_mode(WAL)&_pragma=synchronous(NORMAL)" +
		"&_pragma=busy_timeout(10000)&_pragma=foreign_keys(1)&_pragma=secure_delete(1)&_time_format=sqlite"
	db, err := gorm.Open(sqlite.New(sqlite.Config{DriverName: "sqlite", DSN: dsn}), gcfg)
	if err != nil {
		return nil, fmt.Errorf("open SQLite %s: %w", sqlitePath, err)
	}
	sqlDB, err := db.DB()
	if err != nil {
		return nil, err
	}
	// One connection: SQLite has one writer, and a single connection turns concurrent
	// writers into a queue instead of "database is locked" errors.
	sqlDB.SetMaxOpenConns(1)
	return &Store{DB: db, Dialect: DialectSQLite}, nil
}

// Close releases the connections.
func (s *Store) Close() error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.Close()
}

// Ping checks that the database answers.
func (s *Store) Ping(ctx context.Context) error {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return err
	}
	return sqlDB.PingContext(ctx)
}

func (s *Store) provider() (*goose.Provider, error) {
	sqlDB, err := s.DB.DB()
	if err != nil {
		return nil, err
	}
	sub, err := fs.Sub(migrations, "migrations/"+s.Dialect)
	if err != nil {
		return nil, err
	}
	dialect := goose.DialectPostgres
	if s.Dialect == DialectSQLite {
		dialect = goose.DialectSQLite3
	}
	return goose.NewProvider(dialect, sqlDB, sub)
}

// Migrate applies every pending migration and reports what it applied.
func (s *Store) Migrate(ctx context.Context, log *slog.Logger) error {
	p, err := s.provider()
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	results, err := p.Up(ctx)
	if err != nil {
		return fmt.Errorf("migrations: %w", err)
	}
	for _, r := range results {
		log.Info("migration applied", "version", r.Source.Version, "file", filepath.Base(r.Source.Path), "duration", r.Duration)
	}
	return nil
}

// SchemaVersion is the latest applied migration.
func (s *Store) SchemaVersion(ctx context.Context) (int64, error) {
	p, err := s.provider()
	if err != nil {
		return 0, err
	}
	return p.GetDBVersion(ctx)
}

// SQL exposes the underlying database handle.
func (s *Store) SQL() (*sql.DB, error) { return s.DB.DB() }

func notFound(err error) error {
	if errors.Is(err, gorm.ErrRecordNotFound) {
		return ErrNotFound
	}
	return err
}
