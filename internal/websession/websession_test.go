package websession_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/internal/websession"
)

func TestSessionLifecyclePostgres(t *testing.T) { lifecycle(t, testdb.Open(t)) }

func TestSessionLifecycleSQLite(t *testing.T) {
	st, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	lifecycle(t, st)
}

func lifecycle(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := time.Date(2026, 11, 29, 9, 0, 0, 0, time.UTC)
	ws := &websession.Store{DB: st.DB, Idle: 30 * time.Minute, MaxAge: 8 * time.Hour, Now: func() time.Time { return now }}
	user := "adviser-cio-chartres"
	token, sess, err := ws.Create(ctx, &user)
	if err != nil {
		t.Fatal(err)
	}
	var stored int64
	st.DB.Model(&websession.Session{}).Where("token_hash = ?", token).Count(&stored)
	if stored != 0 {
		t.Fatal("the raw token is stored; only its hash may be")
	}
	got, err := ws.Get(ctx, token)
	if err != nil || got.UserID == nil || *got.UserID != user {
		t.Fatalf("Get = %+v, %v", got, err)
	}
	if !got.ValidCSRF(sess.CSRFSecret) || got.ValidCSRF("") || got.ValidCSRF(sess.CSRFSecret+"x") {
		t.Error("CSRF check accepts a wrong token or refuses the right one")
	}
	if _, err := ws.Get(ctx, token+"x"); !errors.Is(err, websession.ErrNoSession) {
		t.Errorf("unknown token: %v", err)
	}

	// Used every 20 minutes, the session lives until its absolute age.
	for i := 0; i < 23; i++ {
		now = now.Add(20 * time.Minute)
		if _, err := ws.Get(ctx, token); err != nil {
			t.Fatalf("after %v: %v", time.Duration(i+1)*20*time.Minute, err)
		}
	}
	now = now.Add(20 * time.Minute) // 8 h from the start
	if _, err := ws.Get(ctx, token); !errors.Is(err, websession.ErrNoSession) {
		t.Errorf("past its absolute age: %v", err)
	}

	// Idle for longer than Idle ends it.
	token2, _, err := ws.Create(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	now = now.Add(31 * time.Minute)
	if _, err := ws.Get(ctx, token2); !errors.Is(err, websession.ErrNoSession) {
		t.Errorf("idle session: %v", err)
	}

	// Sign-out deletes the row.
	token3, _, _ := ws.Create(ctx, &user)
	if err := ws.Delete(ctx, token3); err != nil {
		t.Fatal(err)
	}
	if _, err := ws.Get(ctx, token3); !errors.Is(err, websession.ErrNoSession) {
		t.Errorf("after Delete: %v", err)
	}
	var left int64
	st.DB.Model(&websession.Session{}).Count(&left)
	if left != 0 {
		t.Errorf("%d expired sessions left in the table", left)
	}
}
