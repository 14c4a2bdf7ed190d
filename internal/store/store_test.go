package store_test

import (
	"context"
	"io"
	"log/slog"
	"path/filepath"
	"slices"
	"testing"

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
	// Chartres (15 structures, 17 users with the Région's supervisor and the admin, 11
	// rules) and the 2019-model territory (5 structures, 6 users, 5 rules).
	want := map[string]int64{"territories": 2, "structures": 15 + 5, "users": 18 + 6, "signatories": 17, "rules": 11 + 5}
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
	checkSeed(t, st)
}

func TestOpenRejectsOtherURLs(t *testing.T) {
	if _, err := store.Open("mysql://x", ""); err == nil {
		t.Fatal("a non-PostgreSQL URL was accepted")
	}
}
