package convention

import (
	"reflect"
	"sort"
	"testing"
	"time"

	"github.com/spro-cep/cep/models"
)

func keys(m map[string]bool) []string {
	out := []string{}
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}

// TestMembersOn checks the rule evaluated by date: a structure is a partner from the
// day it signs or joins by amendment, and no longer from the day it leaves.
func TestMembersOn(t *testing.T) {
	events := []Event{
		{StructureID: "a", Change: models.ChangeJoin, On: "2015-09-28"},
		{StructureID: "b", Change: models.ChangeJoin, On: "2015-09-28"},
		{StructureID: "c", Change: models.ChangeJoin, On: "2016-01-01", Seq: 1},
		{StructureID: "b", Change: models.ChangeLeave, On: "2016-06-01", Seq: 2},
		{StructureID: "b", Change: models.ChangeJoin, On: "2017-01-01", Seq: 3},
	}
	for _, tc := range []struct {
		day  string
		want []string
	}{
		{"2015-09-27", []string{}},
		{"2015-09-28", []string{"a", "b"}},
		{"2015-12-31", []string{"a", "b"}},
		{"2016-01-01", []string{"a", "b", "c"}},
		{"2016-05-31", []string{"a", "b", "c"}},
		{"2016-06-01", []string{"a", "c"}},
		{"2017-01-01", []string{"a", "b", "c"}},
	} {
		if got := keys(MembersOn(events, tc.day)); !reflect.DeepEqual(got, tc.want) {
			t.Errorf("members on %s = %v, want %v", tc.day, got, tc.want)
		}
	}
	// Two events the same day: the later recorded wins.
	same := []Event{{StructureID: "x", Change: models.ChangeJoin, On: "2020-01-01", Seq: 1}, {StructureID: "x", Change: models.ChangeLeave, On: "2020-01-01", Seq: 2}}
	if got := keys(MembersOn(same, "2020-01-01")); len(got) != 0 {
		t.Errorf("members = %v, want none", got)
	}
}

func TestTermEnd(t *testing.T) {
	for start, want := range map[string]string{"2025-09-28": "2026-09-27", "2024-03-01": "2025-02-28", "2024-01-01": "2024-12-31"} {
		d, _ := time.Parse(time.DateOnly, start)
		if got := TermEnd(d).Format(time.DateOnly); got != want {
			t.Errorf("term from %s ends %s, want %s", start, got, want)
		}
	}
}

func TestDayIsParis(t *testing.T) {
	// 23:30 UTC on 31 December is already 1 January in Paris.
	if got := Day(time.Date(2025, 12, 31, 23, 30, 0, 0, time.UTC)); got != "2026-01-01" {
		t.Errorf("day = %s", got)
	}
}
