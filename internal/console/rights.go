package console

import (
	"net/http"

	"github.com/spro-cep/cep/internal/cases"
)

// The person's rights on the case page (GDPR arts. 15, 16, 7(3) and 17): a copy of
// their data, rectification, consent either way, erasure. The service decides who may;
// the page offers each control to those the case file says may use it.

// exportPage is the person's copy of their data (art. 15), to print from the browser:
// the same document the API serves with Accept: text/html.
func (c *Console) exportPage(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	doc, err := c.cases.Export(r.Context(), c.caller(r), id)
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	c.render(w, r, http.StatusOK, "export", page{Title: "Données de la personne", Data: struct {
		ID  string
		Doc cases.Export
	}{id, doc}})
}

// rectify corrects the person's identity or contact details (art. 16). The form has
// the reception's field names; the service compares them with the record and the
// timeline names the fields changed.
func (c *Console) rectify(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd cases.RectifyBeneficiary
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		_, err = c.cases.Rectify(r.Context(), c.caller(r), id, cmd, f.Key)
	}
	c.caseActionDone(w, r, "rectify", "Identité et coordonnées rectifiées : l'historique nomme les champs corrigés.", "/dossiers/"+id, f, err)
}

// consent records the person giving or withdrawing their consent to sharing their
// data (art. 7(3)); a withdrawal cancels a pending hand-off.
func (c *Console) consent(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd cases.ConsentChange
	var err error
	name, done := "consent", "Consentement au partage enregistré."
	if r.PostForm.Get("data_sharing") == "false" {
		name, done = "consent-withdraw", "Retrait du consentement enregistré : aucune autre structure n'a plus accès au dossier."
	}
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		_, err = c.cases.SetConsent(r.Context(), c.caller(r), id, cmd, f.Key)
	}
	c.caseActionDone(w, r, name, done, "/dossiers/"+id, f, err)
}

// erase erases the case's personal data on the person's request (art. 17); the case
// page then answers that the case was erased (410).
func (c *Console) erase(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var cmd cases.EraseCase
	var err error
	if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
		_, err = c.cases.Erase(r.Context(), c.caller(r), id, cmd, f.Key)
	}
	c.caseActionDone(w, r, "erase", "Données de la personne effacées.", "/dossiers/"+id, f, err)
}
