package cases

import (
	"context"
	"errors"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

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
	var out workflows.Case
	if err := checkKey(key); err != nil {
		return out, err
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
			err = h.Get(ctx, &out)
		}
		return err
	})
	if err != nil {
		var nf *serviceerror.NotFound
		if errors.As(err, &nf) || strings.Contains(err.Error(), "workflow execution already completed") {
			if fresh, ferr := s.caseRow(ctx, row.ID); ferr == nil && fresh.Stage == workflows.StageClosed {
				return out, Conflict("the case is closed", workflows.StageClosed, false)
			}
		}
		return out, typed(err)
	}
	return out, nil
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
	var out workflows.Case
	err := s.guarded(tctx, func(ctx context.Context) error {
		h, err := s.temporal.UpdateWithStartWorkflow(ctx, client.UpdateWithStartWorkflowOptions{
			StartWorkflowOperation: start,
			UpdateOptions: client.UpdateWorkflowOptions{
				UpdateName: workflows.UpdateOpen, UpdateID: workflows.UpdateOpen, WaitForStage: client.WorkflowUpdateStageCompleted,
			},
		})
		if err == nil {
			noteRun(ctx, open.CaseID, h.RunID())
			err = h.Get(ctx, &out)
		}
		return err
	})
	return out, typed(err)
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
