package models

import "time"

// FinancingPlan is one computed revision of a case's financing plan.
type FinancingPlan struct {
	CaseID       string `gorm:"primaryKey"`
	Revision     int    `gorm:"primaryKey;autoIncrement:false"`
	PlanRevision int
	Shortfall    bool
	LeftToPay    float64
	Plan         string
	ActorID      string
	CreatedAt    time.Time
}

// FundingRequest is the projection of a funding request's child workflow.
type FundingRequest struct {
	ID              string `gorm:"primaryKey"`
	CaseID          string
	Funder          string
	ActionIDs       []string `gorm:"serializer:json"`
	AmountRequested float64
	AmountGranted   *float64
	Status          string
	Deadlines       string
	DecisionReason  string
	CreatedBy       string
	CreatedAt       time.Time
	UpdatedAt       time.Time
	Version         int64
}
