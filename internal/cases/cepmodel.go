package cases

import (
	"context"
	"errors"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// StartLevel enters a level of the 2019 CEP model (arrêté of 29 March 2019): either
// level, in any order, by a CEP operator; naming an adviser is optional (no referent
// obligation), and one named must be an active user of the holding structure.
type StartLevel struct {
	Level     string `json:"level" validate:"required,oneof=accueil_individualise accompagnement_personnalise"`
	AdviserID string `json:"adviser_id,omitempty" validate:"max=100"`
}

// StartLevel enters a level of the 2019 model; a 2014 case is refused (409).
func (s *Service) StartLevel(ctx context.Context, c Caller, caseID string, cmd StartLevel, key string) (CaseView, error) {
	return s.change(ctx, c, caseID, key, workflows.UpdateStartLevel, "cases.levels", &cmd, validated(&cmd, func(row *models.Case, a workflows.Actor) (any, error) {
		if cmd.AdviserID != "" {
			var adviser models.User
			err := s.db(ctx).Where("id = ? AND active", cmd.AdviserID).Take(&adviser).Error
			if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && deref(adviser.StructureID) != row.StructureID) {
				return nil, Invalid("the adviser must be an adviser of the holding structure",
					FieldError{Field: "adviser_id", Message: "no active user of structure " + row.StructureID + " has this ID"})
			}
			if err != nil {
				return nil, err
			}
		}
		return workflows.StartLevelInput{Actor: a, Level: cmd.Level, AdviserID: cmd.AdviserID}, nil
	}))
}

// territoryModel is the CEP model a territory runs (2014 when unknown).
func (s *Service) territoryModel(ctx context.Context, territoryID string) (string, error) {
	var t models.Territory
	err := s.db(ctx).Select("id", "cep_model").Where("id = ?", territoryID).Take(&t).Error
	if errors.Is(err, gorm.ErrRecordNotFound) || (err == nil && t.CEPModel == "") {
		return workflows.CEPModel2014, nil
	}
	return t.CEPModel, err
}

// CEPModelInfo is a CEP model as the faces show it: its legal source, its stages with
// their labels and the stages each one leads to.
type CEPModelInfo struct {
	Model  string                `json:"model"`
	Title  string                `json:"title"`
	Source string                `json:"source"`
	Stages []workflows.StageInfo `json:"stages"`
}

// CEPModelInfos describe both models.
func CEPModelInfos() []CEPModelInfo {
	return []CEPModelInfo{
		{Model: workflows.CEPModel2014, Title: "CEP en trois niveaux (accueil individualisé, conseil personnalisé, accompagnement à la mise en œuvre), avec un conseiller référent",
			Source: "arrêté du 16 juillet 2014 fixant le cahier des charges du conseil en évolution professionnelle", Stages: workflows.ModelStages[workflows.CEPModel2014]},
		{Model: workflows.CEPModel2019, Title: "CEP en deux niveaux (accueil individualisé et adapté ; accompagnement personnalisé), sans ordre imposé ni obligation de référent",
			Source: "arrêté du 29 mars 2019 fixant le cahier des charges du conseil en évolution professionnelle (en vigueur le 1er janvier 2020)", Stages: workflows.ModelStages[workflows.CEPModel2019]},
	}
}
