package integration

import (
	"context"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/check"
	"github.com/spro-cep/cep/models"
)

// TestCheckFindsAndRepairsDivergence: the check finds a projection row that says
// otherwise than its workflow, and a row left one version behind; --repair makes the
// workflow project itself again and the check then finds nothing for the case. It
// checks case workflows only (the outbox sweeper and the deployment binding run too).
func TestCheckFindsAndRepairsDivergence(t *testing.T) {
	s := env(t)
	tok := s.token(t, pe)
	id := s.must(t, http.StatusCreated, call{method: "POST", path: "/api/v1/cases", token: tok, body: newCaseBody("jobseeker", false, true)}).str("id")
	opts := check.Options{Store: s.app.Store, Temporal: s.app.Temporal, Namespace: s.app.Cfg.TemporalNamespace, Settle: 100 * time.Millisecond}
	mine := func(r check.Report) []check.Difference {
		var out []check.Difference
		for _, d := range r.Differences {
			if d.CaseID == id {
				out = append(out, d)
			}
		}
		return out
	}
	rep, err := check.Run(context.Background(), opts, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := mine(rep); len(d) != 0 || rep.Workflows == 0 {
		t.Fatalf("a fresh case differs: %v (%d workflows)", d, rep.Workflows)
	}
	for _, d := range rep.Differences {
		if strings.HasPrefix(d.CaseID, "cep-") {
			t.Errorf("a workflow that is not a case was checked: %v", d)
		}
	}

	// The row says escalated and stays a version behind: two differences.
	s.app.Store.DB.Model(&models.Case{}).Where("id = ?", id).Updates(map[string]any{"escalated": true})
	rep, err = check.Run(context.Background(), opts, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := mine(rep); len(d) != 1 || d[0].Kind != "divergent" || !strings.Contains(d[0].Detail, "escalated") {
		t.Fatalf("a divergent row: %v", d)
	}
	s.app.Store.DB.Model(&models.Case{}).Where("id = ?", id).Update("version", 0)
	rep, err = check.Run(context.Background(), opts, false)
	if err != nil {
		t.Fatal(err)
	}
	if d := mine(rep); len(d) != 1 || !strings.Contains(d[0].Detail, "projection at version 0") {
		t.Fatalf("a row behind: %v", d)
	}

	rep, err = check.Run(context.Background(), opts, true)
	if err != nil {
		t.Fatal(err)
	}
	if d := mine(rep); len(d) != 0 || rep.Repaired == 0 {
		t.Fatalf("after repair: %v (%d repaired)", d, rep.Repaired)
	}
	var row models.Case
	s.app.Store.DB.Where("id = ?", id).Take(&row)
	if row.Escalated || row.Version < 2 {
		t.Fatalf("the row was not projected again: escalated %v, version %d", row.Escalated, row.Version)
	}
	// Repairing again changes nothing but the version: idempotent.
	if rep, err = check.Run(context.Background(), opts, true); err != nil || len(mine(rep)) != 0 {
		t.Fatalf("second repair: %v, %v", mine(rep), err)
	}
}
