package directory

import (
	"context"
	"testing"

	"github.com/spro-cep/cep/internal/cases"
	"github.com/spro-cep/cep/internal/store"
	"github.com/spro-cep/cep/internal/testdb"
	"github.com/spro-cep/cep/models"
)

// TestPermissions checks who may read and edit the reference data.
func TestPermissions(t *testing.T) {
	st := testdb.Open(t)
	d := New(st)
	ctx := context.Background()
	adviser := cases.Caller{UserID: "adviser-cio-chartres", Role: models.RoleAdviser, StructureID: "cio-chartres", TerritoryID: "chartres"}
	coord := cases.Caller{UserID: "coordinator-chartres", Role: models.RoleCoordinator, StructureID: "pole-emploi-chartres", TerritoryID: "chartres"}
	otherCoord := cases.Caller{UserID: "coordinator-dreux", Role: models.RoleCoordinator, TerritoryID: "dreux"}
	admin := cases.Caller{UserID: "admin", Role: models.RoleAdmin}
	hook, bad := "https://example.org/hook", "ftp://example.org"
	for _, tc := range []struct {
		name  string
		want  cases.Kind
		field string
		run   func() error
	}{
		{"advisers do not list users", cases.KindForbidden, "", func() error { _, err := d.Users(ctx, adviser, UserQuery{}); return err }},
		{"an unknown role filter is refused", cases.KindInvalid, "role", func() error { _, err := d.Users(ctx, admin, UserQuery{Role: "boss"}); return err }},
		{"a coordinator lists its territory's users", "", "", func() error {
			us, err := d.Users(ctx, coord, UserQuery{})
			for _, u := range us {
				if u.Role == models.RoleAdmin { // of no territory
					t.Errorf("a coordinator listed %s", u.ID)
				}
			}
			return err
		}},
		{"a coordinator configures its territory's structures only", cases.KindForbidden, "", func() error {
			_, err := d.PatchStructure(ctx, otherCoord, "cio-chartres", StructurePatch{WebhookURL: &hook})
			return err
		}},
		{"advisers configure no structure", cases.KindForbidden, "", func() error {
			_, err := d.PatchStructure(ctx, adviser, "cio-chartres", StructurePatch{WebhookURL: &hook})
			return err
		}},
		{"a webhook is an http(s) URL", cases.KindInvalid, "webhook_url", func() error {
			_, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &bad})
			return err
		}},
		{"the coordinator configures its territory's structure", "", "", func() error {
			s, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &hook})
			if err == nil && s.WebhookURL != hook {
				t.Errorf("webhook = %q", s.WebhookURL)
			}
			return err
		}},
		{"a coordinator edits its territory's table only", cases.KindForbidden, "", func() error {
			_, err := d.ReplaceRoutingTable(ctx, otherCoord, RoutingTable{TerritoryID: "chartres", Rules: []RoutingRule{}})
			return err
		}},
		{"a rule's ages are ordered", cases.KindInvalid, "rules[0].min_age", func() error {
			_, err := d.ReplaceRoutingTable(ctx, admin, RoutingTable{TerritoryID: "chartres",
				Rules: []RoutingRule{{Priority: 1, MinAge: 30, MaxAge: 20, Network: "CIO", Reason: "r"}}})
			return err
		}},
		{"the sign-in list holds the active demo users", "", "", func() error {
			us, err := d.ActiveUsers(ctx)
			if err == nil && len(us) != len(store.DemoUsers()) {
				t.Errorf("%d users, want %d", len(us), len(store.DemoUsers()))
			}
			return err
		}},
		{"an unknown structure", cases.KindNotFound, "", func() error { _, err := d.Structure(ctx, adviser, "nope"); return err }},
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
