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
	ID         string `gorm:"primaryKey"`
	Name       string
	Region     string
	Communes   int
	Population int
	// CEPModel is the CEP model the territory runs: "2014" or "2019" (migration 00012).
	CEPModel  string `gorm:"column:cep_model;default:2014"`
	CreatedAt time.Time
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
	CreatedAt  time.Time
	UpdatedAt  time.Time
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
	CreatedAt    time.Time
}

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
