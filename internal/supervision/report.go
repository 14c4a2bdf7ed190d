package supervision

import (
	"bytes"
	"encoding/csv"
	"fmt"
	"sort"
	"time"
)

// Month is one month's activity, for the report's charts.
type Month struct {
	Month    string `json:"month"`
	NewCases Count  `json:"new_cases"`
	Closures Count  `json:"closures"`
}

// AnnualReport is the bilan d'activité annuel a local committee sends the Région.
type AnnualReport struct {
	TerritoryID string                `json:"territory_id"`
	Year        int                   `json:"year"`
	GeneratedAt time.Time             `json:"generated_at"`
	Totals      Breakdown             `json:"totals"`
	Structures  []StructureIndicators `json:"structures"`
	Months      []Month               `json:"months"`
	// SmallCountsMasked is true when counts from 1 to 4 are written "<5" (Count).
	SmallCountsMasked bool `json:"small_counts_masked"`
}

// Report builds the yearly report of one territory from the year's input.
func Report(territoryID string, year int, in Input) AnnualReport {
	m := newMonths(territoryID, year)
	for _, o := range in.Opened {
		m.opened(o)
	}
	for _, e := range in.Events {
		m.event(e)
	}
	return m.report(Compute(in), in.Now)
}

// months counts a territory's new cases and closures per month of a year.
type months struct {
	territoryID string
	year        int
	rows        []Month
}

func newMonths(territoryID string, year int) *months {
	m := &months{territoryID: territoryID, year: year, rows: make([]Month, 12)}
	for i := range m.rows {
		m.rows[i].Month = fmt.Sprintf("%04d-%02d", year, i+1)
	}
	return m
}

func (m *months) opened(o OpenedRow) {
	if o.TerritoryID == m.territoryID && o.At.Year() == m.year {
		m.rows[o.At.Month()-1].NewCases++
	}
}

func (m *months) event(e EventRow) {
	if e.TerritoryID == m.territoryID && e.At.Year() == m.year && (e.Type == "closed" || e.Type == "withdrawn") {
		m.rows[e.At.Month()-1].Closures++
	}
}

func (m *months) report(ind Indicators, now time.Time) AnnualReport {
	r := AnnualReport{TerritoryID: m.territoryID, Year: m.year, GeneratedAt: now, Structures: []StructureIndicators{}}
	r.Totals = finish(newBreakdown())
	for _, t := range ind.Territories {
		if t.TerritoryID == m.territoryID {
			r.Totals, r.Structures = t.Totals, t.Structures
		}
	}
	r.Months = m.rows
	return r
}

// CSV writes the report as section,structure_id,indicator,key,value rows.
func (r AnnualReport) CSV() ([]byte, error) {
	var buf bytes.Buffer
	w := csv.NewWriter(&buf)
	_ = w.Write([]string{"section", "structure_id", "indicator", "key", "value"})
	write := func(section, structure string, b Breakdown) {
		row := func(ind, key string, v any) {
			_ = w.Write([]string{section, structure, ind, key, fmt.Sprint(v)})
		}
		counts := func(ind string, c Counts) {
			for _, k := range sortedKeys(c) {
				row(ind, k, c[k])
			}
		}
		row("new_cases", "total", b.NewCases.Total)
		counts("new_cases_by_public", b.NewCases.ByPublic)
		counts("new_cases_by_gender", b.NewCases.ByGender)
		counts("new_cases_by_age_band", b.NewCases.ByAgeBand)
		counts("new_cases_by_channel", b.NewCases.ByChannel)
		counts("level_entries", b.LevelEntries)
		row("handoffs", "sent", b.Handoffs.Sent)
		row("handoffs", "accepted", b.Handoffs.Accepted)
		row("handoffs", "declined", b.Handoffs.Declined)
		row("handoffs", "expired", b.Handoffs.Expired)
		row("handoffs", "cancelled", b.Handoffs.Cancelled)
		counts("handoffs_declined_by_reason", b.Handoffs.DeclinedByReason)
		row("time_to_decision_hours", "median", b.Handoffs.TimeToDecision.MedianHours)
		row("time_to_decision_hours", "p90", b.Handoffs.TimeToDecision.P90Hours)
		stages := make([]string, 0, len(b.TimeInStage))
		for s := range b.TimeInStage {
			stages = append(stages, s)
		}
		sort.Strings(stages)
		for _, s := range stages {
			row("time_in_stage_mean_days", s, b.TimeInStage[s].MeanDays)
		}
		counts("outcomes", b.Outcomes)
		row("withdrawals", "total", b.Withdrawals)
		row("pauses", "total", b.Pauses)
		row("financing_plans", "computed", b.Financing.PlansComputed)
		row("financing_plans", "shortfalls", b.Financing.Shortfalls)
	}
	write("territory", "", r.Totals)
	for _, s := range r.Structures {
		write("structure", s.StructureID, s.Breakdown)
	}
	for _, m := range r.Months {
		_ = w.Write([]string{"month", "", "new_cases", m.Month, m.NewCases.String()})
		_ = w.Write([]string{"month", "", "closures", m.Month, m.Closures.String()})
	}
	w.Flush()
	return buf.Bytes(), w.Error()
}

func sortedKeys(c Counts) []string {
	keys := make([]string, 0, len(c))
	for k := range c {
		keys = append(keys, k)
	}
	sort.Strings(keys)
	return keys
}

// Bar is one bar of a chart of the printable report.
type Bar struct {
	Label  string
	Value  Count // a masked count is drawn flat and labelled "<5"
	X, Y   int
	Width  int
	Height int
}

// Bars lays out a vertical bar chart of labelled values in a width x height box.
func Bars(labels []string, values []Count, width, height int) []Bar {
	if len(values) == 0 {
		return nil
	}
	max := 1
	for _, v := range values {
		if int(v) > max {
			max = int(v)
		}
	}
	// At most 80 px per bar, 20 px below for the labels and 14 px above the tallest
	// bar for its value.
	slot := min(width/len(values), 80)
	out := make([]Bar, len(values))
	for i, v := range values {
		h := 0
		if v > 0 {
			h = int(v) * (height - 34) / max
		}
		out[i] = Bar{Label: labels[i], Value: v, X: i*slot + 4, Width: slot - 8, Height: h, Y: height - 20 - h}
	}
	return out
}

// CountBars lays out the categories of c, sorted by name.
func CountBars(c Counts, width, height int) []Bar {
	keys := sortedKeys(c)
	values := make([]Count, len(keys))
	for i, k := range keys {
		values[i] = c[k]
	}
	return Bars(keys, values, width, height)
}
