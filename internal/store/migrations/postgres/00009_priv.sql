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

-- +goose Down
DROP INDEX users_oidc;
ALTER TABLE users DROP COLUMN oidc_subject;
ALTER TABLE users DROP COLUMN oidc_issuer;
ALTER TABLE structures DROP COLUMN webhook_secret;
DROP TABLE idempotency_keys;
