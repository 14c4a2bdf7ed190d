package workflows

import (
	"fmt"
	"testing"
	"time"
)

// script schedules updates one hour apart and remembers the ones that must succeed.
type script struct {
	ct   *caseTest
	next time.Duration
	n    int
	ok   []*outcome
}

func (s *script) send(name string, in any) *outcome {
	s.next += time.Hour
	s.n++
	return s.ct.update(s.next, name, fmt.Sprintf("s%d", s.n), in)
}

func (s *script) must(name string, in any) {
	s.ok = append(s.ok, s.send(name, in))
}

func (s *script) checkOK(t *testing.T) {
	t.Helper()
	for _, o := range s.ok {
		wantOK(t, o)
	}
}

var (
	building = Project{TargetOccupation: "Aide-soignante", RomeCode: "J1501", Autonomy: "low", Maturity: "building"}
	mature   = Project{TargetOccupation: "Aide-soignante", RomeCode: "J1501", Autonomy: "high", Maturity: "mature"}
)

// handOffAccepted moves the case to holder a (its structure's CEP flag as given).
func handOffAccepted(s *script, to Actor) {
	s.must(UpdateRequestHandoff, requestTo(pe, to.StructureID))
	s.must(UpdateAcceptHandoff, s.ct.decide(to, "", "", to.StructureCEPOperator))
}

func toImplementation(s *script) {
	s.must(UpdateSetProject, SetProjectInput{Actor: pe, Project: mature})
	s.must(UpdateStartImplementation, ReasonInput{Actor: pe})
}

type refusalCase struct {
	name   string
	open   func(*CaseInput)
	setup  func(s *script)
	update string
	input  func(s *script) any
	// expected refusal
	kind, stage, field string
	paused             bool
	// end closes the case (default: withdraw by the first holder); events is the whole
	// expected timeline (default: case_opened, withdrawn).
	end    func(s *script)
	events []string
}

func TestCaseRefusals(t *testing.T) {
	noConsent := func(in *CaseInput) { in.Open.ConsentDataSharing = false }
	tests := []refusalCase{
		{
			name:   "hand-off by a non-holder structure",
			update: UpdateRequestHandoff, input: func(*script) any { return requestTo(capEmploi, sML) },
			kind: RefusalForbidden, stage: StageReception,
		},
		{
			name: "hand-off without consent", open: noConsent,
			update: UpdateRequestHandoff, input: func(*script) any { return requestTo(pe, sCap) },
			kind: RefusalConflict, stage: StageReception, field: "consent.data_sharing",
		},
		{
			name:   "hand-off to the holder itself",
			update: UpdateRequestHandoff, input: func(*script) any { return requestTo(pe, sPE) },
			kind: RefusalInvalid, stage: StageReception, field: "to_structure_id",
		},
		{
			name:   "hand-off while one is pending",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateRequestHandoff, input: func(*script) any { return requestTo(pe, sML) },
			kind: RefusalConflict, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "accept by a structure other than the target",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateAcceptHandoff, input: func(s *script) any { return s.ct.decide(ml, "", "", false)() },
			kind: RefusalForbidden, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "accept by the sender",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateAcceptHandoff, input: func(s *script) any { return s.ct.decide(pe, "", "", true)() },
			kind: RefusalForbidden, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "accept an unknown hand-off",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateAcceptHandoff, input: func(*script) any { return DecideHandoffInput{Actor: capEmploi, HandoffID: "nope"} },
			kind: RefusalNotFound, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "accept when no hand-off is pending",
			update: UpdateAcceptHandoff, input: func(*script) any { return DecideHandoffInput{Actor: capEmploi, HandoffID: "nope"} },
			kind: RefusalNotFound, stage: StageReception,
		},
		{
			name:   "decline with an unknown reason code",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateDeclineHandoff, input: func(s *script) any { return s.ct.decide(capEmploi, "too_busy", "", false)() },
			kind: RefusalInvalid, stage: StageHandoff, field: "reason_code",
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "cancel by the target",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateCancelHandoff, input: func(s *script) any { return s.ct.decide(capEmploi, "", "", false)() },
			kind: RefusalForbidden, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "counselling at a holder that is not a CEP operator",
			setup:  func(s *script) { handOffAccepted(s, ml) },
			update: UpdateStartCounselling, input: func(*script) any { return StartCounsellingInput{Actor: ml, AdviserID: "u-ml"} },
			kind: RefusalForbidden, stage: StageReception,
			end:    func(s *script) { s.must(UpdateWithdraw, ReasonInput{Actor: ml}) },
			events: []string{"case_opened", "handoff_requested", "handoff_accepted", "withdrawn"},
		},
		{
			name:   "counselling by a structure that is not the holder",
			update: UpdateStartCounselling, input: func(*script) any { return StartCounsellingInput{Actor: capEmploi, AdviserID: "u-cap"} },
			kind: RefusalForbidden, stage: StageReception,
		},
		{
			name:   "counselling without a referent adviser",
			update: UpdateStartCounselling, input: func(*script) any { return StartCounsellingInput{Actor: pe} },
			kind: RefusalInvalid, stage: StageReception, field: "adviser_id",
		},
		{
			name:   "implementation without project",
			update: UpdateStartImplementation, input: func(*script) any { return ReasonInput{Actor: pe} },
			kind: RefusalConflict, stage: StageReception, field: "project",
		},
		{
			name: "implementation from counselling without project",
			setup: func(s *script) {
				s.must(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			},
			update: UpdateStartImplementation, input: func(*script) any { return ReasonInput{Actor: pe} },
			kind: RefusalConflict, stage: StageCounselling, field: "project",
			events: []string{"case_opened", "counselling_started", "withdrawn"},
		},
		{
			name:   "implementation from reception with a project still being built",
			setup:  func(s *script) { s.must(UpdateSetProject, SetProjectInput{Actor: pe, Project: building}) },
			update: UpdateStartImplementation, input: func(*script) any { return ReasonInput{Actor: pe} },
			kind: RefusalConflict, stage: StageReception, field: "project.maturity",
			events: []string{"case_opened", "project_set", "withdrawn"},
		},
		{
			name: "implementation at a holder that is not a CEP operator",
			setup: func(s *script) {
				handOffAccepted(s, ml)
				s.must(UpdateSetProject, SetProjectInput{Actor: ml, Project: mature})
			},
			update: UpdateStartImplementation, input: func(*script) any { return ReasonInput{Actor: ml} },
			kind: RefusalForbidden, stage: StageReception,
			end:    func(s *script) { s.must(UpdateWithdraw, ReasonInput{Actor: ml}) },
			events: []string{"case_opened", "handoff_requested", "handoff_accepted", "project_set", "withdrawn"},
		},
		{
			name:   "session in reception",
			update: UpdateAddSession, input: func(*script) any { return AddSessionInput{Actor: pe, Session: Session{Date: "2025-03-04"}} },
			kind: RefusalConflict, stage: StageReception,
		},
		{
			name:   "action outside implementation",
			update: UpdateAddAction, input: func(*script) any { return ActionInput{Actor: pe, Action: Action{Type: "training"}} },
			kind: RefusalConflict, stage: StageReception,
		},
		{
			name:   "change an unknown action",
			setup:  toImplementation,
			update: UpdateChangeAction, input: func(*script) any { return ActionInput{Actor: pe, Action: Action{ID: "nope", Title: "x"}} },
			kind: RefusalNotFound, stage: StageImplementation,
			events: []string{"case_opened", "project_set", "implementation_started", "withdrawn"},
		},
		{
			name: "remove an unknown action",
			setup: func(s *script) {
				toImplementation(s)
				s.must(UpdateAddAction, ActionInput{Actor: pe, Action: Action{Type: "training", Title: "DEAS"}})
			},
			update: UpdateRemoveAction, input: func(*script) any { return ActionInput{Actor: pe, Action: Action{ID: "nope"}} },
			kind: RefusalNotFound, stage: StageImplementation,
			events: []string{"case_opened", "project_set", "implementation_started", "action_added", "withdrawn"},
		},
		{
			name:   "close while in hand-off",
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			update: UpdateClose, input: func(*script) any { return CloseInput{Actor: pe, Outcome: "job"} },
			kind: RefusalConflict, stage: StageHandoff,
			events: []string{"case_opened", "handoff_requested", "handoff_cancelled", "withdrawn"},
		},
		{
			name:   "close with an unknown outcome",
			update: UpdateClose, input: func(*script) any { return CloseInput{Actor: pe, Outcome: "withdrawn"} },
			kind: RefusalInvalid, stage: StageReception, field: "outcome",
		},
		{
			name:   "close by a non-holder",
			update: UpdateClose, input: func(*script) any { return CloseInput{Actor: capEmploi, Outcome: "job"} },
			kind: RefusalForbidden, stage: StageReception,
		},
		{
			name:   "resume when not paused",
			update: UpdateResume, input: func(*script) any { return ReasonInput{Actor: pe} },
			kind: RefusalConflict, stage: StageReception,
		},
		{
			name:   "withdraw by a non-holder",
			update: UpdateWithdraw, input: func(*script) any { return ReasonInput{Actor: capEmploi} },
			kind: RefusalForbidden, stage: StageReception,
		},
	}

	// Every stage action on a paused case is refused with Paused set.
	paused := []struct {
		name   string
		update string
		input  any
		stage  string
		setup  func(s *script)
		events []string
	}{
		{name: "hand-off", update: UpdateRequestHandoff, input: requestTo(pe, sCap)},
		{name: "counselling", update: UpdateStartCounselling, input: StartCounsellingInput{Actor: pe, AdviserID: "u-pe"}},
		{name: "project", update: UpdateSetProject, input: SetProjectInput{Actor: pe, Project: mature}},
		{name: "session", update: UpdateAddSession, input: AddSessionInput{Actor: pe, Session: Session{Date: "2025-03-04"}},
			stage: StageCounselling, setup: func(s *script) {
				s.must(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			}, events: []string{"case_opened", "counselling_started"}},
		{name: "implementation", update: UpdateStartImplementation, input: ReasonInput{Actor: pe},
			setup:  func(s *script) { s.must(UpdateSetProject, SetProjectInput{Actor: pe, Project: mature}) },
			events: []string{"case_opened", "project_set"}},
		{name: "action", update: UpdateAddAction, input: ActionInput{Actor: pe, Action: Action{Type: "training"}},
			stage: StageImplementation, setup: toImplementation,
			events: []string{"case_opened", "project_set", "implementation_started"}},
		{name: "close", update: UpdateClose, input: CloseInput{Actor: pe, Outcome: "job"}},
		{name: "pause again", update: UpdatePause, input: ReasonInput{Actor: pe, Reason: "again"}},
		{name: "accept hand-off", update: UpdateAcceptHandoff, stage: StageHandoff,
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			events: []string{"case_opened", "handoff_requested"}},
		{name: "cancel hand-off", update: UpdateCancelHandoff, stage: StageHandoff,
			setup:  func(s *script) { s.must(UpdateRequestHandoff, requestTo(pe, sCap)) },
			events: []string{"case_opened", "handoff_requested"}},
	}
	for _, p := range paused {
		stage := p.stage
		if stage == "" {
			stage = StageReception
		}
		events := p.events
		if events == nil {
			events = []string{"case_opened"}
		}
		events = append(events, "paused")
		if stage == StageHandoff {
			events = append(events, "handoff_cancelled")
		}
		events = append(events, "withdrawn")
		input := p.input
		var in func(s *script) any
		switch p.update {
		case UpdateAcceptHandoff:
			in = func(s *script) any { return s.ct.decide(capEmploi, "", "", true)() }
		case UpdateCancelHandoff:
			in = func(s *script) any { return s.ct.decide(pe, "", "", true)() }
		default:
			in = func(*script) any { return input }
		}
		setup := p.setup
		tests = append(tests, refusalCase{
			name: "paused: " + p.name,
			setup: func(s *script) {
				if setup != nil {
					setup(s)
				}
				s.must(UpdatePause, ReasonInput{Actor: pe, Reason: "sick leave"})
			},
			update: p.update, input: in,
			kind: RefusalConflict, stage: stage, paused: true,
			events: events,
		})
	}

	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			s := &script{ct: ct}
			if tc.setup != nil {
				tc.setup(s)
			}
			s.next += time.Hour
			s.n++
			refused := ct.update(s.next, tc.update, fmt.Sprintf("s%d", s.n), func() any { return tc.input(s) })
			// The refused update must leave nothing behind: no projection, no event.
			var after int
			ct.at(s.next+30*time.Minute, func() { after = ct.projectionCount() })
			if tc.end != nil {
				tc.end(s)
			} else {
				s.must(UpdateWithdraw, ReasonInput{Actor: pe, Reason: "moved away"})
			}
			in := openInput()
			if tc.open != nil {
				tc.open(&in)
			}
			ct.runToCompletion(in)

			s.checkOK(t)
			wantRefused(t, refused, tc.kind, tc.stage, tc.paused, tc.field)
			if after != refused.projectionsBefore {
				t.Errorf("refused update projected: %d projections before, %d after", refused.projectionsBefore, after)
			}
			events := tc.events
			if events == nil {
				events = []string{"case_opened", "withdrawn"}
			}
			wantTypes(t, ct.eventTypes(), events...)
			if c := ct.last(); c.Stage != StageClosed || c.Outcome != OutcomeWithdrawn {
				t.Errorf("final stage %s outcome %s", c.Stage, c.Outcome)
			}
			for _, id := range ct.last().Requests {
				if id == refused.id {
					t.Errorf("refused update ID %s remembered as processed", id)
				}
			}
		})
	}
}

// Going from reception straight to level 3 needs a mature project: refused while the
// project is being built, allowed once it is mature.
func TestStartImplementationFromReceptionNeedsMatureProject(t *testing.T) {
	ct := newCaseTest(t)
	s := &script{ct: ct}
	s.must(UpdateSetProject, SetProjectInput{Actor: pe, Project: building})
	early := s.send(UpdateStartImplementation, ReasonInput{Actor: pe})
	s.must(UpdateSetProject, SetProjectInput{Actor: pe, Project: mature})
	started := s.send(UpdateStartImplementation, ReasonInput{Actor: pe})
	s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())

	s.checkOK(t)
	wantRefused(t, early, RefusalConflict, StageReception, false, "project.maturity")
	wantOK(t, started)
	if started.result.Stage != StageImplementation || started.result.ReferentAdviserID != "u-pe" {
		t.Errorf("implementation returned stage %s referent %s", started.result.Stage, started.result.ReferentAdviserID)
	}
	wantTypes(t, ct.eventTypes(), "case_opened", "project_set", "project_set", "implementation_started", "closed")
	ps := ct.eventsOfType("project_set")
	if ps[0].Details["revised"] != false || ps[1].Details["revised"] != true || ps[1].Details["maturity"] != "mature" {
		t.Errorf("project_set details %v / %v", ps[0].Details, ps[1].Details)
	}
	if e := ct.eventsOfType("implementation_started")[0]; e.Details["from_stage"] != StageReception {
		t.Errorf("implementation_started details %v", e.Details)
	}
}
