package api

import (
	"context"
	"embed"
	"encoding/json"
	"errors"
	"html/template"
	"net/http"
	"strings"
	"time"

	"github.com/gin-gonic/gin"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/routing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

type beneficiaryJSON struct {
	FirstName            string `json:"first_name"`
	LastName             string `json:"last_name"`
	BirthDate            string `json:"birth_date"`
	Gender               string `json:"gender"`
	Email                string `json:"email,omitempty"`
	Phone                string `json:"phone,omitempty"`
	PostalCode           string `json:"postal_code"`
	Public               string `json:"public"`
	DisabilityRecognized bool   `json:"disability_recognized"`
}

type consentJSON struct {
	DataSharing bool `json:"data_sharing"`
}

// caseJSON is the case as the API shows it.
type caseJSON struct {
	ID                string               `json:"id"`
	Stage             string               `json:"stage"`
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
	Consent           consentJSON          `json:"consent"`
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
	Beneficiary       *beneficiaryJSON     `json:"beneficiary"`
	// Level-3 financing: the facts the rules read, the latest plan's figures, the alert
	// and the funding requests.
	Situation       *workflows.Situation        `json:"situation"`
	Financing       *workflows.FinancingSummary `json:"financing"`
	FinancingAlert  bool                        `json:"financing_alert"`
	FundingRequests []workflows.FundingRef      `json:"funding_requests"`
}

func (s *server) caseJSON(ctx context.Context, st workflows.Case) (caseJSON, error) {
	out := caseJSON{ID: st.ID, Stage: st.Stage, Paused: st.Paused, PausedAt: st.PausedAt, PauseReason: st.PauseReason,
		Escalated: st.Escalated, StructureID: st.StructureID, TerritoryID: st.TerritoryID, Handoff: st.Handoff,
		Project: st.Project, Actions: st.Actions, PlanRevision: st.PlanRevision, SessionsCount: st.Sessions,
		Channel: st.Channel, Needs: st.Needs, Consent: consentJSON{DataSharing: st.ConsentDataSharing},
		CloseNote: st.CloseNote, Deadlines: st.Deadlines, DueAt: st.DueAt, CreatedBy: st.CreatedBy,
		CreatedAt: st.CreatedAt, UpdatedAt: st.UpdatedAt, ClosedAt: st.ClosedAt, LastActivityAt: st.LastActivityAt,
		Version: st.Version, Situation: st.Situation, Financing: st.Financing, FinancingAlert: st.FinancingAlert,
		FundingRequests: st.FundingRequests}
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
	err := s.store.DB.WithContext(ctx).Where("case_id = ?", st.ID).Take(&b).Error
	if err != nil && !errors.Is(err, gorm.ErrRecordNotFound) {
		return out, err
	}
	if err == nil {
		out.Request = b.Request
		out.Beneficiary = &beneficiaryJSON{FirstName: b.FirstName, LastName: b.LastName, BirthDate: b.BirthDate,
			Gender: b.Gender, Email: b.Email, Phone: b.Phone, PostalCode: b.PostalCode, Public: b.Public,
			DisabilityRecognized: b.DisabilityRecognized}
	}
	return out, nil
}

func (s *server) respondState(c *gin.Context, status int, st workflows.Case) error {
	body, err := s.caseJSON(c.Request.Context(), st)
	if err != nil {
		return err
	}
	c.JSON(status, body)
	return nil
}

func stateOf(row *models.Case) (workflows.Case, error) {
	var st workflows.Case
	err := json.Unmarshal([]byte(row.State), &st)
	return st, err
}

func (s *server) respondCase(c *gin.Context, status int, row *models.Case) error {
	st, err := stateOf(row)
	if err != nil {
		return err
	}
	return s.respondState(c, status, st)
}

// recommendations ranks structures for the case with the territory's hand-off table.
func (s *server) recommendations(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	st, err := stateOf(row)
	if err != nil {
		return err
	}
	var b models.Beneficiary
	if err := s.store.DB.WithContext(ctx).Where("case_id = ?", row.ID).Take(&b).Error; err != nil {
		return err
	}
	facts := routing.Facts{Public: b.Public, Needs: st.Needs, Disability: b.DisabilityRecognized,
		PostalCode: b.PostalCode, HolderID: row.StructureID}
	if birth, err := parseDate(b.BirthDate); err == nil {
		facts.Age = ageOn(birth, time.Now().UTC())
	}
	var rules []models.RoutingRule
	if err := s.store.DB.WithContext(ctx).Where("territory_id = ?", row.TerritoryID).Order("priority, id").Find(&rules).Error; err != nil {
		return err
	}
	var structures []models.Structure
	if err := s.store.DB.WithContext(ctx).Where("territory_id = ?", row.TerritoryID).Order("id").Find(&structures).Error; err != nil {
		return err
	}
	recs, unserved := routing.Rank(facts, rules, structures)
	if unserved == nil {
		unserved = []routing.Unserved{}
	}
	c.JSON(http.StatusOK, gin.H{"case_id": row.ID, "items": recs, "unserved": unserved})
	return nil
}

//go:embed templates/*.html
var templateFS embed.FS

var templates = template.Must(template.New("").Funcs(template.FuncMap{
	// frDate writes a YYYY-MM-DD date the French way.
	"frDate": func(d string) string {
		t, err := parseDate(d)
		if err != nil {
			return d
		}
		return t.Format("02/01/2006")
	},
}).ParseFS(templateFS, "templates/*.html"))

type synthesisJSON struct {
	CaseID          string                 `json:"case_id"`
	GeneratedAt     time.Time              `json:"generated_at"`
	Stage           string                 `json:"stage"`
	StructureID     string                 `json:"structure_id"`
	StructureName   string                 `json:"structure_name"`
	ReferentAdviser *string                `json:"referent_adviser_id"`
	Beneficiary     *beneficiaryJSON       `json:"beneficiary"`
	Request         string                 `json:"request"`
	Needs           []string               `json:"needs"`
	Competences     []workflows.Competence `json:"competences"`
	Project         *workflows.Project     `json:"project"`
	ActionPlan      []workflows.Action     `json:"action_plan"`
	PlanRevision    int                    `json:"plan_revision"`
	TotalCostEUR    float64                `json:"total_cost_eur"`
	Financing       *financingSynthesis    `json:"financing"`
	Sessions        []workflows.Session    `json:"sessions"`
	Outcome         *string                `json:"outcome"`
}

// synthesis is the document that closes levels 2 and 3, as JSON or a printable page.
func (s *server) synthesis(c *gin.Context) error {
	row, err := s.visibleCase(c)
	if err != nil {
		return err
	}
	ctx := c.Request.Context()
	st, err := stateOf(row)
	if err != nil {
		return err
	}
	cj, err := s.caseJSON(ctx, st)
	if err != nil {
		return err
	}
	structure, err := s.structure(ctx, row.StructureID)
	if err != nil {
		return err
	}
	var sess []models.CaseSession
	if err := s.store.DB.WithContext(ctx).Where("case_id = ?", row.ID).Order("date, created_at").Find(&sess).Error; err != nil {
		return err
	}
	out := synthesisJSON{CaseID: row.ID, GeneratedAt: time.Now().UTC(), Stage: st.Stage, StructureID: structure.ID,
		StructureName: structure.Name, ReferentAdviser: cj.ReferentAdviserID, Beneficiary: cj.Beneficiary, Request: cj.Request,
		Needs: cj.Needs, Project: st.Project, ActionPlan: cj.Actions, PlanRevision: st.PlanRevision, Outcome: cj.Outcome,
		Competences: []workflows.Competence{}, Sessions: []workflows.Session{}}
	if st.Project != nil {
		out.Competences = st.Project.Competences
	}
	for _, a := range st.Actions {
		out.TotalCostEUR += a.CostEUR
	}
	if st.Financing != nil {
		if out.Financing, err = s.financingSynthesis(ctx, row.ID, st.Actions); err != nil {
			return err
		}
	}
	for _, x := range sess {
		out.Sessions = append(out.Sessions, workflows.Session{ID: x.ID, Date: x.Date, DurationMinutes: x.DurationMinutes,
			Mode: x.Mode, Summary: x.Summary, AdviserID: x.AdviserID, Stage: x.Stage})
	}
	if wantsHTML(c) {
		c.Header("Content-Type", "text/html; charset=utf-8")
		c.Status(http.StatusOK)
		return templates.ExecuteTemplate(c.Writer, "synthesis.html", out)
	}
	c.JSON(http.StatusOK, out)
	return nil
}

func wantsHTML(c *gin.Context) bool {
	if f := c.Query("format"); f != "" {
		return f == "html"
	}
	accept := c.GetHeader("Accept")
	return strings.Contains(accept, "text/html") && !strings.HasPrefix(accept, "application/json")
}

type financingLine struct {
	ActionID    string  `json:"action_id"`
	ActionTitle string  `json:"action_title"`
	Funder      string  `json:"funder"`
	Status      string  `json:"status"`
	AmountEUR   float64 `json:"amount_eur"`
}

type financingSynthesis struct {
	Revision          int             `json:"revision"`
	Shortfall         bool            `json:"shortfall"`
	TotalFundedEUR    float64         `json:"total_funded_eur"`
	TotalLeftToPayEUR float64         `json:"total_left_to_pay_eur"`
	Lines             []financingLine `json:"lines"`
}

// financingSynthesis summarises the latest plan for the synthesis document: who pays
// what, and what is left to the person.
func (s *server) financingSynthesis(ctx context.Context, caseID string, actions []workflows.Action) (*financingSynthesis, error) {
	titles := map[string]string{}
	for _, a := range actions {
		titles[a.ID] = a.Title
	}
	fp, err := s.latestPlan(ctx, caseID, 0)
	if err != nil {
		var p *Problem
		if errors.As(err, &p) && p.Status == http.StatusNotFound {
			return nil, nil
		}
		return nil, err
	}
	var plan financing.Plan
	if err := json.Unmarshal([]byte(fp.Plan), &plan); err != nil {
		return nil, err
	}
	out := &financingSynthesis{Revision: fp.Revision, Shortfall: fp.Shortfall, TotalFundedEUR: plan.TotalFundedEUR,
		TotalLeftToPayEUR: plan.TotalLeftToPayEUR, Lines: []financingLine{}}
	for _, ap := range plan.Actions {
		for _, f := range ap.Funders {
			if f.AmountEUR > 0 {
				out.Lines = append(out.Lines, financingLine{ActionID: ap.ActionID, ActionTitle: titles[ap.ActionID], Funder: f.Funder, Status: f.Status, AmountEUR: f.AmountEUR})
			}
		}
	}
	return out, nil
}
