package models

import "time"

// Beneficiary holds the personal details of a case's person. It is written once by the
// API at reception and kept apart from the process projection so that access to
// personal data can be controlled and traced on its own.
type Beneficiary struct {
	CaseID               string `gorm:"primaryKey"`
	FirstName            string
	LastName             string
	BirthDate            string // YYYY-MM-DD
	Gender               string
	Email                string
	Phone                string
	PostalCode           string
	Public               string
	DisabilityRecognized bool
	Request              string
	CreatedAt            time.Time
}

// Case is the projection of a case workflow: the columns lists filter on, and State, the
// full view last reported by the workflow. Version grows with every change so that a
// late, retried projection never overwrites a newer one.
type Case struct {
	ID                 string `gorm:"primaryKey"`
	TerritoryID        string
	StructureID        string
	Stage              string
	Paused             bool
	Escalated          bool
	ReferentAdviserID  *string
	HandoffID          *string
	HandoffTargetID    *string
	DueAt              *time.Time
	Channel            string
	Public             string
	Gender             string
	AgeBand            string
	Outcome            *string
	ConsentDataSharing bool
	FinancingAlert     bool
	CreatedBy          string
	CreatedAt          time.Time
	UpdatedAt          time.Time
	ClosedAt           *time.Time
	LastActivityAt     time.Time
	Version            int64
	State              string
	// ProjectionFailedAt is set while a change of the case could not be projected.
	ProjectionFailedAt *time.Time
	// ErasedAt is set once the person's data is erased (on request or by retention);
	// ErasureReason says why. The row keeps only what statistics need.
	ErasedAt      *time.Time
	ErasureReason string
}

// CaseEvent is one line of a case's timeline. (CaseID, Seq) is assigned by the workflow,
// which makes inserting it idempotent.
type CaseEvent struct {
	CaseID      string `gorm:"primaryKey"`
	Seq         int64  `gorm:"primaryKey;autoIncrement:false"`
	Type        string
	ActorID     string
	ActorRole   string
	StructureID string
	At          time.Time
	RequestID   string
	Details     string
}

// Handoff is the projection of an orientation from one structure to another.
type Handoff struct {
	ID              string `gorm:"primaryKey"`
	CaseID          string
	FromStructureID string
	ToStructureID   string
	Status          string
	Reason          string
	Note            string
	FromStage       string
	RequestedBy     string
	RequestedAt     time.Time
	RemindAt        *time.Time
	DueAt           time.Time
	Reminders       int
	DecidedBy       string
	DecidedAt       *time.Time
	DeclineReason   string
	DecisionNote    string
	Version         int64
}

// CaseSession is a counselling or support appointment.
type CaseSession struct {
	ID              string `gorm:"primaryKey"`
	CaseID          string
	Date            string
	DurationMinutes int
	Mode            string
	Summary         string
	AdviserID       string
	StructureID     string
	Stage           string
	CreatedAt       time.Time
}

// PlanRevision keeps every revision of a case's action plan.
type PlanRevision struct {
	CaseID    string `gorm:"primaryKey"`
	Revision  int    `gorm:"primaryKey;autoIncrement:false"`
	Actions   string
	ActorID   string
	CreatedAt time.Time
}

// Notification is an outbox row: a message to a structure (or a territory's
// coordination) that an activity delivers. The ID is derived from the event that caused
// it so that a retried projection never writes it twice.
type Notification struct {
	ID                   string `gorm:"primaryKey"`
	CaseID               string
	Kind                 string
	RecipientStructureID string
	RecipientTerritoryID string
	RecipientRole        string
	Payload              string
	CreatedAt            time.Time
	DeliveredAt          *time.Time
	Channel              string
	Attempts             int
	LastError            string
}
