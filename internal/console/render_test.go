package console

import (
	"strings"
	"testing"
	"testing/fstest"
)

// TestEveryTemplateParses is the start-up check: every page parses with the layout and
// defines its content.
func TestEveryTemplateParses(t *testing.T) {
	a, v := testViews(t)
	for _, name := range []string{"connexion", "error", "dossiers", "supervision"} {
		if v.pages[name] == nil {
			t.Errorf("page %s missing", name)
		}
	}
	layout, _ := templateFiles.ReadFile("templates/layout.html")
	for name, files := range map[string]fstest.MapFS{
		"syntax error": {"templates/layout.html": {Data: layout}, "templates/x.html": {Data: []byte(`{{define "main"}}{{if}}{{end}}`)}},
		"unknown func": {"templates/layout.html": {Data: layout}, "templates/x.html": {Data: []byte(`{{define "main"}}{{nope .}}{{end}}`)}},
		"no main":      {"templates/layout.html": {Data: layout}, "templates/x.html": {Data: []byte(`{{define "other"}}{{end}}`)}},
	} {
		if _, err := parseViews(a, files); err == nil || !strings.Contains(err.Error(), "x.html") {
			t.Errorf("%s: parseViews = %v, want an error naming x.html", name, err)
		}
	}
}

// testViews are the console's embedded assets and pages, as the server parses them.
func testViews(t *testing.T) (*assets, *views) {
	t.Helper()
	a, err := newAssets()
	if err != nil {
		t.Fatal(err)
	}
	v, err := parseViews(a, templateFiles)
	if err != nil {
		t.Fatal(err)
	}
	return a, v
}
