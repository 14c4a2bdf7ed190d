package console

import (
	"encoding/json"
	"fmt"
	"net/http"
	"sort"
	"strings"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/fr"
	"github.com/spro-cep/cep/workflows"
)

// caseForms are the forms of the case page, by name; each posts to
// /dossiers/{id}/<path> (caseActions).
var caseForms = []string{"handoff", "accept", "decline", "cancel", "counselling", "session", "project", "implementation",
	"action", "situation", "plan", "funding", "pause", "resume", "withdraw", "close", "contact",
	"rectify", "consent", "consent-withdraw", "erase"}

type step struct {
	N            int
	Title, State string // State: "done", "current", "todo"
}

type eventView struct {
	At               time.Time
	Label, Actor     string
	Structure, Extra string
}

type caseData struct {
	ID        string
	File      cases.CaseFile
	Name      string
	Forms     map[string]*form
	Failed    string
	Level     int
	Steps     []step
	Territory []fr.Option
	Timeline  []eventView
	Now       time.Time
	Open      bool
	Holder    bool
	Target    bool
	Pending   *workflows.Handoff
	Funders   []fr.Option
	// FunderNames are the names the latest plan gives its funders, for the funding
	// requests (which keep only the funder's code).
	FunderNames map[string]string
	// Financing is the latest financing plan as the page shows it (nil: none yet).
	Financing *financingView
	Vocab     map[string][]fr.Option
	MayAudit  bool
}

func levelOf(stage string) int {
	switch stage {
	case workflows.StageCounselling:
		return 2
	case workflows.StageImplementation:
		return 3
	case workflows.StageClosed:
		return 4
	}
	return 1
}

func (c *Console) casePage(w http.ResponseWriter, r *http.Request) {
	c.showCase(w, r, http.StatusOK, "", nil, nil)
}

// showCase renders the case page; after a refused action, failed names the form whose
// values (f) are kept and ref says why.
func (c *Console) showCase(w http.ResponseWriter, r *http.Request, status int, failed string, f *form, ref *refusal) {
	id := r.PathValue("id")
	file, err := c.cases.File(r.Context(), c.caller(r), id)
	if err != nil {
		if rf, ok := refusalOf(err); ok {
			c.renderError(w, r, rf.Status, rf.Alert.Title, rf.Alert.Text)
			return
		}
		c.serverError(w, r, err)
		return
	}
	d := caseData{ID: id, File: file, Forms: map[string]*form{}, Failed: failed, Now: time.Now(),
		Open: file.Case.Stage != workflows.StageClosed, Holder: file.IsHolder, Target: file.IsTarget,
		MayAudit: userFrom(r).Role == "coordinator" || userFrom(r).Role == "admin"}
	if b := file.Case.Beneficiary; b != nil {
		d.Name = b.FirstName + " " + b.LastName
	} else if file.Case.CaseRef != "" {
		d.Name = "Dossier " + file.Case.CaseRef // the person's identity is withheld
	}
	for _, name := range caseForms {
		d.Forms[name] = newForm()
	}
	if failed != "" && f != nil {
		d.Forms[failed] = f
	}
	d.prefill()
	d.Level = levelOf(file.Case.Stage)
	for i, t := range []string{"Accueil individualisé", "Conseil personnalisé", "Mise en œuvre du projet"} {
		s := step{N: i + 1, Title: t, State: "todo"}
		switch {
		case i+1 < d.Level:
			s.State = "done"
		case i+1 == d.Level:
			s.State = "current"
		}
		d.Steps = append(d.Steps, s)
	}
	if h := file.Case.Handoff; h != nil && h.Status == workflows.HandoffPending {
		d.Pending = h
	}
	if structures, err := c.dir.Structures(r.Context(), c.caller(r), directory.StructureQuery{TerritoryID: file.Case.TerritoryID}); err == nil {
		for _, s := range structures {
			if s.ID != file.Case.StructureID {
				d.Territory = append(d.Territory, fr.Option{Code: s.ID, Label: s.Name})
			}
		}
		sort.Slice(d.Territory, func(i, j int) bool { return d.Territory[i].Label < d.Territory[j].Label })
	}
	d.Timeline = timeline(file)
	d.financing()
	v := cases.Vocab()
	d.Vocab = map[string][]fr.Option{
		"decline": fr.Options(fr.DeclineReason, v.DeclineReasons), "outcome": fr.Options(fr.Outcome, v.CloseOutcomes),
		"mode": fr.Options(fr.SessionMode, v.SessionModes), "action_type": fr.Options(fr.ActionType, v.ActionTypes),
		"action_status": fr.Options(fr.ActionStatus, []string{"planned", "in_progress", "done", "cancelled"}),
		"certification": fr.Options(fr.Certification, []string{financing.CertificationRNCP, financing.CertificationRS, financing.CertificationCleA}),
		"licence_group": fr.Options(fr.LicenceGroup, []string{financing.LicenceGroupLight, financing.LicenceGroupHeavy}),
		"autonomy":      fr.Options(fr.Autonomy, []string{"low", "medium", "high"}),
		"maturity":      fr.Options(fr.Maturity, []string{"emerging", "building", "mature"}),
		"employment":    fr.Options(fr.Employment, []string{"employed", "self_employed", "jobseeker", "student", "inactive"}),
		"contract":      fr.Options(fr.Contract, []string{"cdi", "cdd", "interim", "none"}),
		"qualification": fr.Options(fr.Qualification, []string{"none", "3", "4", "5", "6", "7", "8"}),
		"yesno":         {{Code: "true", Label: "Oui"}, {Code: "false", Label: "Non"}},
		"contact":       fr.Options(fr.Channel, []string{"on_site", "phone", "online", "email", "mail"}),
		"gender":        fr.Options(fr.Gender, v.Genders),
		"public":        fr.Options(fr.Public, v.Publics),
	}
	p := page{Title: "Dossier de " + d.Name, Data: d}
	if ref != nil {
		p.Alerts = []alert{ref.Alert}
	}
	c.render(w, r, status, "dossier", p)
}

// financing lays out the latest financing plan, names its funders for the funding
// requests (which keep only the funder's code) and lists those a request may go to.
func (d *caseData) financing() {
	d.FunderNames = map[string]string{}
	d.Financing = newFinancingView(d.File.FinancingPlan, d.File.Case.Actions, d.File.Case.FinancingAlert, d.Now)
	if p := d.File.FinancingPlan; p != nil {
		seen := map[string]bool{}
		for _, a := range p.Plan.Actions {
			for _, fu := range a.Funders {
				d.FunderNames[fu.Funder] = fu.Name
				if !seen[fu.Funder] && fu.Status == "eligible" {
					seen[fu.Funder] = true
					d.Funders = append(d.Funders, fr.Option{Code: fu.Funder, Label: fr.FunderName(fu.Funder, fu.Name)})
				}
			}
		}
	}
}

// prefill puts the current project and situation in their forms, so an adviser edits
// rather than retypes them.
func (d *caseData) prefill() {
	if d.Failed != "project" {
		if p := d.File.Case.Project; p != nil {
			f := d.Forms["project"]
			f.Values.Set("target_occupation", p.TargetOccupation)
			f.Values.Set("rome_code", p.RomeCode)
			f.Values.Set("autonomy", p.Autonomy)
			f.Values.Set("maturity", p.Maturity)
			var plain, transferable []string
			for _, c := range p.Competences {
				if c.Transferable {
					transferable = append(transferable, c.Label)
				} else {
					plain = append(plain, c.Label)
				}
			}
			f.Values.Set("competences", strings.Join(plain, "\n"))
			f.Values.Set("transferable_competences", strings.Join(transferable, "\n"))
		}
	}
	if d.Failed != "situation" {
		if s := d.File.Case.Situation; s != nil {
			b, _ := json.Marshal(s)
			var m map[string]any
			_ = json.Unmarshal(b, &m)
			f := d.Forms["situation"]
			for k, v := range m {
				switch x := v.(type) {
				case string:
					f.Values.Set(k, x)
				case bool:
					if x {
						f.Values.Set(k, "true")
					} else {
						f.Values.Set(k, "false")
					}
				case float64:
					f.Values.Set(k, strings.TrimSuffix(strings.TrimSuffix(strings.Replace(fr.Number(x, 2), "\u202f", "", -1), ",00"), ",0"))
				}
			}
		}
	}
	if b := d.File.Case.Beneficiary; b != nil && d.Failed != "rectify" {
		f := d.Forms["rectify"]
		for k, v := range map[string]string{"first_name": b.FirstName, "last_name": b.LastName, "birth_date": b.BirthDate,
			"gender": b.Gender, "email": b.Email, "phone": b.Phone, "postal_code": b.PostalCode, "public": b.Public} {
			f.Values.Set(k, v)
		}
		if isTrue(b.DisabilityRecognized) {
			f.Values.Set("disability_recognized", "true")
		}
	}
	if d.Failed != "session" {
		d.Forms["session"].Values.Set("date", time.Now().In(fr.Paris).Format(time.DateOnly))
	}
}

// timeline is the case's events, newest first, in French with the names of people and
// structures.
func timeline(f cases.CaseFile) []eventView {
	out := make([]eventView, 0, len(f.Events))
	for i := len(f.Events) - 1; i >= 0; i-- {
		e := f.Events[i]
		v := eventView{At: e.At, Label: fr.Label(fr.Event, e.Type), Actor: f.UserNames[e.ActorID], Structure: f.StructureNames[e.StructureID]}
		if v.Actor == "" {
			v.Actor = fr.Label(fr.Role, e.ActorRole)
		}
		var details map[string]any
		_ = json.Unmarshal([]byte(e.Details), &details)
		var extra []string
		if to, _ := details["to_structure_id"].(string); to != "" && strings.HasPrefix(e.Type, "handoff") {
			extra = append(extra, "vers "+nameOr(f.StructureNames, to))
		}
		if code, _ := details["reason_code"].(string); code != "" {
			extra = append(extra, "motif : "+fr.Label(fr.DeclineReason, code))
		}
		if o, _ := details["outcome"].(string); o != "" {
			extra = append(extra, "issue : "+fr.Label(fr.Outcome, o))
		}
		if fields, _ := details["fields"].([]any); len(fields) > 0 && strings.HasPrefix(e.Type, "session") {
			var names []string
			for _, x := range fields {
				names = append(names, map[string]string{"date": "date", "duration_minutes": "durée", "mode": "modalité",
					"summary": "compte rendu"}[fmt.Sprint(x)])
			}
			extra = append(extra, "champs corrigés : "+strings.Join(names, ", "))
		}
		if fields, _ := details["fields"].([]any); len(fields) > 0 && e.Type == "beneficiary_rectified" {
			var names []string
			for _, x := range fields {
				names = append(names, rectifiedField[fmt.Sprint(x)])
			}
			extra = append(extra, "champs rectifiés : "+strings.Join(names, ", "))
		}
		if shared, ok := details["data_sharing"].(bool); ok && e.Type == "consent_changed" {
			extra = append(extra, map[bool]string{true: "partage accepté", false: "partage refusé"}[shared])
		}
		if t, _ := details["title"].(string); t != "" {
			extra = append(extra, "« "+t+" »")
		}
		v.Extra = strings.Join(extra, ", ")
		out = append(out, v)
	}
	return out
}

// isTrue reads a yes/no that may be unknown (a nil *bool reads no).
func isTrue(v any) bool {
	switch b := v.(type) {
	case bool:
		return b
	case *bool:
		return b != nil && *b
	}
	return false
}

// rectifiedField names in French the fields of the person a rectification changed.
var rectifiedField = map[string]string{"first_name": "prénom", "last_name": "nom", "birth_date": "date de naissance",
	"gender": "genre", "email": "adresse électronique", "phone": "téléphone", "postal_code": "code postal",
	"public": "situation", "disability_recognized": "reconnaissance du handicap"}

func nameOr(names map[string]string, id string) string {
	if n, ok := names[id]; ok {
		return n
	}
	return id
}
