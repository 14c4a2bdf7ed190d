package workflows

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// A case that reached a CEP level starts its 6-month follow-up when it closes; a case
// closed at reception does not.
func TestFollowUpStartedAtClosure(t *testing.T) {
	for _, tc := range []struct {
		name  string
		level bool
		want  int
	}{{"after a CEP level", true, 1}, {"closed at reception", false, 0}} {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			s := &script{ct: ct}
			if tc.level {
				s.must(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			}
			s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "job"})
			ct.runToCompletion(openInput())
			s.checkOK(t)
			if len(ct.followUps) != tc.want {
				t.Fatalf("%d follow-ups, want %d", len(ct.followUps), tc.want)
			}
			if tc.want == 1 {
				f, closed := ct.followUps[0], ct.last().ClosedAt
				if f.CaseID != "c1" || f.Outcome != "job" || f.StructureID != sPE || closed == nil || !f.ClosedAt.Equal(*closed) {
					t.Errorf("follow-up %+v", f)
				}
			}
		})
	}
}

// The follow-up starts in the closing workflow task (a local activity), not as a child:
// the case's closure costs no workflow task more. When the local start keeps failing,
// the child starts it instead; older runs start the child as they always did.
func TestFollowUpStartsLocallyOrAsChild(t *testing.T) {
	for _, tc := range []struct {
		name      string
		older     bool
		failLocal bool
		wantChild int
	}{{"local start", false, false, 0}, {"local start fails", false, true, 1}, {"run from before", true, false, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			if tc.older {
				ct.env.OnGetVersion(currentRun, workflow.DefaultVersion, 1).Return(workflow.DefaultVersion)
			}
			tries := 0
			ct.onStartFollowUp = func(FollowUpInput) error {
				tries++
				if tc.failLocal {
					return errors.New("frontend unavailable")
				}
				return nil
			}
			s := &script{ct: ct}
			s.must(UpdateStartCounselling, StartCounsellingInput{Actor: pe, AdviserID: "u-pe"})
			s.must(UpdateClose, CloseInput{Actor: pe, Outcome: "job"})
			ct.runToCompletion(openInput())
			s.checkOK(t)
			wantLocal := 1
			if tc.failLocal {
				wantLocal = 0
			}
			if tc.older {
				wantLocal = 0
			}
			if got := len(ct.followUps) - ct.childFollowUps; got != wantLocal || ct.childFollowUps != tc.wantChild {
				t.Errorf("%d local and %d child follow-ups, want %d and %d", got, ct.childFollowUps, wantLocal, tc.wantChild)
			}
			if tc.failLocal && tries < 2 {
				t.Errorf("the local start was tried %d times before the child", tries)
			}
		})
	}
}

// The follow-up waits six calendar months after the closure, durably, then sends the
// invitation once.
func TestFollowUpWaitsSixMonths(t *testing.T) {
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestWorkflowEnvironment()
	env.SetStartTime(t0)
	env.RegisterWorkflowWithOptions(FollowUpWorkflow, workflow.RegisterOptions{Name: FollowUpWorkflowName})
	var sent []SurveyInvitation
	env.RegisterActivityWithOptions(func(ctx context.Context, in SurveyInvitation) error {
		sent = append(sent, in)
		return nil
	}, activity.RegisterOptions{Name: ActivitySendFollowUp})
	env.ExecuteWorkflow(FollowUpWorkflowName, FollowUpInput{CaseID: "c1", StructureID: sPE, Outcome: "training", ClosedAt: t0})
	if err := env.GetWorkflowError(); err != nil {
		t.Fatal(err)
	}
	if len(sent) != 1 {
		t.Fatalf("%d invitations", len(sent))
	}
	want := time.Date(2025, time.September, 3, 9, 0, 0, 0, time.UTC)
	if s := sent[0]; s.Moment != SurveySixMonths || s.Outcome != "training" || !s.At.Equal(want) {
		t.Errorf("invitation %+v, want at %s", s, want)
	}
}
