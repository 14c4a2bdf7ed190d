-- +goose Up
-- Reference data: territories, structures, conventions, users, routing table.
CREATE TABLE territories (
    id          TEXT PRIMARY KEY,
    name        TEXT NOT NULL,
    region      TEXT NOT NULL,
    communes    INTEGER NOT NULL DEFAULT 0,
    population  INTEGER NOT NULL DEFAULT 0,
    created_at  TIMESTAMPTZ NOT NULL
);

CREATE TABLE structures (
    id           TEXT PRIMARY KEY,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    name         TEXT NOT NULL,
    network      TEXT NOT NULL,
    cep_operator BOOLEAN NOT NULL DEFAULT FALSE,
    remote       BOOLEAN NOT NULL DEFAULT FALSE,
    address      TEXT NOT NULL DEFAULT '',
    postal_code  TEXT NOT NULL DEFAULT '',
    commune      TEXT NOT NULL DEFAULT '',
    antennas     TEXT NOT NULL DEFAULT '[]',
    publics      TEXT NOT NULL DEFAULT '[]',
    webhook_url  TEXT NOT NULL DEFAULT '',
    created_at   TIMESTAMPTZ NOT NULL,
    updated_at   TIMESTAMPTZ NOT NULL
);
CREATE INDEX structures_territory ON structures (territory_id);

CREATE TABLE conventions (
    id            TEXT PRIMARY KEY,
    territory_id  TEXT NOT NULL REFERENCES territories (id),
    title         TEXT NOT NULL,
    signed_on     TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    notice_months INTEGER NOT NULL DEFAULT 2,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE convention_signatories (
    convention_id TEXT NOT NULL REFERENCES conventions (id),
    structure_id  TEXT NOT NULL REFERENCES structures (id),
    role          TEXT NOT NULL,
    since_date    TEXT NOT NULL DEFAULT '',
    PRIMARY KEY (convention_id, structure_id, role)
);

CREATE TABLE convention_amendments (
    id            TEXT PRIMARY KEY,
    convention_id TEXT NOT NULL REFERENCES conventions (id),
    number        INTEGER NOT NULL,
    signed_on     TEXT NOT NULL,
    summary       TEXT NOT NULL,
    created_at    TIMESTAMPTZ NOT NULL
);

CREATE TABLE users (
    id           TEXT PRIMARY KEY,
    email        TEXT NOT NULL,
    display_name TEXT NOT NULL,
    role         TEXT NOT NULL,
    structure_id TEXT REFERENCES structures (id),
    territory_id TEXT REFERENCES territories (id),
    active       BOOLEAN NOT NULL DEFAULT TRUE,
    created_at   TIMESTAMPTZ NOT NULL
);
CREATE UNIQUE INDEX users_email ON users (email);

CREATE TABLE routing_rules (
    id           TEXT PRIMARY KEY,
    territory_id TEXT NOT NULL REFERENCES territories (id),
    priority     INTEGER NOT NULL,
    public       TEXT NOT NULL DEFAULT '',
    need         TEXT NOT NULL DEFAULT '',
    disability   BOOLEAN,
    min_age      INTEGER NOT NULL DEFAULT 0,
    max_age      INTEGER NOT NULL DEFAULT 0,
    network      TEXT NOT NULL,
    reason       TEXT NOT NULL,
    updated_by   TEXT NOT NULL DEFAULT '',
    updated_at   TIMESTAMPTZ NOT NULL
);

-- +goose Down
DROP TABLE routing_rules;
DROP TABLE users;
DROP TABLE convention_amendments;
DROP TABLE convention_signatories;
DROP TABLE conventions;
DROP TABLE structures;
DROP TABLE territories;
