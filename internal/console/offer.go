package console

import (
	"net/http"
	"regexp"
	"strconv"
	"strings"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/models"
)

// A structure's offer of services (what it does for which public, how to reach it,
// opening hours, delays): edited by admins and the territory's coordination on the
// structure's administration page, and by the structure's own users on "Ma structure".
// internal/directory decides who may publish it.

// maxOfferRows bounds the rows the editor reads (the directory accepts 30 services).
const maxOfferRows = 31

type offerRow struct {
	N    int
	Item models.OfferItem
}

// offerEditor is the offer's form: one row per service and a blank one to add a
// service; Form carries the errors by field ("offer-2-publics").
type offerEditor struct {
	Rows    []offerRow
	Publics []fr.Option
	Form    *form
}

// offerField is a text field of a service of the offer, in the editor's order.
type offerField struct{ Name, Label, Hint string }

var offerFields = []offerField{
	{"what", "Intitulé du service", "Ce que fait la structure ; laissez vide pour retirer le service"},
	{"how_to_reach", "Comment la joindre", "Téléphone, adresse, site, sur rendez-vous ou non"},
	{"opening_hours", "Horaires", ""},
	{"delays", "Délais", "Par exemple : premier rendez-vous sous 10 jours"},
}

// offerValue is the value of a text field of a service.
func offerValue(it models.OfferItem, name string) string {
	switch name {
	case "what":
		return it.What
	case "how_to_reach":
		return it.HowToReach
	case "opening_hours":
		return it.OpeningHours
	case "delays":
		return it.Delays
	}
	return ""
}

// editorOf is the editor of an offer, with a blank row after its services.
func editorOf(items []models.OfferItem, f *form) offerEditor {
	if f == nil {
		f = newForm()
	}
	e := offerEditor{Publics: fr.Options(fr.Public, cases.Vocab().Publics), Form: f}
	for i, it := range items {
		e.Rows = append(e.Rows, offerRow{N: i, Item: it})
	}
	e.Rows = append(e.Rows, offerRow{N: len(items)})
	return e
}

// offerOf reads the offer editor's rows (offer-N-what, …); a row without "what" is
// dropped, the others renumbered from 0 as the directory names their errors.
func offerOf(r *http.Request) []directory.OfferItem {
	out := []directory.OfferItem{}
	for i := 0; i < maxOfferRows; i++ {
		p := "offer-" + strconv.Itoa(i) + "-"
		what := strings.TrimSpace(r.PostForm.Get(p + "what"))
		if what == "" {
			continue
		}
		publics := r.PostForm[p+"publics"]
		if publics == nil {
			publics = []string{}
		}
		out = append(out, directory.OfferItem{What: what, Publics: publics, HowToReach: strings.TrimSpace(r.PostForm.Get(p + "how_to_reach")),
			OpeningHours: strings.TrimSpace(r.PostForm.Get(p + "opening_hours")), Delays: strings.TrimSpace(r.PostForm.Get(p + "delays"))})
	}
	return out
}

// offerOfForm is the offer as typed, to show it again after a refusal.
func offerOfForm(r *http.Request) []models.OfferItem {
	in := offerOf(r)
	out := make([]models.OfferItem, len(in))
	for i, o := range in {
		out[i] = models.OfferItem(o)
	}
	return out
}

var offerPath = regexp.MustCompile(`^offer\[(\d+)\]\.([a-z_]+)`)

// offerFieldErrors puts the directory's errors on the offer ("offer[2].publics[0]")
// next to the editor's fields ("offer-2-publics").
func offerFieldErrors(err error, f *form) {
	e := cases.AsError(err)
	if e == nil {
		return
	}
	for _, fe := range e.Fields {
		if m := offerPath.FindStringSubmatch(fe.Field); m != nil {
			f.Errors["offer-"+m[1]+"-"+m[2]] = frenchMessage(fe.Message)
		}
	}
}

type ownStructureData struct {
	Structure models.Structure
	Territory string
	Form      *form
	Offer     offerEditor
}

// ownStructurePage is "Ma structure": a structure's own users publish its offer of
// services and how partners reach it, which the partners read in the directory.
func (c *Console) ownStructurePage(w http.ResponseWriter, r *http.Request) {
	c.showOwnStructure(w, r, http.StatusOK, nil, nil)
}

func (c *Console) showOwnStructure(w http.ResponseWriter, r *http.Request, status int, f *form, ref *refusal) {
	u := userFrom(r)
	if u.StructureID == nil {
		c.renderError(w, r, http.StatusNotFound, "Aucune structure", "Votre compte n'est rattaché à aucune structure.")
		return
	}
	st, err := c.dir.Structure(r.Context(), c.caller(r), *u.StructureID)
	if err != nil {
		c.serverError(w, r, err)
		return
	}
	d := ownStructureData{Structure: st}
	if t, err := c.dir.Territory(r.Context(), c.caller(r), st.TerritoryID); err == nil {
		d.Territory = t.Name
	}
	if f == nil {
		d.Form = newForm()
		d.Form.Values.Set("contact", st.Contact)
		d.Offer = editorOf(st.Offer, d.Form)
	} else {
		d.Form = f
		d.Offer = editorOf(offerOfForm(r), f)
	}
	p := page{Title: "Ma structure", Data: d}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "ma-structure", p)
}

// publishOwnOffer publishes the caller's structure's contact and offer of services.
func (c *Console) publishOwnOffer(w http.ResponseWriter, r *http.Request) {
	u := userFrom(r)
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	offer := offerOf(r)
	contact := strings.TrimSpace(r.PostForm.Get("contact"))
	var err error
	if u.StructureID == nil {
		c.notFound(w, r)
		return
	}
	if _, err = c.dir.PatchStructure(r.Context(), c.caller(r), *u.StructureID, directory.StructurePatch{Contact: &contact, Offer: &offer}); err == nil {
		c.setFlash(w, alert{Kind: "success", Title: "Offre de services publiée", Text: "Les partenaires du territoire la lisent dans l'annuaire."})
		http.Redirect(w, r, "/ma-structure", http.StatusSeeOther)
		return
	}
	if ref, status, ok := c.adminRefusal(w, r, f, err); ok {
		offerFieldErrors(err, f)
		c.showOwnStructure(w, r, status, f, ref)
	}
}
