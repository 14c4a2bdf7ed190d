package cases

import (
	"context"
	"errors"
	"slices"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// typed turns what Temporal answered into the service's refusals where it is one.
func typed(err error) error {
	if err == nil {
		return nil
	}
	if e := AsError(err); e != nil {
		return e
	}
	return err
}

// update sends an update to the case workflow and waits for its result. The update ID
// comes from the idempotency key, so that a retried command is applied once.
func (s *Service) update(ctx context.Context, row *models.Case, name, key string, in any) (workflows.Case, error) {
	var res workflows.UpdateResult
	out := &res.Case
	if err := checkKey(key); err != nil {
		return *out, err
	}
	updateID := ""
	if key != "" {
		updateID = name + ":" + key
	}
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	defer cancel()
	err := s.guarded(tctx, func(ctx context.Context) error {
		h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.WorkflowID(row.ID), UpdateID: updateID, UpdateName: name,
			Args: []any{in}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			noteRun(ctx, row.ID, h.RunID())
			err = h.Get(ctx, &res)
		}
		return err
	})
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed") {
			if fresh, ferr := s.caseRow(ctx, row.ID); ferr == nil && fresh.Stage == workflows.StageClosed {
				return *out, Conflict("the case is closed", workflows.StageClosed, false)
			}
		}
		return *out, typed(err)
	}
	return *out, s.writeBatch(ctx, res.Batch)
}

// writeBatch writes the batch of changes an update answered with, before the caller
// gets its answer: what the caller reads next holds its change. The change is recorded
// in the workflow whatever happens here, and the workflow writes the batch again itself
// a little later (workflows.UpdateResult). An outage is retried for as long as a call
// to the workflow may take, as the workflow's own projection would be, and then
// answered 503: a retry with the same key answers the same batch and writes it. A
// refusal of the data is the workflow's to record (its own write fails the same way),
// so the command still succeeds. Batches of older runs are nil: their workflow wrote
// them already.
func (s *Service) writeBatch(ctx context.Context, b *workflows.Projection) error {
	if b == nil || s.writer == nil {
		return nil
	}
	if s.writer.Surveys == nil && slices.ContainsFunc(b.Notifications, func(n workflows.Notification) bool { return n.Kind == workflows.NotifySurvey }) {
		// Without the signer a survey invitation would go out without its link: the
		// workflow, whose worker has it, writes the batch now, and the answer waits.
		return s.reprojectNow(ctx, b)
	}
	// A client that hangs up does not stop the write of a change already made.
	wctx, cancel := context.WithTimeout(context.WithoutCancel(ctx), s.updateTimeout)
	defer cancel()
	for wait := 50 * time.Millisecond; ; wait = min(2*wait, time.Second) {
		res, err := s.writer.Write(wctx, *b)
		var appErr *temporal.ApplicationError
		switch {
		case err == nil:
			if len(res.Webhooks) > 0 {
				// Only the workflow delivers; if this ask is lost, its own write of
				// the batch names them again.
				if err := s.signal(wctx, workflows.WorkflowID(b.Case.ID), workflows.SignalDeliver, workflows.DeliverSignal{IDs: res.Webhooks}); err != nil {
					s.log.WarnContext(ctx, "delivery not asked: the workflow's own write asks it", "case_id", b.Case.ID, "error", err)
				}
			}
			return nil
		case errors.As(err, &appErr) && appErr.Type() == workflows.ProjectionDataError:
			// No error text: a database's refusal may quote the data.
			s.log.WarnContext(ctx, "the database refused the answer's changes: the workflow records it", "case_id", b.Case.ID, "version", b.Case.Version)
			return nil
		}
		select {
		case <-wctx.Done():
			s.log.WarnContext(ctx, "the answer's changes are not written yet: the database is out", "case_id", b.Case.ID, "version", b.Case.Version)
			return Unavailable("the change is made but the database cannot be reached to show it; retry with the same Idempotency-Key")
		case <-time.After(wait):
		}
	}
}

// reprojectNow has the case workflow write what it holds (UpdateReproject) and waits
// for the write; a closed case writes it before its workflow ends, which it waits for.
func (s *Service) reprojectNow(ctx context.Context, b *workflows.Projection) error {
	caseID := b.Case.ID
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	defer cancel()
	return typed(s.guarded(tctx, func(ctx context.Context) error {
		if b.Case.Stage == workflows.StageClosed {
			return s.awaitEnd(ctx, workflows.WorkflowID(caseID))
		}
		h, err := s.temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
			WorkflowID: workflows.WorkflowID(caseID), UpdateName: workflows.UpdateReproject,
			Args: []any{workflows.ReprojectInput{}}, WaitForStage: client.WorkflowUpdateStageCompleted,
		})
		if err == nil {
			err = h.Get(ctx, nil)
		}
		return err
	}))
}

// awaitEnd waits for a case workflow's end (see AwaitEnd).
func (s *Service) awaitEnd(ctx context.Context, workflowID string) error {
	return AwaitEnd(ctx, s.temporal, workflowID, "", time.Second)
}

// AwaitEnd waits for a workflow's end and returns its error. The client's wait is a
// long poll of the history, which now and then misses the close and waits out the
// server's 20 seconds (seen on the embedded server): asking again every `again` finds
// the close at once.
func AwaitEnd(ctx context.Context, c client.Client, workflowID, runID string, again time.Duration) error {
	for {
		tctx, cancel := context.WithTimeout(ctx, again)
		begin := time.Now()
		err := c.GetWorkflow(tctx, workflowID, runID).Get(tctx, nil)
		// The server may end the call at its deadline before the context says so.
		expired := tctx.Err() != nil || time.Since(begin) >= again-10*time.Millisecond
		cancel()
		if err == nil || !expired || ctx.Err() != nil {
			return err
		}
	}
}

// builder makes an update's input for the case and the caller as the workflow records
// it; it may refuse the command (validation that needs the case).
type builder func(row *models.Case, a workflows.Actor) (any, error)

// act runs a case action: visibility, role, the update, and the audit of its answer.
// body is the command and the IDs of its path, whose hash the idempotency key is tied to.
func (s *Service) act(ctx context.Context, c Caller, caseID, key, name, what string, body any, build builder) (*models.Case, workflows.Case, error) {
	row, err := s.visible(ctx, c, caseID)
	if err != nil {
		return nil, workflows.Case{}, err
	}
	if err := mayChangeCases(c); err != nil {
		return nil, workflows.Case{}, err
	}
	out, err := s.apply(ctx, c, row, key, name, what, body, build)
	return row, out, err
}

// apply builds an update's input for the caller, sends it to the case workflow and
// records the read that its answer is: the answer carries the person's details, the
// change itself is in the timeline.
func (s *Service) apply(ctx context.Context, c Caller, row *models.Case, key, name, what string, body any, build builder) (workflows.Case, error) {
	a, err := s.actor(ctx, c)
	if err != nil {
		return workflows.Case{}, err
	}
	in, err := build(row, a)
	if err != nil {
		return workflows.Case{}, err
	}
	release, err := s.claimKey(ctx, c, key, name+":"+row.ID, body)
	if err != nil {
		return workflows.Case{}, err
	}
	out, err := s.update(ctx, row, name, key, in)
	if err != nil {
		release(err)
		return out, err
	}
	return out, s.auditRead(ctx, c, what, row.ID)
}

// signal sends an asynchronous event to a workflow.
func (s *Service) signal(ctx context.Context, workflowID, name string, arg any) error {
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	defer cancel()
	return s.guarded(tctx, func(ctx context.Context) error {
		return s.temporal.SignalWorkflow(ctx, workflowID, "", name, arg)
	})
}

// open starts the case workflow and runs its opening update in one call
// (update-with-start), so that a retried creation neither starts a second workflow nor
// opens the case twice.
func (s *Service) open(ctx context.Context, open *workflows.OpenCase) (workflows.Case, error) {
	tctx, cancel := context.WithTimeout(ctx, s.updateTimeout)
	defer cancel()
	start := s.temporal.NewWithStartWorkflowOperation(client.StartWorkflowOptions{
		ID:                       workflows.WorkflowID(open.CaseID),
		TaskQueue:                s.taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		TypedSearchAttributes:    workflows.OpeningSearchAttributes(open),
	}, workflows.CaseWorkflowName, workflows.CaseInput{Settings: s.settings, Open: open})
	var res workflows.UpdateResult
	err := s.guarded(tctx, func(ctx context.Context) error {
		h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateName: workflows.UpdateOpen, UpdateID: workflows.UpdateOpen, WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err == nil {
			noteRun(ctx, open.CaseID, h.RunID())
			err = h.Get(ctx, &res)
		}
		return err
	})
	if err != nil {
		return res.Case, typed(err)
	}
	return res.Case, s.writeBatch(ctx, res.Batch)
}

// forgetUnstartedCase removes the personal details written for a creation that failed
// without an idempotency key, once Temporal confirms that no workflow started: nobody
// can retry that command, so the row would only be personal data without a case. When
// Temporal cannot say, the row stays; a retry with a key is the way to be exactly-once.
func (s *Service) forgetUnstartedCase(caseID string) {
	if s.health.down() {
		// Temporal was just found unreachable: it cannot say now, and the caller is
		// waiting. The outbox sweeper removes the row once Temporal says NotFound.
		return
	}
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Second)
	defer cancel()
	_, err := s.temporal.DescribeWorkflowExecution(ctx, workflows.WorkflowID(caseID), "")
	var nf *serviceerror.NotFound
	if !errors.As(err, &nf) {
		return
	}
	if err := s.db(ctx).Where("case_id = ?", caseID).Delete(&models.Beneficiary{}).Error; err != nil {
		s.log.Warn("personal details of a failed creation not removed", "case_id", caseID, "error", err)
	}
}
