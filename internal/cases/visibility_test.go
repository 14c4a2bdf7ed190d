package cases

import (
	"context"
	"errors"
	"slices"
	"strings"
	"testing"
	"time"

	"github.com/google/uuid"

	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// Callers of the seeded Chartres network, and one coordinator of another territory.
var (
	peAdviser   = Caller{UserID: "adviser-pole-emploi-chartres", Role: models.RoleAdviser, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	cioAdviser  = Caller{UserID: "adviser-cio-chartres", Role: models.RoleAdviser, StructureID: "cio-chartres", TerritoryID: "chartres"}
	capAdviser  = Caller{UserID: "adviser-cap-emploi-28", Role: models.RoleAdviser, StructureID: "cap-emploi-28", TerritoryID: "chartres"}
	coordinator = Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	otherCoord  = Caller{UserID: "coordinator-dreux", Role: models.RoleCoordinator, StructureID: "cap-emploi-28", TerritoryID: "dreux"}
	supervisor  = Caller{UserID: "supervisor-region", Role: models.RoleSupervisor, StructureID: "region-centre-val-de-loire"}
	admin       = Caller{UserID: "admin", Role: models.RoleAdmin}
)

type fixture struct {
	svc *Service
	db  *store.Store
	// cases by name: held by the CIO with a pending hand-off to Cap emploi, held by
	// Pôle emploi, and a case of another territory held by Cap emploi.
	atCIO, atPE, elsewhere *models.Case
}

func newFixture(t *testing.T) fixture {
	t.Helper()
	st := testdb.Open(t)
	ctx := context.Background()
	if err := st.DB.Create(&models.Territory{ID: "dreux", Name: "Dreux", Region: "Centre-Val de Loire"}).Error; err != nil {
		t.Fatal(err)
	}
	mk := func(territory, holder string, target *string, first string) *models.Case {
		id := uuid.NewString()
		now := time.Now().UTC()
		row := &models.Case{ID: id, TerritoryID: territory, StructureID: holder, Stage: "reception", HandoffTargetID: target,
			Channel: "phone", Public: "jobseeker", CreatedBy: "x", CreatedAt: now, UpdatedAt: now, LastActivityAt: now, Version: 1,
			ConsentDataSharing: true,
			State:              `{"id":"` + id + `","stage":"reception","structure_id":"` + holder + `","territory_id":"` + territory + `","consent_data_sharing":true}`}
		if target != nil {
			row.Stage = "handoff"
			row.State = `{"id":"` + id + `","stage":"handoff","structure_id":"` + holder + `","territory_id":"` + territory +
				`","consent_data_sharing":true,"handoff":{"id":"h-` + id + `","to_structure_id":"` + *target + `","from_structure_id":"` + holder +
				`","status":"pending","reason":"needs a specialist","note":"call in the morning"}}`
		}
		if err := st.DB.WithContext(ctx).Create(row).Error; err != nil {
			t.Fatal(err)
		}
		if err := st.DB.WithContext(ctx).Create(&models.Beneficiary{CaseID: id, FirstName: first, LastName: "Martin",
			BirthDate: "1990-01-02", Gender: "female", PostalCode: "28000", Public: "jobseeker", Request: "r", CreatedAt: now}).Error; err != nil {
			t.Fatal(err)
		}
		return row
	}
	capID := "cap-emploi-28"
	f := fixture{db: st, svc: New(Config{Store: st})}
	f.atCIO = mk("chartres", "cio-chartres", &capID, "Alice")
	f.atPE = mk("chartres", "pole-emploi-chartres", nil, "Béatrice")
	f.elsewhere = mk("dreux", "cap-emploi-28", nil, "Chloé")
	return f
}

func kindOf(err error) Kind {
	var e *Error
	if errors.As(err, &e) {
		return e.Kind
	}
	if err != nil {
		return "untyped: " + Kind(err.Error())
	}
	return ""
}

func (f fixture) audited(t *testing.T, c Caller, caseID string) int64 {
	t.Helper()
	var n int64
	// The read of the disability recognition is recorded apart (see TestNeedToKnow).
	if err := f.db.DB.Model(&models.AuditEntry{}).Where("user_id = ? AND case_id = ? AND what <> ?", c.UserID, caseID, "cases.disability").Count(&n).Error; err != nil {
		t.Fatal(err)
	}
	return n
}

// TestVisibilityIsOneRule checks the need-to-know rule once, at the service: for each
// caller and case, CanSee, a read of the file and the case list agree, every read
// granted is audited and no refused read is.
func TestVisibilityIsOneRule(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	all := []*models.Case{f.atCIO, f.atPE, f.elsewhere}
	for _, tc := range []struct {
		name   string
		caller Caller
		sees   []*models.Case
	}{
		{"holder's adviser", cioAdviser, []*models.Case{f.atCIO}},
		{"pending hand-off target's adviser sees both its cases", capAdviser, []*models.Case{f.atCIO, f.elsewhere}},
		{"adviser of another structure", peAdviser, []*models.Case{f.atPE}},
		{"territory's coordinator sees the territory", coordinator, []*models.Case{f.atCIO, f.atPE}},
		{"another territory's coordinator sees its territory and its structure's", otherCoord, []*models.Case{f.atCIO, f.elsewhere}},
		{"the Région's supervisor sees no file", supervisor, nil},
		{"an admin sees no file", admin, nil},
	} {
		t.Run(tc.name, func(t *testing.T) {
			for _, row := range all {
				want := slices.Contains(tc.sees, row)
				if got := CanSee(tc.caller, row); got != want {
					t.Errorf("CanSee(%s) = %v, want %v", row.StructureID, got, want)
				}
				before := f.audited(t, tc.caller, row.ID)
				v, err := f.svc.Get(ctx, tc.caller, row.ID)
				after := f.audited(t, tc.caller, row.ID)
				switch {
				case want && (err != nil || v.ID != row.ID || v.Beneficiary == nil):
					t.Errorf("Get(%s) = %+v, %v; want the file", row.StructureID, v.ID, err)
				case want && after != before+1:
					t.Errorf("Get(%s) audited %d reads, want 1", row.StructureID, after-before)
				case !want && kindOf(err) != KindNotFound:
					t.Errorf("Get(%s) err = %v, want not-found", row.StructureID, err)
				case !want && after != before:
					t.Errorf("a refused read of %s was audited", row.StructureID)
				}
				// A pending hand-off's target sees the file (the timeline) once it accepts.
				target := want && sightOfRow(tc.caller, row) == SightHandoffTarget
				if _, err := f.svc.Events(ctx, tc.caller, row.ID); (want && !target) != (err == nil) || (target && kindOf(err) != KindForbidden) {
					t.Errorf("Events(%s) err = %v, want visible=%v", row.StructureID, err, want && !target)
				}
			}
			list, err := f.svc.List(ctx, tc.caller, ListQuery{WithCounts: true})
			if err != nil {
				t.Fatal(err)
			}
			var listed, want []string
			for _, it := range list.Items {
				listed = append(listed, it.ID)
			}
			for _, row := range tc.sees {
				want = append(want, row.ID)
			}
			slices.Sort(listed)
			slices.Sort(want)
			if !slices.Equal(listed, want) || list.Total != int64(len(want)) {
				t.Errorf("List = %v (total %d), want %v", listed, list.Total, want)
			}
			var counted int64
			for _, n := range list.ByStage {
				counted += n
			}
			if counted != int64(len(want)) {
				t.Errorf("stage counters %v add up to %d, want %d", list.ByStage, counted, len(want))
			}
		})
	}
}

// TestListSearchAndSort checks the name search, the sort keys and the stage filter of
// the case list.
func TestListSearchAndSort(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	list, err := f.svc.List(ctx, coordinator, ListQuery{Q: "  béa"})
	if err != nil || len(list.Items) != 1 || list.Items[0].ID != f.atPE.ID {
		t.Fatalf("search béa = %+v, %v", list.Items, err)
	}
	if list, err = f.svc.List(ctx, coordinator, ListQuery{Q: "martin", Sort: "name"}); err != nil || len(list.Items) != 2 ||
		list.Items[0].FirstName != "Alice" {
		t.Fatalf("search martin by name = %+v, %v", list.Items, err)
	}
	if list, err = f.svc.List(ctx, coordinator, ListQuery{Q: "100%"}); err != nil || len(list.Items) != 0 {
		t.Fatalf("a LIKE wildcard matched: %+v, %v", list.Items, err)
	}
	if list, err = f.svc.List(ctx, coordinator, ListQuery{Stage: "handoff", WithCounts: true}); err != nil || len(list.Items) != 1 ||
		list.ByStage["handoff"] != 1 || list.ByStage["reception"] != 1 {
		t.Fatalf("stage handoff = %+v %v, %v", list.Items, list.ByStage, err)
	}
	_, err = f.svc.List(ctx, coordinator, ListQuery{Sort: "age"})
	if e := AsError(err); e == nil || e.Kind != KindInvalid || e.Fields[0].Field != "sort" {
		t.Fatalf("unknown sort: %v", err)
	}
	_, err = f.svc.List(ctx, coordinator, ListQuery{Page: Page{Size: 500}})
	if e := AsError(err); e == nil || e.Fields[0].Field != "page_size" {
		t.Fatalf("page size 500: %v", err)
	}
}

// TestPermissions checks who may give which command, for the refusals the service
// decides before any workflow is involved.
func TestPermissions(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	yes := true
	valid := CreateCase{Beneficiary: BeneficiaryInput{FirstName: "A", LastName: "B", BirthDate: "1990-01-02", Gender: "female",
		PostalCode: "28000", Public: "jobseeker"}, Channel: "phone", Request: "r", Consent: ConsentInput{DataSharing: &yes}}
	for _, tc := range []struct {
		name string
		want Kind
		run  func() error
	}{
		{"a supervisor does not receive people", KindForbidden, func() error {
			_, err := f.svc.Create(ctx, supervisor, valid, "")
			return err
		}},
		{"an admin of no structure does not receive people", KindForbidden, func() error {
			_, err := f.svc.Create(ctx, admin, valid, "")
			return err
		}},
		{"a reception names every invalid field", KindInvalid, func() error {
			_, err := f.svc.Create(ctx, peAdviser, CreateCase{}, "")
			if e := AsError(err); e != nil {
				var fields []string
				for _, fe := range e.Fields {
					fields = append(fields, fe.Field)
				}
				for _, want := range []string{"beneficiary.first_name", "beneficiary.birth_date", "channel", "consent.data_sharing"} {
					if !slices.Contains(fields, want) {
						t.Errorf("fields %v lack %s", fields, want)
					}
				}
			}
			return err
		}},
		{"an idempotency key is bounded", KindInvalid, func() error {
			_, err := f.svc.Create(ctx, peAdviser, valid, strings.Repeat("k", 201))
			return err
		}},
		{"another structure's adviser cannot act on a case it does not see", KindNotFound, func() error {
			_, err := f.svc.Pause(ctx, peAdviser, f.atCIO.ID, Reason{Reason: "r"}, "")
			return err
		}},
		{"a supervisor cannot act on a case", KindNotFound, func() error {
			_, err := f.svc.Close(ctx, supervisor, f.atPE.ID, CloseCase{Outcome: "job"}, "")
			return err
		}},
		{"the target records no contacts", KindForbidden, func() error {
			return f.svc.RecordContact(ctx, capAdviser, f.atCIO.ID, RecordContact{Channel: "phone"})
		}},
		{"a visible case still validates the command", KindInvalid, func() error {
			_, err := f.svc.Pause(ctx, cioAdviser, f.atCIO.ID, Reason{}, "")
			return err
		}},
		{"an adviser does not coordinate", KindForbidden, func() error {
			_, err := f.svc.Remind(ctx, cioAdviser, f.atCIO.ID, Remind{}, "")
			return err
		}},
		{"a coordinator coordinates its own territory only", KindNotFound, func() error {
			_, err := f.svc.Remind(ctx, otherCoord, f.atCIO.ID, Remind{}, "")
			return err
		}},
		{"take-back to a structure of another territory", KindInvalid, func() error {
			_, err := f.svc.TakeBack(ctx, coordinator, f.atCIO.ID, TakeBack{StructureID: "nowhere", Reason: "r"}, "")
			return err
		}},
		{"advisers do not list stuck cases", KindForbidden, func() error {
			_, err := f.svc.Stuck(ctx, peAdviser, StuckQuery{})
			return err
		}},
		{"admins do not list stuck cases", KindForbidden, func() error {
			_, err := f.svc.Stuck(ctx, admin, StuckQuery{})
			return err
		}},
		{"a coordinator supervises its territory only", KindForbidden, func() error {
			_, err := f.svc.Stuck(ctx, coordinator, StuckQuery{Territory: "dreux"})
			return err
		}},
		{"advisers do not read the audit", KindForbidden, func() error {
			_, err := f.svc.Audit(ctx, cioAdviser, f.atCIO.ID)
			return err
		}},
		{"another territory's coordinator does not read its audit", KindNotFound, func() error {
			_, err := f.svc.Audit(ctx, otherCoord, f.atCIO.ID)
			return err
		}},
		{"the territory's coordinator reads the audit", "", func() error {
			_, err := f.svc.Audit(ctx, coordinator, f.atCIO.ID)
			return err
		}},
		{"an admin reads the audit", "", func() error {
			_, err := f.svc.Audit(ctx, admin, f.elsewhere.ID)
			return err
		}},
		{"advisers do not read indicators", KindForbidden, func() error {
			_, err := f.svc.Indicators(ctx, peAdviser, "", time.Now().AddDate(0, -1, 0), time.Now())
			return err
		}},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := kindOf(tc.run()); got != tc.want {
				t.Fatalf("kind %q, want %q", got, tc.want)
			}
		})
	}
}

// TestInboxListsPendingHandoffsToTheCaller checks the structure's inbox: the hand-offs
// waiting for it, not those of others, each person audited.
func TestInboxListsPendingHandoffsToTheCaller(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	now := time.Now().UTC()
	hid := uuid.NewString()
	if err := f.db.DB.Create(&models.Handoff{ID: hid, CaseID: f.atCIO.ID, FromStructureID: "cio-chartres", ToStructureID: "cap-emploi-28",
		Status: "pending", Reason: "r", FromStage: "reception", RequestedBy: "adviser-cio-chartres", RequestedAt: now, DueAt: now.Add(72 * time.Hour), Version: 1}).Error; err != nil {
		t.Fatal(err)
	}
	if err := f.db.DB.Model(&models.Case{}).Where("id = ?", f.atCIO.ID).Update("handoff_id", hid).Error; err != nil {
		t.Fatal(err)
	}
	got, err := f.svc.Inbox(ctx, capAdviser)
	if err != nil || len(got) != 1 || got[0].Handoff.ID != hid || got[0].FirstName != "Alice" || got[0].From.ID != "cio-chartres" {
		t.Fatalf("inbox = %+v, %v", got, err)
	}
	if f.audited(t, capAdviser, f.atCIO.ID) != 1 {
		t.Error("the inbox's read of the person was not audited")
	}
	if got, err := f.svc.Inbox(ctx, cioAdviser); err != nil || len(got) != 0 {
		t.Fatalf("the sender's inbox = %+v, %v", got, err)
	}
}

// TestCaseFile checks the console's case page read: the file for who may see it, the
// caller's place (holder, target), the names it shows, and its audit.
func TestCaseFile(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	file, err := f.svc.File(ctx, capAdviser, f.atCIO.ID)
	if err != nil {
		t.Fatal(err)
	}
	if file.Case.ID != f.atCIO.ID || file.IsHolder || !file.IsTarget || !file.MayAct || file.Holder.ID != "cio-chartres" ||
		file.HandoffTarget == nil || file.HandoffTarget.ID != "cap-emploi-28" || file.Case.Beneficiary == nil {
		t.Fatalf("file = %+v", file)
	}
	if file.StructureNames["cio-chartres"] != "CIO de Chartres" {
		t.Errorf("structure names = %v", file.StructureNames)
	}
	var n int64
	f.db.DB.Model(&models.AuditEntry{}).Where("user_id = ? AND case_id = ? AND what = ?", capAdviser.UserID, f.atCIO.ID, "cases.file").Count(&n)
	if n != 1 {
		t.Errorf("file reads audited: %d, want 1", n)
	}
	if _, err := f.svc.File(ctx, peAdviser, f.atCIO.ID); kindOf(err) != KindNotFound {
		t.Errorf("another structure's file: %v", err)
	}
}

// TestSessionsAreNotDatedInTheFuture checks the rule before anything reaches the
// workflow.
func TestSessionsAreNotDatedInTheFuture(t *testing.T) {
	f := newFixture(t)
	tomorrow := time.Now().In(paris).AddDate(0, 0, 1).Format(time.DateOnly)
	_, err := f.svc.AddSession(context.Background(), cioAdviser, f.atCIO.ID,
		AddSession{Date: tomorrow, DurationMinutes: 30, Mode: "phone", Summary: "s"}, "")
	if e := AsError(err); e == nil || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "date" {
		t.Fatalf("a session dated tomorrow: %v", err)
	}
}
