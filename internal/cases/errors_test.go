package cases

import (
	"context"
	"errors"
	"fmt"
	"testing"

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
