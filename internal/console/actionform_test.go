package console_test

import (
	"context"
	"encoding/json"
	"html"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"

	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/console"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// fakeEngine stands in for Temporal behind the service layer: it answers the case
// workflow's updates and state query from the state it keeps, applies the action
// updates to it, and records every update, so a test sees what the console's form
// made the service send.
type fakeEngine struct {
	client.Client // any other call panics: the test does not expect it
	mu            sync.Mutex
	state         workflows.Case
	updates       []client.UpdateWorkflowOptions
}

func (f *fakeEngine) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	f.updates = append(f.updates, o)
	if in, ok := o.Args[0].(workflows.ActionInput); ok {
		if i := slices.IndexFunc(f.state.Actions, func(a workflows.Action) bool { return a.ID == in.Action.ID }); i >= 0 {
			f.state.Actions[i] = in.Action
		} else {
			f.state.Actions = append(f.state.Actions, in.Action)
		}
		f.state.PlanRevision++
	}
	return updateAnswer{f.copyState()}, nil
}

func (f *fakeEngine) QueryWorkflow(context.Context, string, string, string, ...any) (converter.EncodedValue, error) {
	f.mu.Lock()
	defer f.mu.Unlock()
	return queryAnswer{f.copyState()}, nil
}

func (f *fakeEngine) CheckHealth(context.Context, *client.CheckHealthRequest) (*client.CheckHealthResponse, error) {
	return &client.CheckHealthResponse{}, nil
}

func (f *fakeEngine) copyState() workflows.Case {
	st := f.state
	st.Actions = slices.Clone(f.state.Actions)
	return st
}

// sent are the actions the updates carried so far, and how many updates there were.
func (f *fakeEngine) sent() ([]workflows.Action, int) {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []workflows.Action
	for _, u := range f.updates {
		if in, ok := u.Args[0].(workflows.ActionInput); ok {
			out = append(out, in.Action)
		}
	}
	return out, len(f.updates)
}

type updateAnswer struct{ st workflows.Case }

func (a updateAnswer) WorkflowID() string { return workflows.WorkflowID(a.st.ID) }
func (a updateAnswer) RunID() string      { return "run-1" }
func (a updateAnswer) UpdateID() string   { return "" }
func (a updateAnswer) Get(_ context.Context, v any) error {
	// As a run from before the caller's projection answers: no batch to write.
	*v.(*workflows.UpdateResult) = workflows.UpdateResult{Case: a.st}
	return nil
}

type queryAnswer struct{ st workflows.Case }

func (a queryAnswer) HasValue() bool { return true }
func (a queryAnswer) Get(v any) error {
	*v.(*workflows.Case) = a.st
	return nil
}

// implementationCase takes a synthetic case of the adviser's structure, puts it at
// the implementation stage with a training and a driving licence in its plan, and
// gives the engine the same state.
func implementationCase(t *testing.T, s *site, engine *fakeEngine) string {
	t.Helper()
	if err := supervision.SeedCases(context.Background(), s.st.DB, s.st.Dialect, supervision.SeedOptions{Count: 20,
		Territories: []string{"chartres"}, Structures: []string{"cio-chartres"}, Seed: 3}); err != nil {
		t.Fatal(err)
	}
	var row models.Case
	if err := s.st.DB.Where("structure_id = ? AND stage <> ? AND handoff_id IS NULL", "cio-chartres", workflows.StageClosed).
		Order("id").Take(&row).Error; err != nil {
		t.Fatal(err)
	}
	hours := 400
	engine.state = workflows.Case{ID: row.ID, TerritoryID: row.TerritoryID, StructureID: row.StructureID, Stage: workflows.StageImplementation,
		ReferentAdviserID: "adviser-cio-chartres", Channel: row.Channel, Public: row.Public, Gender: row.Gender, AgeBand: row.AgeBand,
		Needs: []string{"training"}, ConsentDataSharing: true, CreatedBy: "adviser-cio-chartres", CreatedAt: row.CreatedAt,
		UpdatedAt: row.UpdatedAt, LastActivityAt: row.LastActivityAt, PlanRevision: 1, Version: row.Version + 1,
		Actions: []workflows.Action{
			{ID: "a1", Type: "training", Title: "Titre professionnel de secrétaire", StartDate: "2026-09-01", Hours: &hours, CostEUR: 4500, Status: "planned"},
			{ID: "a2", Type: "driving_licence", Title: "Permis B", StartDate: "2026-06-01", CostEUR: 1800, Status: "planned"},
		}}
	project(t, s, engine.copyState())
	return row.ID
}

// project writes the state into the case's row, as the workflow's projection does.
func project(t *testing.T, s *site, st workflows.Case) {
	t.Helper()
	raw, err := json.Marshal(st)
	if err != nil {
		t.Fatal(err)
	}
	if err := s.st.DB.Model(&models.Case{}).Where("id = ?", st.ID).Updates(map[string]any{"state": string(raw), "stage": st.Stage,
		"paused": false, "version": st.Version}).Error; err != nil {
		t.Fatal(err)
	}
}

// selected is the option chosen in the select named name of a page part (html), "" if none.
func selected(part, name string) string {
	i := strings.Index(part, `name="`+name+`"`)
	if i < 0 {
		return "<no such select>"
	}
	sel := part[i:]
	sel = sel[:strings.Index(sel, "</select>")]
	for _, opt := range strings.Split(sel, "<option")[1:] {
		if strings.Contains(opt, " selected") {
			v, _, _ := strings.Cut(strings.TrimPrefix(opt, ` value="`), `"`)
			return v
		}
	}
	return ""
}

// TestActionFormCarriesThe2026Details: the case page's action form offers the
// bilan de compétences and the driving licence, the certification of a training and
// the group of a licence, in French; what is posted reaches the service; a detail
// that does not fit the type comes back as a French error on its field with what was
// typed kept; the plan lists the details, and each can be set on an action of the
// plan afterwards.
func TestActionFormCarriesThe2026Details(t *testing.T) {
	st := testdb.Open(t)
	engine := &fakeEngine{}
	svc := cases.New(cases.Config{Store: st, Temporal: engine})
	c, err := console.New(context.Background(), console.Deps{Store: st, Directory: directory.New(st), Cases: svc, Dev: true,
		Log: slog.New(slog.NewTextHandler(io.Discard, nil))})
	if err != nil {
		t.Fatal(err)
	}
	srv := httptest.NewServer(console.Mount(http.NotFoundHandler(), c))
	t.Cleanup(srv.Close)
	s := &site{Server: srv, st: st}
	id := implementationCase(t, s, engine)
	cl := s.client(t)
	_, page := get(t, cl, srv.URL+"/connexion")
	if resp, _ := post(t, cl, srv.URL+"/connexion/demo", url.Values{"csrf_token": {csrfOf(t, page)}, "email": {cioAdviser}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("sign-in: %d", resp.StatusCode)
	}
	caseURL := srv.URL + "/dossiers/" + id
	resp, page := get(t, cl, caseURL)
	if resp.StatusCode != http.StatusOK {
		t.Fatalf("case page: %d", resp.StatusCode)
	}
	form := addForm(t, page)
	for _, want := range []string{`<option value="bilan_competences">Bilan de compétences</option>`, `<option value="driving_licence">Permis de conduire</option>`,
		"Certification visée", `<option value="rs">Certification du Répertoire spécifique</option>`, `<option value="clea">Certificat CléA</option>`,
		"Groupe de permis", `<option value="heavy">Permis du groupe lourd (poids lourd, transport en commun)</option>`} {
		if !strings.Contains(html.UnescapeString(form), want) {
			t.Errorf("the action form lacks %q", want)
		}
	}
	csrf := csrfOf(t, page)
	add := func(v url.Values) (*http.Response, string) {
		v.Set("csrf_token", csrf)
		return post(t, cl, caseURL+"/actions", v)
	}

	// A training of the Répertoire spécifique and a heavy-group licence reach the service.
	if resp, body := add(url.Values{"type": {"training"}, "title": {"Habilitation électrique"}, "start_date": {"2026-10-05"},
		"cost_eur": {"1 800"}, "certification": {"rs"}, "licence_group": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding a training: %d %s", resp.StatusCode, text(body))
	}
	if resp, body := add(url.Values{"type": {"driving_licence"}, "title": {"Permis C"}, "start_date": {"2026-11-02"},
		"cost_eur": {"3 500"}, "certification": {""}, "licence_group": {"heavy"}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("adding a licence: %d %s", resp.StatusCode, text(body))
	}
	got, n := engine.sent()
	if n != 2 || len(got) != 2 || got[0].Certification != "rs" || got[0].LicenceGroup != "" || got[0].Type != "training" ||
		got[1].LicenceGroup != "heavy" || got[1].Certification != "" || got[1].Type != "driving_licence" {
		t.Fatalf("the service sent %d updates: %+v", n, got)
	}

	// A certification on a driving licence, an unknown group: refused by field, in
	// French, with the form as typed; nothing reaches the engine.
	for _, c := range []struct {
		form         url.Values
		field, error string
	}{
		{url.Values{"type": {"driving_licence"}, "title": {"Permis B"}, "start_date": {"2026-11-02"}, "cost_eur": {"900"}, "certification": {"rncp"}},
			"certification", "Une certification ne se précise que pour une formation : choisissez le type « Formation » ou laissez ce champ vide."},
		{url.Values{"type": {"training"}, "title": {"CAP cuisine"}, "start_date": {"2026-11-02"}, "cost_eur": {"900"}, "licence_group": {"heavy"}},
			"licence_group", "Un groupe de permis ne se précise que pour un permis de conduire : choisissez le type « Permis de conduire » ou laissez ce champ vide."},
		{url.Values{"type": {"driving_licence"}, "title": {"Permis A"}, "start_date": {"2026-11-02"}, "cost_eur": {"900"}, "licence_group": {"moto"}},
			"licence_group", "Choisissez une des valeurs proposées."},
	} {
		resp, body := add(c.form)
		if resp.StatusCode != http.StatusUnprocessableEntity {
			t.Errorf("%v: %d, want 422", c.form, resp.StatusCode)
			continue
		}
		form := addForm(t, body)
		errID := map[string]string{"certification": "action-certification-erreur", "licence_group": "action-licence-group-erreur"}[c.field]
		if !strings.Contains(html.UnescapeString(form), `id="`+errID+`">`+c.error+"</p>") {
			t.Errorf("%v: no error %q on %s in %s", c.form, c.error, c.field, text(form))
		}
		for _, name := range []string{"type", "certification"} {
			if want := c.form.Get(name); selected(form, name) != want {
				t.Errorf("%v: %s shows %q, want %q kept", c.form, name, selected(form, name), want)
			}
		}
		if c.form.Get("licence_group") != "moto" && selected(form, "licence_group") != c.form.Get("licence_group") {
			t.Errorf("%v: licence group shows %q, not kept", c.form, selected(form, "licence_group"))
		}
		if !strings.Contains(form, `value="`+c.form.Get("title")+`"`) {
			t.Errorf("%v: title not kept", c.form)
		}
	}
	if _, n := engine.sent(); n != 2 {
		t.Fatalf("refused forms reached the engine: %d updates", n)
	}

	// The plan lists the details; a driving licence without a group says light is assumed.
	project(t, s, engine.copyState())
	_, page = get(t, cl, caseURL)
	plan := text(partOf(t, page, `aria-labelledby="plan-titre"`, "</table>"))
	for _, want := range []string{"Habilitation électrique Formation Certification du Répertoire spécifique",
		"Permis C Permis de conduire Permis du groupe lourd (poids lourd, transport en commun)",
		"Permis B Permis de conduire Groupe non renseigné : groupe léger retenu"} {
		if !strings.Contains(plan, want) {
			t.Errorf("the plan lacks %q: %s", want, plan)
		}
	}

	// Setting the certification of the training a1 afterwards, then the group of the
	// licence a2: each a patch of that field alone, merged with the action.
	csrf = csrfOf(t, page)
	details := func(aid string, v url.Values) (*http.Response, string) {
		v.Set("csrf_token", csrf)
		return post(t, cl, caseURL+"/actions/"+aid+"/precisions", v)
	}
	if resp, body := details("a1", url.Values{"certification": {"rncp"}, "orig_certification": {""}, "orig_licence_group": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("certification of a1: %d %s", resp.StatusCode, text(body))
	}
	if resp, body := details("a2", url.Values{"licence_group": {"heavy"}, "orig_certification": {""}, "orig_licence_group": {""}}); resp.StatusCode != http.StatusSeeOther {
		t.Fatalf("group of a2: %d %s", resp.StatusCode, text(body))
	}
	got, _ = engine.sent()
	if len(got) != 4 || got[2].ID != "a1" || got[2].Certification != "rncp" || got[2].Title != "Titre professionnel de secrétaire" || got[2].CostEUR != 4500 ||
		got[3].ID != "a2" || got[3].LicenceGroup != "heavy" || got[3].Title != "Permis B" {
		t.Fatalf("the patches sent %+v", got)
	}
	// The same value again changes nothing; a value that does not fit is refused on its field.
	if resp, _ := details("a2", url.Values{"licence_group": {"heavy"}, "orig_certification": {""}, "orig_licence_group": {"heavy"}}); resp.StatusCode != http.StatusSeeOther {
		t.Errorf("an unchanged group: %d", resp.StatusCode)
	}
	resp, body := details("a2", url.Values{"licence_group": {"moto"}, "orig_licence_group": {"heavy"}})
	if resp.StatusCode != http.StatusUnprocessableEntity || !strings.Contains(body, `id="licence-group-a2-erreur">Choisissez une des valeurs proposées.</p>`) {
		t.Errorf("an unknown group: %d %s", resp.StatusCode, text(partOf(t, body, `aria-labelledby="plan-titre"`, "</table>")))
	}
	if _, n := engine.sent(); n != 4 {
		t.Errorf("an unchanged or refused detail reached the engine: %d updates", n)
	}
}

// addForm is the HTML of the case page's form that adds an action.
func addForm(t *testing.T, page string) string {
	t.Helper()
	return partOf(t, page, `id="action"`, "</form>")
}

// partOf is the part of page from the element with attribute attr up to end.
func partOf(t *testing.T, page, attr, end string) string {
	t.Helper()
	i := strings.Index(page, attr)
	if i < 0 {
		t.Fatalf("the page has no %s", attr)
	}
	s := page[i:]
	if j := strings.Index(s, end); j >= 0 {
		s = s[:j]
	}
	return s
}
