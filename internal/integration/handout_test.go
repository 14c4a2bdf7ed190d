package integration

import (
	"context"
	"fmt"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// TestCallerWritesAndWorkflowConfirms: an update's caller (the service) writes the
// batch the update answers before it answers, so the database holds the change at
// once; a caller that dies before writing (here: an update sent straight to Temporal,
// whose answer nobody writes) loses nothing, for the workflow writes the same changes
// itself ProjectionConfirmAfter later, once.
func TestCallerWritesAndWorkflowConfirms(t *testing.T) {
	s := env(t)
	ctx := context.Background()
	settings := app.Settings(s.app.Cfg)
	settings.ProjectionConfirmAfter = 3 * time.Second
	svc := cases.New(cases.Config{Store: s.app.Store, Temporal: s.app.Temporal, Log: quietLogger(),
		TaskQueue: s.app.Cfg.TaskQueue, Settings: settings})
	caller := callerFor(t, s, cio)
	v, err := svc.Create(ctx, caller, cases.CreateCase{
		Beneficiary: cases.BeneficiaryInput{FirstName: "Ana", LastName: fmt.Sprintf("Relais%d", time.Now().UnixNano()%1_000_000),
			BirthDate: "1990-02-03", Gender: "female", PostalCode: "28000", Public: "jobseeker"},
		Channel: "on_site", Request: "Bilan", Consent: cases.ConsentInput{DataSharing: ptr(true)}}, "")
	if err != nil {
		t.Fatal(err)
	}
	row := func() models.Case {
		var c models.Case
		if err := s.app.Store.DB.Where("id = ?", v.ID).Take(&c).Error; err != nil {
			t.Fatal(err)
		}
		return c
	}
	events := func(typ string) int64 {
		var n int64
		s.app.Store.DB.Model(&models.CaseEvent{}).Where("case_id = ? AND type = ?", v.ID, typ).Count(&n)
		return n
	}
	// Written by the service before it answered, not seconds later by the workflow.
	if got := row(); got.Version != v.Version || events("case_opened") != 1 {
		t.Fatalf("right after the creation: row version %d (answer %d), %d opening events", got.Version, v.Version, events("case_opened"))
	}
	paused, err := svc.Pause(ctx, caller, v.ID, cases.Reason{Reason: "Indisponible"}, "")
	if err != nil {
		t.Fatal(err)
	}
	if got := row(); got.Version != paused.Version || !got.Paused || events("paused") != 1 {
		t.Fatalf("right after the pause: row version %d paused %v (answer %d), %d pause events", got.Version, got.Paused, paused.Version, events("paused"))
	}

	// A caller that never writes its answer.
	var u models.User
	if err := s.app.Store.DB.Where("email = ?", cio).Take(&u).Error; err != nil {
		t.Fatal(err)
	}
	h, err := s.app.Temporal.UpdateWorkflow(ctx, client.UpdateWorkflowOptions{
		WorkflowID: workflows.WorkflowID(v.ID), UpdateName: workflows.UpdateResume, WaitForStage: client.WorkflowUpdateStageCompleted,
		Args: []any{workflows.ReasonInput{Actor: workflows.Actor{UserID: u.ID, Role: u.Role, StructureID: *u.StructureID}}},
	})
	if err != nil {
		t.Fatal(err)
	}
	var res workflows.UpdateResult
	if err := h.Get(ctx, &res); err != nil {
		t.Fatal(err)
	}
	if res.Batch == nil || !res.Batch.Cumulative || res.Batch.Case.Version != res.Version {
		t.Fatalf("the update answered no batch to write: %+v", res.Batch)
	}
	deadline := time.Now().Add(time.Minute)
	for row().Version < res.Version && time.Now().Before(deadline) {
		time.Sleep(200 * time.Millisecond)
	}
	if got := row(); got.Version != res.Version || got.Paused || events("resumed") != 1 {
		t.Errorf("after the workflow's own write: row version %d paused %v (answer %d), %d resume events", got.Version, got.Paused, res.Version, events("resumed"))
	}
}
