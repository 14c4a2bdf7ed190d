package workflows

import (
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
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
