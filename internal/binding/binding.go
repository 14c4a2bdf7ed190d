// Package binding ties a Temporal namespace and task queue to one cep database. Two
// deployments pointed at the same Temporal (same namespace and task queue, another
// database) would otherwise split new cases between their databases silently: each
// worker would take the other's tasks and project them into its own tables. A running
// binding workflow per task queue carries the database's identity in a search attribute
// (search attributes are not encrypted by the payload codec, and the identity is a
// random UUID, not personal data); every process checks it at start-up.
package binding

import (
	"context"
	"errors"
	"fmt"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/converter"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"go.temporal.io/sdk/workflow"
)

// Names of the binding in Temporal.
const (
	WorkflowName = "cep.DeploymentBinding"
	// SignalRetire ends the binding, for an operator who replaced the database on purpose.
	SignalRetire = "retire"
)

// SearchDatabaseID carries the bound database's identity.
var SearchDatabaseID = temporal.NewSearchAttributeKeyKeyword("CepDatabaseId")

// SearchAttributes lists the search attribute to register in the namespace.
func SearchAttributes() map[string]enumspb.IndexedValueType {
	return map[string]enumspb.IndexedValueType{SearchDatabaseID.GetName(): enumspb.INDEXED_VALUE_TYPE_KEYWORD}
}

// WorkflowID names the binding of a task queue.
func WorkflowID(taskQueue string) string { return "cep-binding-" + taskQueue }

// Workflow holds the binding for as long as the deployment lives: it waits for a retire
// signal and does nothing else, so its history stays a few events long.
func Workflow(ctx workflow.Context) error {
	workflow.GetSignalChannel(ctx, SignalRetire).Receive(ctx, nil)
	return nil
}

// Register adds the binding workflow to a worker of the bound task queue.
func Register(w worker.Worker) {
	w.RegisterWorkflowWithOptions(Workflow, workflow.RegisterOptions{Name: WorkflowName})
}

// ErrOtherDatabase is returned when the task queue is bound to another database.
var ErrOtherDatabase = errors.New("bound to another cep database")

// Check binds namespace/taskQueue to databaseID when nothing is bound yet, and refuses
// (ErrOtherDatabase, with what to change) when another database holds the binding.
func Check(ctx context.Context, c client.Client, namespace, taskQueue, databaseID string) error {
	ctx, cancel := context.WithTimeout(ctx, 30*time.Second)
	defer cancel()
	id := WorkflowID(taskQueue)
	_, err := c.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID:                       id,
		TaskQueue:                taskQueue,
		WorkflowIDConflictPolicy: enumspb.WORKFLOW_ID_CONFLICT_POLICY_USE_EXISTING,
		WorkflowIDReusePolicy:    enumspb.WORKFLOW_ID_REUSE_POLICY_ALLOW_DUPLICATE,
		TypedSearchAttributes:    temporal.NewSearchAttributes(SearchDatabaseID.ValueSet(databaseID)),
	}, WorkflowName)
	if err != nil {
		return fmt.Errorf("bind task queue %s to this database: %w", taskQueue, err)
	}
	desc, err := c.DescribeWorkflowExecution(ctx, id, "")
	var nf *serviceerror.NotFound
	if errors.As(err, &nf) {
		return fmt.Errorf("bind task queue %s: the binding workflow %s vanished; start again", taskQueue, id)
	}
	if err != nil {
		return fmt.Errorf("read the binding of task queue %s: %w", taskQueue, err)
	}
	bound := ""
	if p := desc.GetWorkflowExecutionInfo().GetSearchAttributes().GetIndexedFields()[SearchDatabaseID.GetName()]; p != nil {
		if err := converter.GetDefaultDataConverter().FromPayload(p, &bound); err != nil {
			return fmt.Errorf("read the binding of task queue %s: %w", taskQueue, err)
		}
	}
	if bound == databaseID {
		return nil
	}
	return fmt.Errorf("%w: Temporal namespace %q, task queue %q serve the cep database %s, and this process's database is %s. "+
		"Set CEP_TEMPORAL_NAMESPACE or CEP_TASK_QUEUE to ones of this deployment, or CEP_DATABASE_URL to the bound database; "+
		"if this database replaced the bound one on purpose, end the binding first: "+
		"temporal workflow signal --namespace %s --workflow-id %s --name %s",
		ErrOtherDatabase, namespace, taskQueue, bound, databaseID, namespace, id, SignalRetire)
}
