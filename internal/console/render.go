package console

import (
	"bytes"
	"embed"
	"fmt"
	"html/template"
	"io/fs"
	"net/http"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/console/documents"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

//go:embed templates/*.html
var templateFiles embed.FS

// layoutFiles are shared by every page (the layout and the parts several pages or a
// long page use); each other file is one page.
var layoutFiles = map[string]bool{"layout.html": true, "partials.html": true, "financement.html": true}

// views holds every page, parsed and checked once at start-up: a template error stops
// the process before it serves anything.
type views struct {
	pages map[string]*template.Template
}

func templateFuncs(a *assets) template.FuncMap {
	funcs := documents.Funcs()
	for k, v := range consoleFuncs(a) {
		funcs[k] = v
	}
	return funcs
}

func consoleFuncs(a *assets) template.FuncMap {
	return template.FuncMap{
		"asset":    a.URL,
		"label":    fr.Label,
		"date":     fr.Date,
		"datetime": fr.DateTime,
		"day":      fr.DayString,
		"euros":    fr.Euros,
		"days":     fr.Days,
		"agree":    fr.Agree,
		"civility": fr.Civility,
		"until":    func(t time.Time) string { return fr.Until(t, time.Now()) },
		"deref": func(p any) any {
			switch v := p.(type) {
			case *string:
				if v == nil {
					return ""
				}
				return *v
			case *time.Time:
				if v == nil {
					return time.Time{}
				}
				return *v
			case *float64:
				if v == nil {
					return 0.0
				}
				return *v
			}
			return p
		},
		"has": func(list []string, s string) bool {
			for _, x := range list {
				if x == s {
					return true
				}
			}
			return false
		},
		"join":     strings.Join,
		"contains": strings.Contains,
		"field":    fieldOf,
		"sub":      func(a, b int) int { return a - b },
		"newkey":   newKey,
		"modal": func(name, label, failed string) struct{ Name, Label, Failed string } {
			return struct{ Name, Label, Failed string }{name, label, failed}
		},
		"choice":  choiceOf,
		"yes":     isTrue,
		"newForm": newForm,
		"structureNames": func(list []models.Structure) map[string]string {
			m := make(map[string]string, len(list))
			for _, s := range list {
				m[s.ID] = s.Name
			}
			return m
		},
		"structureOptions": structureOptions,
		"offerFields":      func() []offerField { return offerFields },
		"offerValue":       offerValue,
		"structureChoice": func(name, id, label string, f *form, list []models.Structure) struct {
			Name, ID, Label, Error string
			Chosen                 []string
			Options                []fr.Option
		} {
			return struct {
				Name, ID, Label, Error string
				Chosen                 []string
				Options                []fr.Option
			}{name, id, label, f.Err(name), f.Values[name], structureOptions(list)}
		},
		"publicsOf": func(name, id string, f *form, options []fr.Option) struct {
			Name, ID, Error string
			Chosen          []string
			Options         []fr.Option
		} {
			return struct {
				Name, ID, Error string
				Chosen          []string
				Options         []fr.Option
			}{name, id, f.Err(name), f.Values[name], options}
		},
	}
}

// fieldView is one form field for the "input" and "select" partials.
type fieldView struct {
	ID, Name, Label, Type, Value, Error, Hint, Autocomplete string
	Extra                                                   template.HTMLAttr
	Required                                                bool
	Options                                                 []fr.Option
}

// fieldOf builds a field from the form (value typed, error): options after the first
// five arguments are "hint=…", "id=…", "autocomplete=…", "min=…", "max=…", "step=…".
func fieldOf(name, label string, f *form, typ string, required bool, opts ...string) fieldView {
	v := fieldView{ID: name, Name: name, Label: label, Type: typ, Value: f.Get(name), Error: f.Err(name), Required: required}
	var extra []string
	for _, o := range opts {
		k, val, _ := strings.Cut(o, "=")
		switch k {
		case "hint":
			v.Hint = val
		case "id":
			v.ID = val
		case "autocomplete":
			v.Autocomplete = val
		case "min", "max", "step", "inputmode", "maxlength":
			extra = append(extra, k+`="`+template.HTMLEscapeString(val)+`"`)
		}
	}
	v.Extra = template.HTMLAttr(strings.Join(extra, " "))
	return v
}

// choiceOf builds a select from the form and the options of a vocabulary.
func choiceOf(name, label string, f *form, options []fr.Option, required bool, opts ...string) fieldView {
	v := fieldOf(name, label, f, "select", required, opts...)
	v.Options = options
	return v
}

func parseViews(a *assets, files fs.FS) (*views, error) {
	entries, err := fs.ReadDir(files, "templates")
	if err != nil {
		return nil, err
	}
	var shared []string
	for name := range layoutFiles {
		if _, err := fs.Stat(files, "templates/"+name); err == nil {
			shared = append(shared, "templates/"+name)
		}
	}
	v := &views{pages: map[string]*template.Template{}}
	for _, e := range entries {
		if layoutFiles[e.Name()] {
			continue
		}
		name := strings.TrimSuffix(e.Name(), ".html")
		t, err := template.New(name).Funcs(templateFuncs(a)).ParseFS(files, append(shared, "templates/"+e.Name())...)
		if err == nil {
			// The printable documents, shared with the API.
			t, err = t.ParseFS(documents.Files, "synthesis.html", "annual_report.html", "export.html")
		}
		if err != nil {
			return nil, fmt.Errorf("console template %s: %w", e.Name(), err)
		}
		if t.Lookup("main") == nil {
			return nil, fmt.Errorf("console template %s defines no \"main\"", e.Name())
		}
		v.pages[name] = t
	}
	return v, nil
}

// alert is a DSFR alert above the page's content.
type alert struct {
	Kind  string // info, success, warning, error
	Title string
	Text  string
}

type navItem struct {
	Path, Label string
	Current     bool
}

// page is what every template receives.
type page struct {
	Title         string
	User          *models.User
	StructureName string
	CSRF          string
	Nav           []navItem
	Alerts        []alert
	Dev           bool
	Data          any
}

// render writes a page with its status. Pages may show personal data: none is cached.
func (c *Console) render(w http.ResponseWriter, r *http.Request, status int, name string, p page) {
	t, ok := c.views.pages[name]
	if !ok {
		c.log.Error("console: no such page", "page", name)
		http.Error(w, "page inconnue", http.StatusInternalServerError)
		return
	}
	s := sessionFrom(r)
	if s != nil {
		p.CSRF = s.sess.CSRFSecret
		if s.user != nil {
			p.User = s.user
			p.StructureName = c.structureName(r, s.user.StructureID)
			p.Nav = navFor(s.user.Role, r.URL.Path)
		}
	}
	p.Dev = c.dev
	p.Alerts = append(takeFlash(w, r), p.Alerts...)
	var buf bytes.Buffer
	if err := t.ExecuteTemplate(&buf, "layout", p); err != nil {
		c.log.Error("console: render", "page", name, "error", err)
		http.Error(w, "erreur d'affichage", http.StatusInternalServerError)
		return
	}
	w.Header().Set("Content-Type", "text/html; charset=utf-8")
	w.WriteHeader(status)
	_, _ = w.Write(buf.Bytes())
}

// navFor is the main menu of a role; the entry whose path starts the current one is
// marked current.
func navFor(role, current string) []navItem {
	var items []navItem
	switch role {
	case models.RoleAdviser:
		items = []navItem{{Path: "/dossiers", Label: "Dossiers"}, {Path: "/accueil", Label: "Nouvel accueil"},
			{Path: "/orientations", Label: "Orientations reçues"}, {Path: "/notifications", Label: "Notifications"},
			{Path: "/annuaire", Label: "Annuaire"}, {Path: "/ma-structure", Label: "Ma structure"}}
	case models.RoleCoordinator:
		items = []navItem{{Path: "/supervision", Label: "Dossiers à suivre"},
			{Path: "/supervision/indicateurs", Label: "Indicateurs"}, {Path: "/dossiers", Label: "Dossiers"},
			{Path: "/accueil", Label: "Nouvel accueil"}, {Path: "/orientations", Label: "Orientations reçues"},
			{Path: "/notifications", Label: "Notifications"}, {Path: "/administration", Label: "Administration"}}
	case models.RoleAdmin:
		items = []navItem{{Path: "/supervision", Label: "Dossiers à suivre"},
			{Path: "/supervision/indicateurs", Label: "Indicateurs"}, {Path: "/administration", Label: "Administration"}}
	default:
		items = []navItem{{Path: "/supervision", Label: "Dossiers à suivre"},
			{Path: "/supervision/indicateurs", Label: "Indicateurs"}}
	}
	if strings.HasPrefix(current, "/supervision/bilan") {
		current = "/supervision/indicateurs" // the yearly report is read from the indicators
	}
	best := -1
	for i, it := range items {
		if current == it.Path || strings.HasPrefix(current, it.Path+"/") {
			if best < 0 || len(it.Path) > len(items[best].Path) {
				best = i
			}
		}
	}
	if best >= 0 {
		items[best].Current = true
	}
	return items
}

// homeFor is where GET / sends a signed-in user.
func homeFor(role string) string {
	if role == models.RoleAdviser {
		return "/dossiers"
	}
	return "/supervision"
}

// structureOptions lists structures for a select or checkboxes.
func structureOptions(list []models.Structure) []fr.Option {
	out := make([]fr.Option, 0, len(list))
	for _, s := range list {
		out = append(out, fr.Option{Code: s.ID, Label: s.Name})
	}
	return out
}
