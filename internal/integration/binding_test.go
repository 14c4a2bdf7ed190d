package integration

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/spro-cep/cep/internal/app"
	"github.com/spro-cep/cep/internal/binding"
	"github.com/spro-cep/cep/internal/testdb"
)

// A second deployment (its own database) pointed at this stack's Temporal must refuse
// to start, saying what to change; another process of the same deployment starts.
func TestAnotherDeploymentIsRefusedAtStartUp(t *testing.T) {
	s := env(t)
	other, drop, err := testdb.CreateDatabase()
	if err != nil {
		t.Fatal(err)
	}
	defer drop()
	for _, parts := range []app.Parts{{Migrate: true, Seed: true, Worker: true}, {Migrate: true, API: true}} {
		cfg := testConfig(t.TempDir(), other)
		cfg.TemporalAddress = s.app.TemporalAddress()
		a, err := app.Start(context.Background(), cfg, quietLogger(), parts)
		if err == nil {
			a.Stop(context.Background())
			t.Fatalf("a deployment with another database started on the same namespace and task queue (%+v)", parts)
		}
		if !errors.Is(err, binding.ErrOtherDatabase) || !strings.Contains(err.Error(), "CEP_TASK_QUEUE") {
			t.Fatalf("refusal does not say what to change: %v", err)
		}
	}

	// The same database through another process: a second worker of this deployment.
	cfg := testConfig(t.TempDir(), s.app.Cfg.DatabaseURL)
	cfg.TemporalAddress = s.app.TemporalAddress()
	a, err := app.Start(context.Background(), cfg, quietLogger(), app.Parts{Worker: true})
	if err != nil {
		t.Fatalf("a second worker of the same deployment was refused: %v", err)
	}
	a.Stop(context.Background())

	// Another task queue on the same Temporal is another deployment's own: it starts.
	cfg = testConfig(t.TempDir(), other)
	cfg.TemporalAddress = s.app.TemporalAddress()
	cfg.TaskQueue = "cep-cases-other-" + strings.ReplaceAll(t.Name(), "/", "-")
	a, err = app.Start(context.Background(), cfg, quietLogger(), app.Parts{Worker: true})
	if err != nil {
		t.Fatalf("a deployment on its own task queue was refused: %v", err)
	}
	a.Stop(context.Background())
}
