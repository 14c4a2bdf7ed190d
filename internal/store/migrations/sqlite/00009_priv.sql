-- +goose Up
-- The request each idempotency key was first used for, per user: the same key with a
-- different request is refused (422) instead of silently answering the first one.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TIMESTAMP NOT NULL,
    PRIMARY KEY (user_id, idem_key)
);

-- The secret each structure's webhook deliveries are signed with (X-CEP-Signature).
ALTER TABLE structures ADD COLUMN webhook_secret TEXT NOT NULL DEFAULT '';

-- The OpenID Connect account each user is bound to at first sign-in.
ALTER TABLE users ADD COLUMN oidc_issuer TEXT NOT NULL DEFAULT '';
ALTER TABLE users ADD COLUMN oidc_subject TEXT NOT NULL DEFAULT '';
CREATE UNIQUE INDEX users_oidc ON users (oidc_issuer, oidc_subject) WHERE oidc_subject <> '';

-- A client's own X-Request-ID, apart from the server's request_id.
ALTER TABLE audit_log ADD COLUMN client_request_id TEXT NOT NULL DEFAULT '';

-- case_events is the timeline: append-only like audit_log. The projection inserts
-- its rows idempotently (ON CONFLICT DO NOTHING) and never updates or deletes them.
-- The one exception is an erasure scrubbing the free text of an event's details: in a
-- transaction holding the permit row (store.AllowTimelineScrub), details only may
-- change. SQLite has one writer, so no one else sees the permit.
CREATE TABLE timeline_scrub_permit (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1)
);
-- +goose StatementBegin
CREATE TRIGGER case_events_no_update BEFORE UPDATE ON case_events
WHEN NOT EXISTS (SELECT 1 FROM timeline_scrub_permit)
    OR NEW.case_id IS NOT OLD.case_id OR NEW.seq IS NOT OLD.seq OR NEW.type IS NOT OLD.type
    OR NEW.actor_id IS NOT OLD.actor_id OR NEW.actor_role IS NOT OLD.actor_role
    OR NEW.structure_id IS NOT OLD.structure_id OR NEW.at IS NOT OLD.at OR NEW.request_id IS NOT OLD.request_id
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER case_events_no_delete BEFORE DELETE ON case_events
BEGIN
    SELECT RAISE(ABORT, 'case_events is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER case_events_no_delete;
DROP TRIGGER case_events_no_update;
DROP TABLE timeline_scrub_permit;
ALTER TABLE audit_log DROP COLUMN client_request_id;
DROP INDEX users_oidc;
ALTER TABLE users DROP COLUMN oidc_subject;
ALTER TABLE users DROP COLUMN oidc_issuer;
ALTER TABLE structures DROP COLUMN webhook_secret;
DROP TABLE idempotency_keys;
