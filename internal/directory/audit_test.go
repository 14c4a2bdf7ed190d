package directory

import (
	"context"
	"encoding/json"
	"testing"
	"time"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/convention"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// TestAdminAuditFilters checks the trail's filters (kind of record, actor, period in
// Paris days), its names of actors and records, and its refusals by field.
func TestAdminAuditFilters(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	coord := cases.Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	contact := "02 37 00 00 00"
	if _, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{Contact: &contact}); err != nil {
		t.Fatal(err)
	}
	name := "Conseil du CIO de Chartres"
	if _, err := d.PatchUser(ctx, admin, "adviser-cio-chartres", UserPatch{DisplayName: &name}); err != nil {
		t.Fatal(err)
	}
	today := convention.Day(time.Now())
	tomorrow := convention.Day(time.Now().Add(24 * time.Hour))

	pg, err := d.AdminAudit(ctx, admin, AuditQuery{Entity: "user", Actor: "admin", From: today, To: today})
	if err != nil {
		t.Fatal(err)
	}
	if pg.Total != 1 || len(pg.Items) != 1 {
		t.Fatalf("the admin's changes of users today: %d %+v", pg.Total, pg.Items)
	}
	e := pg.Items[0]
	var ch map[string]struct{ From, To string }
	if err := json.Unmarshal(e.Changes, &ch); err != nil || ch["display_name"].To != name {
		t.Errorf("changes %s %v", e.Changes, err)
	}
	if e.UserName != "Administration de la plateforme" || e.EntityName != name || e.EntityID != "adviser-cio-chartres" {
		t.Errorf("names: actor %q, record %q", e.UserName, e.EntityName)
	}

	// The coordinator's change of a structure, in its territory's trail; its own actor
	// filter lists it.
	pg, err = d.AdminAudit(ctx, coord, AuditQuery{Actor: "coordinator-chartres"})
	if err != nil || pg.Total != 1 || pg.Items[0].Entity != "structure" || pg.Items[0].EntityName != "CIO de Chartres" {
		t.Fatalf("the coordinator's changes: %+v %v", pg, err)
	}
	actors, err := d.AuditActors(ctx, coord, "")
	if err != nil {
		t.Fatal(err)
	}
	found := map[string]string{}
	for _, a := range actors {
		found[a.UserID] = a.Name
	}
	// The admin renamed a user of chartres: in chartres's trail too.
	if found["coordinator-chartres"] == "" || found["admin"] != "Administration de la plateforme" {
		t.Errorf("actors of chartres: %+v", actors)
	}
	if _, err := d.AuditActors(ctx, coord, "dreux"); cases.AsError(err) == nil || cases.AsError(err).Kind != cases.KindForbidden {
		t.Errorf("another territory's actors: %v", err)
	}

	// Nothing tomorrow; the seed's records, every one of them today.
	if pg, err = d.AdminAudit(ctx, admin, AuditQuery{From: tomorrow}); err != nil || pg.Total != 0 {
		t.Errorf("from tomorrow: %d %v", pg.Total, err)
	}
	seeded, err := d.AdminAudit(ctx, admin, AuditQuery{Actor: "seed", Entity: "territory", To: today})
	if err != nil || seeded.Total == 0 || seeded.Items[0].UserName != "" || seeded.Items[0].EntityName == "" {
		t.Errorf("the seed's territories: %+v %v", seeded, err)
	}

	for _, tc := range []struct {
		name  string
		c     cases.Caller
		q     AuditQuery
		kind  cases.Kind
		field string
	}{
		{"an unknown kind of record", admin, AuditQuery{Entity: "case"}, cases.KindInvalid, "entity"},
		{"a date that is not one", admin, AuditQuery{From: "01/11/2026"}, cases.KindInvalid, "from"},
		{"a period that ends before it starts", admin, AuditQuery{From: today, To: "2020-01-01"}, cases.KindInvalid, "to"},
		{"another territory's trail", coord, AuditQuery{TerritoryID: "dreux"}, cases.KindForbidden, ""},
		{"a page size too large", admin, AuditQuery{PageSize: 500}, cases.KindInvalid, "page_size"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			_, err := d.AdminAudit(ctx, tc.c, tc.q)
			e := cases.AsError(err)
			if e == nil || e.Kind != tc.kind || (tc.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tc.field)) {
				t.Fatalf("err = %v (%+v), want %s on %q", err, e, tc.kind, tc.field)
			}
		})
	}
}

// TestWebhookSecretReset checks the new signing secret made in place: for those who
// set the webhook, only when one is set, shown once, audited as set and not by value.
func TestWebhookSecretReset(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	coord := cases.Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	adviser := cases.Caller{UserID: "adviser-cio-chartres", Role: models.RoleAdviser, StructureID: "cio-chartres", TerritoryID: "chartres"}
	yes, hook := true, "https://203.0.113.7/hook"
	_, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{ResetWebhookSecret: &yes})
	if e := cases.AsError(err); e == nil || e.Kind != cases.KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "reset_webhook_secret" {
		t.Fatalf("a reset without a webhook: %v", err)
	}
	set, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &hook})
	if err != nil || len(set.WebhookSecret) != 64 {
		t.Fatalf("set: %v %q", err, set.WebhookSecret)
	}
	if _, err := d.PatchStructure(ctx, adviser, "cio-chartres", StructurePatch{ResetWebhookSecret: &yes}); cases.AsError(err) == nil ||
		cases.AsError(err).Kind != cases.KindForbidden {
		t.Fatalf("an adviser reset its structure's secret: %v", err)
	}
	reset, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{ResetWebhookSecret: &yes})
	if err != nil || len(reset.WebhookSecret) != 64 || reset.WebhookSecret == set.WebhookSecret || reset.WebhookURL != hook {
		t.Fatalf("reset: %v %q (was %q)", err, reset.WebhookSecret, set.WebhookSecret)
	}
	var stored models.Structure
	st.DB.Where("id = ?", "cio-chartres").Take(&stored)
	if stored.WebhookSecret != reset.WebhookSecret {
		t.Error("the new secret is not the one that signs")
	}
	var last models.AdminAuditEntry
	st.DB.Where("entity = ? AND entity_id = ?", "structure", "cio-chartres").Order("id DESC").Take(&last)
	if last.Changes != `{"webhook_secret":{"from":true,"to":true}}` {
		t.Errorf("the reset as audited: %s", last.Changes)
	}
}

// TestUserReadFollowsTheList checks the read of one user for its page: a coordinator
// reads its territory's users as in its list, not others, and advisers none.
func TestUserReadFollowsTheList(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	coord := cases.Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	adviser := cases.Caller{UserID: "adviser-cio-chartres", Role: models.RoleAdviser, StructureID: "cio-chartres", TerritoryID: "chartres"}
	if u, err := d.User(ctx, coord, "adviser-cio-chartres"); err != nil || u.Email != "adviser.cio-chartres@chartres.demo.test" {
		t.Errorf("the coordinator reads its adviser: %+v %v", u, err)
	}
	if _, err := d.User(ctx, coord, "admin"); cases.AsError(err) == nil || cases.AsError(err).Kind != cases.KindNotFound {
		t.Errorf("the coordinator reads the admin: %v", err)
	}
	if _, err := d.User(ctx, adviser, "adviser-cio-chartres"); cases.AsError(err) == nil || cases.AsError(err).Kind != cases.KindForbidden {
		t.Errorf("an adviser reads a user: %v", err)
	}
}
