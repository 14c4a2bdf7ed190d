package console

import (
	"net/http"
	"sort"
	"strconv"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

// Structures: created by admins on their territory's page, edited, deactivated (never
// deleted) and their offer of services published; internal/directory decides.

func (c *Console) createStructure(w http.ResponseWriter, r *http.Request) {
	tid := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd directory.NewStructure
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		cmd.TerritoryID = tid
		if cmd.Publics == nil {
			cmd.Publics = []string{}
		}
		var st models.Structure
		if st, err = c.dir.CreateStructure(r.Context(), c.caller(r), cmd); err == nil {
			c.forgetStructureNames()
			c.setFlash(w, alert{Kind: "success", Title: "Structure créée",
				Text: "« " + st.Name + " » rejoindra les partenaires par un avenant à la convention."})
			http.Redirect(w, r, "/administration/structures/"+st.ID, http.StatusSeeOther)
			return
		}
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		c.showTerritoryWith(w, r, status, nil, f, ref)
	}
}

// forgetStructureNames drops the cached names, read again on the next page.
func (c *Console) forgetStructureNames() {
	c.structMu.Lock()
	c.structures = nil
	c.structMu.Unlock()
}

type structureData struct {
	Structure models.Structure
	Territory string
	Admin     bool
	// Administer offers the webhook's form: admins and the territory's coordination.
	Administer bool
	Form       *form
	Offer      offerEditor
	Publics    []fr.Option
	Pending    []directory.PendingHandoff
	Failed     string
	// Webhook is the webhook's form; Secret the signing secret just made, shown on
	// this page once.
	Webhook *form
	Secret  string
}

func (c *Console) structurePage(w http.ResponseWriter, r *http.Request) {
	c.showStructure(w, r, http.StatusOK, "", nil, nil)
}

func (c *Console) showStructure(w http.ResponseWriter, r *http.Request, status int, failed string, f *form, ref *refusal) {
	st, err := c.dir.Structure(r.Context(), c.caller(r), r.PathValue("id"))
	if err != nil {
		if _, ok := refusalOf(err); ok {
			c.renderError(w, r, http.StatusNotFound, "Structure introuvable", "Cette structure n'existe pas.")
			return
		}
		c.serverError(w, r, err)
		return
	}
	d := structureData{Structure: st, Admin: userFrom(r).Role == models.RoleAdmin, Failed: failed,
		Administer: mayAdminister(userFrom(r), st.TerritoryID), Publics: fr.Options(fr.Public, cases.Vocab().Publics),
		Secret: c.takeSecret(w, r), Webhook: newForm()}
	if t, err := c.dir.Territory(r.Context(), c.caller(r), st.TerritoryID); err == nil {
		d.Territory = t.Name
	}
	// The refused form shows what was typed; the others what is stored.
	d.Form, d.Offer = f, editorOf(st.Offer, nil)
	switch failed {
	case "offer":
		d.Offer = editorOf(offerOfForm(r), f)
	case "webhook":
		d.Webhook = f
	}
	if failed != "structure" {
		d.Form = newForm()
		v := d.Form.Values
		v.Set("name", st.Name)
		v.Set("network", st.Network)
		v.Set("address", st.Address)
		v.Set("postal_code", st.PostalCode)
		v.Set("commune", st.Commune)
		v.Set("contact", st.Contact)
		v.Set("cep_operator", strconv.FormatBool(st.CEPOperator))
		v.Set("remote", strconv.FormatBool(st.Remote))
		v["publics"] = st.Publics
	}
	if !st.Active {
		d.Pending, _ = c.dir.PendingHandoffs(r.Context(), c.caller(r), st.ID)
	}
	p := page{Title: st.Name, Data: d}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "structure", p)
}

func (c *Console) patchStructure(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var err error
	var cmd directory.StructurePatch
	name, done := "structure", "Structure modifiée."
	switch part := r.PostForm.Get("part"); part {
	case "offer":
		name, done = "offer", "Offre de services publiée : les partenaires du territoire la lisent dans l'annuaire."
		offer := offerOf(r)
		cmd.Offer = &offer
	case "webhook", "webhook-reset", "webhook-remove":
		c.patchWebhook(w, r, id, part, f)
		return
	case "active":
		active := r.PostForm.Get("active") == "true"
		cmd.Active = &active
		name, done = "active", "Structure désactivée : elle ne reçoit plus de nouvelle orientation ; ses dossiers restent consultables."
		if active {
			done = "Structure réactivée."
		}
	default:
		var in struct {
			Name        string `json:"name"`
			Network     string `json:"network"`
			Address     string `json:"address"`
			PostalCode  string `json:"postal_code"`
			Commune     string `json:"commune"`
			Contact     string `json:"contact"`
			CEPOperator bool   `json:"cep_operator"`
			Remote      bool   `json:"remote"`
		}
		f.Errors = decodeForm(r.PostForm, &in)
		publics := r.PostForm["publics"]
		if publics == nil {
			publics = []string{}
		}
		cmd = directory.StructurePatch{Name: &in.Name, Network: &in.Network, Address: &in.Address, PostalCode: &in.PostalCode,
			Commune: &in.Commune, Contact: &in.Contact, CEPOperator: &in.CEPOperator, Remote: &in.Remote, Publics: &publics}
	}
	if len(f.Errors) == 0 {
		if _, err = c.dir.PatchStructure(r.Context(), c.caller(r), id, cmd); err == nil {
			c.forgetStructureNames()
			c.setFlash(w, alert{Kind: "success", Title: done})
			http.Redirect(w, r, "/administration/structures/"+id, http.StatusSeeOther)
			return
		}
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		offerFieldErrors(err, f)
		c.showStructure(w, r, status, name, f, ref)
	}
}

type directoryData struct {
	Territory   models.Territory
	Territories []models.Territory
	Structures  []models.Structure
}

// directoryPage is the annuaire: a territory's partners and their offers of services,
// the shared knowledge the convention asks for, readable by every user.
func (c *Console) directoryPage(w http.ResponseWriter, r *http.Request) {
	ts, err := c.dir.Territories(r.Context(), c.caller(r))
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	want := r.URL.Query().Get("territoire")
	if u := userFrom(r); want == "" && u.TerritoryID != nil {
		want = *u.TerritoryID
	}
	d := directoryData{Territories: ts}
	for _, t := range ts {
		if t.ID == want || (want == "" && d.Territory.ID == "") {
			d.Territory = t
		}
	}
	if d.Territory.ID != "" {
		rows, err := c.dir.Structures(r.Context(), c.caller(r), directory.StructureQuery{TerritoryID: d.Territory.ID})
		if err != nil {
			c.serverError(w, r, err)
			return
		}
		for _, s := range rows {
			if s.Active {
				d.Structures = append(d.Structures, s)
			}
		}
		sort.Slice(d.Structures, func(i, j int) bool { return d.Structures[i].Name < d.Structures[j].Name })
	}
	c.render(w, r, http.StatusOK, "annuaire", page{Title: "Annuaire des partenaires", Data: d})
}
