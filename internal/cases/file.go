package cases

import (
	"context"
	"encoding/json"
	"time"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// FinancingLine is what one funder pays for one action, and on what conditions.
// FunderName is the name the plan gives the funder (a scheme's name comes from its
// file, not from a vocabulary).
type FinancingLine struct {
	ActionID    string  `json:"action_id"`
	ActionTitle string  `json:"action_title"`
	Funder      string  `json:"funder"`
	FunderName  string  `json:"funder_name"`
	Status      string  `json:"status"`
	AmountEUR   float64 `json:"amount_eur"`
	// Conditions are the funder's conditions in French, as the plan gives them.
	Conditions []string `json:"conditions"`
}

// IncomeSynthesisLine is one source of income of the person during a training
// action, as the plan evaluates it: name and conditions in French, a gross monthly
// estimate when the facts allow one.
type IncomeSynthesisLine struct {
	ActionID           string   `json:"action_id"`
	ActionTitle        string   `json:"action_title"`
	Kind               string   `json:"kind"`
	Name               string   `json:"name"`
	Status             string   `json:"status"`
	MonthlyEstimateEUR *float64 `json:"monthly_estimate_eur,omitempty"`
	Conditions         []string `json:"conditions"`
}

// FinancingSynthesis summarises the latest plan: who pays what and on what
// conditions, what is left to the person and why it falls short, and what the person
// lives on during a training.
type FinancingSynthesis struct {
	Revision          int             `json:"revision"`
	Shortfall         bool            `json:"shortfall"`
	ShortfallReasons  []string        `json:"shortfall_reasons"`
	TotalFundedEUR    float64         `json:"total_funded_eur"`
	TotalLeftToPayEUR float64         `json:"total_left_to_pay_eur"`
	Lines             []FinancingLine `json:"lines"`
	// Income lists each training action's income lines (plans computed before the
	// plans evaluated income have none).
	Income []IncomeSynthesisLine `json:"income"`
}

// Synthesis is the document that closes levels 2 and 3.
type Synthesis struct {
	CaseID      string    `json:"case_id"`
	GeneratedAt time.Time `json:"generated_at"`
	Stage       string    `json:"stage"`
	// StageLabel, CEPModel and ModelSource: the synthesis follows the case's CEP model.
	StageLabel      string                 `json:"stage_label"`
	CEPModel        string                 `json:"cep_model"`
	ModelSource     string                 `json:"model_source"`
	StructureID     string                 `json:"structure_id"`
	StructureName   string                 `json:"structure_name"`
	ReferentAdviser *string                `json:"referent_adviser_id"`
	Beneficiary     *BeneficiaryView       `json:"beneficiary"`
	Request         string                 `json:"request"`
	Needs           []string               `json:"needs"`
	Competences     []workflows.Competence `json:"competences"`
	Project         *workflows.Project     `json:"project"`
	ActionPlan      []workflows.Action     `json:"action_plan"`
	PlanRevision    int                    `json:"plan_revision"`
	TotalCostEUR    float64                `json:"total_cost_eur"`
	Financing       *FinancingSynthesis    `json:"financing"`
	Sessions        []workflows.Session    `json:"sessions"`
	Outcome         *string                `json:"outcome"`
}

func (s *Service) financingSynthesis(ctx context.Context, caseID string, actions []workflows.Action) (*FinancingSynthesis, error) {
	titles := map[string]string{}
	for _, a := range actions {
		titles[a.ID] = a.Title
	}
	fp, err := s.latestPlan(ctx, caseID, 0)
	if err != nil {
		if isNotFound(err) {
			return nil, nil
		}
		return nil, err
	}
	var plan financing.Plan
	if err := json.Unmarshal([]byte(fp.Plan), &plan); err != nil {
		return nil, err
	}
	out := &FinancingSynthesis{Revision: fp.Revision, Shortfall: fp.Shortfall, ShortfallReasons: nonNil(plan.ShortfallReasons),
		TotalFundedEUR: plan.TotalFundedEUR, TotalLeftToPayEUR: plan.TotalLeftToPayEUR, Lines: []FinancingLine{},
		Income: []IncomeSynthesisLine{}}
	for _, ap := range plan.Actions {
		for _, f := range ap.Funders {
			if f.AmountEUR > 0 {
				out.Lines = append(out.Lines, FinancingLine{ActionID: ap.ActionID, ActionTitle: titles[ap.ActionID], Funder: f.Funder,
					FunderName: f.Name, Status: f.Status, AmountEUR: f.AmountEUR, Conditions: nonNil(f.Conditions)})
			}
		}
		for _, l := range ap.Income {
			out.Income = append(out.Income, IncomeSynthesisLine{ActionID: ap.ActionID, ActionTitle: titles[ap.ActionID], Kind: l.Kind,
				Name: l.Name, Status: l.Status, MonthlyEstimateEUR: l.MonthlyEstimateEUR, Conditions: nonNil(l.Conditions)})
		}
	}
	return out, nil
}

func (s *Service) synthesis(ctx context.Context, c Caller, row *models.Case) (Synthesis, error) {
	st, err := stateOf(row)
	if err != nil {
		return Synthesis{}, err
	}
	cv, err := s.rowView(ctx, c, row)
	if err != nil {
		return Synthesis{}, err
	}
	structure, err := s.structure(ctx, row.StructureID)
	if err != nil {
		return Synthesis{}, err
	}
	out := Synthesis{CaseID: row.ID, GeneratedAt: time.Now().UTC(), Stage: st.Stage, StageLabel: cv.StageLabel,
		CEPModel: cv.CEPModel, StructureID: structure.ID,
		StructureName: structure.Name, ReferentAdviser: cv.ReferentAdviserID, Beneficiary: cv.Beneficiary, Request: cv.Request,
		Needs: cv.Needs, Project: st.Project, ActionPlan: cv.Actions, PlanRevision: st.PlanRevision, Outcome: cv.Outcome,
		Competences: []workflows.Competence{}}
	for _, m := range CEPModelInfos() {
		if m.Model == out.CEPModel {
			out.ModelSource = m.Source
		}
	}
	if st.Project != nil {
		out.Competences = st.Project.Competences
	}
	for _, a := range st.Actions {
		out.TotalCostEUR += a.CostEUR
	}
	if st.Financing != nil {
		if out.Financing, err = s.financingSynthesis(ctx, row.ID, st.Actions); err != nil {
			return Synthesis{}, err
		}
	}
	if out.Sessions, err = s.sessions(ctx, row.ID); err != nil {
		return Synthesis{}, err
	}
	return out, nil
}

// Synthesis is the case's synthesis document.
func (s *Service) Synthesis(ctx context.Context, c Caller, caseID string) (Synthesis, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.synthesis")
	if err != nil {
		return Synthesis{}, err
	}
	return s.synthesis(ctx, c, row)
}

// CaseFile is everything the case page shows, read (and audited) once.
type CaseFile struct {
	Case            CaseView
	Events          []Event
	Handoffs        []workflows.Handoff
	Sessions        []workflows.Session
	PlanRevisions   []PlanRevisionView
	Recommendations *Recommendations // while the case is at reception, the hand-off's candidates
	FinancingPlan   *PlanView        // the latest plan, if any
	FundingRequests []workflows.FundingRef
	Synthesis       Synthesis
	// Holder and HandoffTarget are the structures named by the case.
	Holder        models.Structure
	HandoffTarget *models.Structure
	// MayAct tells whether the caller may give case commands at all (the workflow still
	// decides each one: holder, target, stage).
	MayAct bool
	// IsHolder and IsTarget place the caller: a user of the holding structure, or of the
	// pending hand-off's target.
	IsHolder, IsTarget bool
	// MayAnswerPerson tells whether the caller answers the person's requests about their
	// data (export, rectification, consent): the holding structure and the territory's
	// coordination. MayErase tells whether the caller may erase the case.
	MayAnswerPerson, MayErase bool
	// Consents is the consent ledger, oldest first.
	Consents []ConsentEntry
	// UserNames and StructureNames name the users and structures the file mentions by
	// ID (actors, referent, advisers, hand-off ends), for display.
	UserNames, StructureNames map[string]string
}

// names fills the display names of the users and structures the file mentions.
func (s *Service) names(ctx context.Context, f *CaseFile) error {
	users, structures := map[string]bool{}, map[string]bool{}
	add := func(m map[string]bool, ids ...string) {
		for _, id := range ids {
			if id != "" {
				m[id] = true
			}
		}
	}
	add(users, f.Case.CreatedBy, deref(f.Case.ReferentAdviserID))
	add(structures, f.Case.StructureID)
	for _, e := range f.Events {
		add(users, e.ActorID)
		add(structures, e.StructureID)
	}
	for _, h := range f.Handoffs {
		add(users, h.RequestedBy, h.DecidedBy)
		add(structures, h.FromStructureID, h.ToStructureID)
	}
	for _, x := range f.Sessions {
		add(users, x.AdviserID)
	}
	f.UserNames, f.StructureNames = map[string]string{}, map[string]string{}
	var us []models.User
	if err := s.db(ctx).Select("id, display_name").Where("id IN ?", keys(users)).Find(&us).Error; err != nil {
		return err
	}
	for _, u := range us {
		f.UserNames[u.ID] = u.DisplayName
	}
	var ss []models.Structure
	if err := s.db(ctx).Select("id, name").Where("id IN ?", keys(structures)).Find(&ss).Error; err != nil {
		return err
	}
	for _, x := range ss {
		f.StructureNames[x.ID] = x.Name
	}
	return nil
}

func keys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	if len(out) == 0 {
		out = append(out, "")
	}
	return out
}

// File is the whole case file for the console's case page.
func (s *Service) File(ctx context.Context, c Caller, caseID string) (CaseFile, error) {
	row, err := s.read(ctx, c, caseID, "cases.file")
	if err != nil {
		return CaseFile{}, err
	}
	if sightOfRow(c, row) == SightHandoffTarget {
		return s.targetFile(ctx, c, row)
	}
	var f CaseFile
	if f.Synthesis, err = s.synthesis(ctx, c, row); err != nil {
		return f, err
	}
	if f.Case, err = s.rowView(ctx, c, row); err != nil {
		return f, err
	}
	f.Sessions = f.Synthesis.Sessions
	if f.Events, err = s.events(ctx, row.ID); err != nil {
		return f, err
	}
	if f.Handoffs, err = s.handoffs(ctx, row.ID); err != nil {
		return f, err
	}
	if f.PlanRevisions, err = s.planRevisions(ctx, row.ID); err != nil {
		return f, err
	}
	if row.Stage == workflows.StageReception || row.Stage == workflows.StageCounselling {
		recs, err := s.recommendations(ctx, row, sightOfRow(c, row))
		if err != nil {
			return f, err
		}
		f.Recommendations = &recs
	}
	if f.Case.Financing != nil {
		pv, err := s.planView(ctx, row.ID, 0)
		if err != nil && !isNotFound(err) {
			return f, err
		}
		if err == nil {
			f.FinancingPlan = &pv
		}
	}
	f.FundingRequests = f.Case.FundingRequests
	holder, err := s.structure(ctx, row.StructureID)
	if err != nil {
		return f, err
	}
	f.Holder = *holder
	if t := deref(row.HandoffTargetID); t != "" {
		if f.HandoffTarget, err = s.structure(ctx, t); err != nil {
			return f, err
		}
	}
	if err := s.names(ctx, &f); err != nil {
		return f, err
	}
	f.MayAct = mayChangeCases(c) == nil
	f.IsHolder = c.StructureID != "" && c.StructureID == row.StructureID
	f.IsTarget = c.StructureID != "" && c.StructureID == deref(row.HandoffTargetID)
	f.MayAnswerPerson = mayActForPerson(c, row) == nil
	f.MayErase = c.Role == models.RoleAdmin || coordinates(c, row.TerritoryID)
	if f.Consents, err = s.consents(ctx, row.ID); err != nil {
		return f, err
	}
	return f, nil
}

// targetFile is the case page of a pending hand-off's target: the case as its sight
// shows it and the hand-offs addressed to its structure, nothing of the file.
func (s *Service) targetFile(ctx context.Context, c Caller, row *models.Case) (CaseFile, error) {
	var f CaseFile
	var err error
	if f.Case, err = s.rowView(ctx, c, row); err != nil {
		return f, err
	}
	if f.Handoffs, err = s.handoffsFor(ctx, c, row); err != nil {
		return f, err
	}
	holder, err := s.structure(ctx, row.StructureID)
	if err != nil {
		return f, err
	}
	f.Holder = *holder
	if f.HandoffTarget, err = s.structure(ctx, deref(row.HandoffTargetID)); err != nil {
		return f, err
	}
	f.Synthesis = Synthesis{CaseID: row.ID, Stage: row.Stage, Needs: f.Case.Needs, Competences: []workflows.Competence{},
		ActionPlan: []workflows.Action{}, Sessions: []workflows.Session{}, Beneficiary: f.Case.Beneficiary, Request: f.Case.Request}
	f.Sessions, f.Events, f.PlanRevisions, f.FundingRequests = []workflows.Session{}, []Event{}, []PlanRevisionView{}, []workflows.FundingRef{}
	if err := s.names(ctx, &f); err != nil {
		return f, err
	}
	f.MayAct, f.IsTarget = true, true
	return f, nil
}

// InboxItem is a hand-off waiting for the caller's structure.
type InboxItem struct {
	Handoff   workflows.Handoff
	CaseID    string
	FirstName string
	LastName  string
	Public    string
	// From is the structure that sent it.
	From models.Structure
}

// Inbox is the hand-offs waiting for the caller's structure's answer, oldest first.
// The persons named are audited as a list read.
func (s *Service) Inbox(ctx context.Context, c Caller) ([]InboxItem, error) {
	if c.StructureID == "" {
		return []InboxItem{}, nil
	}
	var hs []models.Handoff
	if err := s.db(ctx).Where("to_structure_id = ? AND status = ?", c.StructureID, workflows.HandoffPending).
		Order("requested_at, id").Find(&hs).Error; err != nil {
		return nil, err
	}
	out := make([]InboxItem, 0, len(hs))
	ids := make([]string, 0, len(hs))
	for _, h := range hs {
		row, err := s.caseRow(ctx, h.CaseID)
		if err != nil || !CanSee(c, row) || deref(row.HandoffID) != h.ID {
			continue // a stale projection row: the case has moved on
		}
		it := InboxItem{Handoff: handoffOf(h), CaseID: h.CaseID, Public: row.Public}
		var b models.Beneficiary
		if err := s.db(ctx).Select("first_name, last_name").Where("case_id = ?", h.CaseID).Take(&b).Error; err == nil {
			it.FirstName, it.LastName = b.FirstName, b.LastName
		}
		if from, err := s.structure(ctx, h.FromStructureID); err == nil {
			it.From = *from
		}
		out = append(out, it)
		ids = append(ids, h.CaseID)
	}
	return out, s.auditRead(ctx, c, "handoffs.inbox", ids...)
}

// nonNil makes an absent list an empty one: the synthesis always gives its lists.
func nonNil(list []string) []string {
	if list == nil {
		return []string{}
	}
	return list
}
