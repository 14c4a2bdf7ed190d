package supervision

import (
	"context"
	"encoding/json"
	"fmt"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// TestStreamAgreesWithCompute checks that the indicators and the report computed while
// the rows stream (one case's timeline in memory at a time) are those computed from the
// whole input, on PostgreSQL and SQLite.
func TestStreamAgreesWithCompute(t *testing.T) {
	ctx := context.Background()
	t0 := time.Date(2026, 3, 2, 9, 0, 0, 0, time.UTC)
	for _, name := range []string{"postgres", "sqlite"} {
		t.Run(name, func(t *testing.T) {
			s := testdb.Open(t)
			if name == "sqlite" {
				s = sqliteStore(t)
			}
			db := s.DB
			for i := 0; i < 12; i++ {
				id := fmt.Sprintf("00000000-0000-0000-0000-%012d", i)
				at := t0.Add(time.Duration(i) * 26 * time.Hour)
				holder := []string{"pole-emploi-chartres", "cio-chartres", "cap-emploi-28"}[i%3]
				c := models.Case{ID: id, TerritoryID: "chartres", StructureID: holder, Stage: "counselling", Channel: "phone",
					Public: []string{"jobseeker", "student"}[i%2], Gender: []string{"female", "male"}[i%2], AgeBand: "26_44",
					CreatedBy: "u", CreatedAt: at, UpdatedAt: at, LastActivityAt: at, Version: 1, State: "{}"}
				if i%4 == 0 {
					closed := at.Add(50 * time.Hour)
					c.ClosedAt, c.Stage = &closed, "closed"
				}
				if err := db.Create(&c).Error; err != nil {
					t.Fatal(err)
				}
				ev := func(seq int64, typ string, after time.Duration, details map[string]any) {
					raw, _ := json.Marshal(details)
					if err := db.Create(&models.CaseEvent{CaseID: id, Seq: seq, Type: typ, ActorID: "u", ActorRole: "adviser",
						StructureID: holder, At: at.Add(after), Details: string(raw)}).Error; err != nil {
						t.Fatal(err)
					}
				}
				ev(1, "case_opened", 0, map[string]any{"channel": "phone", "public": c.Public})
				ev(2, "handoff_requested", 2*time.Hour, map[string]any{"from_stage": "reception", "handoff_id": "h" + id})
				decided := at.Add(5 * time.Hour)
				status := []string{"accepted", "declined", "expired"}[i%3]
				if err := db.Create(&models.Handoff{ID: "h" + id, CaseID: id, FromStructureID: holder, ToStructureID: "cap-emploi-28",
					Status: status, DeclineReason: "no_capacity", RequestedAt: at.Add(2 * time.Hour), DecidedAt: &decided, DueAt: decided}).Error; err != nil {
					t.Fatal(err)
				}
				ev(3, "handoff_"+status, 5*time.Hour, map[string]any{"handoff_id": "h" + id, "returned_to_stage": "reception"})
				ev(4, "counselling_started", 8*time.Hour, nil)
				ev(5, "paused", 10*time.Hour, nil)
				ev(6, "resumed", 20*time.Hour, nil)
				if c.ClosedAt != nil {
					ev(7, "closed", 50*time.Hour, map[string]any{"outcome": "training"})
				}
				if err := db.Create(&models.FinancingPlan{CaseID: id, Revision: 1, Shortfall: i%2 == 0, Plan: "{}", CreatedAt: at.Add(9 * time.Hour)}).Error; err != nil {
					t.Fatal(err)
				}
			}
			now := t0.Add(40 * 24 * time.Hour)
			from, to := t0.Add(30*time.Hour), t0.Add(9*24*time.Hour) // cuts cases at both ends
			in, err := Load(ctx, db, "chartres", from, to, now)
			if err != nil {
				t.Fatal(err)
			}
			want, _ := json.Marshal(Compute(in))
			got, err := Stream(ctx, db, "chartres", from, to, now)
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := json.Marshal(got); string(raw) != string(want) {
				t.Errorf("streamed indicators\n%s\nwant\n%s", raw, want)
			}
			yin, err := Load(ctx, db, "chartres", time.Date(2026, 1, 1, 0, 0, 0, 0, time.UTC), time.Date(2027, 1, 1, 0, 0, 0, 0, time.UTC), now)
			if err != nil {
				t.Fatal(err)
			}
			wantRep, _ := json.Marshal(Report("chartres", 2026, yin))
			rep, err := StreamReport(ctx, db, "chartres", 2026, now)
			if err != nil {
				t.Fatal(err)
			}
			if raw, _ := json.Marshal(rep); string(raw) != string(wantRep) {
				t.Errorf("streamed report\n%s\nwant\n%s", raw, wantRep)
			}
			if rep.Totals.NewCases.Total != 12 || rep.Totals.Handoffs.Declined != 4 {
				t.Errorf("report totals %+v", rep.Totals)
			}
		})
	}
}
