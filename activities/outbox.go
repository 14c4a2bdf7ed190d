package activities

import (
	"context"
	"time"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// RedriveOutbox sends again the oldest notifications still undelivered after MinAge
// (their case's own retries are over by then). A failed delivery is recorded on its row
// (attempts, last error) and left for the next sweep: the sweep itself succeeds.
func (a *Activities) RedriveOutbox(ctx context.Context, s workflows.OutboxSweep) (workflows.OutboxSweepResult, error) {
	cutoff := time.Now().UTC().Add(-s.MinAge)
	var ids []string
	err := a.Store.DB.WithContext(ctx).Model(&models.Notification{}).
		Where("delivered_at IS NULL AND created_at < ?", cutoff).
		Order("created_at, id").Limit(s.Batch).Pluck("id", &ids).Error
	if err != nil || len(ids) == 0 {
		return workflows.OutboxSweepResult{}, err
	}
	if err := a.DeliverNotifications(ctx, ids); err != nil {
		a.Log.Warn("outbox sweep: some notifications still undelivered", "error", err)
	}
	var delivered int64
	err = a.Store.DB.WithContext(ctx).Model(&models.Notification{}).
		Where("id IN ? AND delivered_at IS NOT NULL", ids).Count(&delivered).Error
	return workflows.OutboxSweepResult{Attempted: len(ids), Delivered: int(delivered)}, err
}
