package directory

import (
	"context"
	"strings"
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
	// An address literal: the test needs no DNS (a name is resolved and checked too).
	hook, bad := "https://203.0.113.7/hook", "ftp://example.org"
	plain, private := "http://203.0.113.7/hook", "https://10.0.0.8/hook"
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
		{"a webhook is https", cases.KindInvalid, "webhook_url", func() error {
			_, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &plain})
			return err
		}},
		{"a webhook is not inside the network", cases.KindInvalid, "webhook_url", func() error {
			_, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &private})
			return err
		}},
		{"the coordinator configures its territory's structure, gets the secret once, audited", "", "", func() error {
			s, err := d.PatchStructure(ctx, coord, "cio-chartres", StructurePatch{WebhookURL: &hook})
			if err == nil && (s.WebhookURL != hook || len(s.WebhookSecret) != 64) {
				t.Errorf("webhook = %q, secret %q", s.WebhookURL, s.WebhookSecret)
			}
			// Who changed a webhook is in the administration audit trail, which says that
			// the address and the secret changed, never which they are.
			var rows []models.AdminAuditEntry
			st.DB.Where("user_id = ? AND entity = ? AND entity_id = ?", coord.UserID, "structure", "cio-chartres").Find(&rows)
			if len(rows) != 1 || !strings.Contains(rows[0].Changes, "webhook_url") || strings.Contains(rows[0].Changes, hook) ||
				strings.Contains(rows[0].Changes, s.WebhookSecret) {
				t.Errorf("audit of the webhook change: %+v", rows)
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
			want := len(store.DemoUsers()) + len(store.DemoUsers2019()) // both seeded territories
			if err == nil && len(us) != want {
				t.Errorf("%d users, want %d", len(us), want)
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
