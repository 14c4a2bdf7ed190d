package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/workflows"
)

// TestRightsSchemasMatchTypes checks the person's rights and the retention summary
// against the OpenAPI document, like the other schemas.
func TestRightsSchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	for name, typ := range map[string]reflect.Type{
		"RectifyInput": reflect.TypeFor[rectifyIn](),
		"ConsentInput": reflect.TypeFor[consentIn](),
		"EraseInput":   reflect.TypeFor[eraseIn](),
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		compareInput(t, name, ref.Value, typ)
	}
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	id := "1b4e28ba-2fa1-41d2-883f-0016d3cca427"
	granted := 800.0
	outcome := workflows.OutcomeErased
	export := exportJSON{GeneratedAt: now,
		Case: caseJSON{ID: id, Access: cases.SightHolder, CEPModel: "2014", StageLabel: "Clôturé", Stage: "closed", Channel: "phone", StructureID: "s1", TerritoryID: "t1", CreatedBy: "u", Actions: []workflows.Action{}, Needs: []string{}, Deadlines: []workflows.Deadline{},
			FundingRequests: []workflows.FundingRef{}, CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Outcome: &outcome,
			Beneficiary: &beneficiaryJSON{FirstName: "A", LastName: "B", BirthDate: "1990-01-01", Gender: "female", PostalCode: "28000", Public: "jobseeker"}},
		Consents:        []consentEntry{{At: now, DataSharing: true, Source: "reception", ActorID: "u", ActorRole: "adviser", StructureID: "s1"}},
		Events:          []eventJSON{{Seq: 1, Type: "case_opened", At: now, ActorID: "u", ActorRole: "adviser", StructureID: "s1", Details: `{"channel":"phone"}`}},
		Handoffs:        []workflows.Handoff{{ID: "h", FromStructureID: "s1", ToStructureID: "s2", Status: "pending", Reason: "r", FromStage: "reception", RequestedBy: "u", RequestedAt: now, DueAt: now}},
		Sessions:        []workflows.Session{{ID: "x", Date: "2025-03-04", DurationMinutes: 30, Mode: "phone", Summary: "s", AdviserID: "u", Stage: "counselling"}},
		PlanRevisions:   []cases.PlanRevisionView{{Revision: 1, Actions: `[]`, ActorID: "u", CreatedAt: now}},
		FinancingPlans:  []cases.FinancingPlanRecord{{Revision: 1, PlanRevision: 1, LeftToPayEUR: 10, Plan: `{}`, ActorID: "u", CreatedAt: now}},
		FundingRequests: []cases.FundingRequestRecord{{ID: "f", Funder: "cpf", ActionIDs: []string{"a"}, AmountRequestedEUR: 1000, AmountGrantedEUR: &granted, Status: "granted", Deadlines: `[]`, CreatedAt: now, UpdatedAt: now}},
		Notifications:   []cases.NotificationRecord{{ID: "n", Kind: "handoff_requested", RecipientStructureID: "s2", Payload: `{"case_id":"x"}`, CreatedAt: now}},
		Audit:           []auditItemJSON{{At: now, Action: "erase", What: "request", UserID: "u", Role: "coordinator", StructureID: "s1"}},
		StructureNames:  map[string]string{"s1": "Structure"}}
	compareOutput(t, doc, "CaseExport", export)
	compareOutput(t, doc, "ConsentLedger", map[string]any{"case_id": id, "items": export.Consents})
	compareOutput(t, doc, "Erasure", erasureJSON{CaseID: id, ErasedAt: now, Reason: "request of 2025-03-01"})
	compareOutput(t, doc, "RetentionSummary", retentionJSON{NextRunAt: &now, ErasedByRetention: 2, ErasedOnRequest: 1, RetentionDue: 3,
		Runs: []retentionRun{{RunID: "r", WorkflowID: "cep-retention-2025", StartedAt: now, FinishedAt: &now, Erased: 2, Listed: 1, AuditPurged: 4, AuditBefore: &now}}})
}
