package financing

import (
	"os"
	"path/filepath"
	"strings"
	"testing"
	"testing/fstest"
)

func TestDefaultSchemes(t *testing.T) {
	list, err := DefaultSchemes()
	if err != nil {
		t.Fatal(err)
	}
	if len(list) != 2 || list[0].FunderID() != "opco:sante" || list[1].FunderID() != "region:cvl-parcours-metiers" {
		t.Fatalf("default schemes = %+v", list)
	}
	if !list[1].RequiresJobseeker || list[1].MaxAmountEUR != 5000 || list[0].MaxEmployerHeadcount != 49 {
		t.Errorf("unexpected default figures: %+v", list)
	}
}

const validRegion = `{"id":"idf-aif","kind":"region","name":"Île-de-France","version":"2025-01-01","action_types":["training"],"max_amount_eur":3000,"coverage_rate":0.8}`

func TestLoadSchemes(t *testing.T) {
	ok := fstest.MapFS{
		"b.json":    {Data: []byte(validRegion)},
		"a.json":    {Data: []byte(`[{"id":"akto","kind":"opco","name":"AKTO","version":"2025-01-01","action_types":["training","vae"],"coverage_rate":1,"last_resort":true},{"id":"z","kind":"region","name":"Z","version":"2025-01-01","action_types":["other"],"coverage_rate":1,"valid_from":"2025-01-01","valid_to":"2025-12-31"}]`)},
		"README.md": {Data: []byte("not a scheme")},
	}
	list, err := LoadSchemes(ok)
	if err != nil {
		t.Fatal(err)
	}
	var ids []string
	for _, s := range list {
		ids = append(ids, s.FunderID())
	}
	if strings.Join(ids, ",") != "opco:akto,region:idf-aif,region:z" {
		t.Errorf("ids = %v", ids)
	}

	bad := []struct{ name, file, want string }{
		{"invalid JSON", `{"id":`, "unexpected EOF"},
		{"unknown field", `{"id":"x","kind":"region","name":"X","version":"2025-01-01","action_types":["training"],"coverage_rate":1,"max_amount":5}`, "unknown field"},
		{"bad kind", strings.Replace(validRegion, `"region"`, `"departement"`, 1), "kind"},
		{"bad id", strings.Replace(validRegion, `"idf-aif"`, `"IDF AIF"`, 1), "id"},
		{"missing name", strings.Replace(validRegion, `"Île-de-France"`, `""`, 1), "name is required"},
		{"bad version", strings.Replace(validRegion, `"2025-01-01"`, `"v1"`, 1), "version"},
		{"zero coverage", strings.Replace(validRegion, `0.8`, `0`, 1), "coverage_rate"},
		{"coverage above 1", strings.Replace(validRegion, `0.8`, `1.5`, 1), "coverage_rate"},
		{"negative cap", strings.Replace(validRegion, `3000`, `-1`, 1), "max_amount_eur"},
		{"unknown action type", strings.Replace(validRegion, `["training"]`, `["holiday"]`, 1), "unknown action type"},
		{"no action type", strings.Replace(validRegion, `["training"]`, `[]`, 1), "action_types is required"},
		{"unknown status", strings.Replace(validRegion, `"action_types"`, `"employment_statuses":["retired"],"action_types"`, 1), "unknown employment status"},
		{"bad window", strings.Replace(validRegion, `"action_types"`, `"valid_from":"2026-01-01","valid_to":"2025-01-01","action_types"`, 1), "valid_to is before valid_from"},
		{"empty array", `[]`, "no scheme"},
		{"trailing data", validRegion + validRegion, "trailing data"},
	}
	for _, c := range bad {
		t.Run("scheme.load: "+c.name, func(t *testing.T) {
			_, err := LoadSchemes(fstest.MapFS{"x.json": {Data: []byte(c.file)}})
			if err == nil || !strings.Contains(err.Error(), c.want) || !strings.Contains(err.Error(), "x.json") {
				t.Errorf("err = %v, want it to mention x.json and %q", err, c.want)
			}
		})
	}
	t.Run("scheme.load: duplicate id across files", func(t *testing.T) {
		_, err := LoadSchemes(fstest.MapFS{"1.json": {Data: []byte(validRegion)}, "2.json": {Data: []byte(validRegion)}})
		if err == nil || !strings.Contains(err.Error(), "duplicate scheme region:idf-aif") {
			t.Errorf("err = %v", err)
		}
	})
}

func TestLoadSchemesDir(t *testing.T) {
	dir := t.TempDir()
	if err := os.WriteFile(filepath.Join(dir, "idf.json"), []byte(validRegion), 0o600); err != nil {
		t.Fatal(err)
	}
	list, err := LoadSchemesDir(dir)
	if err != nil || len(list) != 1 || list[0].CoverageRate != 0.8 {
		t.Fatalf("list = %+v, err = %v", list, err)
	}
	if _, err := LoadSchemesDir(filepath.Join(dir, "missing")); err == nil {
		t.Error("a missing directory must be an error")
	}
	if _, err := LoadSchemesDir(filepath.Join(dir, "idf.json")); err == nil {
		t.Error("a file is not a directory")
	}
	if err := os.WriteFile(filepath.Join(dir, "broken.json"), []byte("{"), 0o600); err != nil {
		t.Fatal(err)
	}
	if _, err := LoadSchemesDir(dir); err == nil || !strings.Contains(err.Error(), "broken.json") {
		t.Errorf("err = %v, want broken.json named", err)
	}
}
