package activities

import (
	"context"
	"errors"
	"testing"
	"time"

	"go.temporal.io/sdk/temporal"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// A batch the database refuses for its data (PostgreSQL rejects a NUL byte in a text
// column) fails for good: retrying it is pointless, unlike an outage.
func TestProjectionDataErrorIsNotRetryable(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	p := batch(1, workflows.StageHandoff, 1)
	p.Handoffs = []workflows.Handoff{{ID: "h1", FromStructureID: "pole-emploi-chartres", ToStructureID: "cap-emploi-28",
		Status: "pending", Reason: "r", Note: "before\x00after", FromStage: "reception", RequestedBy: "u",
		RequestedAt: p.Case.CreatedAt, DueAt: p.Case.CreatedAt.Add(time.Hour)}}
	_, err := a.ProjectCase(ctx, p)
	var appErr *temporal.ApplicationError
	if !errors.As(err, &appErr) || !appErr.NonRetryable() || appErr.Type() != workflows.ProjectionDataError {
		t.Fatalf("projection of a NUL byte: %v (%T), want a non-retryable %s", err, err, workflows.ProjectionDataError)
	}
	var n int64
	a.Store.DB.Model(&models.Case{}).Count(&n)
	if n != 0 {
		t.Errorf("the refused batch left %d case rows", n)
	}
}

// A failed projection is marked on the case row, which the stuck-case list reads; the
// next successful projection of a case without failed batches clears it.
func TestMarkProjectionFailed(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	p := batch(1, workflows.StageReception, 1)
	if _, err := a.ProjectCase(ctx, p); err != nil {
		t.Fatal(err)
	}
	at := p.Case.UpdatedAt.Add(time.Hour)
	for range 2 { // idempotent: the first failure's time stays
		if err := a.MarkProjectionFailed(ctx, workflows.ProjectionFailure{CaseID: p.Case.ID, At: at}); err != nil {
			t.Fatal(err)
		}
		at = at.Add(time.Hour)
	}
	var c models.Case
	a.Store.DB.Where("id = ?", p.Case.ID).Take(&c)
	if c.ProjectionFailedAt == nil || !c.ProjectionFailedAt.Equal(p.Case.UpdatedAt.Add(time.Hour)) {
		t.Fatalf("projection_failed_at = %v", c.ProjectionFailedAt)
	}
	if _, err := a.ProjectCase(ctx, batch(2, workflows.StageReception, 2)); err != nil {
		t.Fatal(err)
	}
	c = models.Case{}
	a.Store.DB.Where("id = ?", p.Case.ID).Take(&c)
	if c.ProjectionFailedAt != nil {
		t.Errorf("projection_failed_at = %v after a clean projection", c.ProjectionFailedAt)
	}
}
