package workflows

import (
	"slices"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// Satisfaction surveys (France compétences measures the CEP's satisfaction at the end
// of the service and 6 months later, and its usefulness): the case invites the person
// at the end of each CEP level (a survey_invitation notification, whose signed link the
// projection adds), and a FollowUp workflow per closed case invites again 6 months
// after the closure. The 6-month wait lives outside the case's history, which ends with
// the case: since version 2 of currentRun as the follow-up's delayed start (no timer),
// before as its timer; either way the follow-up's history is short, whatever the
// case's length.
const (
	// NotifySurvey is the survey invitation the holder's structure passes on to the
	// person (the outbox carries the link, never the person's contact details).
	NotifySurvey = "survey_invitation"

	// Survey moments.
	SurveyLevelEnd  = "level_end"
	SurveySixMonths = "six_months"

	FollowUpWorkflowName = "FollowUp"
	ActivitySendFollowUp = "SendFollowUpSurvey"
)

// cepLevels are the stages that are CEP levels (2014: levels 2 and 3; 2019: both).
var cepLevels = []string{StageCounselling, StageImplementation, StageAccueil, StageAccompagnement}

// FollowUpWorkflowID is the follow-up of a case (one per case).
func FollowUpWorkflowID(caseID string) string { return "followup-" + caseID }

// FollowUpInput is what the follow-up needs: no personal data, only the case's IDs,
// its outcome and when it closed.
type FollowUpInput struct {
	CaseID      string    `json:"case_id"`
	TerritoryID string    `json:"territory_id"`
	StructureID string    `json:"structure_id"`
	Outcome     string    `json:"outcome"`
	ClosedAt    time.Time `json:"closed_at"`
	// After overrides the six months (tests); zero is six calendar months.
	After time.Duration `json:"after,omitempty"`
}

// SurveyInvitation is the 6-month invitation the activity writes to the outbox.
type SurveyInvitation struct {
	CaseID      string    `json:"case_id"`
	StructureID string    `json:"structure_id"`
	Moment      string    `json:"moment"`
	Outcome     string    `json:"outcome"`
	At          time.Time `json:"at"`
}

// FollowUpWorkflow waits until 6 months after the closure, durably, then has the
// survey invitation written to the outbox.
func FollowUpWorkflow(ctx workflow.Context, in FollowUpInput) error {
	// Started with a delay to its date (since version 2 of currentRun), it finds
	// nothing left to wait; started at the closure, it sleeps.
	if wait := FollowUpDue(in).Sub(workflow.Now(ctx)); wait > 0 {
		if err := workflow.Sleep(ctx, wait); err != nil {
			return err
		}
	}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{MaximumInterval: 10 * time.Minute},
	})
	return workflow.ExecuteActivity(actx, ActivitySendFollowUp, SurveyInvitation{CaseID: in.CaseID, StructureID: in.StructureID,
		Moment: SurveySixMonths, Outcome: in.Outcome, At: workflow.Now(ctx).UTC()}).Get(ctx, nil)
}

// enterLevel records that the case reached a CEP level and invites the person to the
// survey of the level it leaves, if it leaves one.
func (r *caseRun) enterLevel(ctx workflow.Context, from string) {
	r.c.CEPStarted = true
	r.levelEnded(ctx, from)
}

// levelEnded invites the person to the survey at the end of a CEP level: a
// notification tied to the event that ended the level (the timeline keeps the
// transition; the outbox, the invitation). Cases that ran before surveys existed replay
// without it.
func (r *caseRun) levelEnded(ctx workflow.Context, level string) {
	if !slices.Contains(cepLevels, level) || !r.has(ctx, "survey-invitations") {
		return
	}
	r.notify(r.c.Seq, NotifySurvey, r.c.StructureID, "", "", map[string]any{"moment": SurveyLevelEnd, "level": level})
}

// followUpInput is the follow-up of a closed case that reached a CEP level, nil for
// another. Since version 2 of currentRun the case's last write starts it, with a start
// delay to its date (Projection.FollowUp): the server then keeps one delayed start, not a
// child workflow that starts at once and sleeps six months, and the closure costs no
// workflow task for the child's start.
func (r *caseRun) followUpInput(ctx workflow.Context) *FollowUpInput {
	if !r.c.CEPStarted || r.c.ClosedAt == nil || !r.has(ctx, "follow-up-survey") {
		return nil
	}
	return &FollowUpInput{CaseID: r.c.ID, TerritoryID: r.c.TerritoryID, StructureID: r.c.StructureID,
		Outcome: r.c.Outcome, ClosedAt: *r.c.ClosedAt, After: r.settings.FollowUpAfter}
}

// FollowUpDue is when a follow-up sends its invitation: six calendar months after the
// closure, or After for tests.
func FollowUpDue(in FollowUpInput) time.Time {
	if in.After > 0 {
		return in.ClosedAt.Add(in.After)
	}
	return in.ClosedAt.AddDate(0, 6, 0)
}

// startFollowUp starts the closed case's 6-month follow-up, which outlives the case.
func (r *caseRun) startFollowUp(ctx workflow.Context) {
	if !r.c.CEPStarted || r.c.ClosedAt == nil || !r.has(ctx, "follow-up-survey") {
		return
	}
	cctx := workflow.WithChildOptions(ctx, workflow.ChildWorkflowOptions{
		WorkflowID:        FollowUpWorkflowID(r.c.ID),
		ParentClosePolicy: enumspb.PARENT_CLOSE_POLICY_ABANDON,
	})
	f := workflow.ExecuteChildWorkflow(cctx, FollowUpWorkflowName, FollowUpInput{CaseID: r.c.ID, TerritoryID: r.c.TerritoryID,
		StructureID: r.c.StructureID, Outcome: r.c.Outcome, ClosedAt: *r.c.ClosedAt, After: r.settings.FollowUpAfter})
	if err := f.GetChildWorkflowExecution().Get(ctx, nil); err != nil {
		// Already started (a retried closure): the existing follow-up stands.
		workflow.GetLogger(ctx).Warn("follow-up not started", "error", err)
	}
}
