// Package models holds the database records of cep: reference data (territories,
// structures, conventions, users, routing rules) and the projections of case workflows
// that lists, supervision and reports read. Workflows own case state; these rows are
// written by activities and are never the source of truth for an open case.
package models

import "time"

// Roles a user may hold.
const (
	RoleAdviser     = "adviser"
	RoleCoordinator = "coordinator"
	RoleSupervisor  = "supervisor"
	RoleAdmin       = "admin"
)

// Territory is a bassin de vie with its local SPRO convention.
type Territory struct {
	ID       string `gorm:"primaryKey"`
	Name     string
	Region   string
	Communes int
	// CommuneNames lists the communes when they are known (Communes counts them).
	CommuneNames []string `gorm:"column:communes_list;serializer:json"`
	Population   int
	// CEPModel is the specification the network follows: "2014" (three levels, arrêté
	// of 16 July 2014) or "2019" (two levels, arrêté of 29 March 2019).
	CEPModel  string `gorm:"column:cep_model;default:2014"`
	CreatedAt time.Time
	UpdatedAt *time.Time
}

// Structure is a partner structure of a SPRO network.
type Structure struct {
	ID          string `gorm:"primaryKey"`
	TerritoryID string
	Name        string
	Network     string
	CEPOperator bool `gorm:"column:cep_operator"`
	// Remote is true for structures reached only by phone or web (the 0800 line).
	Remote     bool
	Address    string
	PostalCode string
	Commune    string
	Antennas   []string `gorm:"serializer:json"`
	Publics    []string `gorm:"serializer:json"`
	// WebhookURL receives this structure's notifications when set.
	WebhookURL string
	// WebhookSecret signs each delivery (X-CEP-Signature); shown once, when the
	// webhook is set.
	WebhookSecret string `json:"-"`
	// Contact is how partners reach the structure (phone, email of the service).
	Contact string
	// Active is false once the structure is deactivated: structures are never deleted,
	// and a deactivated one receives no new hand-off.
	Active bool
	// Offer is the structure's published offer of services, the shared knowledge of
	// each other's services the convention asks partners for.
	Offer     []OfferItem `gorm:"serializer:json"`
	CreatedAt time.Time
	UpdatedAt time.Time
}

// OfferItem is one service a structure offers: what, for which publics, how to reach
// it, when and how soon.
type OfferItem struct {
	What         string   `json:"what"`
	Publics      []string `json:"publics"`
	HowToReach   string   `json:"how_to_reach,omitempty"`
	OpeningHours string   `json:"opening_hours,omitempty"`
	Delays       string   `json:"delays,omitempty"`
}

// Convention is a territory's local SPRO convention.
type Convention struct {
	ID          string `gorm:"primaryKey"`
	TerritoryID string
	Title       string
	SignedOn    string // YYYY-MM-DD
	StartsOn    string // YYYY-MM-DD
	EndsOn      string // YYYY-MM-DD: one-year term, renewed by amendment
	// NoticeMonths is the termination notice after a registered letter left without effect.
	NoticeMonths int
	CreatedAt    time.Time
}

// ConventionSignatory links a structure to a convention, as signatory or coordinator.
type ConventionSignatory struct {
	ConventionID string `gorm:"primaryKey"`
	StructureID  string `gorm:"primaryKey"`
	// Role is "signatory" or "coordinator" (the rotating coordinating pair).
	Role      string `gorm:"primaryKey"`
	SinceDate string // YYYY-MM-DD
}

// ConventionAmendment is an avenant: renewal, structures added or removed, coordinator change.
type ConventionAmendment struct {
	ID           string `gorm:"primaryKey"`
	ConventionID string
	Number       int
	SignedOn     string
	Summary      string
	// StructureID joins or leaves (Change "join" or "leave") from EffectiveOn.
	StructureID string
	Change      string
	EffectiveOn string // YYYY-MM-DD
	CreatedBy   string
	CreatedAt   time.Time
}

// Amendment changes.
const (
	ChangeJoin  = "join"
	ChangeLeave = "leave"
)

// CoordinationVote records the partners' vote designating a territory's coordinating
// pair for one year (the convention's rotation by majority). Only an adopted vote
// designates; a rejected one is kept as the record of the meeting.
type CoordinationVote struct {
	ID           string `gorm:"primaryKey"`
	TerritoryID  string
	VotedOn      string   // YYYY-MM-DD
	StartsOn     string   // YYYY-MM-DD
	EndsOn       string   // YYYY-MM-DD, inclusive: one year after StartsOn, less a day
	StructureIDs []string `gorm:"serializer:json"` // the designated pair
	Partners     []string `gorm:"serializer:json"` // the convention's partners on VotedOn
	Present      []string `gorm:"serializer:json"`
	InFavour     []string `gorm:"serializer:json"`
	Result       string   // VoteAdopted or VoteRejected
	RecordedBy   string
	CreatedAt    time.Time
}

// Vote results.
const (
	VoteAdopted  = "adopted"
	VoteRejected = "rejected"
)

// AdminAuditEntry records one change of the network's administration: territories,
// structures, conventions, coordination, routing rules and users. Append-only like
// audit_log (triggers reject updates and deletes).
type AdminAuditEntry struct {
	ID          int64 `gorm:"primaryKey"`
	At          time.Time
	UserID      string
	UserRole    string
	RequestID   string
	TerritoryID string
	Entity      string
	EntityID    string
	Action      string
	// Changes is a JSON object: each changed field with its old and new value, or the
	// created record.
	Changes string
}

// TableName is the administration audit table.
func (AdminAuditEntry) TableName() string { return "admin_audit" }

// User is a person who uses cep: an adviser of a structure, a coordinator, a supervisor
// or an administrator. Demo users are role accounts, never private persons.
type User struct {
	ID          string `gorm:"primaryKey"`
	Email       string
	DisplayName string
	Role        string
	StructureID *string
	TerritoryID *string
	Active      bool
	CreatedAt   time.Time
	// OIDCIssuer and OIDCSubject bind the user to an OpenID Connect account at first
	// sign-in; later sign-ins are matched on them, not on the email.
	OIDCIssuer  string `gorm:"column:oidc_issuer" json:"-"`
	OIDCSubject string `gorm:"column:oidc_subject" json:"-"`
}

// RoutingRule is one line of the editable hand-off table: a case matching the criteria
// is best served by a structure of Network.
type RoutingRule struct {
	ID          string `gorm:"primaryKey"`
	TerritoryID string
	Priority    int
	// Public, Need and Disability are criteria; empty or nil matches anything.
	Public     string
	Need       string
	Disability *bool
	MinAge     int
	MaxAge     int
	Network    string
	Reason     string
	UpdatedBy  string
	UpdatedAt  time.Time
}
