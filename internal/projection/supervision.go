package projection

import (
	"fmt"
	"time"

	"gorm.io/gorm"

	"github.com/spro-cep/cep/workflows"
)

// projectSupervision keeps the columns the stuck-case list filters on: when the case
// entered its current stage, was paused, had its pending hand-off first reminded, and was
// escalated by an expired hand-off. It only touches the row of this very version, so a
// late, retried batch changes nothing.
func projectSupervision(tx *gorm.DB, p workflows.Projection) error {
	c := p.Case
	at := func(typ string) time.Time {
		for _, e := range p.Events {
			if e.Type == typ {
				return e.At
			}
		}
		return c.UpdatedAt
	}
	overdue := c.Handoff != nil && c.Handoff.Status == workflows.HandoffPending && c.Handoff.Reminders > 0
	err := tx.Exec(`UPDATE cases SET
		stage_entered_at = CASE WHEN entered_stage IS NULL OR entered_stage <> stage THEN ? ELSE stage_entered_at END,
		entered_stage = stage,
		paused_at = ?,
		handoff_overdue_at = CASE WHEN ? THEN COALESCE(handoff_overdue_at, ?) ELSE NULL END,
		escalated_at = CASE WHEN escalated THEN COALESCE(escalated_at, ?) ELSE NULL END
		WHERE id = ? AND version = ?`,
		c.UpdatedAt, c.PausedAt, overdue, at("handoff_reminded"), at("handoff_expired"), c.ID, c.Version).Error
	if err != nil {
		return fmt.Errorf("project supervision columns: %w", err)
	}
	return nil
}
