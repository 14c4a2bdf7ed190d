package cases

import (
	"context"
	"encoding/json"
	"errors"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// BeneficiaryView is the person's details as shown to those who may see them.
type BeneficiaryView struct {
	FirstName  string `json:"first_name"`
	LastName   string `json:"last_name"`
	BirthDate  string `json:"birth_date"`
	Gender     string `json:"gender"`
	Email      string `json:"email,omitempty"`
	Phone      string `json:"phone,omitempty"`
	PostalCode string `json:"postal_code"`
	Public     string `json:"public"`
	// DisabilityRecognized is shown to the holding structure's users only (Sight).
	DisabilityRecognized *bool `json:"disability_recognized,omitempty"`
}

// ConsentView is the person's recorded consent.
type ConsentView struct {
	DataSharing bool `json:"data_sharing"`
}

// CaseView is a case as its file shows it: the workflow's state and the person.
type CaseView struct {
	ID    string `json:"id"`
	Stage string `json:"stage"`
	// StageLabel names the stage as the case's CEP model does; CEPModel is that model.
	StageLabel        string               `json:"stage_label"`
	CEPModel          string               `json:"cep_model"`
	Paused            bool                 `json:"paused"`
	PausedAt          *time.Time           `json:"paused_at,omitempty"`
	PauseReason       string               `json:"pause_reason,omitempty"`
	Escalated         bool                 `json:"escalated"`
	StructureID       string               `json:"structure_id"`
	TerritoryID       string               `json:"territory_id"`
	ReferentAdviserID *string              `json:"referent_adviser_id"`
	Handoff           *workflows.Handoff   `json:"handoff"`
	Project           *workflows.Project   `json:"project"`
	Actions           []workflows.Action   `json:"actions"`
	PlanRevision      int                  `json:"plan_revision"`
	SessionsCount     int                  `json:"sessions_count"`
	Channel           string               `json:"channel"`
	Request           string               `json:"request"`
	Needs             []string             `json:"needs"`
	Consent           ConsentView          `json:"consent"`
	Outcome           *string              `json:"outcome"`
	CloseNote         string               `json:"close_note,omitempty"`
	Deadlines         []workflows.Deadline `json:"deadlines"`
	DueAt             *time.Time           `json:"due_at"`
	CreatedBy         string               `json:"created_by"`
	CreatedAt         time.Time            `json:"created_at"`
	UpdatedAt         time.Time            `json:"updated_at"`
	ClosedAt          *time.Time           `json:"closed_at"`
	LastActivityAt    time.Time            `json:"last_activity_at"`
	Version           int64                `json:"version"`
	Beneficiary       *BeneficiaryView     `json:"beneficiary"`
	// Level-3 financing: the facts the rules read, the latest plan's figures, the alert
	// and the funding requests.
	Situation       *SituationView         `json:"situation"`
	Financing       *FinancingSummaryView  `json:"financing"`
	FinancingAlert  bool                   `json:"financing_alert"`
	FundingRequests []workflows.FundingRef `json:"funding_requests"`
	// ProjectionFailedAt is set while a change of the case could not be written to the
	// database (the case goes on; supervision lists it as workflow_problem).
	ProjectionFailedAt *time.Time `json:"projection_failed_at,omitempty"`
	// Access is how much of the file the caller sees (Sight); CaseRef names the case
	// when the person's identity is withheld (SightPseudonymous).
	Access  Sight  `json:"access"`
	CaseRef string `json:"case_ref,omitempty"`
}

// view is the case as the caller may see it: the full view cut to its sight.
func (s *Service) view(ctx context.Context, c Caller, st workflows.Case) (CaseView, error) {
	v, err := s.fullView(ctx, st)
	if err != nil {
		return CaseView{}, err
	}
	return s.cut(ctx, c, v, sightOfState(c, st))
}

// fullView joins the workflow's state with the person's details, whole: never shown
// as is (view cuts it to the caller's sight).
func (s *Service) fullView(ctx context.Context, st workflows.Case) (CaseView, error) {
	out := CaseView{ID: st.ID, Stage: st.Stage, CEPModel: workflows.ModelOf(&st), StageLabel: workflows.StageLabel(st.CEPModel, st.Stage), Paused: st.Paused, PausedAt: st.PausedAt, PauseReason: st.PauseReason,
		Escalated: st.Escalated, StructureID: st.StructureID, TerritoryID: st.TerritoryID, Handoff: st.Handoff,
		Project: st.Project, Actions: st.Actions, PlanRevision: st.PlanRevision, SessionsCount: st.Sessions,
		Channel: st.Channel, Needs: st.Needs, Consent: ConsentView{DataSharing: st.ConsentDataSharing},
		CloseNote: st.CloseNote, Deadlines: st.Deadlines, DueAt: st.DueAt, CreatedBy: st.CreatedBy,
		CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt, ClosedAt: st.ClosedAt, LastActivityAt: st.LastActivityAt,
		Version: st.Version, Situation: situationView(st), Financing: financingSummaryView(st.Financing), FinancingAlert: st.FinancingAlert,
		FundingRequests: st.FundingRequests, ProjectionFailedAt: st.ProjectionFailedAt}
	if out.FundingRequests == nil {
		out.FundingRequests = []workflows.FundingRef{}
	}
	for i, f := range out.FundingRequests {
		if f.Deadlines == nil {
			out.FundingRequests[i].Deadlines = []workflows.FundingDeadline{}
		}
	}
	if st.ReferentAdviserID != "" {
		out.ReferentAdviserID = &st.ReferentAdviserID
	}
	if st.Outcome != "" {
		out.Outcome = &st.Outcome
	}
	if out.Actions == nil {
		out.Actions = []workflows.Action{}
	}
	if out.Deadlines == nil {
		out.Deadlines = []workflows.Deadline{}
	}
	if out.Needs == nil {
		out.Needs = []string{}
	}
	var b models.Beneficiary
	err := s.db(ctx).Where("case_id = ?", st.ID).Take(&b).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return out, err
	}
	if err == nil {
		out.Request = b.Request
		out.Beneficiary = &BeneficiaryView{FirstName: b.FirstName, LastName: b.LastName, BirthDate: b.BirthDate,
			Gender: b.Gender, Email: b.Email, Phone: b.Phone, PostalCode: b.PostalCode, Public: b.Public,
			DisabilityRecognized: &b.DisabilityRecognized}
	}
	return out, nil
}

func stateOf(row *models.Case) (workflows.Case, error) {
	var st workflows.Case
	err := json.Unmarshal([]byte(row.State), &st)
	return st, err
}

// rowView is a stored case as the caller may see it, placed by the projection's row.
func (s *Service) rowView(ctx context.Context, c Caller, row *models.Case) (CaseView, error) {
	st, err := stateOf(row)
	if err != nil {
		return CaseView{}, err
	}
	v, err := s.fullView(ctx, st)
	if err != nil {
		return CaseView{}, err
	}
	return s.cut(ctx, c, v, sightOfRow(c, row))
}

// RawJSON embeds stored JSON text as is.
type RawJSON string

// MarshalJSON implements json.Marshaler.
func (r RawJSON) MarshalJSON() ([]byte, error) {
	if r == "" {
		return []byte("null"), nil
	}
	return []byte(r), nil
}

// SituationView is the situation a case shows: the facts the workflow keeps in
// Situation and, beside them, the 2026 facts (one flat object, as PUT /situation takes it).
type SituationView struct {
	workflows.Situation
	financing.Facts
}

func situationView(st workflows.Case) *SituationView {
	if st.Situation == nil {
		return nil
	}
	v := &SituationView{Situation: *st.Situation}
	if st.Facts != nil {
		v.Facts = *st.Facts
	}
	return v
}

// FinancingSummaryView is what a case shows of its latest financing plan: the plan's
// own number is revision; the action plan revision it was computed from is
// action_plan_revision (one revision number per plan, issue 12).
type FinancingSummaryView struct {
	Revision           int       `json:"revision"`
	ActionPlanRevision int       `json:"action_plan_revision"`
	Shortfall          bool      `json:"shortfall"`
	LeftToPayEUR       float64   `json:"left_to_pay_eur"`
	ComputedAt         time.Time `json:"computed_at"`
}

func financingSummaryView(f *workflows.FinancingSummary) *FinancingSummaryView {
	if f == nil {
		return nil
	}
	return &FinancingSummaryView{Revision: f.Revision, ActionPlanRevision: f.PlanRevision, Shortfall: f.Shortfall,
		LeftToPayEUR: f.LeftToPayEUR, ComputedAt: f.ComputedAt}
}
