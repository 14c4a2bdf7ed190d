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
	var ids []string
	byID := map[string]Scheme{}
	for _, sc := range list {
		ids = append(ids, sc.FunderID())
		byID[sc.FunderID()] = sc
	}
	if strings.Join(ids, ",") != "faf:agefice,faf:fafcea,faf:fifpl,opco:periode-reconversion,opco:sante,region:cvl-parcours-metiers" {
		t.Fatalf("default schemes = %v", ids)
	}
	region, sante := byID["region:cvl-parcours-metiers"], byID["opco:sante"]
	if !region.RequiresJobseeker || region.MaxAmountEUR != 5000 || sante.MaxEmployerHeadcount != 49 || region.TraineePayMonthlyEUR != 685 {
		t.Errorf("unexpected default figures: %+v", list)
	}
	// The self-employed funds and the période de reconversion carry their dates and sources.
	for _, id := range []string{"faf:agefice", "faf:fafcea", "faf:fifpl", "opco:periode-reconversion"} {
		if sc := byID[id]; sc.Source == "" || sc.ValidFrom == "" || len(sc.EmploymentStatuses) != 1 {
			t.Errorf("%s: %+v", id, sc)
		}
	}
}

// TestSelfEmployedFunds and the période de reconversion, on both sides of their dates.
func TestSelfEmployedFunds(t *testing.T) {
	o := withSchemes(t)
	self := Situation{EmploymentStatus: sp("self_employed"), CPFBalanceEUR: fp(0), JobseekerRegistered: bp(false)}
	before := o
	before.Today = day("2025-06-01")
	early := act(training(), func(a *Action) { a.StartDate, a.EndDate = "2025-09-30", "2026-03-31" })
	runCases(t, []fcase{
		{name: "faf:agefice (infogreffe, 2024 ceilings): self-employed training capped at €3,000", s: self, a: training(), opts: &o,
			funder: "faf:agefice", status: StatusEligible, amount: 3000, rule: "faf:agefice.employment_status", outcome: OutcomePassed},
		{name: "faf:fafcea (2024 criteria): capped at €3,500", s: self, a: training(), opts: &o,
			funder: "faf:fafcea", status: StatusEligible, amount: 3500},
		{name: "faf:fifpl@2025-10-01: capped at €900", s: self, a: training(), opts: &o,
			funder: "faf:fifpl", status: StatusEligible, amount: 900, rule: "faf:fifpl.validity", outcome: OutcomePassed},
		{name: "faf:fifpl: a start on 2025-09-30, before the 2025-10-01 ceilings, is outside this file", s: self, a: early, opts: &before,
			funder: "faf:fifpl", status: StatusNotEligible, rule: "faf:fifpl.validity", outcome: OutcomeFailed},
		{name: "faf:agefice: an employee is not a contributor", s: employee(), a: training(), opts: &o,
			funder: "faf:agefice", status: StatusNotEligible, rule: "faf:agefice.employment_status", outcome: OutcomeFailed},
		{name: "opco:periode-reconversion@2026-01-01 (loi 2025-989): employee, needs the employer's agreement", s: employee(), a: training(), opts: &o,
			funder: "opco:periode-reconversion", status: StatusNeedsInformation, rule: "opco:periode-reconversion.employer_agreement", outcome: OutcomeUnknown},
		{name: "opco:periode-reconversion: before 2026-01-01 it does not exist (Pro-A, Transco)", s: employee(), a: early, opts: &before,
			funder: "opco:periode-reconversion", status: StatusNotEligible, rule: "opco:periode-reconversion.validity", outcome: OutcomeFailed},
	})
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
