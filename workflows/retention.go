package workflows

import (
	"time"

	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/workflow"
)

// The data's lifetime. The social sector keeps a person's file two years after the
// last contact, then deletes or anonymises it (CNIL, référentiel relatif aux
// traitements de données à caractère personnel mis en œuvre dans le cadre de
// l'accompagnement social et médico-social, 2021; GDPR art. 5(1)(e), storage
// limitation): a Temporal Schedule runs RetentionWorkflow, which erases the cases past
// the limit as an erasure on request would, and purges the audit trail past its own.
const (
	RetentionWorkflowName = "Retention"
	// RetentionScheduleID names the schedule (and prefixes its runs' workflow IDs).
	RetentionScheduleID = "cep-retention"

	ActivityRetentionMark       = "RetentionMark"
	ActivityRetentionCandidates = "RetentionCandidates"
	ActivityRetentionErase      = "RetentionErase"
	ActivityRetentionCompact    = "RetentionCompact"
	ActivityRetentionPurgeAudit = "RetentionPurgeAudit"
	ActivityRetentionRecord     = "RetentionRecord"
)

// RetentionInput are the periods of a run (from the configuration, fixed in the
// schedule's action).
type RetentionInput struct {
	// After is how long a case may stay closed, or open without activity, before it
	// is erased (CEP_RETENTION_AFTER).
	After time.Duration `json:"after"`
	// Grace is how long an open case past After stays listed to its coordination
	// (stuck reason retention_due) before it is erased (CEP_RETENTION_GRACE).
	Grace time.Duration `json:"grace"`
	// AuditRetention is how long audit rows are kept (CEP_AUDIT_RETENTION).
	AuditRetention time.Duration `json:"audit_retention"`
	// Batch is how many cases a candidates query returns (default 50).
	Batch int `json:"batch,omitempty"`
}

// RetentionMarkInput lists the open cases past the limit and clears those whose
// activity resumed.
type RetentionMarkInput struct {
	Now    time.Time `json:"now"`
	Cutoff time.Time `json:"cutoff"`
}

// RetentionMarkResult counts the cases newly listed and those no longer due.
type RetentionMarkResult struct {
	Listed  int `json:"listed"`
	Resumed int `json:"resumed"`
}

// RetentionCandidatesInput asks for the next cases to erase.
type RetentionCandidatesInput struct {
	Cutoff time.Time `json:"cutoff"`
	// GraceCutoff: open cases listed before it are erased.
	GraceCutoff time.Time `json:"grace_cutoff"`
	Limit       int       `json:"limit"`
	// Exclude are the cases whose erasure failed in this run.
	Exclude []string `json:"exclude,omitempty"`
}

// RetentionResult is what a run did; it is also its row in retention_runs.
type RetentionResult struct {
	RunID       string     `json:"run_id"`
	WorkflowID  string     `json:"workflow_id"`
	StartedAt   time.Time  `json:"started_at"`
	FinishedAt  *time.Time `json:"finished_at,omitempty"`
	Listed      int        `json:"listed"`
	Resumed     int        `json:"resumed"`
	Erased      int        `json:"erased"`
	Failed      int        `json:"failed"`
	AuditPurged int        `json:"audit_purged"`
	AuditBefore time.Time  `json:"audit_before"`
}

// RetentionWorkflow is one retention run. Every step is idempotent, so a run stopped
// halfway and run again (or the next scheduled run) erases each case once: a case
// erased is never a candidate again, and its erasure is counted by the call that
// recorded it.
func RetentionWorkflow(ctx workflow.Context, in RetentionInput) (RetentionResult, error) {
	if in.After <= 0 || in.Grace < 0 || in.AuditRetention <= 0 {
		return RetentionResult{}, temporal.NewNonRetryableApplicationError("retention needs positive periods", "BadInput", nil)
	}
	if in.Batch <= 0 {
		in.Batch = 50
	}
	info := workflow.GetInfo(ctx)
	now := workflow.Now(ctx).UTC()
	res := RetentionResult{RunID: info.WorkflowExecution.RunID, WorkflowID: info.WorkflowExecution.ID, StartedAt: now,
		AuditBefore: now.Add(-in.AuditRetention)}
	actx := workflow.WithActivityOptions(ctx, workflow.ActivityOptions{
		StartToCloseTimeout: 5 * time.Minute,
		RetryPolicy:         &temporal.RetryPolicy{InitialInterval: time.Second, MaximumInterval: time.Minute, MaximumAttempts: 5},
	})
	record := func() error { return workflow.ExecuteActivity(actx, ActivityRetentionRecord, res).Get(ctx, nil) }
	if err := record(); err != nil {
		return res, err
	}
	cutoff := now.Add(-in.After)
	var mark RetentionMarkResult
	if err := workflow.ExecuteActivity(actx, ActivityRetentionMark, RetentionMarkInput{Now: now, Cutoff: cutoff}).Get(ctx, &mark); err != nil {
		return res, err
	}
	res.Listed, res.Resumed = mark.Listed, mark.Resumed
	var failed []string
	for {
		var ids []string
		q := RetentionCandidatesInput{Cutoff: cutoff, GraceCutoff: now.Add(-in.Grace), Limit: in.Batch, Exclude: failed}
		if err := workflow.ExecuteActivity(actx, ActivityRetentionCandidates, q).Get(ctx, &ids); err != nil {
			return res, err
		}
		if len(ids) == 0 {
			break
		}
		for _, id := range ids {
			var first bool
			if err := workflow.ExecuteActivity(actx, ActivityRetentionErase, id).Get(ctx, &first); err != nil {
				// The error text may quote the data: it stays out of the log.
				workflow.GetLogger(ctx).Error("retention: a case could not be erased; the next run tries again", "case_id", id)
				failed = append(failed, id)
				res.Failed++
				continue
			}
			if first {
				res.Erased++
			}
		}
		if err := record(); err != nil {
			return res, err
		}
	}
	if res.Erased > 0 {
		if err := workflow.ExecuteActivity(actx, ActivityRetentionCompact).Get(ctx, nil); err != nil {
			workflow.GetLogger(ctx).Error("retention: database not compacted", "error", err)
		}
	}
	var purged int
	if err := workflow.ExecuteActivity(actx, ActivityRetentionPurgeAudit, res.AuditBefore).Get(ctx, &purged); err != nil {
		return res, err
	}
	res.AuditPurged = purged
	end := workflow.Now(ctx).UTC()
	res.FinishedAt = &end
	return res, record()
}
