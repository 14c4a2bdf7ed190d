package console

import (
	"net/http"
	"strconv"
	"strings"

	"github.com/spro-cep/cep/internal/cases"
)

// caseAction runs one command of the case page through the service layer: on success
// it redirects (Post/Redirect/Get) with a French confirmation; on refusal it shows the
// case page again with the reason in French and what was typed.
func (c *Console) caseAction(w http.ResponseWriter, r *http.Request) {
	id := r.PathValue("id")
	parts := strings.Split(r.PathValue("action"), "/")
	ctx, who := r.Context(), c.caller(r)
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	// back is where success goes: the case page, or the inbox for a decision taken there.
	back := "/dossiers/" + id
	if r.PostForm.Get("return") == "/orientations" {
		back = "/orientations"
	}
	var (
		name, done string
		err        error
	)
	decode := func(dst any) bool {
		f.Errors = decodeForm(r.PostForm, dst)
		return len(f.Errors) == 0
	}
	switch {
	case len(parts) == 1 && parts[0] == "orientation":
		name, done = "handoff", "Orientation proposée : la structure choisie a été prévenue."
		var cmd cases.RequestHandoff
		if decode(&cmd) {
			_, err = c.cases.RequestHandoff(ctx, who, id, cmd, f.Key)
		}
	case len(parts) == 3 && parts[0] == "orientation":
		hid := parts[1]
		switch parts[2] {
		case "accepter":
			name, done = "accept", "Orientation acceptée : le dossier est désormais suivi par votre structure."
			var cmd cases.Note
			if decode(&cmd) {
				_, err = c.cases.AcceptHandoff(ctx, who, id, hid, cmd, f.Key)
			}
		case "refuser":
			name, done = "decline", "Orientation refusée : la structure d'origine a été prévenue."
			var cmd cases.DeclineHandoff
			if decode(&cmd) {
				_, err = c.cases.DeclineHandoff(ctx, who, id, hid, cmd, f.Key)
			}
		case "annuler":
			name, done = "cancel", "Orientation annulée."
			var cmd cases.Note
			if decode(&cmd) {
				_, err = c.cases.CancelHandoff(ctx, who, id, hid, cmd, f.Key)
			}
		default:
			c.notFound(w, r)
			return
		}
	case len(parts) == 1:
		switch parts[0] {
		case "conseil":
			name, done = "counselling", "Conseil personnalisé commencé : vous êtes le conseiller référent."
			var cmd cases.StartCounselling
			if decode(&cmd) {
				_, err = c.cases.StartCounselling(ctx, who, id, cmd, f.Key)
			}
		case "entretiens":
			name, done = "session", "Entretien enregistré."
			var cmd cases.AddSession
			if decode(&cmd) {
				_, err = c.cases.AddSession(ctx, who, id, cmd, f.Key)
			}
		case "projet":
			name, done = "project", "Projet enregistré."
			var cmd cases.SetProject
			if decode(&cmd) {
				cmd.Competences = competences(r.PostForm.Get("competences"), false)
				cmd.Competences = append(cmd.Competences, competences(r.PostForm.Get("transferable_competences"), true)...)
				_, err = c.cases.SetProject(ctx, who, id, cmd, f.Key)
			}
		case "mise-en-oeuvre":
			name, done = "implementation", "Mise en œuvre du projet commencée."
			var cmd cases.Note
			if decode(&cmd) {
				_, err = c.cases.StartImplementation(ctx, who, id, cmd, f.Key)
			}
		case "actions":
			name, done = "action", "Action ajoutée au plan."
			var cmd cases.ActionInput
			if decode(&cmd) {
				_, err = c.cases.AddAction(ctx, who, id, cmd, f.Key)
			}
		case "situation":
			name, done = "situation", "Situation enregistrée."
			var cmd cases.SetSituation
			if decode(&cmd) {
				_, err = c.cases.SetSituation(ctx, who, id, cmd, f.Key)
			}
		case "contacts":
			name, done = "contact", "Contact enregistré : il apparaîtra dans l'historique dans un instant."
			var cmd cases.RecordContact
			if decode(&cmd) {
				err = c.cases.RecordContact(ctx, who, id, cmd)
			}
		case "financement":
			name, done = "plan", "Plan de financement calculé."
			_, err = c.cases.ComputeFinancingPlan(ctx, who, id, f.Key)
		case "financements":
			name, done = "funding", "Demande de financement créée."
			var cmd cases.RequestFunding
			if decode(&cmd) {
				_, err = c.cases.RequestFunding(ctx, who, id, cmd, f.Key)
			}
		case "pause":
			name, done = "pause", "Accompagnement mis en pause."
			var cmd cases.Reason
			if decode(&cmd) {
				_, err = c.cases.Pause(ctx, who, id, cmd, f.Key)
			}
		case "reprise":
			name, done = "resume", "Accompagnement repris."
			var cmd cases.Note
			if decode(&cmd) {
				_, err = c.cases.Resume(ctx, who, id, cmd, f.Key)
			}
		case "retrait":
			name, done = "withdraw", "Retrait de la personne enregistré : le dossier est clôturé."
			var cmd cases.Reason
			if decode(&cmd) {
				_, err = c.cases.Withdraw(ctx, who, id, cmd, f.Key)
			}
		case "cloture":
			name, done = "close", "Dossier clôturé."
			var cmd cases.CloseCase
			if decode(&cmd) {
				_, err = c.cases.Close(ctx, who, id, cmd, f.Key)
			}
		default:
			c.notFound(w, r)
			return
		}
	case len(parts) == 3 && parts[0] == "entretiens":
		sid := parts[1]
		name = "session-" + sid
		switch parts[2] {
		case "corriger":
			done = "Entretien corrigé."
			var cmd cases.SessionPatch
			if decode(&cmd) {
				unchanged(&cmd.Date, r.PostForm.Get("orig_date"))
				unchanged(&cmd.Mode, r.PostForm.Get("orig_mode"))
				unchanged(&cmd.Summary, r.PostForm.Get("orig_summary"))
				if cmd.DurationMinutes != nil && strconv.Itoa(*cmd.DurationMinutes) == r.PostForm.Get("orig_duration_minutes") {
					cmd.DurationMinutes = nil
				}
				if cmd == (cases.SessionPatch{}) {
					c.setFlash(w, alert{Kind: "info", Title: "Aucune modification", Text: "L'entretien est resté tel quel."})
					http.Redirect(w, r, back, http.StatusSeeOther)
					return
				}
				_, err = c.cases.ChangeSession(ctx, who, id, sid, cmd, f.Key)
			}
		case "supprimer":
			done = "Entretien supprimé ; l'historique garde la trace de la suppression."
			_, err = c.cases.RemoveSession(ctx, who, id, sid, f.Key)
		default:
			c.notFound(w, r)
			return
		}
	case len(parts) == 3 && parts[0] == "actions":
		aid := parts[1]
		switch parts[2] {
		case "statut":
			name, done = "action-"+aid, "Statut de l'action modifié."
			status := r.PostForm.Get("status")
			_, err = c.cases.PatchAction(ctx, who, id, aid, cases.ActionPatch{Status: &status}, f.Key)
		case "precisions":
			// The certification of a training, the licence group of a driving licence:
			// what the 2026 CPF rules read. Only the field the form posts changes; an
			// empty choice removes it.
			name, done = "action-details-"+aid, "Action mise à jour."
			var cmd cases.ActionPatch
			for field, dst := range map[string]**string{"certification": &cmd.Certification, "licence_group": &cmd.LicenceGroup} {
				if v, ok := r.PostForm[field]; ok && len(v) > 0 {
					s := strings.TrimSpace(v[0])
					*dst = &s
					unchanged(dst, r.PostForm.Get("orig_"+field))
				}
			}
			if cmd == (cases.ActionPatch{}) {
				c.setFlash(w, alert{Kind: "info", Title: "Aucune modification", Text: "L'action est restée telle quelle."})
				http.Redirect(w, r, back, http.StatusSeeOther)
				return
			}
			_, err = c.cases.PatchAction(ctx, who, id, aid, cmd, f.Key)
		case "retirer":
			name, done = "action-"+aid, "Action retirée du plan."
			_, err = c.cases.RemoveAction(ctx, who, id, aid, f.Key)
		default:
			c.notFound(w, r)
			return
		}
	case len(parts) == 3 && parts[0] == "financements":
		rid := parts[1]
		name = "funding-" + rid
		switch parts[2] {
		case "retirer":
			done = "Demande de financement retirée."
			var cmd cases.WithdrawFunding
			if decode(&cmd) {
				_, err = c.cases.WithdrawFunding(ctx, who, id, rid, cmd, f.Key)
			}
		case "deposer":
			done = "Dépôt de la demande enregistré."
			err = c.cases.FundingEvent(ctx, who, id, rid, cases.FundingSubmit, nil)
		case "accuse":
			done = "Accusé de réception du financeur enregistré."
			err = c.cases.FundingEvent(ctx, who, id, rid, cases.FundingAcknowledge, nil)
		case "decision":
			done = "Réponse du financeur enregistrée."
			var cmd cases.FundingDecision
			if decode(&cmd) {
				err = c.cases.FundingEvent(ctx, who, id, rid, cases.FundingDecide, &cmd)
			}
		default:
			c.notFound(w, r)
			return
		}
	default:
		c.notFound(w, r)
		return
	}
	c.caseActionDone(w, r, name, done, back, f, err)
}

// caseActionDone ends a command of the case page: form errors or a refusal show the
// case page again with the form as typed; success redirects to back with done.
func (c *Console) caseActionDone(w http.ResponseWriter, r *http.Request, name, done, back string, f *form, err error) {
	if len(f.Errors) > 0 {
		ref := refusal{Status: http.StatusUnprocessableEntity, Alert: alert{Kind: "error", Title: "Le formulaire contient des erreurs",
			Text: "Corrigez les champs signalés ; ce que vous avez saisi est conservé."}}
		c.showCase(w, r, ref.Status, name, f, &ref)
		return
	}
	if err != nil {
		ref, ok := refusalOf(err)
		if !ok {
			c.serverError(w, r, err)
			return
		}
		for k, v := range ref.Fields {
			f.Errors[k] = v
		}
		if back == "/orientations" {
			c.setFlash(w, ref.Alert)
			http.Redirect(w, r, back, http.StatusSeeOther)
			return
		}
		c.showCase(w, r, ref.Status, name, f, &ref)
		return
	}
	c.setFlash(w, alert{Kind: "success", Title: done})
	http.Redirect(w, r, back, http.StatusSeeOther)
}

// unchanged drops a corrected field equal to what it was, so that the timeline names
// only the fields really changed.
func unchanged(v **string, orig string) {
	if *v != nil && strings.TrimSpace(**v) == strings.TrimSpace(orig) {
		*v = nil
	}
}

// competences reads one competence per line.
func competences(text string, transferable bool) []cases.CompetenceInput {
	var out []cases.CompetenceInput
	for _, line := range strings.Split(text, "\n") {
		if line = strings.TrimSpace(line); line != "" {
			out = append(out, cases.CompetenceInput{Label: line, Transferable: transferable})
		}
	}
	return out
}

func (c *Console) notFound(w http.ResponseWriter, r *http.Request) {
	c.renderError(w, r, http.StatusNotFound, "Page non trouvée", "La page que vous cherchez n'existe pas ou n'est plus à cette adresse.")
}
