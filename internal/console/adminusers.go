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

type importLine struct {
	Line           int
	Field, Message string
}

type usersData struct {
	Users      []models.User
	Structures map[string]string
	Options    []fr.Option
	Roles      []fr.Option
	Invite     *form
	Import     *form
	Report     *directory.ImportReport
	Lines      []importLine
}

func (c *Console) usersPage(w http.ResponseWriter, r *http.Request) {
	c.showUsers(w, r, http.StatusOK, usersData{}, nil)
}

func (c *Console) showUsers(w http.ResponseWriter, r *http.Request, status int, d usersData, ref *refusal) {
	users, err := c.dir.Users(r.Context(), c.caller(r), directory.UserQuery{})
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	d.Users = users
	d.Structures = c.structureNames(r)
	d.Options, d.Roles = c.placementOptions(r)
	if d.Invite == nil {
		d.Invite = newForm()
	}
	if d.Import == nil {
		d.Import = newForm()
	}
	p := page{Title: "Utilisateurs", Data: d}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "utilisateurs", p)
}

func (c *Console) inviteUser(w http.ResponseWriter, r *http.Request) {
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewUser
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		var u models.User
		if u, err = c.dir.CreateUser(r.Context(), c.caller(r), cmd); err == nil {
			c.setFlash(w, alert{Kind: "success", Title: "Utilisateur invité",
				Text: u.DisplayName + " pourra se connecter avec ProConnect sous l'adresse " + u.Email + "."})
			http.Redirect(w, r, "/administration/utilisateurs", http.StatusSeeOther)
			return
		}
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		c.showUsers(w, r, status, usersData{Invite: f}, ref)
	}
}

// importUsers checks (dry run) or imports a CSV of users, all or none; every error is
// listed by line of the file.
func (c *Console) importUsers(w http.ResponseWriter, r *http.Request) {
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	dry := r.PostForm.Get("mode") != "import"
	text := r.PostForm.Get("csv")
	if strings.TrimSpace(text) == "" {
		f.Errors["csv"] = "Ce champ est obligatoire."
		ref, status, _ := c.adminRefusal(w, r, f, nil)
		c.showUsers(w, r, status, usersData{Import: f}, ref)
		return
	}
	rep, err := c.dir.ImportUsers(r.Context(), c.caller(r), strings.NewReader(text), dry)
	if err != nil && (cases.AsError(err) == nil || len(rep.Errors) == 0) {
		ref, ok := refusalOf(err)
		if !ok {
			c.serverError(w, r, err)
			return
		}
		f.Errors["csv"] = "Le fichier n'a pas pu être lu : la première ligne doit nommer les colonnes " + strings.Join(directory.ImportColumns, ", ") + "."
		c.showUsers(w, r, ref.Status, usersData{Import: f}, &ref)
		return
	}
	if !dry && len(rep.Errors) == 0 {
		c.setFlash(w, alert{Kind: "success", Title: "Utilisateurs importés", Text: strconv.Itoa(rep.Created) + " utilisateurs invités."})
		http.Redirect(w, r, "/administration/utilisateurs", http.StatusSeeOther)
		return
	}
	d := usersData{Import: f, Report: &rep}
	for _, e := range rep.Errors {
		d.Lines = append(d.Lines, importLine{Line: e.Line, Field: importField(e.Field), Message: frenchMessage(e.Message)})
	}
	status, a := http.StatusOK, alert{Kind: "success", Title: "Vérification terminée : aucune erreur",
		Text: strconv.Itoa(rep.Valid) + " utilisateurs peuvent être importés."}
	if len(rep.Errors) > 0 {
		status = http.StatusUnprocessableEntity
		a = alert{Kind: "error", Title: strconv.Itoa(len(rep.Errors)) + " erreurs dans le fichier",
			Text: "Rien n'a été importé. Corrigez les lignes signalées puis vérifiez de nouveau."}
	}
	c.showUsers(w, r, status, d, &refusal{Alert: a})
}

// importField names a CSV column in French.
func importField(f string) string {
	switch f {
	case "email":
		return "adresse électronique"
	case "display_name":
		return "nom affiché"
	case "role":
		return "rôle"
	case "structure_id":
		return "structure"
	case "line":
		return "ligne"
	}
	return f
}

// placementOptions are the structures a user may be placed in (a coordinator's
// territory's) and the roles, for the invitation and edit forms: a courtesy, the
// directory checks each placement.
func (c *Console) placementOptions(r *http.Request) (structures, roles []fr.Option) {
	u := userFrom(r)
	q := directory.StructureQuery{}
	if u.Role == models.RoleCoordinator && u.TerritoryID != nil {
		q.TerritoryID = *u.TerritoryID
	}
	if list, err := c.dir.Structures(r.Context(), c.caller(r), q); err == nil {
		for _, s := range list {
			structures = append(structures, fr.Option{Code: s.ID, Label: s.Name})
		}
		sort.Slice(structures, func(i, j int) bool { return structures[i].Label < structures[j].Label })
	}
	codes := []string{models.RoleAdviser, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin}
	if u.Role == models.RoleCoordinator {
		codes = codes[:2]
	}
	return structures, fr.Options(fr.Role, codes)
}

type userData struct {
	User      models.User
	Structure string
	Form      *form
	Options   []fr.Option
	Roles     []fr.Option
}

// userPage edits a user: name, email, role and structure; deactivation from the list.
func (c *Console) userPage(w http.ResponseWriter, r *http.Request) {
	c.showUser(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showUser(w http.ResponseWriter, r *http.Request, status int, f *form, ref *refusal) {
	usr, err := c.dir.User(r.Context(), c.caller(r), r.PathValue("id"))
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, "Utilisateur introuvable", "Cet utilisateur n'existe pas ou ne relève pas de votre territoire.")
			return
		}
		c.serverError(w, r, err)
		return
	}
	if f == nil {
		f = newForm()
		f.Values.Set("display_name", usr.DisplayName)
		f.Values.Set("email", usr.Email)
		f.Values.Set("role", usr.Role)
		f.Values.Set("structure_id", deref(usr.StructureID))
	}
	d := userData{User: usr, Form: f, Structure: c.structureName(r, usr.StructureID)}
	d.Options, d.Roles = c.placementOptions(r)
	p := page{Title: usr.DisplayName, Data: d}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "utilisateur", p)
}

func deref(p *string) string {
	if p == nil {
		return ""
	}
	return *p
}

// patchUser edits a user (name, email, role, structure) from their page, or
// deactivates or reactivates them from the list.
func (c *Console) patchUser(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.UserPatch
	var before models.User
	switch r.PostForm.Get("part") {
	case "edit":
		var in struct {
			DisplayName string `json:"display_name"`
			Email       string `json:"email"`
			Role        string `json:"role"`
			StructureID string `json:"structure_id"`
		}
		f.Errors = decodeForm(r.PostForm, &in)
		cmd = directory.UserPatch{DisplayName: &in.DisplayName, Email: &in.Email, Role: &in.Role, StructureID: &in.StructureID}
		before, _ = c.dir.User(r.Context(), c.caller(r), id)
	case "active":
		a := r.PostForm.Get("active") == "true"
		cmd.Active = &a
	default:
		c.notFound(w, r)
		return
	}
	var after models.User
	var err error
	if len(f.Errors) == 0 {
		after, err = c.dir.PatchUser(r.Context(), c.caller(r), id, cmd)
	}
	if len(f.Errors) > 0 || err != nil {
		if cmd.Active != nil {
			// From the list: the refusal above it.
			ref, ok := refusalOf(err)
			if !ok {
				c.serverError(w, r, err)
				return
			}
			c.showUsers(w, r, ref.Status, usersData{}, &ref)
			return
		}
		if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
			c.showUser(w, r, status, f, ref)
		}
		return
	}
	done, to := alert{Kind: "success", Title: "Utilisateur modifié"}, "/administration/utilisateurs/"+id
	switch {
	case cmd.Active != nil && *cmd.Active:
		done.Title, to = "Utilisateur réactivé", "/administration/utilisateurs"
	case cmd.Active != nil:
		done.Title, done.Text, to = "Utilisateur désactivé", "Il ne peut plus se connecter.", "/administration/utilisateurs"
	case deref(before.StructureID) != deref(after.StructureID):
		done.Text = "Rattaché à sa nouvelle structure, il n'a plus accès aux dossiers de l'ancienne."
	}
	c.setFlash(w, done)
	http.Redirect(w, r, to, http.StatusSeeOther)
}
