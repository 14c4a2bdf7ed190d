package console

import (
	"net/http"
	"sort"
	"strconv"
	"strings"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

// The network's administration (issue 13): territories, users and the administration
// audit trail. Admins run every territory, a coordinator its own; internal/directory
// decides each read and change, as it does for the API.

type territoriesData struct {
	Territories []models.Territory
	Admin       bool
	Form        *form
	Models      []fr.Option
}

func (c *Console) territoriesPage(w http.ResponseWriter, r *http.Request) {
	c.showTerritories(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showTerritories(w http.ResponseWriter, r *http.Request, status int, f *form, ref *refusal) {
	rows, err := c.dir.Territories(r.Context(), c.caller(r))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	u := userFrom(r)
	if u.Role == models.RoleCoordinator && u.TerritoryID != nil {
		mine := rows[:0:0]
		for _, t := range rows {
			if t.ID == *u.TerritoryID {
				mine = append(mine, t)
			}
		}
		rows = mine
	}
	if f == nil {
		f = newForm()
		f.Values.Set("cep_model", directory.CEPModel2019)
	}
	p := page{Title: "Administration du réseau", Data: territoriesData{Territories: rows, Admin: u.Role == models.RoleAdmin, Form: f,
		Models: fr.Options(fr.CEPModel, []string{directory.CEPModel2014, directory.CEPModel2019})}}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "administration", p)
}

// lines reads one value per line of a textarea.
func lines(text string) []string {
	var out []string
	for _, l := range strings.Split(text, "\n") {
		if l = strings.TrimSpace(l); l != "" {
			out = append(out, l)
		}
	}
	return out
}

// adminRefusal turns a form's errors or the directory's refusal into what the page shows;
// ok is false for a technical failure (already answered).
func (c *Console) adminRefusal(w http.ResponseWriter, r *http.Request, f *form, err error) (*refusal, int, bool) {
	if len(f.Errors) > 0 {
		return &refusal{Alert: alert{Kind: "error", Title: "Le formulaire contient des erreurs",
			Text: "Corrigez les champs signalés ; ce que vous avez saisi est conservé."}}, http.StatusUnprocessableEntity, true
	}
	ref, ok := refusalOf(err)
	if !ok {
		c.serverError(w, r, err)
		return nil, 0, false
	}
	for k, v := range ref.Fields {
		f.Errors[k] = v
	}
	return &ref, ref.Status, true
}

func (c *Console) createTerritory(w http.ResponseWriter, r *http.Request) {
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewTerritory
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		cmd.CommuneNames = lines(r.PostForm.Get("commune_names"))
		var t models.Territory
		if t, err = c.dir.CreateTerritory(r.Context(), c.caller(r), cmd); err == nil {
			c.setFlash(w, alert{Kind: "success", Title: "Territoire créé", Text: "« " + t.Name + " » peut désormais recevoir ses structures et sa convention."})
			http.Redirect(w, r, "/administration/territoires/"+t.ID, http.StatusSeeOther)
			return
		}
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		c.showTerritories(w, r, status, f, ref)
	}
}

type territoryData struct {
	Territory  models.Territory
	Structures []models.Structure
	Admin      bool
	Form       *form
	Models     []fr.Option
	// NewStructure is the form adding a structure; Publics its choices.
	NewStructure *form
	Publics      []fr.Option
	// Convention is the convention, its amendments and the coordination's votes;
	// Administer offers their forms.
	Convention conventionData
	Administer bool
	Changes    []fr.Option
}

func (c *Console) territoryPage(w http.ResponseWriter, r *http.Request) {
	c.showTerritory(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showTerritory(w http.ResponseWriter, r *http.Request, status int, f *form, ref *refusal) {
	c.showTerritoryWith(w, r, status, f, nil, ref)
}

// showTerritoryWith shows a territory with its edit form (f) and the new structure's
// form (sf), either kept as typed after a refusal.
func (c *Console) showTerritoryWith(w http.ResponseWriter, r *http.Request, status int, f, sf *form, ref *refusal) {
	c.showTerritoryFull(w, r, status, f, sf, nil, ref)
}

func (c *Console) showTerritoryFull(w http.ResponseWriter, r *http.Request, status int, f, sf *form, cf *conventionFailure, ref *refusal) {
	t, err := c.dir.Territory(r.Context(), c.caller(r), r.PathValue("id"))
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, "Territoire introuvable", "Ce territoire n'existe pas.")
			return
		}
		c.serverError(w, r, err)
		return
	}
	if f == nil {
		f = newForm()
		f.Values.Set("name", t.Name)
		f.Values.Set("region", t.Region)
		f.Values.Set("communes", strconv.Itoa(t.Communes))
		f.Values.Set("population", strconv.Itoa(t.Population))
		f.Values.Set("cep_model", t.CEPModel)
		f.Values.Set("commune_names", strings.Join(t.CommuneNames, "\n"))
	}
	structures, err := c.dir.Structures(r.Context(), c.caller(r), directory.StructureQuery{TerritoryID: t.ID})
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	sort.Slice(structures, func(i, j int) bool { return structures[i].Name < structures[j].Name })
	if sf == nil {
		sf = newForm()
	}
	p := page{Title: t.Name, Data: territoryData{Territory: t, Structures: structures, Admin: userFrom(r).Role == models.RoleAdmin, Form: f,
		Models: fr.Options(fr.CEPModel, []string{directory.CEPModel2014, directory.CEPModel2019}), NewStructure: sf,
		Publics: fr.Options(fr.Public, cases.Vocab().Publics), Convention: c.conventionOf(r, t.ID), Administer: mayAdminister(userFrom(r), t.ID),
		Changes: fr.Options(fr.AmendmentChange, []string{"join", "leave"})}}
	if cf != nil {
		d := p.Data.(territoryData)
		d.Convention.Failed, d.Convention.F = cf.name, cf.f
		p.Data = d
	}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "territoire", p)
}

func (c *Console) patchTerritory(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.TerritoryPatch
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		names := lines(r.PostForm.Get("commune_names"))
		cmd.CommuneNames = &names
		if _, err = c.dir.PatchTerritory(r.Context(), c.caller(r), id, cmd); err == nil {
			c.setFlash(w, alert{Kind: "success", Title: "Territoire modifié"})
			http.Redirect(w, r, "/administration/territoires/"+id, http.StatusSeeOther)
			return
		}
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		c.showTerritory(w, r, status, f, ref)
	}
}
