package models

import "time"

// AuditEntry records a read of a case's personal details: who (user, role, structure),
// when, what and from which request. The table is append-only: the application has no
// update or delete path, and on PostgreSQL a trigger rejects both.
type AuditEntry struct {
	ID          int64 `gorm:"primaryKey"`
	At          time.Time
	UserID      string
	UserRole    string
	StructureID string
	RequestID   string
	// ClientRequestID is the client's own X-Request-ID, labelled as such.
	ClientRequestID string
	CaseID          string
	Action          string
	What            string
}

// TableName is the audit table.
func (AuditEntry) TableName() string { return "audit_log" }
