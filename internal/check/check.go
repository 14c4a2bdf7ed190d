// Package check compares what Temporal says of every open case with the database: the
// case workflow's state (its query) against its projection row, the open rows against
// the running workflows, and the outbox against the deliveries that should have
// happened. `cep check` prints each difference; with repair it asks each divergent
// workflow to project itself again (the reproject update, idempotent).
package check

import (
	"context"
	"fmt"
	"sort"
	"strconv"
	"time"

	"go.temporal.io/api/serviceerror"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Difference is one way the database and Temporal disagree about a case.
type Difference struct {
	CaseID string
	// Kind is "lost" (a workflow without its row, or a row without its workflow),
	// "divergent" (the row says otherwise than the workflow), "stuck" (a projection
	// marked failed, or a notification undelivered past the outbox's sweep) or
	// "duplicated" (personal details of a case that does not exist).
	Kind   string
	Detail string
}

func (d Difference) String() string { return fmt.Sprintf("%s\t%s\t%s", d.CaseID, d.Kind, d.Detail) }

// Options are what a check needs.
type Options struct {
	Store     *store.Store
	Temporal  client.Client
	Namespace string
	// Settle is how long a difference that an in-flight projection could explain is
	// given before it counts (0 means 3 seconds).
	Settle time.Duration
	// OutboxGrace is the age past which an undelivered notification counts (0 means
	// 20 minutes: the sweeper resends after 10 and sweeps every 5).
	OutboxGrace time.Duration
}

// Report is the outcome of a check.
type Report struct {
	Workflows   int
	Differences []Difference
	Repaired    int
}

// Run checks every open case; with repair it re-projects the divergent ones and checks
// them again, and the differences left are those repair could not mend.
func Run(ctx context.Context, o Options, repair bool) (Report, error) {
	if o.Settle == 0 {
		o.Settle = 3 * time.Second
	}
	if o.OutboxGrace == 0 {
		o.OutboxGrace = 20 * time.Minute
	}
	ids, err := openCases(ctx, o)
	if err != nil {
		return Report{}, err
	}
	rep := Report{Workflows: len(ids)}
	diffs, err := compare(ctx, o, ids)
	if err != nil {
		return rep, err
	}
	if len(diffs) > 0 {
		// A projection in flight explains a row one version behind: look again.
		time.Sleep(o.Settle)
		if diffs, err = compare(ctx, o, ids); err != nil {
			return rep, err
		}
	}
	if repair && len(diffs) > 0 {
		fixed := map[string]bool{}
		for _, d := range diffs {
			if d.Kind != "divergent" || fixed[d.CaseID] {
				continue
			}
			if err := reproject(ctx, o, d.CaseID); err != nil {
				return rep, fmt.Errorf("repair %s: %w", d.CaseID, err)
			}
			fixed[d.CaseID] = true
			rep.Repaired++
		}
		if diffs, err = compare(ctx, o, ids); err != nil {
			return rep, err
		}
	}
	rep.Differences = diffs
	return rep, nil
}

// openCases are the running case workflows' case IDs. Other workflows (the outbox
// sweeper cep-outbox, the deployment bindings cep-binding-*, funding requests) are
// not cases.
func openCases(ctx context.Context, o Options) ([]string, error) {
	query := fmt.Sprintf("WorkflowType = '%s' AND ExecutionStatus = 'Running'", workflows.CaseWorkflowName)
	var ids []string
	var token []byte
	for {
		resp, err := o.Temporal.ListWorkflow(ctx, &workflowservice.ListWorkflowExecutionsRequest{
			Namespace: o.Namespace, Query: query, PageSize: 500, NextPageToken: token})
		if err != nil {
			return nil, fmt.Errorf("list the open case workflows: %w", err)
		}
		for _, e := range resp.Executions {
			if id, ok := workflows.CaseIDOf(e.GetExecution().GetWorkflowId()); ok {
				ids = append(ids, id)
			}
		}
		if token = resp.NextPageToken; len(token) == 0 {
			break
		}
	}
	sort.Strings(ids)
	return ids, nil
}

func compare(ctx context.Context, o Options, ids []string) ([]Difference, error) {
	var diffs []Difference
	open := map[string]bool{}
	for _, id := range ids {
		open[id] = true
		d, err := compareOne(ctx, o, id)
		if err != nil {
			return nil, err
		}
		diffs = append(diffs, d...)
	}
	db := o.Store.DB.WithContext(ctx)
	// Rows open in the projection whose workflow is not running.
	var rows []models.Case
	if err := db.Select("id", "stage", "version").Where("stage <> ?", workflows.StageClosed).Order("id").Find(&rows).Error; err != nil {
		return nil, err
	}
	for _, row := range rows {
		if open[row.ID] {
			continue
		}
		desc, err := o.Temporal.DescribeWorkflowExecution(ctx, workflows.WorkflowID(row.ID), "")
		var nf *serviceerror.NotFound
		switch {
		case errorAs(err, &nf):
			diffs = append(diffs, Difference{row.ID, "lost", "the projection shows an open case (" + row.Stage + ") whose workflow does not exist"})
		case err != nil:
			return nil, err
		case desc.GetWorkflowExecutionInfo().GetStatus().String() != "Running":
			diffs = append(diffs, Difference{row.ID, "divergent", "the projection shows an open case (" + row.Stage + ") whose workflow is " + desc.GetWorkflowExecutionInfo().GetStatus().String()})
		}
	}
	// Notifications still undelivered past the outbox sweeper's reach.
	var stale []models.Notification
	if err := db.Select("id", "case_id", "kind", "attempts").Where("delivered_at IS NULL AND created_at < ?", time.Now().UTC().Add(-o.OutboxGrace)).
		Order("case_id, id").Find(&stale).Error; err != nil {
		return nil, err
	}
	for _, n := range stale {
		diffs = append(diffs, Difference{n.CaseID, "stuck", "notification " + n.ID + " (" + n.Kind + ") undelivered after " + strconv.Itoa(n.Attempts) + " attempts"})
	}
	// Personal details of no case, older than any creation in flight.
	var orphans []string
	if err := db.Model(&models.Beneficiary{}).Where("created_at < ? AND NOT EXISTS (SELECT 1 FROM cases WHERE cases.id = beneficiaries.case_id)",
		time.Now().UTC().Add(-o.OutboxGrace)).Order("case_id").Pluck("case_id", &orphans).Error; err != nil {
		return nil, err
	}
	for _, id := range orphans {
		if !open[id] {
			diffs = append(diffs, Difference{id, "duplicated", "personal details without a case (a creation that never started; the outbox sweeper removes them)"})
		}
	}
	return diffs, nil
}

// compareOne compares one running case workflow with its projection row.
func compareOne(ctx context.Context, o Options, id string) ([]Difference, error) {
	qctx, cancel := context.WithTimeout(ctx, 10*time.Second)
	defer cancel()
	v, err := o.Temporal.QueryWorkflow(qctx, workflows.WorkflowID(id), "", workflows.QueryState)
	if err != nil {
		return []Difference{{id, "stuck", "the workflow does not answer its state query: " + err.Error()}}, nil
	}
	var wf workflows.Case
	if err := v.Get(&wf); err != nil {
		return nil, fmt.Errorf("decode the state of %s: %w", id, err)
	}
	var row models.Case
	err = o.Store.DB.WithContext(ctx).Where("id = ?", id).Take(&row).Error
	if err != nil {
		if wf.ID == "" {
			return nil, nil // not opened yet: a creation in flight
		}
		return []Difference{{id, "lost", "the workflow runs (version " + strconv.FormatInt(wf.Version, 10) + ") but the case has no projection row"}}, nil
	}
	var diffs []Difference
	add := func(kind, f string, args ...any) {
		diffs = append(diffs, Difference{id, kind, fmt.Sprintf(f, args...)})
	}
	if row.Version < wf.Version {
		add("divergent", "projection at version %d, workflow at %d", row.Version, wf.Version)
	}
	if row.Version == wf.Version {
		for _, f := range []struct {
			name       string
			row, wflow any
		}{
			{"stage", row.Stage, wf.Stage}, {"paused", row.Paused, wf.Paused}, {"escalated", row.Escalated, wf.Escalated},
			{"structure_id", row.StructureID, wf.StructureID}, {"territory_id", row.TerritoryID, wf.TerritoryID},
			{"financing_alert", row.FinancingAlert, wf.FinancingAlert},
		} {
			if fmt.Sprint(f.row) != fmt.Sprint(f.wflow) {
				add("divergent", "%s is %v in the projection, %v in the workflow", f.name, f.row, f.wflow)
			}
		}
	}
	if wf.ProjectionFailedAt != nil || row.ProjectionFailedAt != nil {
		add("stuck", "a projection of the case failed and waits for its next change")
	}
	return diffs, nil
}

// reproject asks the workflow to project its state again.
func reproject(ctx context.Context, o Options, id string) error {
	uctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	h, err := o.Temporal.UpdateWorkflow(uctx, client.UpdateWorkflowOptions{
		// No update ID: the SDK makes one up, which the case does not remember among
		// the callers' keys; a repeated repair only projects again.
		WorkflowID: workflows.WorkflowID(id), UpdateName: workflows.UpdateReproject,
		Args: []any{workflows.ReprojectInput{}}, WaitForStage: client.WorkflowUpdateStageCompleted,
	})
	if err != nil {
		return err
	}
	return h.Get(uctx, nil)
}
