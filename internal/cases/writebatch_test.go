package cases

import (
	"context"
	"testing"
	"time"

	"go.temporal.io/sdk/client"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// answeringEngine stands in for Temporal: each update answers the case one version on
// with a batch holding one event, as runs since the caller's projection do; before it
// answers, breakDB may take the database away.
type answeringEngine struct {
	client.Client // any other call panics
	row           *models.Case
	breakDB       func()
}

func (e *answeringEngine) UpdateWorkflow(_ context.Context, o client.UpdateWorkflowOptions) (client.WorkflowUpdateHandle, error) {
	e.row.Version++
	st := workflows.Case{ID: e.row.ID, TerritoryID: e.row.TerritoryID, StructureID: e.row.StructureID, Stage: workflows.StageReception,
		Paused: true, Channel: e.row.Channel, Public: e.row.Public, CreatedBy: e.row.CreatedBy, CreatedAt: e.row.CreatedAt,
		UpdatedAt: time.Now().UTC(), LastActivityAt: e.row.LastActivityAt, Version: e.row.Version, Seq: e.row.Version}
	b := workflows.Projection{Case: st, Cumulative: true, Events: []workflows.Event{{Seq: st.Seq, Type: "paused", At: st.UpdatedAt,
		ActorID: "adviser-cio-chartres", ActorRole: models.RoleAdviser, StructureID: st.StructureID}}}
	if e.breakDB != nil {
		e.breakDB()
	}
	return answer{workflows.UpdateResult{Case: st, Batch: &b}}, nil
}

type answer struct{ r workflows.UpdateResult }

func (a answer) WorkflowID() string { return workflows.WorkflowID(a.r.ID) }
func (a answer) RunID() string      { return "run-1" }
func (a answer) UpdateID() string   { return "" }
func (a answer) Get(_ context.Context, v any) error {
	*v.(*workflows.UpdateResult) = a.r
	return nil
}

// TestServiceWritesTheAnswersBatch: the service writes the batch an update answers
// before it answers, so the row holds the change at once; when the database is out, it
// retries for the update timeout and then answers 503 (a retry with the same key gets
// the same batch), writing nothing half.
func TestServiceWritesTheAnswersBatch(t *testing.T) {
	f := newFixture(t)
	row := *f.atPE
	engine := &answeringEngine{row: &row}
	svc := New(Config{Store: f.db, Temporal: engine, UpdateTimeout: 400 * time.Millisecond})
	ctx := context.Background()
	count := func(typ string) int64 {
		var n int64
		f.db.DB.Model(&models.CaseEvent{}).Where("case_id = ? AND type = ?", row.ID, typ).Count(&n)
		return n
	}
	v, err := svc.Pause(ctx, peAdviser, row.ID, Reason{Reason: "ill"}, "pause-1")
	if err != nil {
		t.Fatal(err)
	}
	var got models.Case
	f.db.DB.Where("id = ?", row.ID).Take(&got)
	if got.Version != v.Version || !got.Paused || count("paused") != 1 {
		t.Fatalf("after the answer: row version %d paused %v (answer %d), %d events", got.Version, got.Paused, v.Version, count("paused"))
	}

	// The database goes away between the update and the write: the events table
	// answers "no such relation", as an outage would, and the write's transaction
	// rolls back.
	engine.breakDB = func() {
		if err := f.db.DB.Exec("ALTER TABLE case_events RENAME TO case_events_away").Error; err != nil {
			t.Error(err)
		}
	}
	begin := time.Now()
	_, err = svc.Pause(ctx, peAdviser, row.ID, Reason{Reason: "again"}, "pause-2")
	if kindOf(err) != KindUnavailable {
		t.Fatalf("write through an outage answered %v, want unavailable", err)
	}
	if waited := time.Since(begin); waited < 400*time.Millisecond {
		t.Errorf("gave up after %s, before the update timeout", waited)
	}
	f.db.DB.Where("id = ?", row.ID).Take(&got)
	if got.Version != v.Version {
		t.Errorf("a failed write moved the row to version %d", got.Version)
	}
	// The key is kept for the retry: the same command with it is not a new one.
	var keys int64
	f.db.DB.Model(&models.IdempotencyKey{}).Where("idem_key = ?", "pause-2").Count(&keys)
	if keys != 1 {
		t.Errorf("%d claims of the key after a 503, want it kept", keys)
	}
}
