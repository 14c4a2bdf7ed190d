-- +goose Up
-- The person's rights and the data's lifetime (issue 10). An erased case keeps its row
-- (codes, dates, structures, stages, amounts: what indicators read) with erased_at and
-- the reason; retention_due_at is when an open case past the retention limit was listed
-- to its coordinator (it is erased CEP_RETENTION_GRACE later unless activity resumes).
ALTER TABLE cases ADD COLUMN erased_at TIMESTAMPTZ;
ALTER TABLE cases ADD COLUMN erasure_reason TEXT NOT NULL DEFAULT '';
ALTER TABLE cases ADD COLUMN retention_due_at TIMESTAMPTZ;
CREATE INDEX cases_retention ON cases (last_activity_at, id) WHERE erased_at IS NULL;
CREATE INDEX cases_stuck_retention ON cases (retention_due_at, id) WHERE stage <> 'closed' AND retention_due_at IS NOT NULL;

-- One row per retention run (the Temporal workflow run), written as it goes so that a
-- run killed halfway still shows what it did.
CREATE TABLE retention_runs (
    run_id        TEXT PRIMARY KEY,
    workflow_id   TEXT NOT NULL,
    started_at    TIMESTAMPTZ NOT NULL,
    finished_at   TIMESTAMPTZ,
    erased        INTEGER NOT NULL DEFAULT 0,
    listed        INTEGER NOT NULL DEFAULT 0,
    failed        INTEGER NOT NULL DEFAULT 0,
    audit_purged  INTEGER NOT NULL DEFAULT 0,
    audit_before  TIMESTAMPTZ
);
CREATE INDEX retention_runs_started ON retention_runs (started_at);

-- The audit trail stays append-only, except for the retention purge: a transaction
-- that has set cep.audit_purge to 'on' (SET LOCAL, store.PurgeAudit) may delete rows.
-- Updates and truncation stay refused.
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'DELETE' AND current_setting('cep.audit_purge', true) = 'on' THEN
        RETURN OLD;
    END IF;
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

-- +goose Down
-- +goose StatementBegin
CREATE OR REPLACE FUNCTION audit_log_append_only() RETURNS trigger AS $$
BEGIN
    RAISE EXCEPTION 'audit_log is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd
DROP TABLE retention_runs;
DROP INDEX cases_stuck_retention;
DROP INDEX cases_retention;
ALTER TABLE cases DROP COLUMN retention_due_at;
ALTER TABLE cases DROP COLUMN erasure_reason;
ALTER TABLE cases DROP COLUMN erased_at;
