package store_test

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// personalCase writes a case whose every free text holds marker.
func personalCase(t *testing.T, st *store.Store, marker string) string {
	t.Helper()
	id := uuid.NewString()
	now := time.Now().UTC()
	state, _ := json.Marshal(workflows.Case{ID: id, Stage: workflows.StageClosed, CloseNote: marker, PauseReason: marker,
		Project: &workflows.Project{TargetOccupation: marker, Competences: []workflows.Competence{{Label: marker}}},
		Actions: []workflows.Action{{ID: "a", Title: marker, Provider: marker, CostEUR: 900}}, Outcome: "job"})
	rows := []any{
		&models.Beneficiary{CaseID: id, FirstName: marker, LastName: marker, BirthDate: "1990-01-01", Gender: "female",
			Email: marker + "@example.test", PostalCode: "28000", Public: "jobseeker", Request: marker, CreatedAt: now},
		&models.Case{ID: id, TerritoryID: "chartres", StructureID: "cap-emploi-28", Stage: "closed", Channel: "phone", Public: "jobseeker",
			Gender: "female", AgeBand: "26_44", CreatedBy: "u", CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Version: 3, State: string(state)},
		&models.CaseEvent{CaseID: id, Seq: 1, Type: "closed", ActorID: "u", ActorRole: "adviser", At: now, Details: `{"outcome":"job","note":"` + marker + `"}`},
		&models.Handoff{ID: uuid.NewString(), CaseID: id, FromStructureID: "cap-emploi-28", ToStructureID: "cio-chartres", Status: "declined",
			Reason: marker, Note: marker, DecisionNote: marker, DeclineReason: "no_capacity", FromStage: "reception", RequestedBy: "u", RequestedAt: now, DueAt: now},
		&models.CaseSession{ID: uuid.NewString(), CaseID: id, Date: "2025-01-01", DurationMinutes: 30, Mode: "phone", Summary: marker, AdviserID: "u", StructureID: "s", Stage: "counselling", CreatedAt: now},
		&models.PlanRevision{CaseID: id, Revision: 1, Actions: `[{"id":"a","type":"training","title":"` + marker + `","cost_eur":900}]`, ActorID: "u", CreatedAt: now},
		&models.FinancingPlan{CaseID: id, Revision: 1, PlanRevision: 1, LeftToPay: 100, Plan: `{"why":"` + marker + `"}`, ActorID: "u", CreatedAt: now},
		&models.FundingRequest{ID: uuid.NewString(), CaseID: id, Funder: "cpf", ActionIDs: []string{"a"}, Status: "refused", DecisionReason: marker, Deadlines: "[]", CreatedBy: "u", CreatedAt: now, UpdatedAt: now},
		&models.Notification{ID: uuid.NewString(), CaseID: id, Kind: "handoff_declined", Payload: `{"note":"` + marker + `"}`, CreatedAt: now},
	}
	for _, r := range rows {
		if err := st.DB.Create(r).Error; err != nil {
			t.Fatal(err)
		}
	}
	return id
}

// tablesHolding answers the tables of which some row's text holds marker.
func tablesHolding(t *testing.T, st *store.Store, marker string) []string {
	t.Helper()
	var tables []string
	q := "SELECT table_name FROM information_schema.tables WHERE table_schema = 'public' AND table_type = 'BASE TABLE'"
	if st.Dialect == store.DialectSQLite {
		q = "SELECT name FROM sqlite_master WHERE type = 'table' AND name NOT LIKE 'sqlite_%'"
	}
	if err := st.DB.Raw(q).Scan(&tables).Error; err != nil {
		t.Fatal(err)
	}
	var found []string
	for _, table := range tables {
		var rows []map[string]any
		if err := st.DB.Table(table).Find(&rows).Error; err != nil {
			t.Fatal(err)
		}
		for _, r := range rows {
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), marker) {
				found = append(found, table)
				break
			}
		}
	}
	return found
}

func checkErasure(t *testing.T, st *store.Store) {
	marker := "Zorglub" + strings.ReplaceAll(uuid.NewString(), "-", "")
	personalCase(t, st, "Kept"+marker)
	id := personalCase(t, st, marker)
	ctx := context.Background()
	by := models.AuditEntry{UserID: "coord", UserRole: "coordinator", Action: store.ActionErase, What: "request"}
	for i, want := range []bool{true, false} {
		first, err := st.EraseCase(ctx, store.Erasure{CaseID: id, Reason: "request", At: time.Now().UTC(), By: by})
		if err != nil || first != want {
			t.Fatalf("erasure %d: first = %v, %v; want %v", i+1, first, err, want)
		}
	}
	if err := st.Compact(ctx); err != nil {
		t.Fatal(err)
	}
	for _, table := range tablesHolding(t, st, marker) {
		var rows []map[string]any
		st.DB.Table(table).Find(&rows)
		for _, r := range rows {
			b, _ := json.Marshal(r)
			if strings.Contains(string(b), marker) && !strings.Contains(string(b), "Kept"+marker) {
				t.Errorf("table %s still holds the erased person's data: %s", table, b)
			}
		}
	}
	var row models.Case
	if err := st.DB.Where("id = ?", id).Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	if row.ErasedAt == nil || row.ErasureReason != "request" || row.Stage != "closed" || row.Public != "jobseeker" || row.Outcome != nil && *row.Outcome != "job" {
		t.Errorf("erased case row = %+v: the codes and dates stay, erased_at and the reason are set", row)
	}
	var audits int64
	st.DB.Model(&models.AuditEntry{}).Where("case_id = ? AND action = ?", id, store.ActionErase).Count(&audits)
	if audits != 1 {
		t.Errorf("erasure audit rows = %d, want 1", audits)
	}
	if got := tablesHolding(t, st, "Kept"+marker); len(got) == 0 {
		t.Error("the other case lost its data")
	}
}

func TestEraseCasePostgres(t *testing.T) {
	checkErasure(t, testdb.Open(t))
}

// TestEraseCaseSQLiteLeavesNothingInTheFile erases a case and searches the raw database
// files (main file, write-ahead log) for it: secure_delete zeroes freed cells, the
// checkpoint truncates the log that held the old pages.
func TestEraseCaseSQLiteLeavesNothingInTheFile(t *testing.T) {
	dir := t.TempDir()
	st, err := store.Open("", filepath.Join(dir, "cep.db"))
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
	checkErasure(t, st)
	raw := func() []byte {
		var all []byte
		entries, _ := os.ReadDir(dir)
		for _, e := range entries {
			b, err := os.ReadFile(filepath.Join(dir, e.Name()))
			if err != nil {
				t.Fatal(err)
			}
			all = append(all, b...)
		}
		return all
	}()
	// The marker of the erased case is "Zorglub<hex>" not preceded by "Kept".
	for i := 0; ; {
		j := bytes.Index(raw[i:], []byte("Zorglub"))
		if j < 0 {
			break
		}
		at := i + j
		if at < 4 || string(raw[at-4:at]) != "Kept" {
			t.Fatalf("the raw database files still hold the erased person's data near byte %d: %q", at, raw[max(0, at-20):min(len(raw), at+40)])
		}
		i = at + 1
	}
}

func TestAuditPurgeIsTheOnlyDeletion(t *testing.T) {
	for name, open := range map[string]func(t *testing.T) *store.Store{
		"postgres": func(t *testing.T) *store.Store { return testdb.Open(t) },
		"sqlite": func(t *testing.T) *store.Store {
			st, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
			if err != nil {
				t.Fatal(err)
			}
			t.Cleanup(func() { st.Close() })
			if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
				t.Fatal(err)
			}
			return st
		},
	} {
		t.Run(name, func(t *testing.T) {
			st := open(t)
			now := time.Now().UTC()
			for _, at := range []time.Time{now.Add(-400 * 24 * time.Hour), now.Add(-380 * 24 * time.Hour), now.Add(-time.Hour)} {
				if err := st.DB.Create(&models.AuditEntry{At: at, UserID: "u", UserRole: "adviser", CaseID: "c", Action: "read", What: "cases"}).Error; err != nil {
					t.Fatal(err)
				}
			}
			if err := st.DB.Where("1 = 1").Delete(&models.AuditEntry{}).Error; err == nil {
				t.Fatal("a plain DELETE of the audit log was accepted")
			}
			if err := st.DB.Model(&models.AuditEntry{}).Where("1 = 1").Update("what", "x").Error; err == nil {
				t.Fatal("an UPDATE of the audit log was accepted")
			}
			n, err := st.PurgeAudit(context.Background(), now.Add(-365*24*time.Hour), models.AuditEntry{At: now, UserID: "system", UserRole: "system", Action: "purge"})
			if err != nil || n != 2 {
				t.Fatalf("purge = %d, %v; want 2", n, err)
			}
			var left []models.AuditEntry
			st.DB.Order("id").Find(&left)
			if len(left) != 2 || left[1].Action != "purge" || !strings.Contains(left[1].What, "count=2") {
				t.Fatalf("audit after the purge = %+v: the recent row and the purge's record", left)
			}
			if err := st.DB.Where("1 = 1").Delete(&models.AuditEntry{}).Error; err == nil {
				t.Fatal("after a purge, a plain DELETE was accepted")
			}
		})
	}
}

// TestConcurrentErasuresCountOnce: erasures of one case racing (overlapping retention
// runs, a request meanwhile) report and audit it once.
func TestConcurrentErasuresCountOnce(t *testing.T) {
	st := testdb.Open(t)
	id := personalCase(t, st, "Race"+uuid.NewString()[:8])
	results := make(chan bool, 6)
	errs := make(chan error, 6)
	for range 6 {
		go func() {
			first, err := st.EraseCase(context.Background(), store.Erasure{CaseID: id, Reason: "retention", At: time.Now().UTC(),
				By: models.AuditEntry{UserID: "system", UserRole: "system", Action: store.ActionErase, What: "retention"}})
			results <- first
			errs <- err
		}()
	}
	firsts := 0
	for range 6 {
		if <-results {
			firsts++
		}
		if err := <-errs; err != nil {
			t.Error(err)
		}
	}
	var audits int64
	st.DB.Model(&models.AuditEntry{}).Where("case_id = ? AND action = ?", id, store.ActionErase).Count(&audits)
	if firsts != 1 || audits != 1 {
		t.Fatalf("%d erasures reported first, %d audit rows: want 1 and 1", firsts, audits)
	}
}
