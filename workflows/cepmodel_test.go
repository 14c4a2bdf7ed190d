package workflows

import "testing"

func open2019() CaseInput {
	in := openInput()
	in.Open.CEPModel = CEPModel2019
	return in
}

// The 2019 model (arrêté du 29 mars 2019): two levels in either order, no referent,
// the action plan in accompagnement personnalisé; the 2014 commands are refused, and a
// 2014 case refuses the 2019 one.
func TestCEPModel2019Levels(t *testing.T) {
	ct := newCaseTest(t)
	s := &script{ct: ct}
	counselling := s.send(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
	unknown := s.send(UpdateStartLevel, StartLevelInput{Actor: pe, Level: StageCounselling})
	notOperator := s.send(UpdateStartLevel, StartLevelInput{Actor: ml, Level: StageAccueil})
	// Straight to level 2, no referent named.
	s.must(UpdateStartLevel, StartLevelInput{Actor: pe, Level: StageAccompagnement})
	again := s.send(UpdateStartLevel, StartLevelInput{Actor: pe, Level: StageAccompagnement})
	s.must(UpdateAddSession, AddSessionInput{Actor: pe, Session: Session{Date: "2025-03-03", DurationMinutes: 60, Mode: "on_site", Summary: "s"}})
	s.must(UpdateAddAction, ActionInput{Actor: pe, Action: Action{Type: "training", Title: "CAP", StartDate: "2025-09-01", CostEUR: 1000}})
	implementation := s.send(UpdateStartImplementation, ReasonInput{Actor: pe})
	// Then back to level 1: no required order.
	s.must(UpdateStartLevel, StartLevelInput{Actor: pe, Level: StageAccueil, AdviserID: "u-pe2"})
	addAction := s.send(UpdateAddAction, ActionInput{Actor: pe, Action: Action{Type: "vae", Title: "VAE", StartDate: "2025-09-01"}})
	s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "training"})
	ct.runToCompletion(open2019())
	s.checkOK(t)
	wantRefused(t, counselling, RefusalConflict, StageReception, false, "")
	wantRefused(t, unknown, RefusalInvalid, StageReception, false, "level")
	wantRefused(t, notOperator, RefusalForbidden, StageReception, false, "")
	wantRefused(t, again, RefusalConflict, StageAccompagnement, false, "level")
	wantRefused(t, implementation, RefusalConflict, StageAccompagnement, false, "")
	wantRefused(t, addAction, RefusalConflict, StageAccueil, false, "")
	last := ct.last()
	if last.CEPModel != CEPModel2019 || last.ReferentAdviserID != "u-pe2" || len(last.Actions) != 1 {
		t.Errorf("case %+v", last)
	}
	var levels []string
	for _, e := range ct.eventsOfType("level_started") {
		levels = append(levels, e.Details["level"].(string))
	}
	if len(levels) != 2 || levels[0] != StageAccompagnement || levels[1] != StageAccueil {
		t.Errorf("levels %v", levels)
	}
	if StageLabel(CEPModel2019, StageAccueil) != "Niveau 1 : accueil individualisé et adapté" || StageLabel("", StageCounselling) != "Niveau 2 : conseil personnalisé" {
		t.Error("labels do not follow the model")
	}
}

func TestCEPModel2014RefusesLevels(t *testing.T) {
	ct := newCaseTest(t)
	s := &script{ct: ct}
	level := s.send(UpdateStartLevel, StartLevelInput{Actor: pe, Level: StageAccueil})
	s.must(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
	s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	s.checkOK(t)
	wantRefused(t, level, RefusalConflict, StageReception, false, "")
	if ct.last().CEPModel != "" {
		t.Errorf("a 2014 case opened without a model keeps none: %q", ct.last().CEPModel)
	}
}
