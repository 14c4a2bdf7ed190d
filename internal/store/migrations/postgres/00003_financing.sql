-- +goose Up
-- Level-3 financing: the alert on the case, the plans kept per revision, and the
-- funding requests with their own lifecycle.
ALTER TABLE cases ADD COLUMN financing_alert BOOLEAN NOT NULL DEFAULT FALSE;

CREATE TABLE financing_plans (
    case_id        TEXT NOT NULL,
    revision       INTEGER NOT NULL,
    plan_revision  INTEGER NOT NULL,
    shortfall      BOOLEAN NOT NULL,
    left_to_pay    DOUBLE PRECISION NOT NULL DEFAULT 0,
    plan           TEXT NOT NULL,
    actor_id       TEXT NOT NULL,
    created_at     TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, revision)
);

CREATE TABLE funding_requests (
    id                 TEXT PRIMARY KEY,
    case_id            TEXT NOT NULL,
    funder             TEXT NOT NULL,
    action_ids         TEXT NOT NULL DEFAULT '[]',
    amount_requested   DOUBLE PRECISION NOT NULL DEFAULT 0,
    amount_granted     DOUBLE PRECISION,
    status             TEXT NOT NULL,
    deadlines          TEXT NOT NULL DEFAULT '[]',
    decision_reason    TEXT NOT NULL DEFAULT '',
    created_by         TEXT NOT NULL,
    created_at         TIMESTAMPTZ NOT NULL,
    updated_at         TIMESTAMPTZ NOT NULL,
    version            BIGINT NOT NULL
);
CREATE INDEX funding_requests_case ON funding_requests (case_id);
CREATE INDEX funding_requests_status ON funding_requests (status);

-- +goose Down
DROP TABLE funding_requests;
DROP TABLE financing_plans;
ALTER TABLE cases DROP COLUMN financing_alert;
