package activities

import (
	"context"
	"net/http"
	"net/http/httptest"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// The sweep sends the rows its case gave up on (older than MinAge, undelivered), leaves
// younger and delivered rows alone, and keeps failures for the next sweep.
func TestRedriveOutbox(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	var hits, fail atomic.Int32
	fail.Store(1)
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if fail.Load() > 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	a.Store.DB.Model(&models.Structure{}).Where("id = ?", "cap-emploi-28").Updates(map[string]any{"webhook_url": srv.URL, "webhook_secret": "s"})

	p := batch(1, workflows.StageHandoff)
	old := time.Now().UTC().Add(-time.Hour)
	young := time.Now().UTC().Add(-time.Minute)
	delivered := old
	p.Notifications = []workflows.Notification{
		{ID: "old", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{}, At: old},
		{ID: "young", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{}, At: young},
		{ID: "done", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{}, At: old},
	}
	if _, err := a.ProjectCase(ctx, p); err != nil {
		t.Fatal(err)
	}
	a.Store.DB.Model(&models.Notification{}).Where("id = ?", "done").Update("delivered_at", delivered)

	sweep := workflows.OutboxSweep{MinAge: 10 * time.Minute, Batch: 10}
	res, err := a.RedriveOutbox(ctx, sweep)
	if err != nil || res.Attempted != 1 || res.Delivered != 0 {
		t.Fatalf("sweep while the webhook is down: %+v, %v", res, err)
	}
	var n models.Notification
	a.Store.DB.Where("id = ?", "old").Take(&n)
	if n.DeliveredAt != nil || n.Attempts != 1 || n.LastError == "" {
		t.Fatalf("after a failed sweep: %+v", n)
	}
	fail.Store(0)
	res, err = a.RedriveOutbox(ctx, sweep)
	if err != nil || res.Attempted != 1 || res.Delivered != 1 {
		t.Fatalf("sweep once the webhook is back: %+v, %v", res, err)
	}
	if res, err = a.RedriveOutbox(ctx, sweep); err != nil || res.Attempted != 0 {
		t.Fatalf("third sweep: %+v, %v", res, err)
	}
	if hits.Load() != 2 {
		t.Errorf("webhook called %d times, want 2 (the old row, failed then sent)", hits.Load())
	}
	var y models.Notification
	a.Store.DB.Where("id = ?", "young").Take(&y)
	if y.Attempts != 0 {
		t.Errorf("the young row was swept (%d attempts): it is its case's to deliver", y.Attempts)
	}
}
