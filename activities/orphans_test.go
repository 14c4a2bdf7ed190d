package activities

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// workflowsOf answers Describe for the workflows it knows, NotFound for the others, or
// Unavailable for every one when down.
type workflowsOf struct {
	client.Client
	running map[string]bool
	down    bool
}

func (w workflowsOf) DescribeWorkflowExecution(_ context.Context, id, _ string) (*workflowservice.DescribeWorkflowExecutionResponse, error) {
	if w.down {
		return nil, serviceerror.NewUnavailable("connection refused")
	}
	if w.running[id] {
		return &workflowservice.DescribeWorkflowExecutionResponse{}, nil
	}
	return nil, serviceerror.NewNotFound("workflow not found")
}

// The orphan sweep removes only old personal details whose workflow never started:
// not a creation still in flight (young row), not one whose workflow runs but is not
// projected yet, not a projected case, and nothing while Temporal cannot say.
func TestSweepOrphansRemovesOnlyDetailsWithoutWorkflow(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	old, young := time.Now().UTC().Add(-time.Hour), time.Now().UTC().Add(-time.Minute)
	projected := batch(1, workflows.StageReception)
	if _, err := a.ProjectCase(ctx, projected); err != nil {
		t.Fatal(err)
	}
	rows := map[string]time.Time{
		"a0000000-0000-0000-0000-00000000000a": old,   // orphan: removed
		"b0000000-0000-0000-0000-00000000000b": young, // in flight: kept
		"c0000000-0000-0000-0000-00000000000c": old,   // workflow runs, not projected yet: kept
		projected.Case.ID:                      old,   // a projected case: kept
	}
	for id, at := range rows {
		if err := a.Store.DB.Create(&models.Beneficiary{CaseID: id, FirstName: "x", LastName: "y", BirthDate: "1990-01-01", CreatedAt: at}).Error; err != nil {
			t.Fatal(err)
		}
	}
	sweep := workflows.OrphanSweep{MinAge: 10 * time.Minute, Batch: 10}

	a.Temporal = workflowsOf{down: true}
	if res, err := a.SweepOrphans(ctx, sweep); err != nil || res.Removed != 0 {
		t.Fatalf("sweep while Temporal is down: %+v, %v", res, err)
	}

	a.Temporal = workflowsOf{running: map[string]bool{workflows.WorkflowID("c0000000-0000-0000-0000-00000000000c"): true}}
	res, err := a.SweepOrphans(ctx, sweep)
	if err != nil || res.Removed != 1 || res.Checked != 2 {
		t.Fatalf("sweep: %+v, %v; want 2 checked, 1 removed", res, err)
	}
	var left []string
	a.Store.DB.Model(&models.Beneficiary{}).Order("case_id").Pluck("case_id", &left)
	for _, id := range left {
		if id == "a0000000-0000-0000-0000-00000000000a" {
			t.Fatal("the orphan is still there")
		}
	}
	if len(left) != 3 {
		t.Fatalf("rows left %v, want the three that are not orphans", left)
	}
}
