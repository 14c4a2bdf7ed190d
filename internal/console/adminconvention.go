package console

import (
	"net/http"

	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
)

// The convention of a territory, its amendments (a structure joins or leaves on a
// date) and the coordinating pair's votes, on the territory's page. internal/directory
// decides each.

// conventionData is what the territory page shows of the convention and coordination.
type conventionData struct {
	Conventions  []directory.ConventionView
	Coordination directory.Coordination
	// Failed names the form refused ("convention", "amendment-<id>", "vote"), F its values.
	Failed string
	F      *form
}

func (c *Console) conventionOf(r *http.Request, territoryID string) conventionData {
	var d conventionData
	d.Conventions, _ = c.dir.Conventions(r.Context(), c.caller(r), territoryID)
	d.Coordination, _ = c.dir.Coordination(r.Context(), c.caller(r), territoryID)
	d.F = newForm()
	return d
}

// territoryChange runs one command of the territory page and comes back to it, or
// shows it again with the refusal and what was typed.
func (c *Console) territoryChange(w http.ResponseWriter, r *http.Request, tid, name, done string, f *form, err error) {
	if len(f.Errors) == 0 && err == nil {
		c.setFlash(w, alert{Kind: "success", Title: done})
		http.Redirect(w, r, "/administration/territoires/"+tid+"#convention", http.StatusSeeOther)
		return
	}
	ref, status, ok := c.adminRefusal(w, r, f, err)
	if !ok {
		return
	}
	r.SetPathValue("id", tid)
	c.showTerritoryFull(w, r, status, nil, nil, &conventionFailure{name: name, f: f}, ref)
}

type conventionFailure struct {
	name string
	f    *form
}

func (c *Console) createConvention(w http.ResponseWriter, r *http.Request) {
	tid := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewConvention
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		_, err = c.dir.CreateConvention(r.Context(), c.caller(r), tid, cmd)
	}
	c.territoryChange(w, r, tid, "convention", "Convention enregistrée : ses signataires sont partenaires dès son début.", f, err)
}

func (c *Console) addAmendment(w http.ResponseWriter, r *http.Request) {
	cid, tid := r.PathValue("id"), r.PostForm.Get("territory_id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewAmendment
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		_, err = c.dir.AddAmendment(r.Context(), c.caller(r), cid, cmd)
	}
	c.territoryChange(w, r, tid, "amendment-"+cid, "Avenant enregistré : il prend effet à la date choisie.", f, err)
}

func (c *Console) recordVote(w http.ResponseWriter, r *http.Request) {
	tid := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewVote
	var err error
	done := "Vote enregistré."
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		var d directory.Designation
		if d, err = c.dir.RecordVote(r.Context(), c.caller(r), tid, cmd); err == nil && d.Result == "adopted" {
			done = "Vote enregistré : la coordination est désignée pour un an ; la Région est prévenue."
		} else if err == nil {
			done = "Vote enregistré : la majorité n'est pas atteinte, la désignation est rejetée."
		}
	}
	c.territoryChange(w, r, tid, "vote", done, f, err)
}

// mayAdminister is a courtesy for the menus: an admin, or a coordinator of the territory.
func mayAdminister(u *models.User, territoryID string) bool {
	return u.Role == models.RoleAdmin || (u.Role == models.RoleCoordinator && u.TerritoryID != nil && *u.TerritoryID == territoryID)
}
