-- +goose Up
-- Sessions of the web console, kept in the database so that several `cep api` processes
-- share them. Only a SHA-256 hash of the cookie's token is stored: a leaked table does
-- not let anyone sign in. A row without a user is a visitor who has not signed in yet
-- (it carries the CSRF secret of the sign-in forms and the pending OpenID Connect flow).
CREATE TABLE web_sessions (
    token_hash   TEXT PRIMARY KEY,
    user_id      TEXT REFERENCES users (id) ON DELETE CASCADE,
    csrf_secret  TEXT NOT NULL,
    login_flow   TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMP NOT NULL,
    last_seen_at TIMESTAMP NOT NULL,
    expires_at   TIMESTAMP NOT NULL
);
CREATE INDEX web_sessions_expires_at ON web_sessions (expires_at);
CREATE INDEX web_sessions_user_id ON web_sessions (user_id);

-- +goose Down
DROP TABLE web_sessions;
