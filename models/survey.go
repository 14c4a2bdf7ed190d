package models

import "time"

// Survey is one satisfaction survey sent to the person of a case (a survey_invitation
// notification) and, once answered, their answers: satisfaction and usefulness on a
// 1–4 scale (4 best), and at 6 months their situation. Migration 00013.
type Survey struct {
	ID           string `gorm:"primaryKey"` // the invitation's notification ID
	CaseID       string
	Moment       string // level_end, six_months
	Level        string // the level that ended (level_end)
	SentAt       time.Time
	ExpiresAt    time.Time
	AnsweredAt   *time.Time
	Satisfaction *int
	Usefulness   *int
	Situation    string // at 6 months: job, training, job_search, business_creation, other
}
