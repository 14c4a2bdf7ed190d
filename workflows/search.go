package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Search attributes of case workflows: process facts only, never personal data. They let
// operators find cases in the Temporal tools and supervision list technical problems.
var (
	SearchStage       = temporal.NewSearchAttributeKeyKeyword("CepStage")
	SearchStructureID = temporal.NewSearchAttributeKeyKeyword("CepStructureId")
	SearchTerritoryID = temporal.NewSearchAttributeKeyKeyword("CepTerritoryId")
	SearchPaused      = temporal.NewSearchAttributeKeyBool("CepPaused")
	SearchEscalated   = temporal.NewSearchAttributeKeyBool("CepEscalated")
)

// SearchAttributes lists the custom search attributes to register in the namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{
		SearchStage.GetName():       enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchStructureID.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchTerritoryID.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD,
		SearchPaused.GetName():      enumspb.INDEXED_VALUE_TYPE_BOOL,
		SearchEscalated.GetName():   enumspb.INDEXED_VALUE_TYPE_BOOL,
	}
}

func searchAttributeUpdates(c *Case) []temporal.SearchAttributeUpdate {
	return []temporal.SearchAttributeUpdate{
		SearchStage.ValueSet(c.Stage),
		SearchStructureID.ValueSet(c.StructureID),
		SearchTerritoryID.ValueSet(c.TerritoryID),
		SearchPaused.ValueSet(c.Paused),
		SearchEscalated.ValueSet(c.Escalated),
	}
}

// OpeningSearchAttributes are the search attributes of a case as it opens, for the
// start of its workflow: the start's visibility record then holds them, and the
// workflow has no upsert to make (one visibility write less per case).
func OpeningSearchAttributes(o *OpenCase) temporal.SearchAttributes {
	return temporal.NewSearchAttributes(searchAttributeUpdates(&Case{Stage: StageReception,
		StructureID: o.Actor.StructureID, TerritoryID: o.TerritoryID})...)
}

// searchedAtStart takes as upserted what the run started with: the search attributes
// the API set at the case's start, or those continue-as-new carried over.
func (r *caseRun) searchedAtStart(ctx workflow.Context) {
	sa := workflow.GetTypedSearchAttributes(ctx)
	var f searchFacts
	var ok [5]bool
	f.stage, ok[0] = sa.GetKeyword(SearchStage)
	f.structureID, ok[1] = sa.GetKeyword(SearchStructureID)
	f.territoryID, ok[2] = sa.GetKeyword(SearchTerritoryID)
	f.paused, ok[3] = sa.GetBool(SearchPaused)
	f.escalated, ok[4] = sa.GetBool(SearchEscalated)
	if ok == [5]bool{true, true, true, true, true} {
		r.searched = &f
	}
}

// searchFacts are the values of the search attributes.
type searchFacts struct {
	stage, structureID, territoryID string
	paused, escalated               bool
}

// upsertSearchAttributes sets the search attributes after a projection. Projections of
// concurrent updates may finish in any order, so the values come from the case as it is
// now, not from the projected snapshot, and are only sent when they changed. Runs that
// upserted before this change replay one upsert per projection, of its snapshot.
func (r *caseRun) upsertSearchAttributes(ctx workflow.Context, snap *Case) {
	if !r.has(ctx, "ordered-search-attributes") {
		if err := workflow.UpsertTypedSearchAttributes(ctx, searchAttributeUpdates(snap)...); err != nil {
			workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		}
		return
	}
	c := r.c
	now := searchFacts{stage: c.Stage, structureID: c.StructureID, territoryID: c.TerritoryID, paused: c.Paused, escalated: c.Escalated}
	if r.searched != nil && *r.searched == now {
		return
	}
	if err := workflow.UpsertTypedSearchAttributes(ctx, searchAttributeUpdates(c)...); err != nil {
		workflow.GetLogger(ctx).Warn("search attributes not updated", "error", err)
		return
	}
	r.searched = &now
}
