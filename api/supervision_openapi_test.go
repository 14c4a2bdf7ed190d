package api

import (
	"reflect"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/supervision"
)

// TestSupervisionSchemasMatchTypes checks the supervision inputs and answers against
// the OpenAPI document, like the case schemas.
func TestSupervisionSchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	for name, typ := range map[string]reflect.Type{
		"RemindInput":   reflect.TypeFor[remindIn](),
		"ReassignInput": reflect.TypeFor[reassignIn](),
		"TakeBackInput": reflect.TypeFor[takeBackIn](),
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		compareInput(t, name, ref.Value, typ)
	}
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	target := "s2"
	named := stuckCaseJSON{CaseRef: supervision.Ref([]byte("k"), "x"), CaseID: "1b4e28ba-2fa1-41d2-883f-0016d3cca427", FirstName: "A", LastName: "B",
		TerritoryID: "t1", StructureID: "s1", HandoffTargetID: &target, Stage: "handoff", Since: now, AgeDays: 2.5, LastActivityAt: now,
		Reasons: []stuckReasonJSON{{Code: supervision.ReasonHandoffOverdue, Since: now}}}
	pseudo := stuckCaseJSON{CaseRef: named.CaseRef, TerritoryID: "t1", StructureID: "s1", Stage: "reception", Since: now,
		LastActivityAt: now, Reasons: []stuckReasonJSON{{Code: supervision.ReasonInactive, Since: now}}}
	compareOutput(t, doc, "StuckCaseList", map[string]any{"items": []stuckCaseJSON{named, pseudo}, "page": 1, "page_size": 50, "total": 2, "pseudonymised": false})

	decided := now.Add(5 * time.Hour)
	in := supervision.Input{From: now.Add(-time.Hour), To: now.Add(24 * time.Hour), Now: now.Add(24 * time.Hour),
		Opened: []supervision.OpenedRow{{CaseID: "c1", TerritoryID: "t1", StructureID: "s1", At: now, Public: "student", Gender: "female", AgeBand: "16_25", Channel: "phone"}},
		Events: []supervision.EventRow{{CaseID: "c1", TerritoryID: "t1", Seq: 1, Type: "case_opened", StructureID: "s1", At: now, Details: "{}"},
			{CaseID: "c1", TerritoryID: "t1", Seq: 2, Type: "closed", StructureID: "s1", At: decided, Details: `{"outcome":"job"}`}},
		Handoffs: []supervision.HandoffRow{{ID: "h", TerritoryID: "t1", FromStructureID: "s1", ToStructureID: "s2", Status: "declined", DeclineReason: "no_capacity", RequestedAt: now, DecidedAt: &decided}},
		Plans:    []supervision.PlanRow{{TerritoryID: "t1", StructureID: "s1", Shortfall: true, CreatedAt: now}}}
	compareOutput(t, doc, "Indicators", supervision.Compute(in))
	ind := supervision.Compute(in)
	ind.FollowUp = supervision.FollowUp{SurveysSent: 3, SurveysAnswered: 2, SatisfactionRate: 0.5, UsefulnessRate: 1,
		SituationAtSixMonths: map[string]supervision.Counts{"training": {"job": 1}},
		FirstAppointmentDays: supervision.DayDurations{Count: 2, MedianDays: 3, P90Days: 8},
		OutcomesByGender:     map[string]supervision.Counts{"female": {"job": 1}, "male": {"training": 2}}}
	compareOutput(t, doc, "Indicators", ind)
	compareOutput(t, doc, "AnnualReport", supervision.Report("t1", 2025, in))
	compareOutput(t, doc, "AuditTrail", map[string]any{"case_id": named.CaseID, "items": []auditItemJSON{
		{At: now, Action: "read", What: "cases", UserID: "u", UserName: "n", Role: "adviser", StructureID: "s1", RequestID: "r"},
		{At: now, Action: "change", What: "case_opened", UserID: "system", Role: "system"}}})
}
