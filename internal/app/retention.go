package app

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	namespacepb "go.temporal.io/api/namespace/v1"
	"go.temporal.io/api/workflowservice/v1"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"google.golang.org/protobuf/types/known/durationpb"

	"github.com/spro-cep/cep/internal/config"
	"github.com/spro-cep/cep/workflows"
)

// RetentionInput are the periods of the retention runs, from the configuration.
func RetentionInput(cfg config.Config) workflows.RetentionInput {
	return workflows.RetentionInput{After: cfg.RetentionAfter.D(), Grace: cfg.RetentionGrace.D(), AuditRetention: cfg.AuditRetention.D()}
}

// EnsureRetentionSchedule creates the cep-retention schedule when it is missing, and
// otherwise brings its interval and periods to the configuration's: every worker
// calls it at start, the schedule ID keeps it to one per namespace. Overlapping runs
// are skipped (a run still going when the next is due finishes first).
func EnsureRetentionSchedule(ctx context.Context, c client.Client, cfg config.Config) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	spec := client.ScheduleSpec{Intervals: []client.ScheduleIntervalSpec{{Every: cfg.RetentionEvery.D()}}}
	action := &client.ScheduleWorkflowAction{ID: workflows.RetentionScheduleID, Workflow: workflows.RetentionWorkflowName,
		TaskQueue: cfg.TaskQueue, Args: []any{RetentionInput(cfg)}, WorkflowExecutionTimeout: 24 * time.Hour}
	sc := c.ScheduleClient()
	_, err := sc.Create(ctx, client.ScheduleOptions{ID: workflows.RetentionScheduleID, Spec: spec, Action: action,
		Overlap: enumspb.SCHEDULE_OVERLAP_POLICY_SKIP, Note: "cep: erases personal data past the retention periods"})
	if err == nil {
		return nil
	}
	if !errors.Is(err, temporal.ErrScheduleAlreadyRunning) {
		return fmt.Errorf("create the retention schedule %s: %w", workflows.RetentionScheduleID, err)
	}
	err = sc.GetHandle(ctx, workflows.RetentionScheduleID).Update(ctx, client.ScheduleUpdateOptions{
		DoUpdate: func(in client.ScheduleUpdateInput) (*client.ScheduleUpdate, error) {
			s := in.Description.Schedule
			s.Spec, s.Action = &spec, action
			return &client.ScheduleUpdate{Schedule: &s}, nil
		},
	})
	if err != nil {
		return fmt.Errorf("update the retention schedule %s: %w", workflows.RetentionScheduleID, err)
	}
	return nil
}

// setNamespaceRetention sets how long the embedded server keeps closed workflows'
// histories (CEP_TEMPORAL_RETENTION), also on a data directory made before.
func setNamespaceRetention(ctx context.Context, c client.Client, namespace string, d time.Duration) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	_, err := c.WorkflowService().UpdateNamespace(ctx, &workflowservice.UpdateNamespaceRequest{
		Namespace: namespace, Config: &namespacepb.NamespaceConfig{WorkflowExecutionRetentionTtl: durationpb.New(d)},
	})
	if err != nil {
		return fmt.Errorf("set the namespace retention (CEP_TEMPORAL_RETENTION): %w", err)
	}
	return nil
}
