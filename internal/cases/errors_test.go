package cases

import (
	"context"
	"database/sql/driver"
	"errors"
	"fmt"
	"net"
	"syscall"
	"testing"

	"github.com/jackc/pgx/v5/pgconn"
	enumspb "go.temporal.io/api/enums/v1"
	"go.temporal.io/api/serviceerror"
	"go.temporal.io/sdk/temporal"

	"github.com/spro-cep/cep/workflows"
)

// TestAsErrorTypesEveryRefusal checks that a workflow's refusal (handle[T]), an
// unreachable Temporal and the service's own errors all become typed errors, that
// nil stays nil and that an unexpected error stays untyped (an internal error).
func TestAsErrorTypesEveryRefusal(t *testing.T) {
	refusal := func(kind, field string) error {
		return fmt.Errorf("update failed: %w", temporal.NewApplicationErrorWithOptions("m", kind, temporal.ApplicationErrorOptions{
			NonRetryable: true, Details: []any{workflows.RefusalDetails{Stage: "counselling", Paused: true, Field: field}}}))
	}
	for _, tc := range []struct {
		name  string
		err   error
		kind  Kind
		field string
	}{
		{"nil", nil, "", ""},
		{"unexpected", errors.New("boom"), "", ""},
		{"conflict", refusal(workflows.RefusalConflict, ""), KindConflict, ""},
		{"conflict on a field", refusal(workflows.RefusalConflict, "funder"), KindConflict, "funder"},
		{"forbidden", refusal(workflows.RefusalForbidden, ""), KindForbidden, ""},
		{"not found", refusal(workflows.RefusalNotFound, ""), KindNotFound, ""},
		{"invalid", refusal(workflows.RefusalInvalid, "outcome"), KindInvalid, "outcome"},
		{"unavailable", serviceerror.NewUnavailable("down"), KindUnavailable, ""},
		{"deadline", fmt.Errorf("x: %w", context.DeadlineExceeded), KindUnavailable, ""},
		{"own", fmt.Errorf("wrapped: %w", Forbidden("no")), KindForbidden, ""},
		{"temporal overloaded", fmt.Errorf("update: %w", serviceerror.NewResourceExhausted(enumspb.RESOURCE_EXHAUSTED_CAUSE_RPS_LIMIT, "rps")), KindUnavailable, ""},
		{"database shutting down", fmt.Errorf("gorm: %w", &pgconn.PgError{Code: "57P01", Message: "terminating connection due to administrator command"}), KindUnavailable, ""},
		{"database connection lost", fmt.Errorf("gorm: %w", &pgconn.PgError{Code: "08006"}), KindUnavailable, ""},
		{"database refused", fmt.Errorf("gorm: %w", &net.OpError{Op: "dial", Net: "tcp", Err: syscall.ECONNREFUSED}), KindUnavailable, ""},
		{"database bad connection", fmt.Errorf("gorm: %w", driver.ErrBadConn), KindUnavailable, ""},
		{"sqlite busy", errors.New("database is locked (5) (SQLITE_BUSY)"), KindUnavailable, ""},
		{"data refused is not an outage", fmt.Errorf("gorm: %w", &pgconn.PgError{Code: "22021"}), "", ""},
		{"client went away", fmt.Errorf("update: %w", context.Canceled), KindCanceled, ""},
	} {
		t.Run(tc.name, func(t *testing.T) {
			e := AsError(tc.err)
			if tc.kind == "" {
				if e != nil {
					t.Fatalf("AsError = %+v, want nil", e)
				}
				return
			}
			if e == nil || e.Kind != tc.kind {
				t.Fatalf("AsError = %+v, want kind %s", e, tc.kind)
			}
			if tc.kind == KindConflict && (e.Stage != "counselling" || e.Paused == nil || !*e.Paused) {
				t.Errorf("a conflict lost the case's state: %+v", e)
			}
			if tc.field != "" && (len(e.Fields) != 1 || e.Fields[0].Field != tc.field) {
				t.Errorf("fields = %+v, want %s", e.Fields, tc.field)
			}
		})
	}
}
