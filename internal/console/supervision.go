package console

import (
	"net/http"
	"net/url"
	"sort"
	"strconv"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/internal/supervision"
	"github.com/spro-cep/cep/models"
)

type stuckRow struct {
	cases.StuckCase
	Holder, Target string
	Reasons        []string
	Age            string
	Key            string
}

type supervisionData struct {
	Filter        url.Values
	Rows          []stuckRow
	Total         int64
	Pseudonymised bool
	Coordinator   bool
	Stages        []fr.Option
	Reasons       []fr.Option
	Structures    []fr.Option
	Failed        string
	Form          *form
	// Retention is what the retention did and will do, for those the service shows it to.
	Retention *cases.RetentionSummary
}

func (c *Console) supervisionPage(w http.ResponseWriter, r *http.Request) {
	c.showSupervision(w, r, http.StatusOK, "", nil, nil)
}

func (c *Console) showSupervision(w http.ResponseWriter, r *http.Request, status int, failed string, f *form, ref *refusal) {
	q := r.URL.Query()
	if r.Method == http.MethodPost {
		q, _ = url.ParseQuery(r.PostForm.Get("filters"))
	}
	pageN, _ := strconv.Atoi(q.Get("page"))
	sq := cases.StuckQuery{Territory: q.Get("territory"), StructureID: q.Get("structure_id"), Stage: q.Get("stage"),
		Reason: q.Get("reason"), Page: cases.Page{Page: max(pageN, 1), Size: 50}}
	var alerts []alert
	if ref != nil {
		alerts = append(alerts, ref.Alert)
	}
	if v := q.Get("min_age"); v != "" {
		if d, err := config.ParseDuration(v); err == nil {
			sq.MinAge = d
		} else {
			alerts = append(alerts, alert{Kind: "error", Title: "Ancienneté invalide", Text: "Écrivez un nombre de jours, par exemple 7d."})
		}
	}
	u := userFrom(r)
	d := supervisionData{Filter: q, Coordinator: u.Role == models.RoleCoordinator, Failed: failed, Form: f,
		Stages: fr.Options(fr.Stage, supervision.Stages), Reasons: fr.Options(fr.StuckReason, supervision.Reasons)}
	if d.Form == nil {
		d.Form = newForm()
	}
	list, err := c.cases.Stuck(r.Context(), c.caller(r), sq)
	if err != nil {
		rf, ok := refusalOf(err)
		if !ok {
			c.serverError(w, r, err)
			return
		}
		if rf.Status == http.StatusForbidden {
			c.render(w, r, http.StatusOK, "supervision", page{Title: "Dossiers à suivre", Alerts: []alert{{Kind: "info",
				Title: "Liste réservée à la coordination et à la Région",
				Text:  "Votre rôle ne donne pas accès aux dossiers bloqués ; les indicateurs restent consultables."}}, Data: d})
			return
		}
		alerts = append(alerts, alert{Kind: "error", Title: "Filtre invalide", Text: "Un des critères n'est pas valable ; la liste est affichée sans lui."})
		sq = cases.StuckQuery{Page: cases.Page{Page: 1, Size: 50}}
		if list, err = c.cases.Stuck(r.Context(), c.caller(r), sq); err != nil {
			c.serverError(w, r, err)
			return
		}
	}
	names := c.structureNames(r)
	now := time.Now()
	d.Total, d.Pseudonymised = list.Total, list.Pseudonymised
	for _, it := range list.Items {
		row := stuckRow{StuckCase: it, Holder: names[it.StructureID], Age: fr.Days(now.Sub(it.Since)), Key: newKey()}
		if it.HandoffTargetID != nil {
			row.Target = names[*it.HandoffTargetID]
		}
		for _, rs := range it.Reasons {
			row.Reasons = append(row.Reasons, fr.Label(fr.StuckReason, rs.Code)+" depuis le "+fr.Date(rs.Since))
		}
		d.Rows = append(d.Rows, row)
	}
	if d.Coordinator && u.TerritoryID != nil {
		if structures, err := c.dir.Structures(r.Context(), c.caller(r), directory.StructureQuery{TerritoryID: *u.TerritoryID}); err == nil {
			for _, s := range structures {
				d.Structures = append(d.Structures, fr.Option{Code: s.ID, Label: s.Name})
			}
			sort.Slice(d.Structures, func(i, j int) bool { return d.Structures[i].Label < d.Structures[j].Label })
		}
	}
	if sum, err := c.cases.Retention(r.Context(), c.caller(r)); err == nil {
		if len(sum.Runs) > 5 {
			sum.Runs = sum.Runs[:5]
		}
		d.Retention = &sum
	} else if _, refused := refusalOf(err); !refused {
		c.log.Warn("console: retention summary unreadable", "error", err)
	}
	c.render(w, r, status, "supervision", page{Title: "Dossiers à suivre", Alerts: alerts, Data: d})
}

// supervisionAction is the coordinator's remind, reassign or take-back.
func (c *Console) supervisionAction(w http.ResponseWriter, r *http.Request) {
	id, action := r.PathValue("id"), r.PathValue("action")
	f := &form{Values: r.PostForm, Key: formKey(r), Errors: map[string]string{}}
	var (
		err  error
		done string
	)
	switch action {
	case "relancer":
		done = "Relance envoyée."
		var cmd cases.Remind
		if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
			_, err = c.cases.Remind(r.Context(), c.caller(r), id, cmd, f.Key)
		}
	case "reorienter":
		done = "Orientation confiée à une autre structure, avec de nouveaux délais."
		var cmd cases.Reassign
		if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
			_, err = c.cases.Reassign(r.Context(), c.caller(r), id, cmd, f.Key)
		}
	case "reprendre":
		done = "Dossier repris et confié à la structure choisie."
		var cmd cases.TakeBack
		if f.Errors = decodeForm(r.PostForm, &cmd); len(f.Errors) == 0 {
			_, err = c.cases.TakeBack(r.Context(), c.caller(r), id, cmd, f.Key)
		}
	default:
		c.notFound(w, r)
		return
	}
	failed := action + "-" + id
	if len(f.Errors) == 0 && err == nil {
		c.setFlash(w, alert{Kind: "success", Title: done})
		to := "/supervision"
		if filters := r.PostForm.Get("filters"); filters != "" {
			to += "?" + filters
		}
		http.Redirect(w, r, to, http.StatusSeeOther)
		return
	}
	ref := refusal{Status: http.StatusUnprocessableEntity, Alert: alert{Kind: "error", Title: "Le formulaire contient des erreurs",
		Text: "Corrigez les champs signalés ; ce que vous avez saisi est conservé."}}
	if err != nil {
		var ok bool
		if ref, ok = refusalOf(err); !ok {
			c.serverError(w, r, err)
			return
		}
		for k, v := range ref.Fields {
			f.Errors[k] = v
		}
	}
	c.showSupervision(w, r, ref.Status, failed, f, &ref)
}
