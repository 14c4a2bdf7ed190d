-- +goose Up
-- Set while a change of the case could not be written to this database (its workflow
-- keeps the change and projects it again with the next one); the stuck-case list shows
-- such cases as workflow problems.
ALTER TABLE cases ADD COLUMN projection_failed_at TIMESTAMP;
CREATE INDEX cases_stuck_projection ON cases (projection_failed_at, id) WHERE stage <> 'closed' AND projection_failed_at IS NOT NULL;

-- +goose Down
DROP INDEX cases_stuck_projection;
ALTER TABLE cases DROP COLUMN projection_failed_at;
