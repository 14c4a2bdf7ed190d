package cases

import (
	"context"
	"slices"
	"sort"
	"time"

	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/routing"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Get is a case's file.
func (s *Service) Get(ctx context.Context, c Caller, caseID string) (CaseView, error) {
	row, err := s.read(ctx, c, caseID, "cases")
	if err != nil {
		return CaseView{}, err
	}
	return s.rowView(ctx, c, row)
}

// Event is one line of a case's timeline.
type Event struct {
	Seq         int64     `json:"seq"`
	Type        string    `json:"type"`
	At          time.Time `json:"at"`
	ActorID     string    `json:"actor_id"`
	ActorRole   string    `json:"actor_role"`
	StructureID string    `json:"structure_id"`
	RequestID   string    `json:"request_id,omitempty"`
	Details     RawJSON   `json:"details"`
}

func (s *Service) events(ctx context.Context, caseID string) ([]Event, error) {
	var evs []models.CaseEvent
	if err := s.db(ctx).Where("case_id = ?", caseID).Order("seq").Find(&evs).Error; err != nil {
		return nil, err
	}
	out := make([]Event, len(evs))
	for i, e := range evs {
		out[i] = Event{Seq: e.Seq, Type: e.Type, At: e.At, ActorID: e.ActorID, ActorRole: e.ActorRole,
			StructureID: e.StructureID, RequestID: e.RequestID, Details: RawJSON(e.Details)}
	}
	return out, nil
}

// Events is a case's timeline, oldest first.
func (s *Service) Events(ctx context.Context, c Caller, caseID string) ([]Event, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.events")
	if err != nil {
		return nil, err
	}
	return s.events(ctx, row.ID)
}

func handoffOf(h models.Handoff) workflows.Handoff {
	return workflows.Handoff{ID: h.ID, FromStructureID: h.FromStructureID, ToStructureID: h.ToStructureID,
		Status: h.Status, Reason: h.Reason, Note: h.Note, FromStage: h.FromStage, RequestedBy: h.RequestedBy,
		RequestedAt: h.RequestedAt, RemindAt: h.RemindAt, DueAt: h.DueAt, Reminders: h.Reminders, DecidedBy: h.DecidedBy,
		DecidedAt: h.DecidedAt, DeclineReason: h.DeclineReason, DecisionNote: h.DecisionNote}
}

func (s *Service) handoffs(ctx context.Context, caseID string) ([]workflows.Handoff, error) {
	var hs []models.Handoff
	if err := s.db(ctx).Where("case_id = ?", caseID).Order("requested_at, id").Find(&hs).Error; err != nil {
		return nil, err
	}
	out := make([]workflows.Handoff, len(hs))
	for i, h := range hs {
		out[i] = handoffOf(h)
	}
	return out, nil
}

// Handoffs are every hand-off of a case, oldest first.
func (s *Service) Handoffs(ctx context.Context, c Caller, caseID string) ([]workflows.Handoff, error) {
	row, err := s.read(ctx, c, caseID, "cases.handoffs")
	if err != nil {
		return nil, err
	}
	return s.handoffsFor(ctx, c, row)
}

// handoffsFor are the case's hand-offs as the caller may see them: a pending
// hand-off's target sees those addressed to its own structure, not what other
// structures answered.
func (s *Service) handoffsFor(ctx context.Context, c Caller, row *models.Case) ([]workflows.Handoff, error) {
	hs, err := s.handoffs(ctx, row.ID)
	if err != nil || sightOfRow(c, row).seesFile() {
		return hs, err
	}
	out := []workflows.Handoff{}
	for _, h := range hs {
		if h.ToStructureID == c.StructureID {
			out = append(out, h)
		}
	}
	return out, nil
}

func (s *Service) sessions(ctx context.Context, caseID string) ([]workflows.Session, error) {
	var ss []models.CaseSession
	if err := s.db(ctx).Where("case_id = ?", caseID).Order("date, created_at, id").Find(&ss).Error; err != nil {
		return nil, err
	}
	out := make([]workflows.Session, len(ss))
	for i, x := range ss {
		out[i] = workflows.Session{ID: x.ID, Date: x.Date, DurationMinutes: x.DurationMinutes, Mode: x.Mode,
			Summary: x.Summary, AdviserID: x.AdviserID, Stage: x.Stage}
	}
	return out, nil
}

// Sessions are a case's sessions, by date.
func (s *Service) Sessions(ctx context.Context, c Caller, caseID string) ([]workflows.Session, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.sessions")
	if err != nil {
		return nil, err
	}
	return s.sessions(ctx, row.ID)
}

// PlanRevisionView is one revision of the action plan.
type PlanRevisionView struct {
	Revision  int       `json:"revision"`
	Actions   RawJSON   `json:"actions"`
	ActorID   string    `json:"actor_id"`
	CreatedAt time.Time `json:"created_at"`
}

func (s *Service) planRevisions(ctx context.Context, caseID string) ([]PlanRevisionView, error) {
	var revs []models.PlanRevision
	if err := s.db(ctx).Where("case_id = ?", caseID).Order("revision").Find(&revs).Error; err != nil {
		return nil, err
	}
	out := make([]PlanRevisionView, len(revs))
	for i, r := range revs {
		out[i] = PlanRevisionView{Revision: r.Revision, Actions: RawJSON(r.Actions), ActorID: r.ActorID, CreatedAt: r.CreatedAt}
	}
	return out, nil
}

// PlanRevisions are every revision of the case's action plan, oldest first.
func (s *Service) PlanRevisions(ctx context.Context, c Caller, caseID string) ([]PlanRevisionView, error) {
	row, _, err := s.fileRead(ctx, c, caseID, "cases.plan-revisions")
	if err != nil {
		return nil, err
	}
	return s.planRevisions(ctx, row.ID)
}

// Recommendations are the structures of the case's territory ranked by its hand-off
// table, and the rules no structure serves.
type Recommendations struct {
	Items    []routing.Recommendation
	Unserved []routing.Unserved
}

// recommendations ranks the structures for the case. Only the holder's users know the
// disability recognition: for anyone else the rules on it are left out, so that the
// ranking does not disclose it.
func (s *Service) recommendations(ctx context.Context, row *models.Case, sight Sight) (Recommendations, error) {
	st, err := stateOf(row)
	if err != nil {
		return Recommendations{}, err
	}
	var b models.Beneficiary
	if err := s.db(ctx).Where("case_id = ?", row.ID).Take(&b).Error; err != nil {
		return Recommendations{}, err
	}
	facts := routing.Facts{Public: b.Public, Needs: st.Needs, Disability: b.DisabilityRecognized,
		PostalCode: b.PostalCode, HolderID: row.StructureID}
	if birth, err := ParseDate(b.BirthDate); err == nil {
		facts.Age = ageOn(birth, time.Now().UTC())
	}
	var rules []models.RoutingRule
	if err := s.db(ctx).Where("territory_id = ?", row.TerritoryID).Order("priority, id").Find(&rules).Error; err != nil {
		return Recommendations{}, err
	}
	if sight != SightHolder {
		facts.Disability = false
		rules = slices.DeleteFunc(rules, func(r models.RoutingRule) bool { return r.Disability != nil })
	}
	structures, err := convention.Offered(ctx, s.store.DB, row.TerritoryID, convention.Day(time.Now()))
	if err != nil {
		return Recommendations{}, err
	}
	recs, unserved := routing.Rank(facts, rules, structures)
	if unserved == nil {
		unserved = []routing.Unserved{}
	}
	return Recommendations{Items: recs, Unserved: unserved}, nil
}

// Recommend ranks structures for the case with the territory's hand-off table.
func (s *Service) Recommend(ctx context.Context, c Caller, caseID string) (Recommendations, error) {
	row, sight, err := s.fileRead(ctx, c, caseID, "cases.recommendations")
	if err != nil {
		return Recommendations{}, err
	}
	return s.recommendations(ctx, row, sight)
}

// AuditItem is a read of a person's file or a change of their case.
type AuditItem struct {
	At          time.Time `json:"at"`
	Action      string    `json:"action"`
	What        string    `json:"what"`
	UserID      string    `json:"user_id"`
	UserName    string    `json:"user_name,omitempty"`
	Role        string    `json:"role"`
	StructureID string    `json:"structure_id"`
	RequestID   string    `json:"request_id,omitempty"`
	// ClientRequestID is the ID the client gave its request, as it gave it.
	ClientRequestID string `json:"client_request_id,omitempty"`
}

// Audit answers "who saw this person's file, and who changed it?": the reads of the
// audit log and the changes of the timeline, oldest first. Admins and the coordination
// of the case's territory may ask.
func (s *Service) Audit(ctx context.Context, c Caller, caseID string) ([]AuditItem, error) {
	if err := requireRole(c, models.RoleCoordinator, models.RoleAdmin); err != nil {
		return nil, err
	}
	row, err := s.caseRow(ctx, caseID)
	if err != nil {
		return nil, err
	}
	if c.Role != models.RoleAdmin && !coordinates(c, row.TerritoryID) {
		return nil, NotFound("no case " + caseID)
	}
	return s.auditItems(ctx, row)
}

// auditItems are the reads and changes of a case, oldest first, with the users' names.
func (s *Service) auditItems(ctx context.Context, row *models.Case) ([]AuditItem, error) {
	var reads []models.AuditEntry
	if err := s.db(ctx).Where("case_id = ?", row.ID).Order("at, id").Find(&reads).Error; err != nil {
		return nil, err
	}
	var changes []models.CaseEvent
	if err := s.db(ctx).Where("case_id = ?", row.ID).Order("seq").Find(&changes).Error; err != nil {
		return nil, err
	}
	items := make([]AuditItem, 0, len(reads)+len(changes))
	userIDs := map[string]bool{}
	for _, r := range reads {
		items = append(items, AuditItem{At: r.At, Action: r.Action, What: r.What, UserID: r.UserID, Role: r.UserRole,
			StructureID: r.StructureID, RequestID: r.RequestID, ClientRequestID: r.ClientRequestID})
		userIDs[r.UserID] = true
	}
	for _, e := range changes {
		items = append(items, AuditItem{At: e.At, Action: "change", What: e.Type, UserID: e.ActorID, Role: e.ActorRole,
			StructureID: e.StructureID, RequestID: e.RequestID})
		userIDs[e.ActorID] = true
	}
	ids := make([]string, 0, len(userIDs))
	for id := range userIDs {
		ids = append(ids, id)
	}
	var users []models.User
	if err := s.db(ctx).Select("id, display_name").Where("id IN ?", ids).Find(&users).Error; err != nil {
		return nil, err
	}
	names := map[string]string{}
	for _, x := range users {
		names[x.ID] = x.DisplayName
	}
	for i := range items {
		items[i].UserName = names[items[i].UserID]
	}
	sort.SliceStable(items, func(i, j int) bool { return items[i].At.Before(items[j].At) })
	return items, nil
}
