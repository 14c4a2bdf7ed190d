package api

import (
	"reflect"
	"testing"
)

// TestActionPatchSchemaMatchesInput compares the PATCH body of an action with the
// command the service decodes it to, as the other request schemas are compared.
func TestActionPatchSchemaMatchesInput(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	ref := doc.Components.Schemas["ActionPatch"]
	if ref == nil || ref.Value == nil {
		t.Fatal("components.schemas.ActionPatch is missing")
	}
	compareInput(t, "ActionPatch", ref.Value, reflect.TypeFor[actionPatchIn]())
	op := doc.Paths.Value("/api/v1/cases/{id}/actions/{aid}").Patch
	if op == nil || op.RequestBody == nil || op.RequestBody.Value.Content.Get("application/json").Schema.Ref != "#/components/schemas/ActionPatch" {
		t.Fatal("PATCH /cases/{id}/actions/{aid} must take an ActionPatch")
	}
}

// TestCaseListWithCountsMatchesSchema checks the list's answer with counters per stage.
func TestCaseListWithCountsMatchesSchema(t *testing.T) {
	doc := loadOpenAPIDocument(t)
	compareOutput(t, doc, "CaseList", map[string]any{"items": []caseSummaryJSON{}, "page": 1, "page_size": 50, "total": 3,
		"by_stage": map[string]int64{"reception": 2, "handoff": 1, "counselling": 0, "implementation": 0, "closed": 0}})
}
