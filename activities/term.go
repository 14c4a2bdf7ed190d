package activities

import (
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"time"

	"go.temporal.io/sdk/activity"
	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// termNoticeAttempts is how many times a notice looks for a designation not (yet)
// committed before concluding that its vote was rolled back.
const termNoticeAttempts = 8

// CoordinationTermNotice records a term's reminder or lapse for the territory's
// coordination and the Région's supervisors, then delivers it. It does nothing when a
// newer designation has been adopted since (the pair's rights then follow the new
// one). Rows are keyed by designation and kind, so a retry writes them once.
func (a *Activities) CoordinationTermNotice(ctx context.Context, n workflows.TermNotice) error {
	db := a.Store.DB.WithContext(ctx)
	var this models.CoordinationVote
	err := db.Where("id = ?", n.DesignationID).Take(&this).Error
	if errors.Is(err, gorm.ErrRecordNotFound) {
		// The workflow starts inside the vote's transaction: the vote may not be
		// committed yet, so try again; after a while it was rolled back.
		if activity.GetInfo(ctx).Attempt < termNoticeAttempts {
			return fmt.Errorf("designation %s not (yet) recorded", n.DesignationID)
		}
		a.Log.Warn("coordination term without its designation: no notice", "designation_id", n.DesignationID)
		return nil
	}
	if err != nil {
		return err
	}
	var newer int64
	if err := db.Model(&models.CoordinationVote{}).Where("territory_id = ? AND result = ? AND id <> ? AND (starts_on > ? OR (starts_on = ? AND created_at > ?))",
		this.TerritoryID, models.VoteAdopted, this.ID, this.StartsOn, this.StartsOn, this.CreatedAt).Count(&newer).Error; err != nil {
		return err
	}
	if newer > 0 {
		a.Log.Info("coordination term superseded: no notice", "designation_id", this.ID, "kind", n.Kind)
		return nil
	}
	payload, _ := json.Marshal(map[string]any{"designation_id": this.ID, "structure_ids": this.StructureIDs,
		"starts_on": this.StartsOn, "ends_on": this.EndsOn})
	now := time.Now().UTC()
	var ids []string
	for _, role := range []string{models.RoleCoordinator, models.RoleSupervisor} {
		id := n.Kind + "-" + this.ID + "-" + role
		ids = append(ids, id)
		row := models.Notification{ID: id, Kind: n.Kind, RecipientTerritoryID: this.TerritoryID, RecipientRole: role,
			Payload: string(payload), CreatedAt: now}
		if err := db.Clauses(clause.OnConflict{DoNothing: true}).Create(&row).Error; err != nil {
			return err
		}
	}
	if err := a.DeliverNotifications(ctx, ids); err != nil {
		// The outbox sweeper sends them again.
		a.Log.Warn("coordination term notice not delivered yet", "designation_id", this.ID, "error", err)
	}
	return nil
}
