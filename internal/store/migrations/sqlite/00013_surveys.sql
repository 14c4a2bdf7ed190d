-- +goose Up
-- Satisfaction surveys (issue 12): one row per invitation sent, answered at most once
-- through its signed link.
CREATE TABLE surveys (
    id TEXT PRIMARY KEY,
    case_id TEXT NOT NULL REFERENCES cases(id) ON DELETE CASCADE,
    moment TEXT NOT NULL CHECK (moment IN ('level_end', 'six_months')),
    level TEXT NOT NULL DEFAULT '',
    sent_at TIMESTAMP NOT NULL,
    expires_at TIMESTAMP NOT NULL,
    answered_at TIMESTAMP,
    satisfaction INTEGER CHECK (satisfaction BETWEEN 1 AND 4),
    usefulness INTEGER CHECK (usefulness BETWEEN 1 AND 4),
    situation TEXT NOT NULL DEFAULT ''
);
CREATE INDEX surveys_case ON surveys (case_id);
CREATE INDEX surveys_answered ON surveys (answered_at);

-- +goose Down
DROP TABLE surveys;
