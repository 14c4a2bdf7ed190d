-- +goose Up
-- Case projections written by workflow activities, and the personal details written at
-- reception.
CREATE TABLE beneficiaries (
    case_id               TEXT PRIMARY KEY,
    first_name            TEXT NOT NULL,
    last_name             TEXT NOT NULL,
    birth_date            TEXT NOT NULL,
    gender                TEXT NOT NULL,
    email                 TEXT NOT NULL DEFAULT '',
    phone                 TEXT NOT NULL DEFAULT '',
    postal_code           TEXT NOT NULL,
    public                TEXT NOT NULL,
    disability_recognized BOOLEAN NOT NULL DEFAULT FALSE,
    request               TEXT NOT NULL DEFAULT '',
    created_at            TIMESTAMPTZ NOT NULL
);

CREATE TABLE cases (
    id                   TEXT PRIMARY KEY,
    territory_id         TEXT NOT NULL,
    structure_id         TEXT NOT NULL,
    stage                TEXT NOT NULL,
    paused               BOOLEAN NOT NULL DEFAULT FALSE,
    escalated            BOOLEAN NOT NULL DEFAULT FALSE,
    referent_adviser_id  TEXT,
    handoff_id           TEXT,
    handoff_target_id    TEXT,
    due_at               TIMESTAMPTZ,
    channel              TEXT NOT NULL,
    public               TEXT NOT NULL,
    gender               TEXT NOT NULL,
    age_band             TEXT NOT NULL,
    outcome              TEXT,
    consent_data_sharing BOOLEAN NOT NULL DEFAULT FALSE,
    created_by           TEXT NOT NULL,
    created_at           TIMESTAMPTZ NOT NULL,
    updated_at           TIMESTAMPTZ NOT NULL,
    closed_at            TIMESTAMPTZ,
    last_activity_at     TIMESTAMPTZ NOT NULL,
    version              BIGINT NOT NULL,
    state                TEXT NOT NULL
);
CREATE INDEX cases_territory_stage ON cases (territory_id, stage, created_at);
CREATE INDEX cases_structure ON cases (structure_id, created_at);
CREATE INDEX cases_handoff_target ON cases (handoff_target_id);

CREATE TABLE case_events (
    case_id      TEXT NOT NULL,
    seq          BIGINT NOT NULL,
    type         TEXT NOT NULL,
    actor_id     TEXT NOT NULL,
    actor_role   TEXT NOT NULL,
    structure_id TEXT NOT NULL,
    at           TIMESTAMPTZ NOT NULL,
    request_id   TEXT NOT NULL DEFAULT '',
    details      TEXT NOT NULL DEFAULT '{}',
    PRIMARY KEY (case_id, seq)
);
CREATE INDEX case_events_type_at ON case_events (type, at);

CREATE TABLE handoffs (
    id                TEXT PRIMARY KEY,
    case_id           TEXT NOT NULL,
    from_structure_id TEXT NOT NULL,
    to_structure_id   TEXT NOT NULL,
    status            TEXT NOT NULL,
    reason            TEXT NOT NULL,
    note              TEXT NOT NULL DEFAULT '',
    from_stage        TEXT NOT NULL,
    requested_by      TEXT NOT NULL,
    requested_at      TIMESTAMPTZ NOT NULL,
    remind_at         TIMESTAMPTZ,
    due_at            TIMESTAMPTZ NOT NULL,
    reminders         INTEGER NOT NULL DEFAULT 0,
    decided_by        TEXT NOT NULL DEFAULT '',
    decided_at        TIMESTAMPTZ,
    decline_reason    TEXT NOT NULL DEFAULT '',
    decision_note     TEXT NOT NULL DEFAULT '',
    version           BIGINT NOT NULL
);
CREATE INDEX handoffs_case ON handoffs (case_id);
CREATE INDEX handoffs_to_status ON handoffs (to_structure_id, status);

CREATE TABLE case_sessions (
    id               TEXT PRIMARY KEY,
    case_id          TEXT NOT NULL,
    date             TEXT NOT NULL,
    duration_minutes INTEGER NOT NULL,
    mode             TEXT NOT NULL,
    summary          TEXT NOT NULL,
    adviser_id       TEXT NOT NULL,
    structure_id     TEXT NOT NULL,
    stage            TEXT NOT NULL,
    created_at       TIMESTAMPTZ NOT NULL
);
CREATE INDEX case_sessions_case ON case_sessions (case_id);

CREATE TABLE plan_revisions (
    case_id    TEXT NOT NULL,
    revision   INTEGER NOT NULL,
    actions    TEXT NOT NULL,
    actor_id   TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL,
    PRIMARY KEY (case_id, revision)
);

CREATE TABLE notifications (
    id                     TEXT PRIMARY KEY,
    case_id                TEXT NOT NULL,
    kind                   TEXT NOT NULL,
    recipient_structure_id TEXT NOT NULL DEFAULT '',
    recipient_territory_id TEXT NOT NULL DEFAULT '',
    recipient_role         TEXT NOT NULL DEFAULT '',
    payload                TEXT NOT NULL,
    created_at             TIMESTAMPTZ NOT NULL,
    delivered_at           TIMESTAMPTZ,
    channel                TEXT NOT NULL DEFAULT '',
    attempts               INTEGER NOT NULL DEFAULT 0,
    last_error             TEXT NOT NULL DEFAULT ''
);
CREATE INDEX notifications_structure ON notifications (recipient_structure_id, created_at);
CREATE INDEX notifications_territory ON notifications (recipient_territory_id, created_at);
CREATE INDEX notifications_case ON notifications (case_id);

-- +goose Down
DROP TABLE notifications;
DROP TABLE plan_revisions;
DROP TABLE case_sessions;
DROP TABLE handoffs;
DROP TABLE case_events;
DROP TABLE cases;
DROP TABLE beneficiaries;
