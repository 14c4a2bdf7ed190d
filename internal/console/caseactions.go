package console

import (
	"context"
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
	args := commandArgs{ctx: ctx, who: who, id: id, key: f.Key, decode: decode}
	switch {
	case len(parts) == 1 && caseCommands[parts[0]].run != nil:
		cmd := caseCommands[parts[0]]
		name, done, err = cmd.name, cmd.done, cmd.run(c, args)
	case len(parts) == 3 && parts[0] == "orientation":
		cmd, ok := handoffCommands[parts[2]]
		if !ok {
			c.notFound(w, r)
			return
		}
		args.sub = parts[1]
		name, done, err = cmd.name, cmd.done, cmd.run(c, args)
	case len(parts) == 1:
		switch parts[0] {
		case "projet":
			name, done = "project", "Projet enregistré."
			var cmd cases.SetProject
			if decode(&cmd) {
				cmd.Competences = competences(r.PostForm.Get("competences"), false)
				cmd.Competences = append(cmd.Competences, competences(r.PostForm.Get("transferable_competences"), true)...)
				_, err = c.cases.SetProject(ctx, who, id, cmd, f.Key)
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
			args.sub = rid
			err = callSub((*cases.Service).WithdrawFunding)(c, args)
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

// commandArgs are what a case-page command passes to the service: the caller, the case,
// the handoff or funding request it is about (sub), the idempotency key, and the form's
// decoder (which records the errors by field).
type commandArgs struct {
	ctx          context.Context
	who          cases.Caller
	id, sub, key string
	decode       func(any) bool
}

// pageCommand is a command of the case page: its form's name (to show it again on a
// refusal), its confirmation, and its call.
type pageCommand struct {
	name, done string
	run        func(*Console, commandArgs) error
}

// call decodes the form into the service method's input and calls it; a form with errors
// calls nothing (decode has recorded them).
func call[T, R any](method func(*cases.Service, context.Context, cases.Caller, string, T, string) (R, error)) func(*Console, commandArgs) error {
	return func(c *Console, a commandArgs) error {
		var cmd T
		if !a.decode(&cmd) {
			return nil
		}
		_, err := method(c.cases, a.ctx, a.who, a.id, cmd, a.key)
		return err
	}
}

// callSub is call for a method about a case's hand-off or funding request (a.sub).
func callSub[T, R any](method func(*cases.Service, context.Context, cases.Caller, string, string, T, string) (R, error)) func(*Console, commandArgs) error {
	return func(c *Console, a commandArgs) error {
		var cmd T
		if !a.decode(&cmd) {
			return nil
		}
		_, err := method(c.cases, a.ctx, a.who, a.id, a.sub, cmd, a.key)
		return err
	}
}

// caseCommands are the case page's commands posted to /dossiers/{id}/{path} whose form is
// exactly the service's input.
var caseCommands = map[string]pageCommand{
	"orientation":    {"handoff", "Orientation proposée : la structure choisie a été prévenue.", call((*cases.Service).RequestHandoff)},
	"conseil":        {"counselling", "Conseil personnalisé commencé : vous êtes le conseiller référent.", call((*cases.Service).StartCounselling)},
	"entretiens":     {"session", "Entretien enregistré.", call((*cases.Service).AddSession)},
	"mise-en-oeuvre": {"implementation", "Mise en œuvre du projet commencée.", call((*cases.Service).StartImplementation)},
	"actions":        {"action", "Action ajoutée au plan.", call((*cases.Service).AddAction)},
	"situation":      {"situation", "Situation enregistrée.", call((*cases.Service).SetSituation)},
	"financements":   {"funding", "Demande de financement créée.", call((*cases.Service).RequestFunding)},
	"pause":          {"pause", "Accompagnement mis en pause.", call((*cases.Service).Pause)},
	"reprise":        {"resume", "Accompagnement repris.", call((*cases.Service).Resume)},
	"retrait":        {"withdraw", "Retrait de la personne enregistré : le dossier est clôturé.", call((*cases.Service).Withdraw)},
	"cloture":        {"close", "Dossier clôturé.", call((*cases.Service).Close)},
}

// handoffCommands are posted to /dossiers/{id}/orientation/{handoff}/{path}.
var handoffCommands = map[string]pageCommand{
	"accepter": {"accept", "Orientation acceptée : le dossier est désormais suivi par votre structure.", callSub((*cases.Service).AcceptHandoff)},
	"refuser":  {"decline", "Orientation refusée : la structure d'origine a été prévenue.", callSub((*cases.Service).DeclineHandoff)},
	"annuler":  {"cancel", "Orientation annulée.", callSub((*cases.Service).CancelHandoff)},
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
