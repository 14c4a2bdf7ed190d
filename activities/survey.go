package activities

import (
	"context"
	"encoding/json"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/internal/survey"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// surveyInvitation keeps the survey an invitation sends and adds its signed link to the
// invitation's payload. The link depends only on the invitation (its ID and time), so a
// projection written again gives the same link.
func (a *Activities) surveyInvitation(tx *gorm.DB, n *workflows.Notification, caseID string) error {
	if n.Kind != workflows.NotifySurvey || a.Surveys == nil {
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
	payload["link"] = survey.Path(a.Surveys.Token(n.ID, exp))
	payload["expires_at"] = exp
	n.Payload = payload
	return nil
}

// SendFollowUpSurvey writes the 6-month survey invitation of a closed case to the outbox
// (once, whatever the retries) and tries to deliver it; the outbox sweeper sends it
// again if the delivery fails.
func (a *Activities) SendFollowUpSurvey(ctx context.Context, in workflows.SurveyInvitation) error {
	n := workflows.Notification{ID: in.CaseID + "-followup-" + workflows.NotifySurvey + "-" + in.StructureID,
		Kind: workflows.NotifySurvey, RecipientStructureID: in.StructureID, At: in.At,
		Payload: map[string]any{"case_id": in.CaseID, "moment": in.Moment, "outcome": in.Outcome}}
	err := a.Store.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if err := a.surveyInvitation(tx, &n, in.CaseID); err != nil {
			return err
		}
		payload, _ := json.Marshal(n.Payload)
		return tx.Clauses(clause.OnConflict{DoNothing: true}).Create(&models.Notification{ID: n.ID, CaseID: in.CaseID,
			Kind: n.Kind, RecipientStructureID: n.RecipientStructureID, Payload: string(payload), CreatedAt: n.At}).Error
	})
	if err != nil {
		return classify(err)
	}
	if err := a.DeliverNotifications(ctx, []string{n.ID}); err != nil {
		a.Log.Warn("follow-up survey invitation not delivered yet: the outbox sweeper retries", "case_id", in.CaseID, "error", err)
	}
	return nil
}
