package store

import (
	"context"
	"encoding/json"
	"fmt"
	"time"

	"gorm.io/gorm"
	"gorm.io/gorm/clause"

	"github.com/spro-cep/cep/models"
	"github.com/spro-cep/cep/workflows"
)

// ActionErase is the audit action of an erasure.
const ActionErase = "erase"

// Erasure is one erasure of a case's personal data: when, why, and who asked (written
// to the audit log, which is what stays of it with the case's codes and dates).
type Erasure struct {
	CaseID string
	Reason string
	At     time.Time
	// By is the audit row recording who erased (Action ActionErase, What the reason);
	// empty for the projection of the workflow's own erasure.
	By models.AuditEntry
}

// EraseCase wipes every personal datum of a case from the database, in one
// transaction: the person's identity, contact and request, every free text of the
// timeline, hand-offs, sessions, plan revisions and funding requests, the situation and
// the project in the case state, and the case's notifications (payloads and the
// webhook outbox). What stays holds nobody: codes, dates, structures, stages, amounts,
// and the audit of reads and of this erasure. It is idempotent: erased tells whether
// this call erased the case (the first call), and only that call writes the audit row.
func (s *Store) EraseCase(ctx context.Context, e Erasure) (erased bool, err error) {
	err = s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		var err error
		erased, err = EraseCaseTx(tx, e)
		return err
	})
	return erased, err
}

// EraseCaseTx is EraseCase within the caller's transaction (the projection of the
// workflow's erasure runs it beside the last batch).
func EraseCaseTx(tx *gorm.DB, e Erasure) (bool, error) {
	var row models.Case
	q := tx.Where("id = ?", e.CaseID)
	if tx.Dialector.Name() == DialectPostgres {
		// Two erasures of one case (a retention run and a request, or two overlapping
		// runs) take turns: the second sees the first's audit row and counts nothing.
		// SQLite has one writer, which serialises them already.
		q = q.Clauses(clause.Locking{Strength: "UPDATE"})
	}
	if err := q.Take(&row).Error; err != nil {
		return false, notFound(err)
	}
	// The erasure is counted (and audited) once: by the first call that names who
	// erased. The projection of the workflow's erasure names nobody.
	first := false
	if e.By.Action != "" {
		var audited int64
		if err := tx.Model(&models.AuditEntry{}).Where("case_id = ? AND action = ?", e.CaseID, ActionErase).Count(&audited).Error; err != nil {
			return false, err
		}
		first = audited == 0
	}
	var st workflows.Case
	if err := json.Unmarshal([]byte(row.State), &st); err != nil {
		return false, fmt.Errorf("case state: %w", err)
	}
	st.Scrub()
	upd := map[string]any{"retention_due_at": nil}
	if st.ErasedAt == nil {
		at := e.At
		st.ErasedAt, st.ErasureReason = &at, e.Reason
	}
	if row.ErasedAt == nil {
		upd["erased_at"], upd["erasure_reason"] = *st.ErasedAt, st.ErasureReason
	}
	state, _ := json.Marshal(st)
	upd["state"] = string(state)
	steps := []struct {
		what string
		q    *gorm.DB
	}{
		{"case", tx.Model(&models.Case{}).Where("id = ?", e.CaseID).Updates(upd)},
		{"person", tx.Where("case_id = ?", e.CaseID).Delete(&models.Beneficiary{})},
		{"hand-offs", tx.Model(&models.Handoff{}).Where("case_id = ?", e.CaseID).
			Updates(map[string]any{"reason": "", "note": "", "decision_note": ""})},
		{"sessions", tx.Model(&models.CaseSession{}).Where("case_id = ?", e.CaseID).Update("summary", "")},
		{"funding requests", tx.Model(&models.FundingRequest{}).Where("case_id = ?", e.CaseID).Update("decision_reason", "")},
		{"notifications", tx.Where("case_id = ?", e.CaseID).Delete(&models.Notification{})},
		// The plans' explanations quote the situation (the facts the rules read): only
		// the figures stay, in the plan row's own columns.
		{"financing plans", tx.Model(&models.FinancingPlan{}).Where("case_id = ?", e.CaseID).Update("plan", "{}")},
	}
	for _, step := range steps {
		if step.q.Error != nil {
			return false, fmt.Errorf("erase %s: %w", step.what, step.q.Error)
		}
	}
	if err := scrubEvents(tx, e.CaseID); err != nil {
		return false, err
	}
	if err := scrubPlanRevisions(tx, e.CaseID); err != nil {
		return false, err
	}
	if first {
		e.By.CaseID = e.CaseID
		if e.By.At.IsZero() {
			e.By.At = e.At
		}
		if err := tx.Create(&e.By).Error; err != nil {
			return false, fmt.Errorf("audit the erasure: %w", err)
		}
	}
	return first, nil
}

func scrubEvents(tx *gorm.DB, caseID string) error {
	var evs []models.CaseEvent
	if err := tx.Where("case_id = ?", caseID).Find(&evs).Error; err != nil {
		return err
	}
	var done func() error
	for _, ev := range evs {
		var d map[string]any
		if json.Unmarshal([]byte(ev.Details), &d) != nil {
			d = map[string]any{}
		}
		workflows.ScrubDetails(d)
		out, _ := json.Marshal(d)
		if string(out) == ev.Details {
			continue
		}
		if done == nil {
			// The timeline is append-only (migration 9): only a transaction that says
			// it erases may rewrite its details.
			var err error
			if done, err = allowTimelineScrub(tx, tx.Dialector.Name()); err != nil {
				return fmt.Errorf("erase timeline: %w", err)
			}
		}
		if err := tx.Model(&models.CaseEvent{}).Where("case_id = ? AND seq = ?", caseID, ev.Seq).Update("details", string(out)).Error; err != nil {
			return fmt.Errorf("erase timeline: %w", err)
		}
	}
	if done != nil {
		return done()
	}
	return nil
}

func scrubPlanRevisions(tx *gorm.DB, caseID string) error {
	var revs []models.PlanRevision
	if err := tx.Where("case_id = ?", caseID).Find(&revs).Error; err != nil {
		return err
	}
	for _, r := range revs {
		var actions []workflows.Action
		_ = json.Unmarshal([]byte(r.Actions), &actions)
		for i := range actions {
			actions[i].Scrub()
		}
		out, _ := json.Marshal(actions)
		if err := tx.Model(&models.PlanRevision{}).Where("case_id = ? AND revision = ?", caseID, r.Revision).Update("actions", string(out)).Error; err != nil {
			return fmt.Errorf("erase plan revisions: %w", err)
		}
	}
	return nil
}

// personalTables are the tables an erasure rewrites.
var personalTables = []string{"beneficiaries", "cases", "case_events", "handoffs", "case_sessions", "plan_revisions",
	"financing_plans", "funding_requests", "notifications", "audit_log"}

// Compact leaves no copy of erased data in the database files: on SQLite (whose
// connections run with secure_delete, so freed cells and pages are zeroed) the
// write-ahead log, which still holds the pages as they were, is checkpointed and
// truncated; on PostgreSQL the tables an erasure rewrites are vacuumed, so that the dead
// row versions holding the old values are reclaimed.
func (s *Store) Compact(ctx context.Context) error {
	db := s.DB.WithContext(ctx)
	if s.Dialect == DialectSQLite {
		return db.Exec("PRAGMA wal_checkpoint(TRUNCATE)").Error
	}
	for _, t := range personalTables {
		if err := db.Exec("VACUUM " + t).Error; err != nil {
			return fmt.Errorf("vacuum %s: %w", t, err)
		}
	}
	return nil
}

// PurgeAudit deletes the audit rows older than before — the only deletion the audit
// trail allows (the triggers of migration 8 let it through: a transaction-local setting
// on PostgreSQL, a permit row on SQLite) — and records the purge (count, period) as an
// audit row of its own. It answers how many rows went.
func (s *Store) PurgeAudit(ctx context.Context, before time.Time, record models.AuditEntry) (int64, error) {
	var n int64
	err := s.DB.WithContext(ctx).Transaction(func(tx *gorm.DB) error {
		if s.Dialect == DialectPostgres {
			if err := tx.Exec("SET LOCAL cep.audit_purge = 'on'").Error; err != nil {
				return err
			}
		} else if err := tx.Exec("INSERT INTO audit_purge_permit (singleton) VALUES (1)").Error; err != nil {
			return err
		}
		res := tx.Where("at < ?", before).Delete(&models.AuditEntry{})
		if res.Error != nil {
			return fmt.Errorf("purge the audit log: %w", res.Error)
		}
		n = res.RowsAffected
		if s.Dialect == DialectSQLite {
			if err := tx.Exec("DELETE FROM audit_purge_permit").Error; err != nil {
				return err
			}
		}
		record.What = fmt.Sprintf("audit.purge count=%d before=%s", n, before.UTC().Format(time.RFC3339))
		return tx.Create(&record).Error
	})
	return n, err
}
