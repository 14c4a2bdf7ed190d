package supervision

import (
	"encoding/json"
	"strconv"
)

// Count is a number of cases, hand-offs or events in an indicator. A count from 1 to
// 4 shown to the Région is Masked: with so few, a cell could point at one person
// (CNIL, « Anonymisation des données personnelles », and the secret statistique rule
// of loi n° 51-711 du 7 juin 1951, art. 6, which INSEE applies as cells under 5).
type Count int

// Masked is a count from 1 to 4 withheld; it is written "<5".
const Masked Count = -1

// MarshalJSON writes a masked count as "<5", any other as a number.
func (c Count) MarshalJSON() ([]byte, error) {
	if c == Masked {
		return json.Marshal("<5")
	}
	return []byte(strconv.Itoa(int(c))), nil
}

// UnmarshalJSON reads a count written by MarshalJSON.
func (c *Count) UnmarshalJSON(b []byte) error {
	var text string
	if len(b) > 0 && b[0] == '"' && json.Unmarshal(b, &text) == nil && text == "<5" {
		*c = Masked
		return nil
	}
	n, err := strconv.Atoi(string(b))
	*c = Count(n)
	return err
}

// String is "<5" for a masked count, the number otherwise (pages and CSV).
func (c Count) String() string {
	if c == Masked {
		return "<5"
	}
	return strconv.Itoa(int(c))
}

func mask(c *Count) bool {
	if *c >= 1 && *c <= 4 {
		*c = Masked
		return true
	}
	return false
}

func maskCounts(cs Counts) {
	for k, v := range cs {
		mask(&v)
		cs[k] = v
	}
}

// Mask withholds every count from 1 to 4, and the durations and means computed from
// so few, for readers who may not narrow an aggregate down to a person.
func (b *Breakdown) Mask() {
	n := &b.NewCases
	mask(&n.Total)
	maskCounts(n.ByPublic)
	maskCounts(n.ByGender)
	maskCounts(n.ByAgeBand)
	maskCounts(n.ByChannel)
	maskCounts(b.LevelEntries)
	h := &b.Handoffs
	for _, c := range []*Count{&h.Sent, &h.Accepted, &h.Declined, &h.Expired, &h.Cancelled} {
		mask(c)
	}
	maskCounts(h.DeclinedByReason)
	if mask(&h.TimeToDecision.Count) {
		h.TimeToDecision.MedianHours, h.TimeToDecision.P90Hours = 0, 0
	}
	for k, st := range b.TimeInStage {
		if mask(&st.Cases) {
			st.TotalDays, st.MeanDays = 0, 0
		}
		b.TimeInStage[k] = st
	}
	maskCounts(b.Outcomes)
	for _, c := range []*Count{&b.Withdrawals, &b.Pauses, &b.Resumes, &b.Financing.PlansComputed, &b.Financing.Shortfalls} {
		mask(c)
	}
}

// Mask withholds the small counts of every territory and structure.
func (ind *Indicators) Mask() {
	ind.SmallCountsMasked = true
	for i := range ind.Territories {
		ind.Territories[i].Totals.Mask()
		for j := range ind.Territories[i].Structures {
			ind.Territories[i].Structures[j].Mask()
		}
	}
	ind.FollowUp.Mask()
}

// Mask withholds the follow-up's small counts; rates and delays computed from fewer
// than five answers or cases are withheld too (zero), as they would describe a few
// people.
func (f *FollowUp) Mask() {
	for _, c := range f.SituationAtSixMonths {
		maskCounts(c)
	}
	for _, c := range f.OutcomesByGender {
		maskCounts(c)
	}
	if f.SurveysAnswered > 0 && f.SurveysAnswered < 5 {
		f.SatisfactionRate, f.UsefulnessRate = 0, 0
	}
	mask(&f.SurveysSent)
	mask(&f.SurveysAnswered)
	if f.FirstAppointmentDays.Count > 0 && f.FirstAppointmentDays.Count < 5 {
		f.FirstAppointmentDays = DayDurations{}
	}
}

// Mask withholds the small counts of the report.
func (r *AnnualReport) Mask() {
	r.SmallCountsMasked = true
	r.Totals.Mask()
	for j := range r.Structures {
		r.Structures[j].Mask()
	}
	for i := range r.Months {
		mask(&r.Months[i].NewCases)
		mask(&r.Months[i].Closures)
	}
}
