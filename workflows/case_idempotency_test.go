package workflows

import (
	"errors"
	"slices"
	"strconv"
	"strings"
	"testing"
	"time"

	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/workflow"
)

var deas = Action{Type: "training", Title: "DEAS", Provider: "IFSI Chartres", StartDate: "2025-09-01", CostEUR: 4500}

func TestSameUpdateIDAppliesOnce(t *testing.T) {
	ct := newCaseTest(t)
	s := &script{ct: ct}
	toImplementation(s)
	first := ct.update(3*time.Hour, UpdateAddAction, "add-1", ActionInput{Actor: pe, Action: deas})
	again := ct.update(4*time.Hour, UpdateAddAction, "add-1", ActionInput{Actor: pe, Action: deas})
	// Same content, another ID: a second, distinct action.
	other := ct.update(5*time.Hour, UpdateAddAction, "add-2", ActionInput{Actor: pe, Action: deas})
	ct.update(6*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "training"})
	ct.runToCompletion(openInput())
	s.checkOK(t)
	wantOK(t, first)
	wantOK(t, again)
	wantOK(t, other)

	if len(again.result.Actions) != 1 || again.result.Actions[0].ID != first.result.Actions[0].ID || again.result.PlanRevision != 1 {
		t.Errorf("repeated update returned actions %+v revision %d", again.result.Actions, again.result.PlanRevision)
	}
	if len(other.result.Actions) != 2 || other.result.PlanRevision != 2 {
		t.Errorf("distinct update returned actions %+v revision %d", other.result.Actions, other.result.PlanRevision)
	}
	if n := len(ct.eventsOfType("action_added")); n != 2 {
		t.Errorf("%d action_added events, want 2 (one per distinct ID)", n)
	}
	if n := len(ct.planRevisions()); n != 2 {
		t.Errorf("%d plan revisions, want 2", n)
	}
	c := ct.last()
	if n := countOf(c.Requests, "add-1"); n != 1 {
		t.Errorf("add-1 remembered %d times in %v", n, c.Requests)
	}
}

func countOf(xs []string, x string) int {
	n := 0
	for _, y := range xs {
		if y == x {
			n++
		}
	}
	return n
}

// continuedInput extracts the input of the next run from a continue-as-new ending.
func continuedInput(t *testing.T, err error) CaseInput {
	t.Helper()
	var can *workflow.ContinueAsNewError
	if !errors.As(err, &can) {
		t.Fatalf("workflow ended with %v (%T), want continue-as-new", err, err)
	}
	if can.WorkflowType == nil || can.WorkflowType.Name != CaseWorkflowName {
		t.Errorf("continued as %+v, want %s", can.WorkflowType, CaseWorkflowName)
	}
	var next CaseInput
	if err := converter.GetDefaultDataConverter().FromPayloads(can.Input, &next); err != nil {
		t.Fatalf("decode continue-as-new input: %v", err)
	}
	return next
}

func TestContinueAsNewCarriesStateAndProcessedRequests(t *testing.T) {
	settings := testSettings
	settings.HistoryEventsLimit = 60
	tests := []struct {
		name    string
		trigger func(ct *caseTest)
	}{
		{"history length reaches the limit", func(ct *caseTest) { ct.env.SetCurrentHistoryLength(60) }},
		{"server suggests it", func(ct *caseTest) { ct.env.SetContinueAsNewSuggested(true) }},
		{"history length reaches the limit, with a contact waiting", func(ct *caseTest) {
			// The limit is crossed while a first contact is being projected, and a
			// second contact arrives then: it waits while the run prepares to continue.
			ct.onProject = func(p Projection) error {
				if len(p.Events) == 1 && p.Events[0].Type == "contact_recorded" && p.Events[0].Details["note"] == "first" {
					ct.env.SetCurrentHistoryLength(61)
					ct.env.SignalWorkflow(SignalContact, ContactSignal{Source: "partner", Channel: "phone", Note: "second"})
				}
				return nil
			}
			ct.env.SignalWorkflow(SignalContact, ContactSignal{Source: "partner", Channel: "phone", Note: "first"})
		}},
	}
	for _, tc := range tests {
		t.Run(tc.name, func(t *testing.T) {
			// First run: to implementation, one action, a pending-free case, then the trigger.
			ct := newCaseTest(t)
			s := &script{ct: ct}
			toImplementation(s)
			add := ct.update(3*time.Hour, UpdateAddAction, "add-1", ActionInput{Actor: pe, Action: deas})
			ct.update(4*time.Hour, UpdateStartCounselling, "cou", StartCounsellingInput{Actor: pe, AdviserID: "u-ref"})
			ct.at(5*time.Hour, func() { tc.trigger(ct) })
			in := openInput()
			in.Settings = settings
			ct.run(in)
			s.checkOK(t)
			wantOK(t, add)

			next := continuedInput(t, ct.env.GetWorkflowError())
			if next.Open != nil || next.State == nil {
				t.Fatalf("continued input %+v", next)
			}
			if next.Settings != settings {
				t.Errorf("continued settings %+v, want %+v", next.Settings, settings)
			}
			st := *next.State
			last := ct.last()
			if st.Stage != StageCounselling || st.ReferentAdviserID != "u-ref" || len(st.Actions) != 1 || st.Actions[0].ID != add.result.Actions[0].ID ||
				st.PlanRevision != 1 || st.Project == nil || st.Project.Maturity != "mature" || st.StructureID != sPE || st.ID != "c1" {
				t.Errorf("carried state %+v", st)
			}
			if st.Seq != last.Seq || st.Version != last.Version {
				t.Errorf("carried seq/version %d/%d, last projected %d/%d", st.Seq, st.Version, last.Seq, last.Version)
			}
			if !slices.Contains(st.Requests, "add-1") || !slices.Contains(st.Requests, "cou") {
				t.Errorf("carried requests %v", st.Requests)
			}
			if strings.Contains(tc.name, "contact") {
				// The contact waiting at continue-as-new is applied before the run ends.
				if n := len(ct.eventsOfType("contact_recorded")); n != 2 {
					t.Errorf("%d contacts recorded before continuing as new, want 2", n)
				}
				if !st.LastActivityAt.Equal(t0.Add(5 * time.Hour)) {
					t.Errorf("carried last activity %v, want the contact's t0+5h", st.LastActivityAt)
				}
			}

			// Second run, from the carried state: the retried add-1 applies nothing, a new
			// request applies and the timeline continues where it stopped.
			ct2 := newCaseTestAt(t, t0.Add(5*time.Hour))
			retry := ct2.update(time.Hour, UpdateAddAction, "add-1", ActionInput{Actor: pe, Action: deas})
			var afterRetry int
			ct2.at(time.Hour+time.Minute, func() { afterRetry = ct2.projectionCount() })
			ct2.update(2*time.Hour, UpdateStartImplementation, "imp2", ReasonInput{Actor: pe})
			add2 := ct2.update(3*time.Hour, UpdateAddAction, "add-2", ActionInput{Actor: pe, Action: deas})
			ct2.update(4*time.Hour, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "training"})
			ct2.runToCompletion(next)

			wantOK(t, retry)
			if afterRetry != 0 {
				t.Errorf("retried update projected %d times", afterRetry)
			}
			if len(retry.result.Actions) != 1 || retry.result.Stage != StageCounselling || retry.result.Seq != st.Seq {
				t.Errorf("retried update returned stage %s actions %+v seq %d", retry.result.Stage, retry.result.Actions, retry.result.Seq)
			}
			wantOK(t, add2)
			if len(add2.result.Actions) != 2 || add2.result.PlanRevision != 2 {
				t.Errorf("new update after continue-as-new returned actions %+v revision %d", add2.result.Actions, add2.result.PlanRevision)
			}
			wantTypes(t, ct2.eventTypes(), "implementation_started", "action_added", "closed")
			if evs := ct2.events(); len(evs) > 0 && evs[0].Seq != st.Seq+1 {
				t.Errorf("first event of the new run has seq %d, want %d", evs[0].Seq, st.Seq+1)
			}
			if n := countOf(ct2.last().Requests, "add-1"); n != 1 {
				t.Errorf("add-1 remembered %d times after the new run", n)
			}
		})
	}
}

// Only the latest maxRememberedRequests request IDs are carried.
func TestRememberedRequestsAreBounded(t *testing.T) {
	ct := newCaseTest(t)
	n := maxRememberedRequests + 5
	for i := range n {
		ct.update(time.Duration(i+1)*time.Minute, UpdateSetProject, "p"+strconv.Itoa(i), SetProjectInput{Actor: pe, Project: building})
	}
	ct.update(time.Duration(n+1)*time.Minute, UpdateClose, "close", CloseInput{Actor: pe, Outcome: "job"})
	ct.runToCompletion(openInput())
	reqs := ct.last().Requests
	if len(reqs) != maxRememberedRequests {
		t.Fatalf("%d remembered requests, want %d", len(reqs), maxRememberedRequests)
	}
	if reqs[len(reqs)-1] != "close" || slices.Contains(reqs, "p0") || !slices.Contains(reqs, "p"+strconv.Itoa(n-1)) {
		t.Errorf("remembered requests from %s to %s", reqs[0], reqs[len(reqs)-1])
	}
}
