package models

import "time"

// IdempotencyKey remembers the request a user's idempotency key was first used for.
type IdempotencyKey struct {
	UserID      string `gorm:"primaryKey"`
	IdemKey     string `gorm:"primaryKey"`
	RequestHash string
	CreatedAt   time.Time
}

// TableName is the idempotency keys' table.
func (IdempotencyKey) TableName() string { return "idempotency_keys" }
