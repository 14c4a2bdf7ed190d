package cases

import (
	"context"
	"testing"
)

// TestQueryEnumsAreEnforced: a filter outside its closed list is a 400 naming the
// filter, like ?paused=maybe, not an empty page.
func TestQueryEnumsAreEnforced(t *testing.T) {
	f := newFixture(t)
	ctx := context.Background()
	_, err := f.svc.List(ctx, coordinator, ListQuery{Stage: "foo"})
	if e := AsError(err); e == nil || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "stage" {
		t.Fatalf("?stage=foo: %v", err)
	}
	if _, err := f.svc.List(ctx, coordinator, ListQuery{Stage: "closed"}); err != nil {
		t.Fatalf("?stage=closed: %v", err)
	}
	_, err = f.svc.Notifications(ctx, coordinator, NotificationQuery{Kind: "foo"})
	if e := AsError(err); e == nil || e.Kind != KindInvalid || len(e.Fields) != 1 || e.Fields[0].Field != "kind" {
		t.Fatalf("?kind=foo: %v", err)
	}
	if _, err := f.svc.Notifications(ctx, coordinator, NotificationQuery{Kind: "case_taken_back"}); err != nil {
		t.Fatalf("?kind=case_taken_back: %v", err)
	}
}
