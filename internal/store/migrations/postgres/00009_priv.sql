-- +goose Up
-- The request each idempotency key was first used for, per user: the same key with a
-- different request is refused (422) instead of silently answering the first one.
CREATE TABLE idempotency_keys (
    user_id      TEXT NOT NULL,
    idem_key     TEXT NOT NULL,
    request_hash TEXT NOT NULL,
    created_at   TIMESTAMPTZ NOT NULL,
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
-- The one exception is an erasure scrubbing the free text of an event's details (the
-- row, its type, actor and time stay): a transaction that has set cep.timeline_scrub
-- to 'on' (SET LOCAL, store.AllowTimelineScrub) may update details only.
-- +goose StatementBegin
CREATE FUNCTION case_events_append_only() RETURNS trigger AS $$
BEGIN
    IF TG_OP = 'UPDATE' AND current_setting('cep.timeline_scrub', true) = 'on'
       AND NEW.case_id = OLD.case_id AND NEW.seq = OLD.seq AND NEW.type = OLD.type AND NEW.actor_id = OLD.actor_id
       AND NEW.actor_role = OLD.actor_role AND NEW.structure_id = OLD.structure_id AND NEW.at = OLD.at
       AND NEW.request_id = OLD.request_id THEN
        RETURN NEW;
    END IF;
    RAISE EXCEPTION 'case_events is append-only: % is not allowed', TG_OP;
END;
$$ LANGUAGE plpgsql;
-- +goose StatementEnd

CREATE TRIGGER case_events_no_update_delete
    BEFORE UPDATE OR DELETE ON case_events
    FOR EACH ROW EXECUTE FUNCTION case_events_append_only();

CREATE TRIGGER case_events_no_truncate
    BEFORE TRUNCATE ON case_events
    FOR EACH STATEMENT EXECUTE FUNCTION case_events_append_only();

-- Where the application connects with its own role (docker-compose.yml: cep_app),
-- that role may only read and add to the trails.
-- +goose StatementBegin
DO $$
BEGIN
    IF EXISTS (SELECT 1 FROM pg_roles WHERE rolname = 'cep_app') THEN
        REVOKE UPDATE, DELETE, TRUNCATE ON audit_log, case_events FROM cep_app;
    END IF;
END
$$;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER case_events_no_truncate ON case_events;
DROP TRIGGER case_events_no_update_delete ON case_events;
DROP FUNCTION case_events_append_only();
ALTER TABLE audit_log DROP COLUMN client_request_id;
DROP INDEX users_oidc;
ALTER TABLE users DROP COLUMN oidc_subject;
ALTER TABLE users DROP COLUMN oidc_issuer;
ALTER TABLE structures DROP COLUMN webhook_secret;
DROP TABLE idempotency_keys;
