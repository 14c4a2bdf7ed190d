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

-- +goose Down
ALTER TABLE structures DROP COLUMN webhook_secret;
DROP TABLE idempotency_keys;
