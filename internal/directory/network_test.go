package directory

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// TestAdministrationPermissions checks who may administer which part of a network, at
// the service layer both faces call.
func TestAdministrationPermissions(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	adviser := cases.Caller{UserID: "adviser-cio-chartres", Role: models.RoleAdviser, StructureID: "cio-chartres", TerritoryID: "chartres"}
	coord := cases.Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	otherCoord := cases.Caller{UserID: "coordinator-dreux", Role: models.RoleCoordinator, TerritoryID: "dreux"}
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	name, offer := "Nouveau nom", []OfferItem{{What: "Information métiers", Publics: []string{"pupil"}}}
	inactive := false
	terr := NewTerritory{ID: "dreux", Name: "Dreux", Region: "Centre-Val de Loire", CEPModel: CEPModel2014}
	for _, tc := range []struct {
		name  string
		want  cases.Kind
		field string
		run   func() error
	}{
		{"a coordinator creates no territory", cases.KindForbidden, "", func() error { _, err := d.CreateTerritory(ctx, coord, terr); return err }},
		{"an admin creates a territory", "", "", func() error { _, err := d.CreateTerritory(ctx, admin, terr); return err }},
		{"a territory's ID is URL-safe", cases.KindInvalid, "id", func() error {
			bad := terr
			bad.ID = "Dreux Sud"
			_, err := d.CreateTerritory(ctx, admin, bad)
			return err
		}},
		{"a structure's users publish its offer", "", "", func() error {
			_, err := d.PatchStructure(ctx, adviser, "cio-chartres", StructurePatch{Offer: &offer})
			return err
		}},
		{"a structure's users do not rename it", cases.KindForbidden, "", func() error {
			_, err := d.PatchStructure(ctx, adviser, "cio-chartres", StructurePatch{Name: &name})
			return err
		}},
		{"nor publish another structure's offer", cases.KindForbidden, "", func() error {
			_, err := d.PatchStructure(ctx, adviser, "bij-chartres", StructurePatch{Offer: &offer})
			return err
		}},
		{"the coordination does not deactivate a structure", cases.KindForbidden, "", func() error {
			_, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{Active: &inactive})
			return err
		}},
		{"another territory's coordination does not amend the convention", cases.KindForbidden, "", func() error {
			_, err := d.AddAmendment(ctx, otherCoord, "chartres-2015", NewAmendment{StructureID: "cio-chartres", Change: models.ChangeLeave, EffectiveOn: "2026-01-01"})
			return err
		}},
		{"an amendment names a structure of the territory", cases.KindInvalid, "structure_id", func() error {
			_, err := d.AddAmendment(ctx, coord, "chartres-2015", NewAmendment{StructureID: "nowhere", Change: models.ChangeLeave, EffectiveOn: "2026-01-01"})
			return err
		}},
		{"a coordinator invites no admin", cases.KindForbidden, "", func() error {
			_, err := d.CreateUser(ctx, coord, NewUser{Email: "x@y.test", DisplayName: "X", Role: models.RoleAdmin})
			return err
		}},
		{"an adviser belongs to a structure", cases.KindInvalid, "structure_id", func() error {
			_, err := d.CreateUser(ctx, admin, NewUser{Email: "x@y.test", DisplayName: "X", Role: models.RoleAdviser})
			return err
		}},
		{"a coordinator edits no admin", cases.KindForbidden, "", func() error {
			_, err := d.PatchUser(ctx, coord, "admin", UserPatch{DisplayName: &name})
			return err
		}},
		{"a vote's date is not in the future", cases.KindInvalid, "voted_on", func() error {
			_, err := d.RecordVote(ctx, admin, "chartres", NewVote{VotedOn: time.Now().AddDate(0, 0, 2).Format(time.DateOnly),
				StructureIDs: []string{"cap-emploi-28"}, Present: []string{"cap-emploi-28"}})
			return err
		}},
		{"those in favour were present", cases.KindInvalid, "in_favour[0]", func() error {
			_, err := d.RecordVote(ctx, admin, "chartres", NewVote{VotedOn: "2025-10-01",
				StructureIDs: []string{"cap-emploi-28"}, Present: []string{"cap-emploi-28"}, InFavour: []string{"cio-chartres"}})
			return err
		}},
		{"advisers do not read the administration trail", cases.KindForbidden, "", func() error {
			_, err := d.AdminAudit(ctx, adviser, AuditQuery{})
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			err := tc.run()
			e := cases.AsError(err)
			switch {
			case tc.want == "" && err != nil:
				t.Fatalf("err = %v", err)
			case tc.want != "" && (e == nil || e.Kind != tc.want):
				t.Fatalf("err = %v, want kind %s", err, tc.want)
			case tc.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tc.field):
				t.Fatalf("fields = %+v, want %s", e.Fields, tc.field)
			}
		})
	}
}

// TestMajorityOfPartners checks the vote: an absolute majority of the convention's
// partners on the vote's date designates, fewer is recorded as rejected.
func TestMajorityOfPartners(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	partners := []string{"cio-chartres", "pole-emploi-chartres", "pole-emploi-luce", "pole-emploi-services-specialises", "cap-emploi-28",
		"cma-28-cad", "cci-28-point-a", "fongecif-centre", "unifaf", "uniformation", "apec-centre", "bij-chartres",
		"pij-chartres-metropole", "gip-alfa-centre", "region-centre-val-de-loire"}
	vote := func(n int) Designation {
		t.Helper()
		v, err := d.RecordVote(ctx, admin, "chartres", NewVote{VotedOn: "2025-10-01", StructureIDs: []string{"cio-chartres", "bij-chartres"},
			Present: partners, InFavour: partners[:n]})
		if err != nil {
			t.Fatal(err)
		}
		return v
	}
	if v := vote(7); v.Result != models.VoteRejected || v.Majority != 8 || len(v.Partners) != 15 {
		t.Fatalf("7 of 15: %+v", v)
	}
	v := vote(8)
	if v.Result != models.VoteAdopted || v.StartsOn != "2025-10-01" || v.EndsOn != "2026-09-30" {
		t.Fatalf("8 of 15: %+v", v)
	}
	var n int64
	st.DB.Model(&models.Notification{}).Where("kind = ? AND recipient_role = ? AND payload LIKE ?", NotifyCoordinationDesignated,
		models.RoleSupervisor, "%"+v.ID+"%").Count(&n)
	if n != 1 {
		t.Errorf("%d notifications to the supervisors, want 1", n)
	}
	var entries []models.AdminAuditEntry
	st.DB.Where("entity = ? AND entity_id IN ?", "coordination", []string{v.ID}).Find(&entries)
	if len(entries) != 1 || entries[0].UserID != "admin" || !strings.Contains(entries[0].Changes, `"result":"adopted"`) {
		t.Errorf("audit = %+v", entries)
	}
}

// TestVoteNeedsItsReminder checks that an adopted vote is recorded only with its
// term's reminder scheduled: when Temporal refuses, nothing is written and the caller
// may retry.
func TestVoteNeedsItsReminder(t *testing.T) {
	st := testdb.Open(t)
	var scheduled []string
	d := New(st).WithTerms(func(ctx context.Context, v models.CoordinationVote) error {
		scheduled = append(scheduled, v.ID)
		if len(scheduled) == 1 {
			return errors.New("connection refused")
		}
		return nil
	})
	ctx := context.Background()
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	all := []string{"cio-chartres", "pole-emploi-chartres", "pole-emploi-luce", "pole-emploi-services-specialises", "cap-emploi-28",
		"cma-28-cad", "cci-28-point-a", "fongecif-centre"}
	cmd := NewVote{VotedOn: "2025-10-01", StructureIDs: []string{"cio-chartres"}, Present: all, InFavour: all}
	_, err := d.RecordVote(ctx, admin, "chartres", cmd)
	if e := cases.AsError(err); e == nil || e.Kind != cases.KindUnavailable {
		t.Fatalf("err = %v, want unavailable", err)
	}
	var n int64
	st.DB.Model(&models.CoordinationVote{}).Where("id = ?", scheduled[0]).Count(&n)
	if n != 0 {
		t.Fatal("the vote was recorded without its reminder")
	}
	v, err := d.RecordVote(ctx, admin, "chartres", cmd)
	if err != nil || v.Result != models.VoteAdopted || len(scheduled) != 2 || scheduled[1] != v.ID {
		t.Fatalf("retry: %+v, %v, scheduled %v", v, err, scheduled)
	}
}

// TestSQLiteOneConnection runs every administration write on SQLite (cep dev), whose
// single connection deadlocks a transaction that reads outside itself.
func TestSQLiteOneConnection(t *testing.T) {
	st, err := store.Open("", filepath.Join(t.TempDir(), "cep.db"))
	if err != nil {
		t.Fatal(err)
	}
	defer st.Close()
	ctx, cancel := context.WithTimeout(context.Background(), 20*time.Second)
	defer cancel()
	if err := st.Migrate(ctx, slog.New(slog.NewTextHandler(io.Discard, nil))); err != nil {
		t.Fatal(err)
	}
	if err := st.Seed(ctx); err != nil {
		t.Fatal(err)
	}
	d := New(st).WithTerms(func(context.Context, models.CoordinationVote) error { return nil })
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	inactive := false
	steps := []struct {
		name string
		run  func() error
	}{
		{"territory", func() error {
			_, err := d.CreateTerritory(ctx, admin, NewTerritory{ID: "dreux", Name: "Dreux", Region: "Centre-Val de Loire", CEPModel: CEPModel2019})
			return err
		}},
		{"structure", func() error {
			_, err := d.CreateStructure(ctx, admin, NewStructure{ID: "ml-dreux", TerritoryID: "dreux", Name: "ML", Network: "Mission locale", Publics: []string{"jobseeker"}})
			return err
		}},
		{"user", func() error {
			_, err := d.CreateUser(ctx, admin, NewUser{Email: "x@y.test", DisplayName: "X", Role: models.RoleAdviser, StructureID: "ml-dreux"})
			return err
		}},
		{"import", func() error {
			_, err := d.ImportUsers(ctx, admin, strings.NewReader("email,display_name,role,structure_id\nz@y.test,Z,adviser,ml-dreux\n"), false)
			return err
		}},
		{"amendment", func() error {
			_, err := d.AddAmendment(ctx, admin, "chartres-2015", NewAmendment{StructureID: "unifaf", Change: models.ChangeLeave, EffectiveOn: "2026-01-01"})
			return err
		}},
		{"vote", func() error {
			_, err := d.RecordVote(ctx, admin, "chartres", NewVote{VotedOn: "2025-10-01", StructureIDs: []string{"cio-chartres"},
				Present: []string{"cio-chartres"}, InFavour: []string{"cio-chartres"}})
			return err
		}},
		{"deactivation", func() error {
			_, err := d.PatchStructure(ctx, admin, "unifaf", StructurePatch{Active: &inactive})
			return err
		}},
	}
	for _, s := range steps {
		if err := s.run(); err != nil {
			t.Fatalf("%s: %v", s.name, err)
		}
	}
}

// TestCoordinatorRightsFollowTheDesignation checks Effective, which every face applies
// to the users it loads: the seeded coordinator coordinates during the pair's term and
// acts as an adviser from the day after its last day.
func TestCoordinatorRightsFollowTheDesignation(t *testing.T) {
	st := testdb.Open(t)
	ctx := context.Background()
	var v models.CoordinationVote
	if err := st.DB.Where("territory_id = ?", "chartres").Take(&v).Error; err != nil {
		t.Fatal(err)
	}
	last, _ := time.ParseInLocation(time.DateOnly, v.EndsOn, convention.Paris)
	for _, tc := range []struct {
		at   time.Time
		want string
	}{
		{last.Add(23 * time.Hour), models.RoleCoordinator},
		{last.Add(24 * time.Hour), models.RoleAdviser},
	} {
		u, err := New(st).WithClock(func() time.Time { return tc.at }).ActiveUser(ctx, "coordinator@chartres.demo.test")
		if err != nil {
			t.Fatal(err)
		}
		if u.Role != tc.want {
			t.Errorf("at %s the coordinator acts as %s, want %s", tc.at, u.Role, tc.want)
		}
	}
}
