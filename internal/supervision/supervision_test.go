package supervision

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
)

func sqliteStore(t *testing.T) *store.Store {
	t.Helper()
	st, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { _ = st.Close() })
	if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(context.Background()); err != nil {
		t.Fatal(err)
	}
	return st
}

type caseCols struct {
	ID               string
	TerritoryID      string
	StructureID      string
	HandoffTargetID  *string
	Stage            string
	Paused           bool
	Escalated        bool
	FinancingAlert   bool
	LastActivityAt   time.Time
	StageEnteredAt   *time.Time
	PausedAt         *time.Time
	HandoffOverdueAt *time.Time
	EscalatedAt      *time.Time
	UpdatedAt        time.Time
	// ProjectionFailedAt is set by the workflow when a projection of the case failed.
	ProjectionFailedAt *time.Time
}

// expectedStuck recomputes, in Go, which rows are stuck and for which reasons.
func expectedStuck(rows []caseCols, now time.Time, cfg Config, f Filter) map[string][]string {
	out := map[string][]string{}
	for _, r := range rows {
		if r.Stage == "closed" || (f.TerritoryID != "" && r.TerritoryID != f.TerritoryID) || (f.Stage != "" && r.Stage != f.Stage) {
			continue
		}
		var reasons []string
		if r.Stage == "handoff" && !r.Paused && r.HandoffOverdueAt != nil {
			reasons = append(reasons, ReasonHandoffOverdue)
		}
		if r.Escalated {
			reasons = append(reasons, ReasonHandoffExpired)
		}
		if d := cfg.StageDeadline[r.Stage]; d > 0 && !r.Paused && r.StageEnteredAt != nil && r.StageEnteredAt.Before(now.Add(-d)) {
			reasons = append(reasons, ReasonStageOverdue)
		}
		if d := cfg.InactiveAfter[r.Stage]; d > 0 && !r.Paused && r.LastActivityAt.Before(now.Add(-d)) {
			reasons = append(reasons, ReasonInactive)
		}
		if r.FinancingAlert {
			reasons = append(reasons, ReasonFinancingShortfall)
		}
		if r.Paused && r.PausedAt != nil && r.PausedAt.Before(now.Add(-cfg.PausedAfter)) {
			reasons = append(reasons, ReasonPausedTooLong)
		}
		if _, ok := f.Problems[r.ID]; ok || r.ProjectionFailedAt != nil {
			reasons = append(reasons, ReasonWorkflowProblem)
		}
		if f.Reason != "" && !slices.Contains(reasons, f.Reason) {
			continue
		}
		if len(reasons) > 0 {
			out[r.ID] = reasons
		}
	}
	return out
}

func checkStuck(t *testing.T, st *store.Store) {
	ctx := context.Background()
	now := time.Now().UTC()
	if err := SeedCases(ctx, st.DB, st.Dialect, SeedOptions{Count: 1200, Territories: []string{"chartres", "t2", "t3"},
		Structures: []string{"pole-emploi-chartres", "cap-emploi-28"}, Seed: 7, Now: now}); err != nil {
		t.Fatal(err)
	}
	// A few cases, open and closed, whose projection failed.
	var failed []string
	if err := st.DB.Table("cases").Where("stage IN ?", []string{"reception", "closed"}).Order("id").Limit(6).Pluck("id", &failed).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Table("cases").Where("id IN ?", failed).Update("projection_failed_at", now.Add(-2*time.Hour)).Error; err != nil {
		t.Fatal(err)
	}
	var rows []caseCols
	if err := st.DB.Table("cases").Find(&rows).Error; err != nil {
		t.Fatal(err)
	}
	if len(rows) != 1200 {
		t.Fatalf("%d seeded rows", len(rows))
	}
	cfg := Defaults()
	someOpen := ""
	for _, r := range rows {
		if r.Stage == "reception" && !r.Paused {
			someOpen = r.ID
			break
		}
	}
	for _, f := range []Filter{
		{}, {TerritoryID: "chartres"}, {Stage: "handoff"}, {Reason: ReasonPausedTooLong}, {Reason: ReasonFinancingShortfall},
		{Reason: ReasonHandoffOverdue, TerritoryID: "t2"}, {Reason: ReasonWorkflowProblem, Problems: map[string]time.Time{someOpen: now.Add(-time.Hour)}},
		{Problems: map[string]time.Time{someOpen: now.Add(-time.Hour)}}, {Reason: ReasonWorkflowProblem},
	} {
		want := expectedStuck(rows, now, cfg, f)
		got := map[string][]string{}
		var prev time.Time
		for page := 1; ; page++ {
			f.Page, f.PageSize = page, 97
			items, total, err := Stuck(ctx, st.DB, st.Dialect, now, cfg, f)
			if err != nil {
				t.Fatalf("%+v: %v", f, err)
			}
			if int(total) != len(want) {
				t.Fatalf("%s %+v: total %d, recomputed %d", st.Dialect, f, total, len(want))
			}
			for _, it := range items {
				if it.Since.Before(prev) {
					t.Fatalf("%+v: not oldest first (%s before %s)", f, it.Since, prev)
				}
				prev = it.Since
				var codes []string
				earliest := it.Reasons[0].Since
				for _, r := range it.Reasons {
					codes = append(codes, r.Code)
					if r.Since.Before(earliest) {
						earliest = r.Since
					}
				}
				if f.Reason != "" { // filtered by a reason, the list is about that reason
					for _, r := range it.Reasons {
						if r.Code == f.Reason {
							earliest = r.Since
						}
					}
				}
				if !earliest.Equal(it.Since) {
					t.Errorf("since %s is not the earliest reason %s", it.Since, earliest)
				}
				got[it.CaseID] = codes
			}
			if len(items) < 97 {
				break
			}
		}
		if len(got) != len(want) {
			t.Fatalf("%s %+v: %d listed, recomputed %d", st.Dialect, f, len(got), len(want))
		}
		for id, w := range want {
			if !slices.Equal(got[id], w) {
				t.Errorf("%s %+v: %s reasons %v, recomputed %v", st.Dialect, f, id, got[id], w)
			}
		}
		if f.Reason == "" && f.TerritoryID == "" && f.Stage == "" && len(want) < 100 {
			t.Errorf("the synthetic mix has only %d stuck cases", len(want))
		}
	}
	// Indicators load on the dialect too.
	in, err := Load(ctx, st.DB, "chartres", now.AddDate(-1, 0, 0), now, now)
	if err != nil {
		t.Fatal(err)
	}
	Compute(in)
}

func TestStuckOnPostgres(t *testing.T) { checkStuck(t, testdb.Open(t)) }

func TestStuckOnSQLite(t *testing.T) { checkStuck(t, sqliteStore(t)) }

// TestAuditLogIsAppendOnly checks the triggers of both dialects.
func TestAuditLogIsAppendOnly(t *testing.T) {
	for name, st := range map[string]*store.Store{"postgres": testdb.Open(t), "sqlite": sqliteStore(t)} {
		if err := st.DB.Exec("INSERT INTO audit_log (at, user_id, user_role, case_id, action, what) VALUES (?, 'u', 'adviser', 'c', 'read', 'cases')", time.Now().UTC()).Error; err != nil {
			t.Fatalf("%s: insert: %v", name, err)
		}
		for _, stmt := range []string{"UPDATE audit_log SET what = 'x'", "DELETE FROM audit_log"} {
			if err := st.DB.Exec(stmt).Error; err == nil {
				t.Errorf("%s: %s was allowed", name, stmt)
			}
		}
		var n int64
		st.DB.Table("audit_log").Where("what = 'cases'").Count(&n)
		if n != 1 {
			t.Errorf("%s: %d rows left", name, n)
		}
	}
}
