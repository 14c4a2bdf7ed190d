package store_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"testing"
	"time"

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
	first := counts(t, st)
	// The seed writes through the administration's audited writes: one entry per
	// territory, structure, convention, designation, table and user.
	want := map[string]int64{"territories": 1, "structures": 15, "users": 18, "signatories": 17, "rules": 11,
		"votes": 1, "admin_audit": 1 + 15 + 1 + 1 + 1 + 18}
	for k, v := range want {
		if first[k] != v {
			t.Errorf("%s = %d, want %d", k, first[k], v)
		}
	}
	// Seeding again changes nothing.
	if err := st.Seed(ctx); err != nil {
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
	if active != 15 {
		t.Errorf("active structures = %d, want 15", active)
	}
	var nonCEP int64
	st.DB.Model(&models.Structure{}).Where("cep_operator = ?", false).Count(&nonCEP)
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
