package workflows

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/testsuite"
	"go.temporal.io/sdk/workflow"
)

// A case that reached a CEP level starts its 6-month follow-up when it closes; a case
// closed at reception does not. Runs of version 1 start it as a child workflow; since
// version 2 the case's last write asks the projection activity to start it.
func TestFollowUpStartedAtClosure(t *testing.T) {
	for _, tc := range []struct {
		name    string
		level   bool
		want    int
		version workflow.Version
	}{{"after a CEP level", true, 1, 2}, {"closed at reception", false, 0, 2}, {"after a CEP level, version 1", true, 1, 1}} {
		t.Run(tc.name, func(t *testing.T) {
			ct := newCaseTest(t)
			ct.env.OnGetVersion(currentRun, workflow.DefaultVersion, 2).Return(tc.version)
			var children int
			ct.env.SetOnChildWorkflowStartedListener(func(*workflow.Info, workflow.Context, converter.EncodedValues) { children++ })
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
			if wantChildren := map[workflow.Version]int{1: tc.want, 2: 0}[tc.version]; children != wantChildren {
				t.Errorf("%d child workflows started, want %d", children, wantChildren)
			}
			if last := ct.projections[len(ct.projections)-1]; tc.version == 2 && (last.FollowUp == nil) != (tc.want == 0) {
				t.Errorf("last write asks for follow-up %+v", last.FollowUp)
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
