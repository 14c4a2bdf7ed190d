// Package projection writes a case's changes into the database: the batches the case
// workflow hands to its projection activity and to the callers of its updates. Every
// write is idempotent, so either may write a batch again, in any order.
package projection

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"log/slog"
	"slices"
	"time"

	"go.temporal.io/sdk/temporal"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/metrics"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// Writer writes batches of case changes.
type Writer struct {
	DB  *gorm.DB
	Log *slog.Logger
	// Surveys signs the links of survey invitations (nil: invitations carry no link).
	Surveys *survey.Signer
}

// Write writes one batch of a case's changes in a single transaction. Every write
// is idempotent: rows keyed by the workflow's own IDs are inserted once, and the case
// row is only replaced by a newer version. The case workflow calls it as an activity,
// and the API calls it with the batch an update answered (workflows.UpdateResult).
//
// A notification whose recipient has no webhook is delivered to the log in the same
// transaction (the delivery activity would only have done that, one activity and one
// workflow task later); the result lists those that wait for a webhook.
func (w *Writer) Write(ctx context.Context, p workflows.Projection) (workflows.ProjectionResult, error) {
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
	err = w.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		p := p
		if skip, err := writtenBefore(tx, p); err != nil {
			return fmt.Errorf("project case: %w", err)
		} else if skip != nil {
			p = p.Since(*skip)
		}
		// Newer versions win; an older retried batch still adds its events below,
		// unless it is cumulative: then the newer batch written holds all of it.
		upsert := tx.Clauses(clause.OnConflict{
			Columns:   []clause.Column{{Name: "id"}},
			Where:     clause.Where{Exprs: []clause.Expression{clause.Expr{SQL: "cases.version < excluded.version"}}},
			UpdateAll: true,
		}).Create(&row)
		if upsert.Error != nil {
			return fmt.Errorf("project case: %w", upsert.Error)
		}
		if p.Cumulative && upsert.RowsAffected == 0 {
			// Its notifications are in the outbox: those for a webhook that are not
			// delivered yet still go to delivery.
			res.Webhooks = nil
			hooked, err := webhookRecipients(tx, p.Notifications)
			if err != nil {
				return err
			}
			var ids []string
			for _, n := range p.Notifications {
				if hooked[n.RecipientStructureID] {
					ids = append(ids, n.ID)
				}
			}
			if len(ids) == 0 {
				return nil
			}
			return tx.Model(&models.Notification{}).Where("id IN ? AND delivered_at IS NULL", ids).Order("id").Pluck("id", &res.Webhooks).Error
		}
		if err := projectSupervision(tx, p); err != nil {
			return err
		}
		// One statement for the events (a cumulative batch may hold many written
		// already, which it skips).
		events := make([]models.CaseEvent, 0, len(p.Events))
		for _, e := range p.Events {
			details, _ := json.Marshal(e.Details)
			events = append(events, models.CaseEvent{CaseID: c.ID, Seq: e.Seq, Type: e.Type, ActorID: e.ActorID, ActorRole: e.ActorRole,
				StructureID: e.StructureID, At: e.At, RequestID: e.RequestID, Details: string(details)})
		}
		if len(events) > 0 {
			if err := tx.Clauses(clause.OnConflict{DoNothing: true}).CreateInBatches(&events, 200).Error; err != nil {
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
			if err := w.SurveyInvitation(tx, &n, c.ID); err != nil {
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
	err = Classify(err)
	observeProjection(err, c.UpdatedAt)
	if err != nil {
		return workflows.ProjectionResult{}, err
	}
	for _, n := range logged {
		w.LogNotification(n)
		metrics.OutboxDeliveries.WithLabelValues("delivered").Inc()
	}
	return res, nil
}

// writtenBefore is what a cumulative batch need not write again: the items the batch
// of version Written.Base held, when the case row is at that version (that batch, or the
// workflow's own write of the same version, wrote them all). Nil otherwise: a writer
// that came first, or after another change, writes everything, idempotently.
func writtenBefore(tx *gorm.DB, p workflows.Projection) (*workflows.BatchSize, error) {
	w := p.Written
	if !p.Cumulative || w == nil {
		return nil, nil
	}
	n := w.Prefix
	if n.Handoffs+n.Sessions+n.SessionChanges+n.Removed+n.Plans+n.Financing+n.Notifications == 0 {
		// Events only: they go in one statement whatever their number, and a read of
		// the row would cost as much as it saves.
		return nil, nil
	}
	if n.Events > len(p.Events) || n.Handoffs > len(p.Handoffs) || n.Sessions > len(p.Sessions) ||
		n.SessionChanges > len(p.SessionChanges) || n.Removed > len(p.RemovedSessions) || n.Notifications > len(p.Notifications) ||
		n.Plans > len(p.AllPlanRevisions()) || n.Financing > len(p.AllFinancingPlans()) {
		return nil, nil
	}
	var at []int64
	if err := tx.Model(&models.Case{}).Where("id = ?", p.Case.ID).Limit(1).Pluck("version", &at).Error; err != nil {
		return nil, err
	}
	if len(at) != 1 || at[0] != w.Base {
		return nil, nil
	}
	return &n, nil
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

// LogNotification is the delivery of a notification whose recipient has no webhook.
// No personal data here: IDs and kinds only.
func (w *Writer) LogNotification(n models.Notification) {
	w.Log.Info("notification", "id", n.ID, "kind", n.Kind, "case_id", n.CaseID,
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

// SurveyInvitation keeps the survey an invitation sends and adds its signed link to the
// invitation's payload. The link depends only on the invitation (its ID and time), so a
// projection written again gives the same link.
func (w *Writer) SurveyInvitation(tx *gorm.DB, n *workflows.Notification, caseID string) error {
	if n.Kind != workflows.NotifySurvey || w.Surveys == nil {
		return nil
	}
	at := n.At
	if at.IsZero() {
		at = time.Now().UTC()
	}
	exp := at.Add(survey.Validity)
	moment, _ := n.Payload["moment"].(string)
	level, _ := n.Payload["level"].(string)
	row := models.Survey{ID: n.ID, CaseID: caseID, Moment: moment, Level: level, SentAt: at, ExpiresAt: exp}
	if err := tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
		return err
	}
	payload := make(map[string]any, len(n.Payload)+2)
	for k, v := range n.Payload {
		payload[k] = v
	}
	payload["link"] = survey.Path(w.Surveys.Token(n.ID, exp))
	payload["expires_at"] = exp
	n.Payload = payload
	return nil
}
