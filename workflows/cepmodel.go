package workflows

import (
	"slices"

	"go.temporal.io/sdk/workflow"
)

// CEP models (cahier des charges of the conseil en évolution professionnelle). A case
// follows the model of its territory, fixed when it opens.
const (
	// CEPModel2014 is the three-level model of the arrêté of 16 July 2014: accueil
	// individualisé, conseil personnalisé with a referent adviser, accompagnement à la
	// mise en œuvre.
	CEPModel2014 = "2014"
	// CEPModel2019 is the model of the arrêté of 29 March 2019 (in force since 1 January
	// 2020): two levels, « accueil individualisé et adapté » and « accompagnement
	// personnalisé », in no required order and without the referent obligation.
	CEPModel2019 = "2019"
)

// CEPModels are the models a territory may run.
var CEPModels = []string{CEPModel2014, CEPModel2019}

// Stages of the 2019 model (besides reception, handoff and closed, shared by both).
const (
	StageAccueil        = "accueil_individualise"
	StageAccompagnement = "accompagnement_personnalise"
)

// UpdateStartLevel enters a level of the 2019 model.
const UpdateStartLevel = "level.start"

// StartLevelInput enters a level of the 2019 model; an adviser may be named (no
// referent is required).
type StartLevelInput struct {
	Actor     Actor  `json:"actor"`
	Level     string `json:"level"`
	AdviserID string `json:"adviser_id,omitempty"`
}

// StageInfo is one stage of a model with its label (French, as advisers see it) and the
// stages a case may move to from it by the advisers' commands (hand-offs return to the
// stage they left; every open stage may close).
type StageInfo struct {
	Code  string   `json:"code"`
	Label string   `json:"label"`
	Level int      `json:"level"`
	Next  []string `json:"next"`
}

// ModelStages are each model's stages in order.
var ModelStages = map[string][]StageInfo{
	CEPModel2014: {
		{Code: StageReception, Label: "Accueil SPRO (niveau 1 : accueil individualisé)", Level: 1, Next: []string{StageHandoff, StageCounselling, StageImplementation, StageClosed}},
		{Code: StageHandoff, Label: "Orientation vers un partenaire", Next: []string{StageReception, StageCounselling, StageImplementation}},
		{Code: StageCounselling, Label: "Niveau 2 : conseil personnalisé", Level: 2, Next: []string{StageHandoff, StageImplementation, StageClosed}},
		{Code: StageImplementation, Label: "Niveau 3 : accompagnement à la mise en œuvre", Level: 3, Next: []string{StageHandoff, StageCounselling, StageClosed}},
		{Code: StageClosed, Label: "Clos", Next: []string{}},
	},
	CEPModel2019: {
		{Code: StageReception, Label: "Premier accueil SPRO", Next: []string{StageHandoff, StageAccueil, StageAccompagnement, StageClosed}},
		{Code: StageHandoff, Label: "Orientation vers un partenaire", Next: []string{StageReception, StageAccueil, StageAccompagnement}},
		{Code: StageAccueil, Label: "Niveau 1 : accueil individualisé et adapté", Level: 1, Next: []string{StageHandoff, StageAccompagnement, StageClosed}},
		{Code: StageAccompagnement, Label: "Niveau 2 : accompagnement personnalisé", Level: 2, Next: []string{StageHandoff, StageAccueil, StageClosed}},
		{Code: StageClosed, Label: "Clos", Next: []string{}},
	},
}

// ModelOf is a case's model: cases opened before models existed are 2014 cases.
func ModelOf(c *Case) string {
	if c.CEPModel == "" {
		return CEPModel2014
	}
	return c.CEPModel
}

// StageLabel is the label of a stage in a model ("" when the model has no such stage).
func StageLabel(model, stage string) string {
	if model == "" {
		model = CEPModel2014
	}
	for _, s := range ModelStages[model] {
		if s.Code == stage {
			return s.Label
		}
	}
	return ""
}

// levelStages are the stages of the 2019 levels.
var levelStages = []string{StageAccueil, StageAccompagnement}

// is2019 tells whether the case runs the 2019 model.
func (r *caseRun) is2019() bool { return ModelOf(r.c) == CEPModel2019 }

// modelOnly refuses a command of the other model.
func (r *caseRun) modelOnly(model, command, instead string) error {
	if ModelOf(r.c) != model {
		return refuse(r.c, RefusalConflict, "", "%s is not a step of the %s CEP model this case follows: %s", command, ModelOf(r.c), instead)
	}
	return nil
}

func (r *caseRun) checkStartLevel(in StartLevelInput) error {
	return first(
		func() error { return r.holder(in.Actor) },
		func() error {
			return r.modelOnly(CEPModel2019, "entering a 2019 level", "use counselling (level 2) and implementation (level 3)")
		},
		func() error {
			if !slices.Contains(levelStages, in.Level) {
				return refuse(r.c, RefusalInvalid, "level", "level must be one of %v", levelStages)
			}
			return nil
		},
		func() error { return r.active(StageReception, StageAccueil, StageAccompagnement) },
		func() error {
			if r.c.Stage == in.Level {
				return refuse(r.c, RefusalConflict, "level", "the case is already in %s", in.Level)
			}
			return nil
		},
		func() error { return r.cepOperator(in.Actor) },
	)
}

func (r *caseRun) applyStartLevel(ctx workflow.Context, in StartLevelInput) {
	from := r.c.Stage
	r.c.Stage = in.Level
	if in.AdviserID != "" {
		r.c.ReferentAdviserID = in.AdviserID
	}
	r.emit(ctx, in.Actor, "level_started", map[string]any{"level": in.Level, "from_stage": from, "adviser_id": in.AdviserID})
	r.enterLevel(ctx, from)
	r.touch(ctx, true)
}
