// Package activities makes the side effects of case workflows: projecting each change
// into the database (idempotently, so a retried activity never writes a row twice) and
// delivering the notifications of the outbox.
package activities

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"net/http"
	"strings"
	"time"

	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"gorm.io/gorm"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/internal/projection"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Activities carries the dependencies of the case activities.
type Activities struct {
	Store *store.Store
	Log   *slog.Logger
	// HTTP delivers webhooks; its timeout bounds one delivery. Make it with
	// Webhooks.Client, which refuses to connect where the policy forbids.
	HTTP *http.Client
	// Webhooks is where webhooks may be delivered; every address is checked again at
	// each delivery.
	Webhooks webhook.Policy
	// Schemes are the configured Région and OPCO funding schemes.
	Schemes []financing.Scheme
	// ShortfallThresholdEUR is the amount left to pay above which a plan falls short.
	ShortfallThresholdEUR float64
	// Surveys signs the links of survey invitations (nil: invitations carry no link).
	Surveys *survey.Signer
	// Temporal answers whether a case's workflow exists (the orphan sweep); nil
	// disables that sweep.
	Temporal client.Client
}

// Register adds the activities to a worker under the names the workflow calls.
func (a *Activities) Register(w worker.Registry) {
	w.RegisterActivityWithOptions(a.ProjectCase, activity.RegisterOptions{Name: workflows.ActivityProject})
	w.RegisterActivityWithOptions(a.DeliverNotifications, activity.RegisterOptions{Name: workflows.ActivityDeliver})
	w.RegisterActivityWithOptions(a.SendFollowUpSurvey, activity.RegisterOptions{Name: workflows.ActivitySendFollowUp})
	w.RegisterActivityWithOptions(a.ComputeFinancingPlan, activity.RegisterOptions{Name: workflows.ActivityComputeFinancing})
	w.RegisterActivityWithOptions(a.ProjectFundingRequest, activity.RegisterOptions{Name: workflows.ActivityProjectFunding})
	w.RegisterActivityWithOptions(a.MarkProjectionFailed, activity.RegisterOptions{Name: workflows.ActivityMarkProjectionFailed})
	w.RegisterActivityWithOptions(a.RedriveOutbox, activity.RegisterOptions{Name: workflows.ActivityRedriveOutbox})
	w.RegisterActivityWithOptions(a.CoordinationTermNotice, activity.RegisterOptions{Name: workflows.ActivityCoordinationTermNote})
	w.RegisterActivityWithOptions(a.SweepOrphans, activity.RegisterOptions{Name: workflows.ActivitySweepOrphans})
}

// ProjectCase writes one batch of a case's changes (see projection.Writer): the
// projection activity of the case workflow. The last batch of a case that reached a CEP
// level also starts its follow-up, first: a refusal of the batch's data must not cost
// the person their survey.
func (a *Activities) ProjectCase(ctx context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
	if p.FollowUp != nil {
		if err := a.startFollowUp(ctx, *p.FollowUp); err != nil {
			return workflows.ProjectionResult{}, err
		}
	}
	return a.writer().Write(ctx, p)
}

// startFollowUp starts a closed case's follow-up workflow with a start delay to its
// date: until then the server keeps a delayed start, no timer and no task. Its ID is the
// case's, so a retried activity finds it started.
func (a *Activities) startFollowUp(ctx context.Context, in workflows.FollowUpInput) error {
	if a.Temporal == nil {
		return temporal.NewNonRetryableApplicationError("no Temporal client to start the follow-up", "Configuration", nil)
	}
	_, err := a.Temporal.ExecuteWorkflow(ctx, client.StartWorkflowOptions{
		ID: workflows.FollowUpWorkflowID(in.CaseID), TaskQueue: activity.GetInfo(ctx).TaskQueue,
		StartDelay:            max(time.Until(workflows.FollowUpDue(in)), 0),
		WorkflowIDReusePolicy: enumspb.WORKFLOW_ID_REUSE_POLICY_REJECT_DUPLICATE,
	}, workflows.FollowUpWorkflowName, in)
	var started *serviceerror.WorkflowExecutionAlreadyStarted
	if errors.As(err, &started) {
		return nil
	}
	return err
}

// writer writes projections with the activities' database, log and survey signer.
func (a *Activities) writer() *projection.Writer {
	return &projection.Writer{DB: a.Store.DB, Log: a.Log, Surveys: a.Surveys}
}

// MarkProjectionFailed flags a case row whose projection failed, keeping the time of the
// first failure. The next projection of the case without failed batches clears it.
func (a *Activities) MarkProjectionFailed(ctx context.Context, f workflows.ProjectionFailure) error {
	return a.Store.DB.WithContext(ctx).Model(&models.Case{}).Where("id = ?", f.CaseID).
		Update("projection_failed_at", gorm.Expr("COALESCE(projection_failed_at, ?)", f.At)).Error
}

// DeliverNotifications sends the given outbox rows that are not delivered yet: to the
// recipient structure's webhook when it has one, to the log otherwise. A failed webhook
// fails the activity so that Temporal retries it; rows already delivered are skipped.
func (a *Activities) DeliverNotifications(ctx context.Context, ids []string) error {
	var rows []models.Notification
	if err := a.Store.DB.WithContext(ctx).Where("id IN ? AND delivered_at IS NULL", ids).Order("created_at, id").Find(&rows).Error; err != nil {
		return err
	}
	var failed []error
	for _, n := range rows {
		channel, err := a.deliver(ctx, n)
		now := time.Now().UTC()
		upd := map[string]any{"attempts": gorm.Expr("attempts + 1")}
		if err != nil {
			// Never the address: a partner's URL may carry a token.
			upd["last_error"] = truncate(webhook.Describe(err), 500)
			failed = append(failed, fmt.Errorf("notification %s: %w", n.ID, err))
			metrics.OutboxDeliveries.WithLabelValues("failed").Inc()
		} else {
			upd["delivered_at"], upd["channel"], upd["last_error"] = now, channel, ""
			metrics.OutboxDeliveries.WithLabelValues("delivered").Inc()
		}
		if err := a.Store.DB.WithContext(ctx).Model(&models.Notification{}).Where("id = ?", n.ID).Updates(upd).Error; err != nil {
			return err
		}
	}
	return errors.Join(failed...)
}

func (a *Activities) deliver(ctx context.Context, n models.Notification) (string, error) {
	var url, secret string
	if n.RecipientStructureID != "" {
		var s models.Structure
		if err := a.Store.DB.WithContext(ctx).Select("webhook_url, webhook_secret").Where("id = ?", n.RecipientStructureID).Take(&s).Error; err == nil {
			url, secret = s.WebhookURL, s.WebhookSecret
		}
	}
	if url == "" {
		a.writer().LogNotification(n)
		return "log", nil
	}
	body, _ := json.Marshal(map[string]any{
		"id": n.ID, "kind": n.Kind, "case_id": n.CaseID, "recipient_structure_id": n.RecipientStructureID,
		"created_at": n.CreatedAt, "payload": json.RawMessage(n.Payload),
	})
	if secret == "" {
		return "", errors.New("the webhook has no signing secret: set the webhook again to get one")
	}
	target, err := a.Webhooks.Check(ctx, url)
	if err != nil {
		return "", err
	}
	req, err := http.NewRequestWithContext(ctx, http.MethodPost, target.String(), bytes.NewReader(body))
	if err != nil {
		return "", err
	}
	req.Header.Set("Content-Type", "application/json")
	req.Header.Set("Idempotency-Key", n.ID)
	req.Header.Set(webhook.SignatureHeader, webhook.Sign(secret, body))
	resp, err := a.HTTP.Do(req)
	if err != nil {
		return "", err
	}
	defer resp.Body.Close()
	if resp.StatusCode >= 300 {
		return "", webhookStatus(resp.StatusCode)
	}
	return "webhook", nil
}

// webhookStatus is a webhook's refusal (3xx included: redirects are not followed).
type webhookStatus int

func (w webhookStatus) Error() string { return fmt.Sprintf("webhook answered %d", int(w)) }

func truncate(s string, n int) string {
	if len(s) <= n {
		return s
	}
	return strings.ToValidUTF8(s[:n], "")
}
