package supervision

import (
	"encoding/json"
	"strings"
	"testing"
)

func TestMaskWithholdsCountsFromOneToFour(t *testing.T) {
	b := newBreakdown()
	b.NewCases.Total = 7
	b.NewCases.ByGender["female"] = 3
	b.NewCases.ByGender["male"] = 4
	b.NewCases.ByPublic["student"] = 0
	b.Handoffs.Declined = 1
	b.Handoffs.DeclinedByReason["no_capacity"] = 1
	b.Handoffs.TimeToDecision = Durations{Count: 2, MedianHours: 30, P90Hours: 40}
	b.TimeInStage["counselling"] = StageTime{Cases: 1, TotalDays: 12, MeanDays: 12}
	b.Withdrawals = 5
	ind := Indicators{Territories: []TerritoryIndicators{{TerritoryID: "t", Totals: *b}}}
	ind.Mask()
	raw, err := json.Marshal(ind)
	if err != nil {
		t.Fatal(err)
	}
	s := strings.ReplaceAll(string(raw), `\u003c`, "<") // encoding/json escapes "<"
	for _, want := range []string{`"total":7`, `"female":"<5"`, `"male":"<5"`, `"student":0`, `"declined":"<5"`, `"no_capacity":"<5"`,
		`"count":"<5","median_hours":0,"p90_hours":0`, `"cases":"<5","total_days":0,"mean_days":0`, `"withdrawals":5`, `"small_counts_masked":true`} {
		if !strings.Contains(s, want) {
			t.Errorf("masked indicators lack %s: %s", want, s)
		}
	}
	r := AnnualReport{Totals: *newBreakdown(), Months: []Month{{Month: "2026-01", NewCases: 2, Closures: 9}}}
	r.Mask()
	if r.Months[0].NewCases.String() != "<5" || r.Months[0].Closures != 9 {
		t.Errorf("months = %+v", r.Months)
	}
	if csv, _ := r.CSV(); !strings.Contains(string(csv), "month,,new_cases,2026-01,<5") {
		t.Errorf("CSV:\n%s", csv)
	}
}

func TestRefIsKeyed(t *testing.T) {
	a, b := Ref([]byte("key one"), "case-1"), Ref([]byte("key two"), "case-1")
	if a == b || a == Ref([]byte("key one"), "case-2") || a != Ref([]byte("key one"), "case-1") || !strings.HasPrefix(a, "C-") {
		t.Errorf("refs %s %s", a, b)
	}
}

func TestCountRoundTrips(t *testing.T) {
	for _, c := range []Count{0, 3, Masked, 12} {
		raw, _ := json.Marshal(c)
		var back Count
		if err := json.Unmarshal(raw, &back); err != nil || back != c {
			t.Errorf("%v -> %s -> %v, %v", c, raw, back, err)
		}
	}
}

func TestCountReadsEscapedMask(t *testing.T) {
	var c Count
	if err := json.Unmarshal([]byte(`"\u003c5"`), &c); err != nil || c != Masked {
		t.Errorf("%v, %v", c, err)
	}
}
