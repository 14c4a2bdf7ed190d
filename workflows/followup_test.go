package workflows

import (
	"context"
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
