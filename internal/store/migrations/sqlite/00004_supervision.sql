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

-- The stuck-case list reads each way of being stuck as a range on a partial index.
CREATE INDEX cases_stuck_activity ON cases (stage, last_activity_at, id) WHERE stage <> 'closed' AND NOT paused;
CREATE INDEX cases_stuck_stage ON cases (stage, stage_entered_at, id) WHERE stage <> 'closed' AND NOT paused;
CREATE INDEX cases_stuck_handoff ON cases (handoff_overdue_at, id) WHERE stage = 'handoff' AND NOT paused AND handoff_overdue_at IS NOT NULL;
CREATE INDEX cases_stuck_escalated ON cases ((COALESCE(escalated_at, updated_at)), id) WHERE stage <> 'closed' AND escalated;
CREATE INDEX cases_stuck_paused ON cases ((COALESCE(paused_at, updated_at)), id) WHERE stage <> 'closed' AND paused;
CREATE INDEX cases_stuck_financing ON cases (id) WHERE stage <> 'closed' AND financing_alert;
-- Covers every column the total of the list reads: counted without touching the table.
CREATE INDEX cases_stuck_count ON cases (territory_id, stage, paused, escalated, financing_alert, last_activity_at,
    stage_entered_at, handoff_overdue_at, paused_at, updated_at, escalated_at) WHERE stage <> 'closed';

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
DROP INDEX cases_stuck_count;
DROP INDEX cases_stuck_financing;
DROP INDEX cases_stuck_paused;
DROP INDEX cases_stuck_escalated;
DROP INDEX cases_stuck_handoff;
DROP INDEX cases_stuck_stage;
DROP INDEX cases_stuck_activity;
ALTER TABLE cases DROP COLUMN escalated_at;
ALTER TABLE cases DROP COLUMN handoff_overdue_at;
ALTER TABLE cases DROP COLUMN paused_at;
ALTER TABLE cases DROP COLUMN stage_entered_at;
ALTER TABLE cases DROP COLUMN entered_stage;
