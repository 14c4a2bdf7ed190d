-- +goose Up
-- The identity of this database, created once. A Temporal namespace and task queue are
-- bound to it (package binding), so that two deployments never share work silently.
CREATE TABLE deployment (
    singleton INTEGER PRIMARY KEY CHECK (singleton = 1),
    id TEXT NOT NULL,
    created_at TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE deployment;
