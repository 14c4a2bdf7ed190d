package supervision

import (
	"math"
	"testing"
	"time"
)

func TestComputeFollowsTheTimeline(t *testing.T) {
	t0 := time.Date(2025, 3, 3, 9, 0, 0, 0, time.UTC)
	h := time.Hour
	decided := t0.Add(3 * h)
	ev := func(seq int64, typ, structure string, at time.Duration, details string) EventRow {
		return EventRow{CaseID: "c1", TerritoryID: "t", Seq: seq, Type: typ, StructureID: structure, At: t0.Add(at), Details: details}
	}
	in := Input{From: t0, To: t0.Add(24 * h), Now: t0.Add(48 * h),
		Opened: []OpenedRow{{CaseID: "c1", TerritoryID: "t", StructureID: "s1", At: t0, Public: "jobseeker", Gender: "female", AgeBand: "26_44", Channel: "phone"},
			{CaseID: "old", TerritoryID: "t", StructureID: "s1", At: t0.Add(-h), Public: "student"}},
		Events: []EventRow{
			ev(1, "case_opened", "s1", 0, `{}`),
			ev(2, "handoff_requested", "s1", h, `{"from_stage":"reception","handoff_id":"h1"}`),
			ev(3, "handoff_declined", "s2", 3*h, `{"returned_to_stage":"reception","reason_code":"no_capacity"}`),
			ev(4, "counselling_started", "s1", 5*h, `{}`),
			ev(5, "paused", "s1", 6*h, `{}`),
			ev(6, "closed", "s1", 10*h, `{"outcome":"job"}`),
		},
		Handoffs: []HandoffRow{{ID: "h1", TerritoryID: "t", FromStructureID: "s1", ToStructureID: "s2", Status: "declined",
			DeclineReason: "no_capacity", RequestedAt: t0.Add(h), DecidedAt: &decided}},
		Plans: []PlanRow{{TerritoryID: "t", StructureID: "s1", Shortfall: true, CreatedAt: t0.Add(8 * h)}, {TerritoryID: "t", StructureID: "s1", CreatedAt: t0.Add(30 * h)}},
	}
	got := Compute(in)
	if len(got.Territories) != 1 {
		t.Fatalf("territories = %+v", got.Territories)
	}
	tot := got.Territories[0].Totals
	if tot.NewCases.Total != 1 || tot.NewCases.ByChannel["phone"] != 1 || tot.NewCases.ByPublic["student"] != 0 {
		t.Errorf("new cases = %+v", tot.NewCases)
	}
	if tot.LevelEntries["reception"] != 1 || tot.LevelEntries["counselling"] != 1 || tot.LevelEntries["implementation"] != 0 {
		t.Errorf("level entries = %v", tot.LevelEntries)
	}
	if hs := tot.Handoffs; hs.Sent != 1 || hs.Declined != 1 || hs.DeclinedByReason["no_capacity"] != 1 || hs.TimeToDecision.MedianHours != 2 || hs.TimeToDecision.P90Hours != 2 {
		t.Errorf("hand-offs = %+v", hs)
	}
	days := func(hours float64) float64 { return hours / 24 }
	for stage, want := range map[string]float64{"reception": days(3), "handoff": days(2), "counselling": days(5)} {
		if got := tot.TimeInStage[stage]; math.Abs(got.TotalDays-want) > 1e-5 || got.Cases != 1 {
			t.Errorf("time in %s = %+v, want %.4f days", stage, got, want)
		}
	}
	if tot.Outcomes["job"] != 1 || tot.Pauses != 1 || tot.Financing.PlansComputed != 1 || tot.Financing.Shortfalls != 1 {
		t.Errorf("outcomes %v pauses %d financing %+v", tot.Outcomes, tot.Pauses, tot.Financing)
	}
	by := map[string]StructureIndicators{}
	for _, s := range got.Territories[0].Structures {
		by[s.StructureID] = s
	}
	if by["s1"].Handoffs.Sent != 1 || by["s2"].Handoffs.Declined != 1 || by["s1"].Handoffs.Declined != 0 || by["s1"].NewCases.Total != 1 {
		t.Errorf("per structure: %+v", by)
	}
	r := Report("t", 2025, in)
	if r.Months[2].NewCases != 2 || r.Months[2].Closures != 1 { // the report counts the whole year
		t.Errorf("March = %+v", r.Months[2])
	}
	csv, err := r.CSV()
	if err != nil || len(csv) == 0 {
		t.Fatalf("csv: %v", err)
	}
}

func TestPercentileAndStageDurations(t *testing.T) {
	v := []float64{1, 2, 3, 4, 5, 6, 7, 8, 9, 10}
	if Percentile(v, 50) != 5 || Percentile(v, 90) != 9 || Percentile(nil, 50) != 0 || Percentile([]float64{4}, 90) != 4 {
		t.Error("nearest-rank percentiles")
	}
	parse := func(s string) (time.Duration, error) { return time.ParseDuration(s) }
	m, err := ParseStageDurations("reception=1h,counselling=2h", map[string]time.Duration{"implementation": time.Minute}, parse)
	if err != nil || m["reception"] != time.Hour || m["counselling"] != 2*time.Hour || m["implementation"] != time.Minute {
		t.Errorf("per stage: %v %v", m, err)
	}
	if m, err := ParseStageDurations("3h", nil, parse); err != nil || m["handoff"] != 3*time.Hour || len(m) != 6 { // every stage of both CEP models
		t.Errorf("one for all: %v %v", m, err)
	}
	if _, err := ParseStageDurations("closed=1h", nil, parse); err == nil {
		t.Error("a closed stage threshold was accepted")
	}
}
