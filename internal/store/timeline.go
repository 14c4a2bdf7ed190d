package store

import (
	"errors"

	"gorm.io/gorm"
)

// AllowTimelineScrub lets the transaction tx rewrite the details of case_events rows —
// an erasure scrubbing free text — which the append-only triggers otherwise refuse
// (migration 00009); the rows' type, actor, time and request stay as they are, and
// deletions stay refused. Call done before the transaction commits (it removes the
// SQLite permit; on PostgreSQL the setting ends with the transaction).
func (s *Store) AllowTimelineScrub(tx *gorm.DB) (done func() error, err error) {
	return allowTimelineScrub(tx, s.Dialect)
}

func allowTimelineScrub(tx *gorm.DB, dialect string) (done func() error, err error) {
	switch dialect {
	case DialectPostgres:
		return func() error { return nil }, tx.Exec("SET LOCAL cep.timeline_scrub = 'on'").Error
	case DialectSQLite:
		if err := tx.Exec("INSERT INTO timeline_scrub_permit (singleton) VALUES (1)").Error; err != nil {
			return nil, err
		}
		return func() error { return tx.Exec("DELETE FROM timeline_scrub_permit").Error }, nil
	default:
		return nil, errors.New("unknown dialect " + dialect)
	}
}
