package activities

import (
	"context"
	"encoding/json"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/projection"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// SendFollowUpSurvey writes the 6-month survey invitation of a closed case to the outbox
// (once, whatever the retries) and tries to deliver it; the outbox sweeper sends it
// again if the delivery fails.
func (a *Activities) SendFollowUpSurvey(ctx context.Context, in workflows.SurveyInvitation) error {
	n := workflows.Notification{ID: in.CaseID + "-followup-" + workflows.NotifySurvey + "-" + in.StructureID,
		Kind: workflows.NotifySurvey, RecipientStructureID: in.StructureID, At: in.At,
		Payload: map[string]any{"case_id": in.CaseID, "moment": in.Moment, "outcome": in.Outcome}}
	err := a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := a.writer().SurveyInvitation(tx, &n, in.CaseID); err != nil {
			return err
		}
		payload, _ := json.Marshal(n.Payload)
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.Notification{ID: n.ID, CaseID: in.CaseID,
			Kind: n.Kind, RecipientStructureID: n.RecipientStructureID, Payload: string(payload), CreatedAt: n.At}).Error
	})
	if err != nil {
		return projection.Classify(err)
	}
	if err := a.DeliverNotifications(ctx, []string{n.ID}); err != nil {
		a.Log.Warn("follow-up survey invitation not delivered yet: the outbox sweeper retries", "case_id", in.CaseID, "error", err)
	}
	return nil
}
