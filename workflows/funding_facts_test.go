package workflows

import (
	"encoding/json"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/financing"
)

// The 2026 facts (financing.Facts) and an action's certification reach the funders'
// rules; the timeline names the facts without their values.
func TestFactsAndCertificationReachTheRules(t *testing.T) {
	ft := newFinancingTest(t)
	s := &script{ct: ft.caseTest}
	toImplementation(s)
	rs := trainingAction
	rs.Certification = "rs"
	s.must(UpdateAddAction, ActionInput{Actor: pe, Action: rs})
	facts := financing.Facts{DuringWorkingTime: ptr(true), DaysWorkedLast60Months: ptr(1400)}
	s.must(UpdateSetSituation, SituationInput{Actor: pe, Situation: knownSituation, Facts: &facts})
	s.must(UpdateComputeFinancing, ReasonInput{Actor: pe})
	// A situation set without facts (as before they existed) clears them.
	s.must(UpdateSetSituation, SituationInput{Actor: pe, Situation: knownSituation})
	s.must(UpdateComputeFinancing, ReasonInput{Actor: pe})
	s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "job"})
	ft.runToCompletion(openInput())
	s.checkOK(t)

	ins := ft.computeInputs()
	if len(ins) != 2 {
		t.Fatalf("%d computations, want 2", len(ins))
	}
	if f := ins[0].Facts; f == nil || f.DuringWorkingTime == nil || !*f.DuringWorkingTime || f.DaysWorkedLast60Months == nil || *f.DaysWorkedLast60Months != 1400 {
		t.Errorf("facts not passed to the rules: %+v", ins[0].Facts)
	}
	if len(ins[0].Actions) != 1 || ins[0].Actions[0].Certification != "rs" {
		t.Errorf("certification not passed: %+v", ins[0].Actions)
	}
	if ins[1].Facts != nil {
		t.Errorf("facts kept after a situation set without them: %+v", ins[1].Facts)
	}
	var names []string
	for _, e := range ft.events() {
		if e.Type != "situation_updated" {
			continue
		}
		b, _ := json.Marshal(e.Details)
		if strings.Contains(string(b), "1400") {
			t.Errorf("situation_updated reveals a value: %s", b)
		}
		names = append(names, string(b))
	}
	if len(names) != 2 || !strings.Contains(names[0], "during_working_time") || !strings.Contains(names[0], "days_worked_last_60_months") ||
		strings.Contains(names[1], "during_working_time") {
		t.Errorf("known facts = %v", names)
	}
}
