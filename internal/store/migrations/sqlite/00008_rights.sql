-- +goose Up
-- The person's rights and the data's lifetime (issue 10): see the PostgreSQL migration.
ALTER TABLE cases ADD COLUMN erased_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN erasure_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN retention_due_at TIMESTAMP;
CREATE INDEX cases_retention ON cases (last_activity_at, id) WHERE erased_at IS NULL;
CREATE INDEX cases_stuck_retention ON cases (retention_due_at, id) WHERE stage <> 'closed' AND retention_due_at IS NOT NULL;

CREATE TABLE retention_runs (
    run_id        TEXT PRIMARY KEY,
    workflow_id   TEXT NOT NULL,
    started_at    TIMESTAMP NOT NULL,
    finished_at   TIMESTAMP,
    erased        INTEGER NOT NULL DEFAULT 0,
    listed        INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    audit_purged  INTEGER NOT NULL DEFAULT 0,
    audit_before  TIMESTAMP
);
CREATE INDEX retention_runs_started ON retention_runs (started_at);

-- SQLite has no session settings: the retention purge inserts a row here, deletes,
-- and removes the row in one transaction (store.PurgeAudit); no other writer can see
-- it (SQLite has one writer). Any other DELETE is still refused.
CREATE TABLE audit_purge_permit (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1)
);
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
WHEN NOT EXISTS (SELECT 1 FROM audit_purge_permit)
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd
DROP TABLE audit_purge_permit;
DROP TABLE retention_runs;
DROP INDEX cases_stuck_retention;
DROP INDEX cases_retention;
ALTER TABLE cases DROP COLUMN retention_due_at;
ALTER TABLE cases DROP COLUMN erasure_reason;
ALTER TABLE cases DROP COLUMN erased_at;
