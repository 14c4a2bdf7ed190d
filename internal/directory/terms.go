package directory

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// TemporalTerms starts each designation's CoordinationTerm workflow on the task queue.
// Its ID names the designation, so starting it twice (the API, then a worker's start)
// runs it once, and a finished term is never started again.
func TemporalTerms(c client.Client, taskQueue string) TermStarter {
	return func(ctx context.Context, v models.CoordinationVote) error {
		last, err := time.ParseInLocation(time.DateOnly, v.EndsOn, convention.Paris)
		if err != nil {
			return err
		}
		in := workflows.CoordinationTermInput{DesignationID: v.ID, TerritoryID: v.TerritoryID, EndsAt: last.AddDate(0, 0, 1).UTC()}
		_, err = c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
			ID: workflows.CoordinationTermWorkflowID(v.ID), TaskQueue: taskQueue,
			WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
			WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
		}, workflows.CoordinationTermWorkflowName, in)
		var started *serviceerror.WorkflowExecutionAlreadyStarted
		if errors.As(err, &started) {
			return nil
		}
		return err
	}
}

// StartTermsInForce starts the reminders of every designation in force today: a worker
// calls it when it starts, so that a designation recorded while Temporal was out, or
// by the seed, still gets its reminder.
func StartTermsInForce(ctx context.Context, st *store.Store, start TermStarter) error {
	var territories []string
	if err := st.DB.WithContext(ctx).Model(&models.Territory{}).Pluck("id", &territories).Error; err != nil {
		return err
	}
	today := convention.Day(time.Now())
	for _, t := range territories {
		v, err := convention.InForce(ctx, st.DB, t, today)
		if err != nil {
			return err
		}
		if v == nil {
			continue
		}
		if err := start(ctx, *v); err != nil {
			return fmt.Errorf("start the coordination term of %s: %w", t, err)
		}
	}
	return nil
}
