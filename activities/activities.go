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
	"slices"
	"strings"
	"time"

	"go.temporal.io/sdk/activity"
	"go.temporal.io/sdk/client"
	"go.temporal.io/sdk/temporal"
	"go.temporal.io/sdk/worker"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/financing"
	"github.com/spro-cep/cep/internal/metrics"
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

// ProjectCase writes one batch of a case's changes in a single transaction. Every write
// is idempotent: rows keyed by the workflow's own IDs are inserted once, and the case
// row is only replaced by a newer version.
//
// A notification whose recipient has no webhook is delivered to the log in the same
// transaction (the delivery activity would only have done that, one activity and one
// workflow task later); the result lists those that wait for a webhook.
func (a *Activities) ProjectCase(ctx context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
	var res workflows.ProjectionResult
	var logged []models.Notification
	c := p.Case
	state, err := json.Marshal(c)
	if err != nil {
		return res, err
	}
	row := models.Case{
		ID: c.ID, TerritoryID: c.TerritoryID, StructureID: c.StructureID, Stage: c.Stage, Paused: c.Paused,
		Escalated: c.Escalated, DueAt: c.DueAt, Channel: c.Channel, Public: c.Public, Gender: c.Gender,
		AgeBand: c.AgeBand, ConsentDataSharing: c.ConsentDataSharing, FinancingAlert: c.FinancingAlert, CreatedBy: c.CreatedBy,
		CreatedAt: c.CreatedAt, UpdatedAt: c.UpdatedAt, ClosedAt: c.ClosedAt, LastActivityAt: c.LastActivityAt,
		Version: c.Version, State: string(state),
	}
	if c.ReferentAdviserID != "" {
		row.ReferentAdviserID = &c.ReferentAdviserID
	}
	if c.Outcome != "" {
		row.Outcome = &c.Outcome
	}
	if h := c.Handoff; h != nil {
		row.HandoffID, row.HandoffTargetID = &h.ID, &h.ToStructureID
	}
	row.ProjectionFailedAt = c.ProjectionFailedAt
	row.ErasedAt, row.ErasureReason = c.ErasedAt, c.ErasureReason
	err = a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		// Newer versions win; an older retried batch still adds its events below.
		if err := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "cases.version < excluded.version"}}},
			UpdateAll: true,
		}).Create(&row).Error; err != nil {
			return fmt.Errorf("project case: %w", err)
		}
		if err := projectSupervision(tx, p); err != nil {
			return err
		}
		for _, e := range p.Events {
			details, _ := json.Marshal(e.Details)
			ev := models.CaseEvent{CaseID: c.ID, Seq: e.Seq, Type: e.Type, ActorID: e.ActorID, ActorRole: e.ActorRole,
				StructureID: e.StructureID, At: e.At, RequestID: e.RequestID, Details: string(details)}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&ev).Error; err != nil {
				return fmt.Errorf("project event: %w", err)
			}
		}
		for _, h := range p.Handoffs {
			hr := handoffRow(c, h)
			if err := tx.Clauses(clause.OnConflict{
				Columns:   []clause.Column{{Name: "id"}},
				Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "handoffs.version <= excluded.version"}}},
				UpdateAll: true,
			}).Create(&hr).Error; err != nil {
				return fmt.Errorf("project hand-off: %w", err)
			}
		}
		for _, s := range p.Sessions {
			sr := models.CaseSession{ID: s.ID, CaseID: c.ID, Date: s.Date, DurationMinutes: s.DurationMinutes, Mode: s.Mode,
				Summary: s.Summary, AdviserID: s.AdviserID, StructureID: c.StructureID, Stage: s.Stage, CreatedAt: c.UpdatedAt}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&sr).Error; err != nil {
				return fmt.Errorf("project session: %w", err)
			}
		}
		for _, ch := range p.SessionChanges {
			cols := map[string]any{}
			if ch.Date != nil {
				cols["date"] = *ch.Date
			}
			if ch.DurationMinutes != nil {
				cols["duration_minutes"] = *ch.DurationMinutes
			}
			if ch.Mode != nil {
				cols["mode"] = *ch.Mode
			}
			if ch.Summary != nil {
				cols["summary"] = *ch.Summary
			}
			if len(cols) > 0 {
				if err := tx.Model(&models.CaseSession{}).Where("id = ? AND case_id = ?", ch.SessionID, c.ID).Updates(cols).Error; err != nil {
					return fmt.Errorf("project session change: %w", err)
				}
			}
		}
		if len(p.RemovedSessions) > 0 {
			if err := tx.Where("case_id = ? AND id IN ?", c.ID, p.RemovedSessions).Delete(&models.CaseSession{}).Error; err != nil {
				return fmt.Errorf("project session removal: %w", err)
			}
		}
		for _, pr := range p.AllPlanRevisions() {
			actions, _ := json.Marshal(pr.Actions)
			rev := models.PlanRevision{CaseID: c.ID, Revision: pr.Revision, Actions: string(actions), ActorID: pr.ActorID, CreatedAt: pr.At}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&rev).Error; err != nil {
				return fmt.Errorf("project plan revision: %w", err)
			}
		}
		for _, fp := range p.AllFinancingPlans() {
			plan, _ := json.Marshal(fp.Plan)
			row := models.FinancingPlan{CaseID: c.ID, Revision: fp.Revision, PlanRevision: fp.PlanRevision, Shortfall: fp.Shortfall,
				LeftToPay: fp.LeftToPayEUR, Plan: string(plan), ActorID: fp.ActorID, CreatedAt: fp.At}
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
				return fmt.Errorf("project financing plan: %w", err)
			}
		}
		hooked, err := webhookRecipients(tx, p.Notifications)
		if err != nil {
			return fmt.Errorf("project notification: %w", err)
		}
		res.Webhooks, logged = nil, nil // a retried transaction starts again
		for _, n := range p.Notifications {
			if err := a.surveyInvitation(tx, &n, c.ID); err != nil {
				return fmt.Errorf("project survey invitation: %w", err)
			}
			payload, _ := json.Marshal(n.Payload)
			nr := models.Notification{ID: n.ID, CaseID: c.ID, Kind: n.Kind, RecipientStructureID: n.RecipientStructureID,
				RecipientTerritoryID: n.RecipientTerritoryID, RecipientRole: n.RecipientRole, Payload: string(payload), CreatedAt: n.At}
			if !hooked[n.RecipientStructureID] {
				at := time.Now().UTC()
				nr.DeliveredAt, nr.Channel, nr.Attempts = &at, "log", 1
			}
			ins := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&nr)
			if ins.Error != nil {
				return fmt.Errorf("project notification: %w", ins.Error)
			}
			switch {
			case hooked[n.RecipientStructureID]:
				res.Webhooks = append(res.Webhooks, n.ID)
			case ins.RowsAffected == 1:
				logged = append(logged, nr)
			}
		}
		if c.ErasedAt != nil {
			// The workflow erased the case: its database copy goes in the same
			// transaction. The audit of who erased is the service's (or retention's).
			if _, err := store.EraseCaseTx(tx, store.Erasure{CaseID: c.ID, Reason: c.ErasureReason, At: *c.ErasedAt}); err != nil {
				return err
			}
		}
		return nil
	})
	err = classify(err)
	observeProjection(err, c.UpdatedAt)
	if err != nil {
		return workflows.ProjectionResult{}, err
	}
	for _, n := range logged {
		a.logNotification(n)
		metrics.OutboxDeliveries.WithLabelValues("delivered").Inc()
	}
	return res, nil
}

// webhookRecipients are the recipient structures of ns that have a webhook.
func webhookRecipients(tx *gorm.DB, ns []workflows.Notification) (map[string]bool, error) {
	var ids []string
	for _, n := range ns {
		if n.RecipientStructureID != "" && !slices.Contains(ids, n.RecipientStructureID) {
			ids = append(ids, n.RecipientStructureID)
		}
	}
	out := map[string]bool{}
	if len(ids) == 0 {
		return out, nil
	}
	var hooked []string
	if err := tx.Model(&models.Structure{}).Where("id IN ? AND webhook_url <> ''", ids).Pluck("id", &hooked).Error; err != nil {
		return nil, err
	}
	for _, id := range hooked {
		out[id] = true
	}
	return out, nil
}

// observeProjection records a projection's lag (from the change in the workflow to the
// row written) or its failure, for the metrics.
func observeProjection(err error, changedAt time.Time) {
	var appErr *temporal.ApplicationError
	switch {
	case err == nil:
		metrics.ProjectionLag.Observe(time.Since(changedAt).Seconds())
	case errors.As(err, &appErr) && appErr.Type() == workflows.ProjectionDataError:
		metrics.ProjectionFailures.WithLabelValues("data").Inc()
	default:
		metrics.ProjectionFailures.WithLabelValues("outage").Inc()
	}
}

// MarkProjectionFailed flags a case row whose projection failed, keeping the time of the
// first failure. The next projection of the case without failed batches clears it.
func (a *Activities) MarkProjectionFailed(ctx context.Context, f workflows.ProjectionFailure) error {
	return a.Store.DB.WithContext(ctx).Model(&models.Case{}).Where("id = ?", f.CaseID).
		Update("projection_failed_at", gorm.Expr("COALESCE(projection_failed_at, ?)", f.At)).Error
}

// logNotification is the delivery of a notification whose recipient has no webhook.
// No personal data here: IDs and kinds only.
func (a *Activities) logNotification(n models.Notification) {
	a.Log.Info("notification", "id", n.ID, "kind", n.Kind, "case_id", n.CaseID,
		"structure_id", n.RecipientStructureID, "territory_id", n.RecipientTerritoryID, "role", n.RecipientRole)
}

func handoffRow(c workflows.Case, h workflows.Handoff) models.Handoff {
	return models.Handoff{
		ID: h.ID, CaseID: c.ID, FromStructureID: h.FromStructureID, ToStructureID: h.ToStructureID, Status: h.Status,
		Reason: h.Reason, Note: h.Note, FromStage: h.FromStage, RequestedBy: h.RequestedBy, RequestedAt: h.RequestedAt,
		RemindAt: h.RemindAt, DueAt: h.DueAt, Reminders: h.Reminders, DecidedBy: h.DecidedBy, DecidedAt: h.DecidedAt,
		DeclineReason: h.DeclineReason, DecisionNote: h.DecisionNote, Version: c.Version,
	}
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
		a.logNotification(n)
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
