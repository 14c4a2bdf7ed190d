package cases

import (
	"context"
	"time"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// FinancingPlanRecord is one kept revision of the financing plan, as stored.
type FinancingPlanRecord struct {
	Revision     int       `json:"revision"`
	PlanRevision int       `json:"plan_revision"`
	Shortfall    bool      `json:"shortfall"`
	LeftToPayEUR float64   `json:"left_to_pay_eur"`
	Plan         RawJSON   `json:"plan"`
	ActorID      string    `json:"actor_id"`
	CreatedAt    time.Time `json:"created_at"`
}

// FundingRequestRecord is a funding request as stored.
type FundingRequestRecord struct {
	ID                 string    `json:"id"`
	Funder             string    `json:"funder"`
	ActionIDs          []string  `json:"action_ids"`
	AmountRequestedEUR float64   `json:"amount_requested_eur"`
	AmountGrantedEUR   *float64  `json:"amount_granted_eur"`
	Status             string    `json:"status"`
	Deadlines          RawJSON   `json:"deadlines"`
	DecisionReason     string    `json:"decision_reason,omitempty"`
	CreatedAt          time.Time `json:"created_at"`
	UpdatedAt          time.Time `json:"updated_at"`
}

// NotificationRecord is a notification about the case.
type NotificationRecord struct {
	ID                   string     `json:"id"`
	Kind                 string     `json:"kind"`
	RecipientStructureID string     `json:"recipient_structure_id,omitempty"`
	RecipientTerritoryID string     `json:"recipient_territory_id,omitempty"`
	RecipientRole        string     `json:"recipient_role,omitempty"`
	Payload              RawJSON    `json:"payload"`
	CreatedAt            time.Time  `json:"created_at"`
	DeliveredAt          *time.Time `json:"delivered_at"`
	Channel              string     `json:"channel,omitempty"`
}

// Export is everything cep holds about the person of a case, in one document: the
// right of access (GDPR art. 15). The case view carries the identity, the reception
// (channel, request, needs, consent), the project, the action plan, the situation and
// the latest financing figures.
type Export struct {
	GeneratedAt     time.Time              `json:"generated_at"`
	Case            CaseView               `json:"case"`
	Consents        []ConsentEntry         `json:"consents"`
	Events          []Event                `json:"events"`
	Handoffs        []workflows.Handoff    `json:"handoffs"`
	Sessions        []workflows.Session    `json:"sessions"`
	PlanRevisions   []PlanRevisionView     `json:"plan_revisions"`
	FinancingPlans  []FinancingPlanRecord  `json:"financing_plans"`
	FundingRequests []FundingRequestRecord `json:"funding_requests"`
	Notifications   []NotificationRecord   `json:"notifications"`
	// Audit is who read the file and who changed the case, this export included.
	Audit []AuditItem `json:"audit"`
	// StructureNames names the structures the document mentions, for display.
	StructureNames map[string]string `json:"structure_names"`
}

// Export is the person's copy of their data (GDPR art. 15), for the holding structure
// and the territory's coordination; the export is audited like any read of the file.
func (s *Service) Export(ctx context.Context, c Caller, caseID string) (Export, error) {
	row, err := s.visible(ctx, c, caseID)
	if err != nil {
		return Export{}, err
	}
	if err := mayActForPerson(c, row); err != nil {
		return Export{}, err
	}
	if err := s.auditRead(ctx, c, "cases.export", row.ID); err != nil {
		return Export{}, err
	}
	out := Export{GeneratedAt: time.Now().UTC(), FinancingPlans: []FinancingPlanRecord{},
		FundingRequests: []FundingRequestRecord{}, Notifications: []NotificationRecord{}}
	if out.Case, err = s.rowView(ctx, c, row); err != nil {
		return out, err
	}
	if out.Consents, err = s.consents(ctx, row.ID); err != nil {
		return out, err
	}
	if out.Events, err = s.events(ctx, row.ID); err != nil {
		return out, err
	}
	if out.Handoffs, err = s.handoffs(ctx, row.ID); err != nil {
		return out, err
	}
	if out.Sessions, err = s.sessions(ctx, row.ID); err != nil {
		return out, err
	}
	if out.PlanRevisions, err = s.planRevisions(ctx, row.ID); err != nil {
		return out, err
	}
	var plans []models.FinancingPlan
	if err := s.db(ctx).Where("case_id = ?", row.ID).Order("revision").Find(&plans).Error; err != nil {
		return out, err
	}
	for _, p := range plans {
		out.FinancingPlans = append(out.FinancingPlans, FinancingPlanRecord{Revision: p.Revision, PlanRevision: p.PlanRevision,
			Shortfall: p.Shortfall, LeftToPayEUR: p.LeftToPay, Plan: RawJSON(p.Plan), ActorID: p.ActorID, CreatedAt: p.CreatedAt})
	}
	var frs []models.FundingRequest
	if err := s.db(ctx).Where("case_id = ?", row.ID).Order("created_at, id").Find(&frs).Error; err != nil {
		return out, err
	}
	for _, f := range frs {
		ids := f.ActionIDs
		if ids == nil {
			ids = []string{}
		}
		out.FundingRequests = append(out.FundingRequests, FundingRequestRecord{ID: f.ID, Funder: f.Funder, ActionIDs: ids,
			AmountRequestedEUR: f.AmountRequested, AmountGrantedEUR: f.AmountGranted, Status: f.Status, Deadlines: RawJSON(f.Deadlines),
			DecisionReason: f.DecisionReason, CreatedAt: f.CreatedAt, UpdatedAt: f.UpdatedAt})
	}
	var ns []models.Notification
	if err := s.db(ctx).Where("case_id = ?", row.ID).Order("created_at, id").Find(&ns).Error; err != nil {
		return out, err
	}
	for _, n := range ns {
		out.Notifications = append(out.Notifications, NotificationRecord{ID: n.ID, Kind: n.Kind, RecipientStructureID: n.RecipientStructureID,
			RecipientTerritoryID: n.RecipientTerritoryID, RecipientRole: n.RecipientRole, Payload: RawJSON(n.Payload),
			CreatedAt: n.CreatedAt, DeliveredAt: n.DeliveredAt, Channel: n.Channel})
	}
	if out.Audit, err = s.auditItems(ctx, row); err != nil {
		return out, err
	}
	ids := map[string]bool{row.StructureID: true}
	for _, e := range out.Events {
		ids[e.StructureID] = true
	}
	for _, h := range out.Handoffs {
		ids[h.FromStructureID], ids[h.ToStructureID] = true, true
	}
	var sts []models.Structure
	if err := s.db(ctx).Select("id, name").Where("id IN ?", keys(ids)).Find(&sts).Error; err != nil {
		return out, err
	}
	out.StructureNames = map[string]string{}
	for _, st := range sts {
		out.StructureNames[st.ID] = st.Name
	}
	return out, nil
}
