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
	u := userFrom(r)
	q := directory.StructureQuery{}
	if u.Role == models.RoleCoordinator && u.TerritoryID != nil {
		q.TerritoryID = *u.TerritoryID
	}
	if structures, err := c.dir.Structures(r.Context(), c.caller(r), q); err == nil {
		for _, s := range structures {
			d.Options = append(d.Options, fr.Option{Code: s.ID, Label: s.Name})
		}
		sort.Slice(d.Options, func(i, j int) bool { return d.Options[i].Label < d.Options[j].Label })
	}
	d.Roles = fr.Options(fr.Role, []string{models.RoleAdviser, models.RoleCoordinator, models.RoleSupervisor, models.RoleAdmin})
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

// adminAuditPage is the administration audit trail: who changed the network, when, what.
func (c *Console) adminAuditPage(w http.ResponseWriter, r *http.Request) {
	pg, err := c.dir.AdminAudit(r.Context(), c.caller(r), directory.AuditQuery{Page: 1, PageSize: 100})
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "journal", page{Title: "Journal de l'administration", Data: pg})
}
