package activities

import (
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"net/http"
	"net/http/httptest"
	"slices"
	"strings"
	"sync/atomic"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/internal/webhook"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

func newActivities(t *testing.T) *Activities {
	// The webhooks of these tests are local test servers: `cep dev`'s policy.
	dev := webhook.Policy{AllowLoopbackHTTP: true}
	return &Activities{Store: testdb.Open(t), Log: slog.New(slog.NewTextHandler(io.Discard, nil)), HTTP: dev.Client(5 * time.Second), Webhooks: dev}
}

func batch(version int64, stage string, seqs ...int64) workflows.Projection {
	now := time.Date(2026, 1, 5, 10, 0, 0, 0, time.UTC)
	p := workflows.Projection{Case: workflows.Case{ID: "7d3c1c2e-8b1f-4f43-9d0c-1c2b3a4d5e6f", TerritoryID: "chartres",
		StructureID: "pole-emploi-chartres", Stage: stage, Channel: "on_site", Public: "jobseeker", Gender: "female",
		AgeBand: "26_44", CreatedBy: "u", CreatedAt: now, UpdatedAt: now.Add(time.Duration(version) * time.Minute),
		LastActivityAt: now, Version: version}}
	for _, s := range seqs {
		p.Events = append(p.Events, workflows.Event{Seq: s, Type: "t", At: now, ActorID: "u", ActorRole: "adviser", StructureID: "pole-emploi-chartres"})
	}
	return p
}

func TestProjectCaseIsIdempotentAndOrdered(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	v2 := batch(2, workflows.StageHandoff, 2, 3)
	h := workflows.Handoff{ID: "h1", FromStructureID: "pole-emploi-chartres", ToStructureID: "cap-emploi-28", Status: "pending",
		Reason: "r", FromStage: "reception", RequestedBy: "u", RequestedAt: v2.Case.CreatedAt, DueAt: v2.Case.CreatedAt.Add(time.Hour)}
	v2.Handoffs = []workflows.Handoff{h}
	v2.Notifications = []workflows.Notification{{ID: "n1", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{"x": 1}, At: v2.Case.UpdatedAt}}
	v2.PlanRevision = &workflows.PlanRevision{Revision: 1, Actions: []workflows.Action{{ID: "a1", Title: "t"}}, ActorID: "u", At: v2.Case.UpdatedAt}
	v2.Sessions = []workflows.Session{{ID: "s1", Date: "2026-01-05", DurationMinutes: 30, Mode: "phone", Summary: "s"}}
	for range 3 { // a retried activity writes each row once
		if _, err := a.ProjectCase(ctx, v2); err != nil {
			t.Fatal(err)
		}
	}
	// A late, older batch adds its events but does not roll the case back.
	if _, err := a.ProjectCase(ctx, batch(1, workflows.StageReception, 1)); err != nil {
		t.Fatal(err)
	}
	var c models.Case
	if err := a.Store.DB.Where("id = ?", v2.Case.ID).Take(&c).Error; err != nil {
		t.Fatal(err)
	}
	if c.Version != 2 || c.Stage != workflows.StageHandoff {
		t.Fatalf("case row = version %d stage %s, want 2 handoff", c.Version, c.Stage)
	}
	for table, want := range map[string]int64{"case_events": 3, "handoffs": 1, "notifications": 1, "plan_revisions": 1, "case_sessions": 1} {
		var n int64
		a.Store.DB.Table(table).Count(&n)
		if n != want {
			t.Errorf("%s has %d rows, want %d", table, n, want)
		}
	}
	// A newer batch moves the case and the hand-off on.
	v3 := batch(3, workflows.StageReception, 4)
	h.Status = workflows.HandoffDeclined
	v3.Handoffs = []workflows.Handoff{h}
	if _, err := a.ProjectCase(ctx, v3); err != nil {
		t.Fatal(err)
	}
	var hr models.Handoff
	a.Store.DB.Where("id = ?", "h1").Take(&hr)
	if hr.Status != workflows.HandoffDeclined {
		t.Fatalf("hand-off status = %s", hr.Status)
	}
	var st workflows.Case
	a.Store.DB.Where("id = ?", v2.Case.ID).Take(&c)
	if err := json.Unmarshal([]byte(c.State), &st); err != nil || st.Version != 3 {
		t.Fatalf("state column = %v, %v", st.Version, err)
	}
}

// Cumulative batches (the workflow's own, and those its updates hand to the API) may be
// written in any order: a newer one holds all of an older one, so the older one, written
// after it, writes nothing, not even a correction of a session that the newer batch
// corrected again. It still names its notifications that wait for a webhook.
func TestCumulativeBatchesWriteOnlyTheNewest(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	a.Store.DB.Model(&models.Structure{}).Where("id = ?", "cap-emploi-28").
		Updates(map[string]any{"webhook_url": "https://cap.example/hooks", "webhook_secret": "s"})
	first, second := "first summary", "second summary"
	older := batch(2, workflows.StageCounselling, 1, 2)
	older.Cumulative = true
	older.Sessions = []workflows.Session{{ID: "s1", Date: "2026-01-05", DurationMinutes: 30, Mode: "phone", Summary: "s"}}
	older.SessionChanges = []workflows.SessionChange{{SessionID: "s1", Summary: &first}}
	older.Notifications = []workflows.Notification{{ID: "n1", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{}, At: older.Case.UpdatedAt}}
	newer := batch(3, workflows.StageCounselling, 1, 2, 3)
	newer.Cumulative = true
	newer.Sessions, newer.Notifications = older.Sessions, older.Notifications
	newer.SessionChanges = append(slices.Clone(older.SessionChanges), workflows.SessionChange{SessionID: "s1", Summary: &second})
	if _, err := a.ProjectCase(ctx, newer); err != nil {
		t.Fatal(err)
	}
	res, err := a.ProjectCase(ctx, older)
	if err != nil {
		t.Fatal(err)
	}
	var s models.CaseSession
	a.Store.DB.Where("id = ?", "s1").Take(&s)
	var c models.Case
	a.Store.DB.Where("id = ?", newer.Case.ID).Take(&c)
	if s.Summary != second || c.Version != 3 {
		t.Errorf("after the older batch: summary %q, case version %d; want %q, 3", s.Summary, c.Version, second)
	}
	var events int64
	a.Store.DB.Model(&models.CaseEvent{}).Count(&events)
	if events != 3 {
		t.Errorf("%d events, want 3", events)
	}
	if !slices.Equal(res.Webhooks, []string{"n1"}) {
		t.Errorf("the older batch named %v for delivery, want n1", res.Webhooks)
	}
	// The same older batch, not cumulative (a failed batch written again later), still
	// adds what it has, as before.
	older.Cumulative = false
	older.Events = append(older.Events, workflows.Event{Seq: 9, Type: "t", At: older.Case.UpdatedAt, ActorID: "u", ActorRole: "adviser"})
	if _, err := a.ProjectCase(ctx, older); err != nil {
		t.Fatal(err)
	}
	a.Store.DB.Model(&models.CaseEvent{}).Count(&events)
	if events != 4 {
		t.Errorf("%d events after a late non-cumulative batch, want 4", events)
	}
}

// A cumulative batch whose Written names the version the case row is at writes only
// what came after that version's batch: the items before are not written again (here a
// notification removed since stays removed). At another version it writes everything.
func TestCumulativeBatchSkipsWhatItsBaseWrote(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	n1 := workflows.Notification{ID: "n1", Kind: workflows.NotifyInactivity, RecipientStructureID: "pole-emploi-chartres", Payload: map[string]any{}}
	v2 := batch(2, workflows.StageCounselling, 1, 2)
	v2.Cumulative, v2.Notifications = true, []workflows.Notification{n1}
	if _, err := a.ProjectCase(ctx, v2); err != nil {
		t.Fatal(err)
	}
	count := func() (events, notes int64) {
		a.Store.DB.Model(&models.CaseEvent{}).Count(&events)
		a.Store.DB.Model(&models.Notification{}).Count(&notes)
		return
	}
	a.Store.DB.Where("id = ?", "n1").Delete(&models.Notification{})
	v3 := batch(3, workflows.StageCounselling, 1, 2, 3)
	v3.Cumulative, v3.Notifications = true, []workflows.Notification{n1}
	v3.Written = &workflows.Written{Base: 2, Prefix: workflows.BatchSize{Events: 2, Notifications: 1}}
	if _, err := a.ProjectCase(ctx, v3); err != nil {
		t.Fatal(err)
	}
	if e, n := count(); e != 3 || n != 0 {
		t.Errorf("after a batch whose base is written: %d events, %d notifications; want 3, 0", e, n)
	}
	v4 := batch(4, workflows.StageCounselling, 1, 2, 3, 4)
	v4.Cumulative, v4.Notifications = true, []workflows.Notification{n1}
	v4.Written = &workflows.Written{Base: 2, Prefix: workflows.BatchSize{Events: 2, Notifications: 1}} // the row is at 3
	if _, err := a.ProjectCase(ctx, v4); err != nil {
		t.Fatal(err)
	}
	if e, n := count(); e != 4 || n != 1 {
		t.Errorf("after a batch whose base is not the row's version: %d events, %d notifications; want 4, 1", e, n)
	}
}

func TestDeliverNotifications(t *testing.T) {
	a := newActivities(t)
	ctx := context.Background()
	var hits, fail atomic.Int32
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		hits.Add(1)
		if r.Header.Get("Idempotency-Key") == "" {
			t.Error("webhook without Idempotency-Key")
		}
		body, _ := io.ReadAll(r.Body)
		if got := r.Header.Get(webhook.SignatureHeader); got != webhook.Sign("cap's secret", body) {
			t.Errorf("webhook signature %q does not sign the body with the structure's secret", got)
		}
		if fail.Load() > 0 {
			w.WriteHeader(http.StatusBadGateway)
			return
		}
		w.WriteHeader(http.StatusNoContent)
	}))
	defer srv.Close()
	a.Store.DB.Model(&models.Structure{}).Where("id = ?", "cap-emploi-28").
		Updates(map[string]any{"webhook_url": srv.URL + "/hooks?token=partner-token", "webhook_secret": "cap's secret"})

	p := batch(1, workflows.StageHandoff)
	p.Notifications = []workflows.Notification{
		{ID: "to-webhook", Kind: workflows.NotifyHandoffRequested, RecipientStructureID: "cap-emploi-28", Payload: map[string]any{}, At: p.Case.UpdatedAt},
		{ID: "to-log", Kind: workflows.NotifyHandoffExpired, RecipientTerritoryID: "chartres", RecipientRole: "coordinator", Payload: map[string]any{}, At: p.Case.UpdatedAt},
	}
	res, err := a.ProjectCase(ctx, p)
	if err != nil {
		t.Fatal(err)
	}
	// The projection delivered the log's row itself, and leaves the webhook's to delivery.
	if len(res.Webhooks) != 1 || res.Webhooks[0] != "to-webhook" {
		t.Fatalf("projection result %+v, want only to-webhook waiting for delivery", res)
	}
	var early models.Notification
	a.Store.DB.Where("id = ?", "to-log").Take(&early)
	if early.DeliveredAt == nil || early.Channel != "log" || early.Attempts != 1 {
		t.Fatalf("log row after the projection: %+v", early)
	}
	var waiting models.Notification
	a.Store.DB.Where("id = ?", "to-webhook").Take(&waiting)
	if waiting.ID != "to-webhook" || waiting.DeliveredAt != nil || waiting.Attempts != 0 {
		t.Fatalf("webhook row after the projection: %+v", waiting)
	}
	// A retried projection finds the rows written and says the same.
	if again, err := a.ProjectCase(ctx, p); err != nil || len(again.Webhooks) != 1 {
		t.Fatalf("retried projection: %+v, %v", again, err)
	}
	fail.Store(1)
	if err := a.DeliverNotifications(ctx, []string{"to-webhook", "to-log"}); err == nil {
		t.Fatal("a failing webhook must fail the activity so that it is retried")
	}
	var n models.Notification
	a.Store.DB.Where("id = ?", "to-webhook").Take(&n)
	if n.DeliveredAt != nil || n.Attempts != 1 || n.LastError == "" {
		t.Fatalf("after a failure: %+v", n)
	}
	if strings.Contains(n.LastError, "partner-token") || strings.Contains(n.LastError, "127.0.0.1") || strings.Contains(n.LastError, "http") {
		t.Errorf("the stored error quotes the address: %q", n.LastError)
	}
	fail.Store(0)
	if err := a.DeliverNotifications(ctx, []string{"to-webhook", "to-log"}); err != nil {
		t.Fatal(err)
	}
	// Delivered rows are not sent again.
	if err := a.DeliverNotifications(ctx, []string{"to-webhook", "to-log"}); err != nil {
		t.Fatal(err)
	}
	if hits.Load() != 2 {
		t.Fatalf("webhook called %d times, want 2 (one failure, one success)", hits.Load())
	}
	n = models.Notification{}
	a.Store.DB.Where("id = ?", "to-webhook").Take(&n)
	if n.DeliveredAt == nil || n.Channel != "webhook" || n.LastError != "" {
		t.Fatalf("webhook row: %+v", n)
	}
	var logged models.Notification
	a.Store.DB.Where("id = ?", "to-log").Take(&logged)
	if logged.DeliveredAt == nil || logged.Channel != "log" {
		t.Fatalf("log row: %+v", logged)
	}
}
