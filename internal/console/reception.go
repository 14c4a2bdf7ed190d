package console

import (
	"net/http"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/fr"
)

type receptionData struct {
	Form     *form
	Genders  []fr.Option
	Publics  []fr.Option
	Channels []fr.Option
	Needs    []fr.Option
}

func receptionOptions(f *form) receptionData {
	v := cases.Vocab()
	return receptionData{Form: f, Genders: fr.Options(fr.Gender, v.Genders), Publics: fr.Options(fr.Public, v.Publics),
		Channels: fr.Options(fr.Channel, v.Channels), Needs: fr.Options(fr.Need, v.Needs)}
}

func (c *Console) receptionPage(w http.ResponseWriter, r *http.Request) {
	f := newForm()
	f.Values.Set("channel", "on_site")
	c.render(w, r, http.StatusOK, "accueil", page{Title: "Nouvel accueil", Data: receptionOptions(f)})
}

// receptionSubmit opens a case. The form's fields are the API's JSON names; its
// idempotency key makes a double submit open one case.
func (c *Console) receptionSubmit(w http.ResponseWriter, r *http.Request) {
	var cmd cases.CreateCase
	f := &form{Values: r.PostForm, Key: formKey(r)}
	f.Errors = decodeForm(r.PostForm, &cmd)
	if len(f.Errors) == 0 {
		view, err := c.cases.Create(r.Context(), c.caller(r), cmd, f.Key)
		if err == nil {
			c.setFlash(w, alert{Kind: "success", Title: "Dossier ouvert",
				Text: "L'accueil de " + view.Beneficiary.FirstName + " " + view.Beneficiary.LastName + " est enregistré."})
			http.Redirect(w, r, "/dossiers/"+view.ID, http.StatusSeeOther)
			return
		}
		ref, ok := refusalOf(err)
		if !ok {
			c.serverError(w, r, err)
			return
		}
		for k, v := range ref.Fields {
			f.Errors[k] = v
		}
		c.render(w, r, ref.Status, "accueil", page{Title: "Nouvel accueil", Alerts: []alert{ref.Alert}, Data: receptionOptions(f)})
		return
	}
	c.render(w, r, http.StatusUnprocessableEntity, "accueil", page{Title: "Nouvel accueil",
		Alerts: []alert{{Kind: "error", Title: "Le formulaire contient des erreurs", Text: "Corrigez les champs signalés ; ce que vous avez saisi est conservé."}},
		Data:   receptionOptions(f)})
}
