package activities

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/testsuite"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// A term's notice goes once to the coordination and the supervisors, and not at all
// when a newer designation was adopted or the designation does not exist.
func TestCoordinationTermNotice(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	db := a.Store.DB
	var seeded models.CoordinationVote
	if err := db.Where("territory_id = ?", "chartres").Take(&seeded).Error; err != nil {
		t.Fatal(err)
	}
	count := func(kind string) int64 {
		var n int64
		db.Model(&models.Notification{}).Where("kind = ?", kind).Count(&n)
		return n
	}
	notice := workflows.TermNotice{DesignationID: seeded.ID, TerritoryID: "chartres", Kind: workflows.NotifyTermEnding}
	for range 2 { // a retry writes nothing more
		if err := a.CoordinationTermNotice(ctx, notice); err != nil {
			t.Fatal(err)
		}
	}
	var rows []models.Notification
	db.Where("kind = ?", workflows.NotifyTermEnding).Order("recipient_role").Find(&rows)
	if len(rows) != 2 || rows[0].RecipientRole != models.RoleCoordinator || rows[1].RecipientRole != models.RoleSupervisor ||
		rows[0].RecipientTerritoryID != "chartres" || rows[0].DeliveredAt == nil {
		t.Fatalf("notices = %+v", rows)
	}
	// A designation not (yet) committed: the activity fails, to be retried.
	var ts testsuite.WorkflowTestSuite
	env := ts.NewTestActivityEnvironment()
	env.RegisterActivity(a.CoordinationTermNotice)
	if _, err := env.ExecuteActivity(a.CoordinationTermNotice, workflows.TermNotice{DesignationID: "gone", Kind: workflows.NotifyTermLapsed}); err == nil || count(workflows.NotifyTermLapsed) != 0 {
		t.Fatalf("a missing designation: %v, %d notices", err, count(workflows.NotifyTermLapsed))
	}
	newer := seeded
	newer.ID, newer.StartsOn, newer.EndsOn, newer.CreatedAt = "newer", seeded.EndsOn, "2099-01-01", time.Now().UTC()
	if err := db.Create(&newer).Error; err != nil {
		t.Fatal(err)
	}
	if err := a.CoordinationTermNotice(ctx, workflows.TermNotice{DesignationID: seeded.ID, Kind: workflows.NotifyTermLapsed}); err != nil || count(workflows.NotifyTermLapsed) != 0 {
		t.Fatalf("a superseded designation: %v, %d notices", err, count(workflows.NotifyTermLapsed))
	}
}
