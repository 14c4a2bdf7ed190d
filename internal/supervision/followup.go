package supervision

import (
	"context"
	"slices"
	"time"

	"gorm.io/gorm"
)

// FollowUp are the indicators France compétences asks of the CEP (issue 12): the
// satisfaction and usefulness the people answered, their situation 6 months after the
// closure by the case's outcome, the time from reception to the first CEP appointment,
// and the outcomes by gender (the law's professional-mix goal).
type FollowUp struct {
	// Surveys sent and answered in the period (answers counted by answer date).
	SurveysSent     Count `json:"surveys_sent"`
	SurveysAnswered Count `json:"surveys_answered"`
	// SatisfactionRate is the share of answers satisfied or very satisfied (3 or 4 of 4);
	// UsefulnessRate the share finding it useful or very useful. 0 without answers.
	SatisfactionRate float64 `json:"satisfaction_rate"`
	UsefulnessRate   float64 `json:"usefulness_rate"`
	// SituationAtSixMonths counts the 6-month answers' situations by the case's outcome.
	SituationAtSixMonths map[string]Counts `json:"situation_at_six_months"`
	// FirstAppointmentDays is the time in days from reception to the first CEP
	// appointment (a session in a CEP level), for the cases opened in the period.
	FirstAppointmentDays DayDurations `json:"first_appointment_days"`
	// OutcomesByGender counts the cases closed in the period by gender, then outcome.
	OutcomesByGender map[string]Counts `json:"outcomes_by_gender"`
}

// DayDurations summarises waiting times in days.
type DayDurations struct {
	Count      int     `json:"count"`
	MedianDays float64 `json:"median_days"`
	P90Days    float64 `json:"p90_days"`
}

// cepLevelStages are the stages that are CEP levels, in both models.
var cepLevelStages = []string{"counselling", "implementation", "accueil_individualise", "accompagnement_personnalise"}

// LoadFollowUp computes the follow-up indicators of a period (a territory, or all).
func LoadFollowUp(ctx context.Context, db *gorm.DB, territoryID string, from, to time.Time) (FollowUp, error) {
	out := FollowUp{SituationAtSixMonths: map[string]Counts{}, OutcomesByGender: map[string]Counts{}}
	db = db.WithContext(ctx)
	tq := func(q *gorm.DB) *gorm.DB {
		if territoryID != "" {
			return q.Where("c.territory_id = ?", territoryID)
		}
		return q
	}
	var sent int64
	if err := tq(db.Table("surveys s").Joins("JOIN cases c ON c.id = s.case_id").
		Where("s.sent_at >= ? AND s.sent_at < ?", from, to)).Count(&sent).Error; err != nil {
		return out, err
	}
	out.SurveysSent = Count(sent)
	var answers []struct {
		Moment, Situation string
		Outcome           *string
		Satisfaction      *int
		Usefulness        *int
	}
	if err := tq(db.Table("surveys s").Joins("JOIN cases c ON c.id = s.case_id").
		Select("s.moment, s.situation, c.outcome, s.satisfaction, s.usefulness").
		Where("s.answered_at >= ? AND s.answered_at < ?", from, to)).Scan(&answers).Error; err != nil {
		return out, err
	}
	satisfied, useful := 0, 0
	for _, a := range answers {
		out.SurveysAnswered++
		if a.Satisfaction != nil && *a.Satisfaction >= 3 {
			satisfied++
		}
		if a.Usefulness != nil && *a.Usefulness >= 3 {
			useful++
		}
		if a.Moment == "six_months" {
			outcome := "unknown"
			if a.Outcome != nil && *a.Outcome != "" {
				outcome = *a.Outcome
			}
			if out.SituationAtSixMonths[outcome] == nil {
				out.SituationAtSixMonths[outcome] = Counts{}
			}
			out.SituationAtSixMonths[outcome].add(a.Situation)
		}
	}
	if out.SurveysAnswered > 0 {
		out.SatisfactionRate = round(float64(satisfied) / float64(out.SurveysAnswered))
		out.UsefulnessRate = round(float64(useful) / float64(out.SurveysAnswered))
	}
	// First CEP appointment: the earliest session in a CEP level of each case opened in
	// the period (sessions are dated by day).
	var firsts []struct {
		CreatedAt flexTime
		First     string
	}
	if err := tq(db.Table("cases c").Joins("JOIN case_sessions cs ON cs.case_id = c.id").
		Select("c.created_at, MIN(cs.date) AS first").
		Where("c.created_at >= ? AND c.created_at < ? AND cs.stage IN ?", from, to, cepLevelStages).
		Group("c.id, c.created_at")).Scan(&firsts).Error; err != nil {
		return out, err
	}
	var days []float64
	for _, f := range firsts {
		d, err := time.Parse(time.DateOnly, f.First)
		if err != nil || !f.CreatedAt.Valid {
			continue
		}
		received := f.CreatedAt.T.UTC().Truncate(24 * time.Hour)
		days = append(days, max(0, d.Sub(received).Hours()/24))
	}
	slices.Sort(days)
	out.FirstAppointmentDays = DayDurations{Count: len(days), MedianDays: round(Percentile(days, 50)), P90Days: round(Percentile(days, 90))}
	var closed []struct {
		Gender  string
		Outcome *string
	}
	if err := tq(db.Table("cases c").Select("c.gender, c.outcome").
		Where("c.closed_at >= ? AND c.closed_at < ?", from, to)).Scan(&closed).Error; err != nil {
		return out, err
	}
	for _, c := range closed {
		g := c.Gender
		if g == "" {
			g = "unknown"
		}
		if out.OutcomesByGender[g] == nil {
			out.OutcomesByGender[g] = Counts{}
		}
		o := ""
		if c.Outcome != nil {
			o = *c.Outcome
		}
		out.OutcomesByGender[g].add(o)
	}
	return out, nil
}
