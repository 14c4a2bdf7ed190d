-- +goose Up
-- Supervision: when a case entered its stage, was paused, had its pending hand-off
-- reminded or expired (written by the projection), and the append-only audit trail of
-- reads of personal details.
ALTER TABLE cases ADD COLUMN entered_stage TEXT;
ALTER TABLE cases ADD COLUMN stage_entered_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN paused_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN handoff_overdue_at TIMESTAMP;
ALTER TABLE cases ADD COLUMN escalated_at TIMESTAMP;
-- Cases projected before this migration: best known values.
UPDATE cases SET entered_stage = stage, stage_entered_at = last_activity_at;
UPDATE cases SET paused_at = updated_at WHERE paused;
UPDATE cases SET escalated_at = updated_at WHERE escalated;

CREATE INDEX cases_open_territory ON cases (territory_id, structure_id) WHERE stage <> 'closed';

CREATE TABLE audit_log (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TIMESTAMP NOT NULL,
    user_id      TEXT NOT NULL,
    user_role    TEXT NOT NULL,
    structure_id TEXT NOT NULL DEFAULT '',
    request_id   TEXT NOT NULL DEFAULT '',
    case_id      TEXT NOT NULL,
    action       TEXT NOT NULL,
    what         TEXT NOT NULL
);
CREATE INDEX audit_log_case ON audit_log (case_id, at);

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_update BEFORE UPDATE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER audit_log_no_delete BEFORE DELETE ON audit_log
BEGIN
    SELECT RAISE(ABORT, 'audit_log is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER audit_log_no_delete;
DROP TRIGGER audit_log_no_update;
DROP TABLE audit_log;
DROP INDEX cases_open_territory;
ALTER TABLE cases DROP COLUMN escalated_at;
ALTER TABLE cases DROP COLUMN handoff_overdue_at;
ALTER TABLE cases DROP COLUMN paused_at;
ALTER TABLE cases DROP COLUMN stage_entered_at;
ALTER TABLE cases DROP COLUMN entered_stage;
