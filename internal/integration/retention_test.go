package integration

import (
	"context"
	"net"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/auth"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// retentionStack starts a stack of its own (embedded Temporal server, fresh database
// with the demo users, as the shared stack has them) whose retention runs every 5
// seconds with periods of seconds, so that it cannot erase the shared stack's cases.
func retentionStack(t *testing.T) *stack {
	t.Helper()
	env(t) // skips with the others when PostgreSQL is unreachable
	dbURL, drop := testdb.Create(t)
	t.Cleanup(drop)
	cfg := testConfig(t.TempDir(), dbURL)
	ln, err := net.Listen("tcp", "127.0.0.1:0")
	if err != nil {
		t.Fatal(err)
	}
	cfg.TemporalPort = ln.Addr().(*net.TCPAddr).Port
	ln.Close()
	cfg.RetentionEvery, cfg.RetentionAfter, cfg.RetentionGrace, cfg.AuditRetention = 5e9, 10e9, 5e9, 30e9
	if err := cfg.Validate(); err != nil {
		t.Fatal(err)
	}
	a, err := app.Start(context.Background(), cfg, quietLogger(), app.Parts{Embedded: true, Migrate: true, Seed: true, Demo: true, API: true, Worker: true})
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { a.Stop(context.Background()) })
	key, err := auth.LoadKey("", cfg.SigningKeyPath())
	if err != nil {
		t.Fatal(err)
	}
	return &stack{app: a, base: "http://" + a.APIAddr, key: key}
}

// TestRetention runs the cep-retention schedule with CEP_RETENTION_EVERY=5s,
// CEP_RETENTION_AFTER=10s, CEP_RETENTION_GRACE=5s and CEP_AUDIT_RETENTION=30s: a
// closed case is erased past the limit, an open one is listed first (retention_due)
// and erased after the grace, one whose activity resumed is not, old audit rows are
// purged and the purge recorded, and the summary shows the runs.
func TestRetention(t *testing.T) {
	s := retentionStack(t)
	capTok, coordTok := s.token(t, cap28), s.token(t, coordinator)
	closed := s.markedCase(t, capTok, "RetentionClosed", true)
	s.must(t, http.StatusOK, call{method: "POST", path: "/api/v1/cases/" + closed + "/close", token: capTok, body: map[string]any{"outcome": "job"}})
	open := s.markedCase(t, capTok, "RetentionOpen", true)
	resumed := s.markedCase(t, capTok, "RetentionResumed", true)

	type caseRow struct {
		ErasedAt       *time.Time
		ErasureReason  string
		RetentionDueAt *time.Time
		Stage          string
		Outcome        *string
	}
	rowOf := func(id string) caseRow {
		var r caseRow
		if err := s.app.Store.DB.Raw("SELECT erased_at, erasure_reason, retention_due_at, stage, outcome FROM cases WHERE id = ?", id).Scan(&r).Error; err != nil {
			t.Fatal(err)
		}
		return r
	}
	// The open cases are listed to the coordination before anything happens to them.
	s.waitStuck(t, s.base, coordTok, resumed, "retention_due", 40*time.Second)
	if r := rowOf(open); r.ErasedAt != nil {
		t.Fatalf("the open case was erased without being listed first: %+v", r)
	}
	// Activity resumes on one of them: it leaves the list and is not erased.
	s.must(t, http.StatusAccepted, call{method: "POST", path: "/api/v1/cases/" + resumed + "/contacts", token: capTok, body: map[string]any{"channel": "phone", "note": "rappel"}})
	contactAt := time.Now().UTC()
	eventually(t, 30*time.Second, "a retention run after the contact", func() bool {
		var n int64
		s.app.Store.DB.Model(&models.RetentionRun{}).Where("started_at > ? AND finished_at IS NOT NULL", contactAt.Add(time.Second)).Count(&n)
		return n > 0
	})
	if r := rowOf(resumed); r.ErasedAt != nil || r.RetentionDueAt != nil {
		t.Fatalf("the case whose activity resumed = %+v: neither listed nor erased", r)
	}
	// An erasure ends with its audit row, written by the service once the case's
	// workflow has ended; the workflow's own last write already wipes the row.
	erasureAudits := func(id string) int64 {
		var n int64
		s.app.Store.DB.Model(&models.AuditEntry{}).Where("case_id = ? AND action = ?", id, "erase").Count(&n)
		return n
	}
	eventually(t, 40*time.Second, "the closed and the open case erased", func() bool {
		return rowOf(closed).ErasedAt != nil && rowOf(open).ErasedAt != nil && erasureAudits(closed) > 0 && erasureAudits(open) > 0
	})
	for id, outcome := range map[string]string{closed: "job", open: "erased"} {
		r := rowOf(id)
		if r.ErasureReason != "retention" || r.Stage != "closed" || r.Outcome == nil || *r.Outcome != outcome {
			t.Errorf("case erased by retention = %+v, want reason retention, closed, outcome %s", r, outcome)
		}
		problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/cases/" + id, token: capTok}), http.StatusGone)
		var n int64
		s.app.Store.DB.Model(&models.Beneficiary{}).Where("case_id = ?", id).Count(&n)
		if n != 0 {
			t.Errorf("the person of case %s is still in the database", id)
		}
		var audits []models.AuditEntry
		s.app.Store.DB.Where("case_id = ? AND action = ?", id, "erase").Find(&audits)
		if len(audits) != 1 || audits[0].What != "retention" || audits[0].UserID != "system" {
			t.Errorf("erasure audit of %s = %+v, want one row by system for retention", id, audits)
		}
	}
	// Erasing again (a run killed after erasing, run again) erases nothing more.
	if again, err := s.app.Cases.RetentionErase(t.Context(), closed); err != nil || again {
		t.Errorf("erasing an erased case again = %v, %v; want false", again, err)
	}
	// The audit trail keeps 30 s here: older rows go, each purge is recorded.
	eventually(t, 40*time.Second, "an audit purge", func() bool {
		var purges []models.AuditEntry
		s.app.Store.DB.Where("action = ? AND what LIKE ?", "purge", "audit.purge count=%").Find(&purges)
		for _, p := range purges {
			if !strings.HasPrefix(p.What, "audit.purge count=0 ") {
				return true
			}
		}
		return false
	})
	var old int64
	s.app.Store.DB.Model(&models.AuditEntry{}).Where("at < ?", time.Now().UTC().Add(-60*time.Second)).Count(&old)
	if old != 0 {
		t.Errorf("%d audit rows older than the audit retention (and a run) remain", old)
	}

	sum := s.must(t, http.StatusOK, call{method: "GET", path: "/api/v1/supervision/retention", token: coordTok})
	next, err := time.Parse(time.RFC3339Nano, sum.str("next_run_at"))
	if err != nil || time.Until(next) > 6*time.Second || sum.get("erased_by_retention").(float64) < 2 || len(sum.get("runs").([]any)) == 0 {
		t.Fatalf("retention summary = %s", sum.Raw)
	}
	var erased float64
	for _, r := range sum.get("runs").([]any) {
		erased += r.(map[string]any)["erased"].(float64)
	}
	// A run records its counts after each batch: the runs may trail the cases, never
	// exceed them (each case is counted once).
	if erased < 2 || erased > sum.get("erased_by_retention").(float64) {
		t.Errorf("runs erased %v cases in all, the summary counts %v", erased, sum.get("erased_by_retention"))
	}
	problemOf(t, s.do(t, call{method: "GET", path: "/api/v1/supervision/retention", token: capTok}), http.StatusForbidden)
}
