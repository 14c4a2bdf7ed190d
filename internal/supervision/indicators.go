package supervision

import (
	"encoding/json"
	"math"
	"sort"
	"time"
)

// Counts maps a category to a number.
type Counts map[string]Count

func (c Counts) add(k string) {
	if k == "" {
		k = "unknown"
	}
	c[k]++
}

// NewCases are the cases opened in the period, by category.
type NewCases struct {
	Total     Count  `json:"total"`
	ByPublic  Counts `json:"by_public"`
	ByGender  Counts `json:"by_gender"`
	ByAgeBand Counts `json:"by_age_band"`
	ByChannel Counts `json:"by_channel"`
}

// Durations summarises waiting times in hours.
type Durations struct {
	Count       Count   `json:"count"`
	MedianHours float64 `json:"median_hours"`
	P90Hours    float64 `json:"p90_hours"`
}

// Handoffs counts hand-offs sent (by the structure that sent them) and their decisions
// (by the structure that was asked).
type Handoffs struct {
	Sent             Count     `json:"sent"`
	Accepted         Count     `json:"accepted"`
	Declined         Count     `json:"declined"`
	DeclinedByReason Counts    `json:"declined_by_reason"`
	Expired          Count     `json:"expired"`
	Cancelled        Count     `json:"cancelled"`
	TimeToDecision   Durations `json:"time_to_decision"`
}

// StageTime is the time cases spent in a stage within the period.
type StageTime struct {
	Cases     Count   `json:"cases"`
	TotalDays float64 `json:"total_days"`
	MeanDays  float64 `json:"mean_days"`
}

// Financing counts the financing plans computed in the period and those short of funds.
type Financing struct {
	PlansComputed Count `json:"plans_computed"`
	Shortfalls    Count `json:"shortfalls"`
}

// Breakdown is the set of indicators of a territory or a structure.
type Breakdown struct {
	NewCases     NewCases             `json:"new_cases"`
	LevelEntries Counts               `json:"level_entries"`
	Handoffs     Handoffs             `json:"handoffs"`
	TimeInStage  map[string]StageTime `json:"time_in_stage"`
	Outcomes     Counts               `json:"outcomes"`
	Withdrawals  Count                `json:"withdrawals"`
	Pauses       Count                `json:"pauses"`
	Resumes      Count                `json:"resumes"`
	Financing    Financing            `json:"financing"`

	decisionHours []float64
	stageCases    map[string]map[string]bool
}

func newBreakdown() *Breakdown {
	return &Breakdown{
		NewCases:     NewCases{ByPublic: Counts{}, ByGender: Counts{}, ByAgeBand: Counts{}, ByChannel: Counts{}},
		LevelEntries: Counts{"reception": 0, "counselling": 0, "implementation": 0},
		Handoffs:     Handoffs{DeclinedByReason: Counts{}},
		TimeInStage:  map[string]StageTime{}, Outcomes: Counts{}, stageCases: map[string]map[string]bool{},
	}
}

// StructureIndicators are one structure's indicators.
type StructureIndicators struct {
	StructureID string `json:"structure_id"`
	Breakdown
}

// TerritoryIndicators are one territory's indicators, in total and per structure.
type TerritoryIndicators struct {
	TerritoryID string                `json:"territory_id"`
	Totals      Breakdown             `json:"totals"`
	Structures  []StructureIndicators `json:"structures"`
}

// Indicators answer GET /supervision/indicators.
type Indicators struct {
	From        time.Time             `json:"from"`
	To          time.Time             `json:"to"`
	GeneratedAt time.Time             `json:"generated_at"`
	Territories []TerritoryIndicators `json:"territories"`
	// SmallCountsMasked is true when counts from 1 to 4 are written "<5" (Count).
	SmallCountsMasked bool `json:"small_counts_masked"`
	// FollowUp are the satisfaction and follow-up indicators of the period, all the
	// territories asked together (LoadFollowUp).
	FollowUp FollowUp `json:"follow_up"`
}

// EventRow is a timeline event with its case's territory.
type EventRow struct {
	CaseID      string
	TerritoryID string
	Seq         int64
	Type        string
	StructureID string
	At          time.Time
	Details     string
}

// OpenedRow is a case opened, with its categories.
type OpenedRow struct {
	CaseID      string
	TerritoryID string
	StructureID string
	At          time.Time
	Public      string
	Gender      string
	AgeBand     string
	Channel     string
}

// HandoffRow is a hand-off with its case's territory.
type HandoffRow struct {
	ID              string
	TerritoryID     string
	FromStructureID string
	ToStructureID   string
	Status          string
	DeclineReason   string
	RequestedAt     time.Time
	DecidedAt       *time.Time
}

// PlanRow is a financing plan with its case's territory and holder.
type PlanRow struct {
	TerritoryID string
	StructureID string
	Shortfall   bool
	CreatedAt   time.Time
}

// Input is everything the computation reads. Events must hold, for every case open at
// some time in the period, its whole timeline up to the end of the period.
type Input struct {
	From, To, Now time.Time
	Opened        []OpenedRow
	Events        []EventRow
	Handoffs      []HandoffRow
	Plans         []PlanRow
}

type acc struct {
	totals     *Breakdown
	structures map[string]*Breakdown
}

// Compute derives the indicators from the rows: a pure function.
func Compute(in Input) Indicators {
	c := newComputer(in.From, in.To, in.Now)
	for _, o := range in.Opened {
		c.opened(o)
	}
	for _, h := range in.Handoffs {
		c.handoff(h)
	}
	for _, p := range in.Plans {
		c.plan(p)
	}
	byCase := map[string][]EventRow{}
	for _, e := range in.Events {
		byCase[e.CaseID] = append(byCase[e.CaseID], e)
	}
	for _, evs := range byCase {
		sort.Slice(evs, func(i, j int) bool { return evs[i].Seq < evs[j].Seq })
		c.timeline(evs)
	}
	return c.result()
}

// computer accumulates the indicators row by row, so that they can be computed while
// the rows stream from the database (Stream) as well as from an Input (Compute).
type computer struct {
	from, to, now time.Time
	terr          map[string]*acc
}

func newComputer(from, to, now time.Time) *computer {
	return &computer{from: from, to: to, now: now, terr: map[string]*acc{}}
}

func (c *computer) get(territory, structure string) (*Breakdown, *Breakdown) {
	a := c.terr[territory]
	if a == nil {
		a = &acc{totals: newBreakdown(), structures: map[string]*Breakdown{}}
		c.terr[territory] = a
	}
	if structure == "" {
		structure = "unknown"
	}
	s := a.structures[structure]
	if s == nil {
		s = newBreakdown()
		a.structures[structure] = s
	}
	return a.totals, s
}

func (c *computer) in(t time.Time) bool { return !t.Before(c.from) && t.Before(c.to) }

func (c *computer) opened(o OpenedRow) {
	if !c.in(o.At) {
		return
	}
	for _, b := range pair(c.get(o.TerritoryID, o.StructureID)) {
		b.NewCases.Total++
		b.NewCases.ByPublic.add(o.Public)
		b.NewCases.ByGender.add(o.Gender)
		b.NewCases.ByAgeBand.add(o.AgeBand)
		b.NewCases.ByChannel.add(o.Channel)
	}
}

func (c *computer) handoff(h HandoffRow) {
	if c.in(h.RequestedAt) {
		for _, b := range pair(c.get(h.TerritoryID, h.FromStructureID)) {
			b.Handoffs.Sent++
		}
	}
	if h.DecidedAt == nil || !c.in(*h.DecidedAt) {
		return
	}
	hours := h.DecidedAt.Sub(h.RequestedAt).Hours()
	for _, b := range pair(c.get(h.TerritoryID, h.ToStructureID)) {
		switch h.Status {
		case "accepted":
			b.Handoffs.Accepted++
			b.decisionHours = append(b.decisionHours, hours)
		case "declined":
			b.Handoffs.Declined++
			b.Handoffs.DeclinedByReason.add(h.DeclineReason)
			b.decisionHours = append(b.decisionHours, hours)
		case "expired":
			b.Handoffs.Expired++
		case "cancelled":
			b.Handoffs.Cancelled++
		}
	}
}

func (c *computer) plan(p PlanRow) {
	if !c.in(p.CreatedAt) {
		return
	}
	for _, b := range pair(c.get(p.TerritoryID, p.StructureID)) {
		b.Financing.PlansComputed++
		if p.Shortfall {
			b.Financing.Shortfalls++
		}
	}
}

// timeline takes one case's events, in order: entries, outcomes, pauses, and the time
// spent in each stage.
func (c *computer) timeline(evs []EventRow) {
	end := c.to
	if c.now.Before(end) {
		end = c.now
	}
	stage, since, holder := "", time.Time{}, ""
	handoffFrom := ""
	for _, e := range evs {
		var d map[string]any
		_ = json.Unmarshal([]byte(e.Details), &d)
		str := func(k string) string { s, _ := d[k].(string); return s }
		next := stage
		switch e.Type {
		case "case_opened":
			next = "reception"
		case "handoff_requested":
			if stage != "handoff" {
				handoffFrom = stage
			}
			if f := str("from_stage"); f != "" {
				handoffFrom = f
			}
			next = "handoff"
		case "handoff_accepted":
			next = "reception"
		case "handoff_declined", "handoff_expired":
			next = str("returned_to_stage")
			if next == "" {
				next = handoffFrom
			}
		case "handoff_cancelled":
			if stage == "handoff" {
				next = handoffFrom
			}
		case "counselling_started":
			next = "counselling"
		case "implementation_started":
			next = "implementation"
		case "level_started": // the 2019 model's levels
			next = str("level")
		case "case_taken_back":
			if s := str("stage"); s != "" {
				next = s
			}
		case "closed", "withdrawn":
			next = "closed"
		}
		if c.in(e.At) {
			tot, st := c.get(e.TerritoryID, e.StructureID)
			for _, b := range []*Breakdown{tot, st} {
				switch e.Type {
				case "case_opened":
					b.LevelEntries["reception"]++
				case "counselling_started":
					b.LevelEntries["counselling"]++
				case "implementation_started":
					b.LevelEntries["implementation"]++
				case "level_started":
					b.LevelEntries.add(str("level"))
				case "closed":
					b.Outcomes.add(str("outcome"))
				case "withdrawn":
					b.Outcomes.add("withdrawn")
					b.Withdrawals++
				case "paused":
					b.Pauses++
				case "resumed":
					b.Resumes++
				}
			}
		}
		if next != stage {
			if stage != "" && stage != "closed" {
				addStage(c.get, e.TerritoryID, holder, e.CaseID, stage, since, e.At, c.from, end)
			}
			stage, since, holder = next, e.At, e.StructureID
		}
	}
	if len(evs) > 0 && stage != "" && stage != "closed" {
		addStage(c.get, evs[0].TerritoryID, holder, evs[0].CaseID, stage, since, end, c.from, end)
	}
}

func (c *computer) result() Indicators {
	out := Indicators{From: c.from, To: c.to, GeneratedAt: c.now, Territories: []TerritoryIndicators{},
		FollowUp: FollowUp{SituationAtSixMonths: map[string]Counts{}, OutcomesByGender: map[string]Counts{}}}
	ids := make([]string, 0, len(c.terr))
	for id := range c.terr {
		ids = append(ids, id)
	}
	sort.Strings(ids)
	for _, id := range ids {
		a := c.terr[id]
		ti := TerritoryIndicators{TerritoryID: id, Totals: finish(a.totals), Structures: []StructureIndicators{}}
		sids := make([]string, 0, len(a.structures))
		for sid := range a.structures {
			sids = append(sids, sid)
		}
		sort.Strings(sids)
		for _, sid := range sids {
			ti.Structures = append(ti.Structures, StructureIndicators{StructureID: sid, Breakdown: finish(a.structures[sid])})
		}
		out.Territories = append(out.Territories, ti)
	}
	return out
}

func pair(a, b *Breakdown) []*Breakdown { return []*Breakdown{a, b} }

func addStage(get func(string, string) (*Breakdown, *Breakdown), territory, structure, caseID, stage string, from, to, lo, hi time.Time) {
	if from.Before(lo) {
		from = lo
	}
	if to.After(hi) {
		to = hi
	}
	if !to.After(from) {
		return
	}
	days := to.Sub(from).Hours() / 24
	tot, st := get(territory, structure)
	for _, b := range []*Breakdown{tot, st} {
		s := b.TimeInStage[stage]
		s.TotalDays += days
		b.TimeInStage[stage] = s
		if b.stageCases[stage] == nil {
			b.stageCases[stage] = map[string]bool{}
		}
		b.stageCases[stage][caseID] = true
	}
}

func finish(b *Breakdown) Breakdown {
	h := b.decisionHours
	sort.Float64s(h)
	b.Handoffs.TimeToDecision = Durations{Count: Count(len(h)), MedianHours: round(Percentile(h, 50)), P90Hours: round(Percentile(h, 90))}
	for stage, s := range b.TimeInStage {
		s.Cases = Count(len(b.stageCases[stage]))
		if s.Cases > 0 {
			s.MeanDays = round(s.TotalDays / float64(s.Cases))
		}
		s.TotalDays = round(s.TotalDays)
		b.TimeInStage[stage] = s
	}
	return *b
}

// Percentile is the nearest-rank percentile of sorted values (0 when empty).
func Percentile(sorted []float64, p float64) float64 {
	if len(sorted) == 0 {
		return 0
	}
	rank := int(math.Ceil(p / 100 * float64(len(sorted))))
	if rank < 1 {
		rank = 1
	}
	return sorted[rank-1]
}

func round(v float64) float64 { return math.Round(v*1e6) / 1e6 }
