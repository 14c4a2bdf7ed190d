package models

import "time"

// RetentionRun is one run of the retention workflow, written as it goes (its counts
// so far), so that a run stopped halfway still shows what it did.
type RetentionRun struct {
	RunID       string `gorm:"primaryKey"`
	WorkflowID  string
	StartedAt   time.Time
	FinishedAt  *time.Time
	Erased      int
	Listed      int
	Failed      int
	AuditPurged int
	AuditBefore *time.Time
}

// TableName is the retention runs table.
func (RetentionRun) TableName() string { return "retention_runs" }
