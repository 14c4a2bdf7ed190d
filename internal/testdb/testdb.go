// Package testdb gives tests a fresh, migrated PostgreSQL database. It reads
// CEP_TEST_DATABASE_URL (default: the local server with trust auth). When the server
// cannot be reached the test is skipped, except under CI, where it fails: CI must never
// pass by skipping the database.
package testdb

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"io"
	"log/slog"
	"net/url"
	"os"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/store"

	_ "github.com/jackc/pgx/v5/stdlib"
)

// DefaultAdminURL is the server used when CEP_TEST_DATABASE_URL is not set.
const DefaultAdminURL = "postgres://postgres@127.0.0.1:5432/postgres?sslmode=disable"

// AdminURL is the maintenance database URL used to create test databases.
func AdminURL() string {
	if u := os.Getenv("CEP_TEST_DATABASE_URL"); u != "" {
		return u
	}
	return DefaultAdminURL
}

// ErrUnreachable marks a server that does not answer.
var ErrUnreachable = errors.New("PostgreSQL unreachable")

// CreateDatabase makes a new empty database and returns its URL and a function dropping
// it. The error wraps ErrUnreachable when the server does not answer.
func CreateDatabase() (string, func(), error) {
	admin, err := sql.Open("pgx", AdminURL())
	if err != nil {
		return "", nil, err
	}
	ctx, cancel := context.WithTimeout(context.Background(), 10*time.Second)
	defer cancel()
	if err := admin.PingContext(ctx); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("%w at %s: %v", ErrUnreachable, AdminURL(), err)
	}
	b := make([]byte, 6)
	_, _ = rand.Read(b)
	name := "cep_test_" + hex.EncodeToString(b)
	if _, err := admin.ExecContext(ctx, "CREATE DATABASE "+name); err != nil {
		admin.Close()
		return "", nil, fmt.Errorf("create database: %w", err)
	}
	u, err := url.Parse(AdminURL())
	if err != nil {
		admin.Close()
		return "", nil, err
	}
	u.Path = "/" + name
	drop := func() {
		ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
		defer cancel()
		_, _ = admin.ExecContext(ctx, "DROP DATABASE IF EXISTS "+name+" WITH (FORCE)")
		admin.Close()
	}
	return u.String(), drop, nil
}

// Create is CreateDatabase for a test: skipped when the server is unreachable, except
// under CI, where it fails.
func Create(tb testing.TB) (string, func()) {
	tb.Helper()
	dbURL, drop, err := CreateDatabase()
	if errors.Is(err, ErrUnreachable) && os.Getenv("CI") == "" {
		tb.Skipf("testdb: %v (set CEP_TEST_DATABASE_URL)", err)
	}
	if err != nil {
		tb.Fatalf("testdb: %v", err)
	}
	return dbURL, drop
}

// Open creates a fresh database, migrates and seeds it, and closes it all at cleanup.
func Open(tb testing.TB) *store.Store {
	tb.Helper()
	dbURL, drop := Create(tb)
	st, err := store.Open(dbURL, "")
	if err != nil {
		drop()
		tb.Fatalf("testdb: open: %v", err)
	}
	tb.Cleanup(func() {
		_ = st.Close()
		drop()
	})
	log := slog.New(slog.NewTextHandler(io.Discard, nil))
	if err := st.Migrate(context.Background(), log); err != nil {
		tb.Fatalf("testdb: migrate: %v", err)
	}
	if err := st.Seed(context.Background()); err != nil {
		tb.Fatalf("testdb: seed: %v", err)
	}
	if err := st.SeedDemo(context.Background()); err != nil {
		tb.Fatalf("testdb: demo accounts: %v", err)
	}
	return st
}

// Name returns a readable description for logs.
func Name(dbURL string) string {
	u, err := url.Parse(dbURL)
	if err != nil {
		return "?"
	}
	return fmt.Sprintf("%s%s", u.Host, u.Path)
}
