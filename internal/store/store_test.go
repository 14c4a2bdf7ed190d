package store_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

func counts(t *testing.T, st *store.Store) map[string]int64 {
	t.Helper()
	out := map[string]int64{}
	for name, m := range map[string]any{
		"territories": &models.Territory{}, "structures": &models.Structure{}, "users": &models.User{},
		"signatories": &models.ConventionSignatory{}, "rules": &models.RoutingRule{},
		"votes": &models.CoordinationVote{}, "admin_audit": &models.AdminAuditEntry{},
	} {
		var n int64
		if err := st.DB.Model(m).Count(&n).Error; err != nil {
			t.Fatal(err)
		}
		out[name] = n
	}
	return out
}

func checkSeed(t *testing.T, st *store.Store) {
	t.Helper()
	ctx := context.Background()
	if err := st.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	first := counts(t, st)
	// The seed writes through the administration's audited writes: one entry per
	// territory, structure, convention, designation, table and user of Chartres; the
	// 2019 demonstration territory (5 structures, 6 users, 5 rules, its convention and
	// designation) comes with the demo accounts.
	want := map[string]int64{"territories": 2, "structures": 15 + 5, "users": 18 + 6, "signatories": 17 + 5, "rules": 11 + 5,
		"votes": 1 + 1, "admin_audit": 1 + 15 + 1 + 1 + 1 + 18}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %d, want %d", k, first[k], v)
		}
	}
	// Seeding again changes nothing.
	if err := st.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	if err := st.SeedDemo(ctx); err != nil {
		t.Fatal(err)
	}
	for k, v := range counts(t, st) {
		if v != first[k] {
			t.Errorf("after a second seed %s = %d, was %d", k, v, first[k])
		}
	}
	var pe models.Structure
	if err := st.DB.Where("id = ?", "pole-emploi-chartres").Take(&pe).Error; err != nil {
		t.Fatal(err)
	}
	if !pe.CEPOperator || pe.Address != "60-62 rue de Sours" || pe.TerritoryID != store.ChartresTerritoryID {
		t.Errorf("unexpected Pôle emploi Chartres row: %+v", pe)
	}
	var pij models.Structure
	if err := st.DB.Where("id = ?", "pij-chartres-metropole").Take(&pij).Error; err != nil {
		t.Fatal(err)
	}
	if len(pij.Antennas) != 2 {
		t.Errorf("PIJ antennas = %v", pij.Antennas)
	}
	var coords []models.ConventionSignatory
	st.DB.Where("role = ?", "coordinator").Order("structure_id").Find(&coords)
	if len(coords) != 2 || coords[0].StructureID != "cap-emploi-28" || coords[1].StructureID != "pole-emploi-chartres" {
		t.Errorf("coordinating pair = %+v", coords)
	}
	var vote models.CoordinationVote
	if err := st.DB.Where("territory_id = ?", store.ChartresTerritoryID).Take(&vote).Error; err != nil {
		t.Fatal(err)
	}
	today := time.Now().Format(time.DateOnly)
	if vote.Result != models.VoteAdopted || vote.StartsOn > today || vote.EndsOn < today || len(vote.InFavour) != 15 ||
		vote.StartsOn[5:] != "09-28" || vote.EndsOn[5:] != "09-27" {
		t.Errorf("the seeded designation is not the pair's term in force, from the convention's anniversary: %+v", vote)
	}
	var active int64
	st.DB.Model(&models.Structure{}).Where("active").Count(&active)
	if active != 15+5 {
		t.Errorf("active structures = %d, want 20", active)
	}
	var models2014, models2019 []string
	st.DB.Model(&models.Territory{}).Where("cep_model = ?", "2014").Pluck("id", &models2014)
	st.DB.Model(&models.Territory{}).Where("cep_model = ?", "2019").Pluck("id", &models2019)
	if !slices.Equal(models2014, []string{store.ChartresTerritoryID}) || !slices.Equal(models2019, []string{store.ChateaurouxTerritoryID}) {
		t.Errorf("CEP models: 2014 %v, 2019 %v", models2014, models2019)

	}
	var nonCEP int64
	st.DB.Model(&models.Structure{}).Where("cep_operator = ? AND territory_id = ?", false, store.ChartresTerritoryID).Count(&nonCEP)
	if nonCEP != 7 {
		t.Errorf("structures that are not CEP operators = %d, want 7", nonCEP)
	}
}

func TestPostgresMigrateAndSeed(t *testing.T) {
	st := testdb.Open(t)
	v, err := st.SchemaVersion(context.Background())
	if err != nil || v < 2 {
		t.Fatalf("schema version = %d, %v", v, err)
	}
	// Migrating again is a no-op.
	if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	checkSeed(t, st)
}

func TestSQLiteMigrateAndSeed(t *testing.T) {
	st, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	if err := st.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	// The reference data alone (what a deployment's `cep migrate --seed` loads) creates
	// no account.
	if err := st.Seed(context.Background()); err != nil {
		t.Fatal(err)
	}
	if n := counts(t, st)["users"]; n != 0 {
		t.Errorf("the reference seed created %d accounts", n)
	}
	checkSeed(t, st)
}

// TestAdminAuditIsAppendOnly checks that the database itself refuses to rewrite the
// administration audit trail.
func TestAdminAuditIsAppendOnly(t *testing.T) {
	st := testdb.Open(t)
	var e models.AdminAuditEntry
	if err := st.DB.Order("id").Take(&e).Error; err != nil {
		t.Fatal(err)
	}
	if err := st.DB.Model(&models.AdminAuditEntry{}).Where("id = ?", e.ID).Update("user_id", "someone-else").Error; err == nil {
		t.Error("an admin_audit row was updated")
	}
	if err := st.DB.Where("id = ?", e.ID).Delete(&models.AdminAuditEntry{}).Error; err == nil {
		t.Error("an admin_audit row was deleted")
	}
	if err := st.DB.Exec("TRUNCATE admin_audit").Error; err == nil {
		t.Error("admin_audit was truncated")
	}
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	if _, err := store.Open("mysql://x", ""); err == nil {
		t.Fatal("a non-PostgreSQL URL was accepted")
	}
}

// The timeline and the audit log are append-only on both databases.
func TestTrailsAreAppendOnly(t *testing.T) {
	sqlite, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer sqlite.Close()
	if err := sqlite.Migrate(context.Background(), slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	for name, st := range map[string]*store.Store{"postgres": testdb.Open(t), "sqlite": sqlite} {
		t.Run(name, func(t *testing.T) {
			db := st.DB
			if err := db.Exec(`INSERT INTO case_events (case_id, seq, type, actor_id, actor_role, structure_id, at, request_id, details)
				VALUES ('c1', 1, 'case_opened', 'u', 'adviser', 's', ?, '', '{}')`, time.Now().UTC()).Error; err != nil {
				t.Fatal(err)
			}
			if err := db.Exec(`INSERT INTO audit_log (at, user_id, user_role, case_id, action, what) VALUES (?, 'u', 'adviser', 'c1', 'read', 'cases')`,
				time.Now().UTC()).Error; err != nil {
				t.Fatal(err)
			}
			for _, q := range []string{
				`UPDATE case_events SET type = 'forged' WHERE case_id = 'c1'`,
				`DELETE FROM case_events WHERE case_id = 'c1'`,
				`UPDATE audit_log SET user_id = 'someone else'`,
				`DELETE FROM audit_log`,
			} {
				if err := db.Exec(q).Error; err == nil || !strings.Contains(err.Error(), "append-only") {
					t.Errorf("%s: %v, want refused as append-only", q, err)
				}
			}
			// An erasure may scrub the details, in a transaction that says so; nothing else.
			err := db.Transaction(func(tx *gorm.DB) error {
				done, err := st.AllowTimelineScrub(tx)
				if err != nil {
					return err
				}
				if err := tx.Exec(`UPDATE case_events SET details = '{}' WHERE case_id = 'c1'`).Error; err != nil {
					return err
				}
				if err := tx.Exec(`UPDATE case_events SET actor_id = 'someone else' WHERE case_id = 'c1'`).Error; err == nil {
					t.Error("a scrub changed an event's actor")
				}
				return done()
			})
			if name == "postgres" && err != nil {
				// The refused actor change aborted the PostgreSQL transaction: scrub again alone.
				err = db.Transaction(func(tx *gorm.DB) error {
					done, err := st.AllowTimelineScrub(tx)
					if err != nil {
						return err
					}
					if err := tx.Exec(`UPDATE case_events SET details = '{}' WHERE case_id = 'c1'`).Error; err != nil {
						return err
					}
					return done()
				})
			}
			if err != nil {
				t.Errorf("an erasure's scrub: %v", err)
			}
			if err := db.Exec(`UPDATE case_events SET details = '{"x":1}' WHERE case_id = 'c1'`).Error; err == nil {
				t.Error("after the scrub's transaction, details may still be changed")
			}
			// The projection's idempotent insert of the same event still works.
			if err := db.Exec(`INSERT INTO case_events (case_id, seq, type, actor_id, actor_role, structure_id, at, request_id, details)
				VALUES ('c1', 1, 'case_opened', 'u', 'adviser', 's', ?, '', '{}') ON CONFLICT DO NOTHING`, time.Now().UTC()).Error; err != nil {
				t.Errorf("idempotent insert: %v", err)
			}
		})
	}
}
