package api

import (
	"encoding/json"
	"reflect"
	"testing"
	"time"

	"github.com/gin-gonic/gin"

	"github.com/spro-cep/cep/internal/directory"
	"github.com/spro-cep/cep/models"
)

// TestAdministrationSchemasMatchTypes checks the network administration's inputs and
// answers against the OpenAPI document, like the case schemas.
func TestAdministrationSchemasMatchTypes(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	for name, typ := range map[string]reflect.Type{
		"TerritoryInput":  reflect.TypeFor[territoryIn](),
		"TerritoryPatch":  reflect.TypeFor[territoryPatchIn](),
		"StructureInput":  reflect.TypeFor[structureIn](),
		"StructurePatch":  reflect.TypeFor[structurePatch](),
		"OfferItem":       reflect.TypeFor[offerItemJSON](),
		"ConventionInput": reflect.TypeFor[conventionIn](),
		"AmendmentInput":  reflect.TypeFor[amendmentIn](),
		"VoteInput":       reflect.TypeFor[voteIn](),
		"UserInput":       reflect.TypeFor[userIn](),
		"UserPatch":       reflect.TypeFor[userPatchIn](),
	} {
		ref := doc.Components.Schemas[name]
		if ref == nil || ref.Value == nil {
			t.Errorf("components.schemas.%s is missing", name)
			continue
		}
		compareInput(t, name, ref.Value, typ)
	}
	now := time.Date(2025, 3, 4, 10, 0, 0, 0, time.UTC)
	str := func(s string) *string { return &s }
	terr := models.Territory{ID: "dreux", Name: "Bassin de vie de Dreux", Region: "Centre-Val de Loire", Communes: 2,
		CommuneNames: []string{"Dreux", "Vernouillet"}, Population: 60000, CEPModel: "2019", CreatedAt: now, UpdatedAt: &now}
	amendment := directory.AmendmentView{ID: "a1", Number: 1, SignedOn: "2025-03-01", Summary: "s", StructureID: "ml-dreux",
		Change: models.ChangeJoin, EffectiveOn: "2025-03-04", CreatedBy: "admin", CreatedAt: now}
	vote := directory.Designation{ID: "v1", TerritoryID: "dreux", VotedOn: "2025-03-04", StartsOn: "2025-03-04", EndsOn: "2026-03-03",
		StructureIDs: []string{"a", "b"}, Partners: []string{"a", "b", "c"}, Present: []string{"a", "b"}, InFavour: []string{"a", "b"},
		Majority: 2, Result: models.VoteAdopted, RecordedBy: "admin", CreatedAt: now}
	audit := func(v any) directory.AuditEntry {
		raw, _ := json.Marshal(v)
		return directory.AuditEntry{ID: 1, At: now, UserID: "admin", UserRole: "admin", UserName: "Administration", RequestID: "r", TerritoryID: "dreux",
			Entity: "structure", EntityID: "ml-dreux", EntityName: "Mission locale de Dreux", Action: "update", Changes: raw}
	}
	for _, tc := range []struct {
		schema string
		value  any
	}{
		{"Territory", toTerritoryJSON(terr)},
		{"TerritoryList", gin.H{"items": []territoryJSON{toTerritoryJSON(terr)}}},
		{"Structure", toStructureJSON(models.Structure{ID: "ml-dreux", Name: "n", Network: "Mission locale", Contact: "02 37 00 00 00", Active: true,
			Offer: []models.OfferItem{{What: "Accueil", Publics: []string{"jobseeker"}, HowToReach: "h", OpeningHours: "o", Delays: "d"}}})},
		{"PendingHandoffList", gin.H{"structure_id": "s", "items": []directory.PendingHandoff{{HandoffID: "h", CaseID: "1b4e28ba-2fa1-41d2-883f-0016d3cca427",
			FromStructureID: "s1", RequestedAt: now, DueAt: now}}}},
		{"ConventionList", gin.H{"territory_id": "dreux", "items": []directory.ConventionView{{ID: "c", TerritoryID: "dreux", Title: "t",
			SignedOn: "2025-01-01", StartsOn: "2025-01-01", EndsOn: "2025-12-31", NoticeMonths: 2, CreatedAt: now, Partners: []string{"a"},
			Signatories: []directory.SignatoryView{{StructureID: "a", Role: "signatory", SinceDate: "2025-01-01"}},
			Amendments:  []directory.AmendmentView{amendment}}}}},
		{"Amendment", amendment},
		{"Designation", vote},
		{"Coordination", directory.Coordination{TerritoryID: "dreux", InForce: &vote, Votes: []directory.Designation{vote}}},
		{"Coordination", directory.Coordination{TerritoryID: "dreux", Votes: []directory.Designation{}}},
		{"User", toUserJSON(models.User{ID: "u", Email: "a@b.fr", Role: models.RoleAdviser, StructureID: str("s"), TerritoryID: str("t"), Active: true})},
		{"Notification", notificationJSON{ID: "structure-deactivated-x", Kind: directory.NotifyStructureDeactivated, RecipientTerritoryID: "dreux",
			RecipientRole: "coordinator", Payload: `{"structure_id":"x","pending_handoff_ids":[]}`, CreatedAt: now}},
		{"ImportReport", directory.ImportReport{DryRun: true, Lines: 3, Valid: 1, Errors: []directory.ImportError{{Line: 3, Field: "email", Message: "m"}}}},
		{"AdminAuditPage", directory.AuditPage{Page: 1, PageSize: 50, Total: 2, Items: []directory.AuditEntry{
			audit(map[string]any{"active": map[string]any{"from": true, "to": false}}), audit(terr)}}},
	} {
		compareOutput(t, doc, tc.schema, tc.value)
	}
}
