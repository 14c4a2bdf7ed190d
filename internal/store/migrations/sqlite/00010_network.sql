-- +goose Up
-- Running a network from the product (issue 13): the CEP model of a territory, a
-- structure's contact, offer of services and active flag, amendments that add or remove
-- a structure on a date, the yearly designation of the coordinating pair, and the
-- administration audit trail.
ALTER TABLE territories ADD COLUMN cep_model TEXT NOT NULL DEFAULT '2014';
ALTER TABLE territories ADD COLUMN communes_list TEXT DEFAULT '[]';
ALTER TABLE territories ADD COLUMN updated_at TIMESTAMP;

ALTER TABLE structures ADD COLUMN contact TEXT NOT NULL DEFAULT '';
ALTER TABLE structures ADD COLUMN active BOOLEAN NOT NULL DEFAULT TRUE;
ALTER TABLE structures ADD COLUMN offer TEXT DEFAULT '[]';

ALTER TABLE convention_amendments ADD COLUMN structure_id TEXT NOT NULL DEFAULT '';
ALTER TABLE convention_amendments ADD COLUMN change TEXT NOT NULL DEFAULT '';
ALTER TABLE convention_amendments ADD COLUMN effective_on TEXT NOT NULL DEFAULT '';
ALTER TABLE convention_amendments ADD COLUMN created_by TEXT NOT NULL DEFAULT '';
CREATE INDEX convention_amendments_convention ON convention_amendments (convention_id, effective_on);

CREATE TABLE coordination_votes (
    id            TEXT PRIMARY KEY,
    territory_id  TEXT NOT NULL REFERENCES territories (id),
    voted_on      TEXT NOT NULL,
    starts_on     TEXT NOT NULL,
    ends_on       TEXT NOT NULL,
    structure_ids TEXT NOT NULL,
    partners      TEXT NOT NULL,
    present       TEXT NOT NULL,
    in_favour     TEXT NOT NULL,
    result        TEXT NOT NULL,
    recorded_by   TEXT NOT NULL,
    created_at    TIMESTAMP NOT NULL
);
CREATE INDEX coordination_votes_territory ON coordination_votes (territory_id, result, starts_on);

CREATE TABLE admin_audit (
    id           INTEGER PRIMARY KEY AUTOINCREMENT,
    at           TIMESTAMP NOT NULL,
    user_id      TEXT NOT NULL,
    user_role    TEXT NOT NULL,
    request_id   TEXT NOT NULL DEFAULT '',
    territory_id TEXT NOT NULL DEFAULT '',
    entity       TEXT NOT NULL,
    entity_id    TEXT NOT NULL,
    action       TEXT NOT NULL,
    changes      TEXT NOT NULL
);
CREATE INDEX admin_audit_at ON admin_audit (at, id);
CREATE INDEX admin_audit_territory ON admin_audit (territory_id, at);

-- +goose StatementBegin
CREATE TRIGGER admin_audit_no_update BEFORE UPDATE ON admin_audit
BEGIN
    SELECT RAISE(ABORT, 'admin_audit is append-only: UPDATE is not allowed');
END;
-- +goose StatementEnd

-- +goose StatementBegin
CREATE TRIGGER admin_audit_no_delete BEFORE DELETE ON admin_audit
BEGIN
    SELECT RAISE(ABORT, 'admin_audit is append-only: DELETE is not allowed');
END;
-- +goose StatementEnd

-- +goose Down
DROP TRIGGER admin_audit_no_delete;
DROP TRIGGER admin_audit_no_update;
DROP TABLE admin_audit;
DROP TABLE coordination_votes;
DROP INDEX convention_amendments_convention;
ALTER TABLE convention_amendments DROP COLUMN created_by;
ALTER TABLE convention_amendments DROP COLUMN effective_on;
ALTER TABLE convention_amendments DROP COLUMN change;
ALTER TABLE convention_amendments DROP COLUMN structure_id;
ALTER TABLE structures DROP COLUMN offer;
ALTER TABLE structures DROP COLUMN active;
ALTER TABLE structures DROP COLUMN contact;
ALTER TABLE territories DROP COLUMN updated_at;
ALTER TABLE territories DROP COLUMN communes_list;
ALTER TABLE territories DROP COLUMN cep_model;
