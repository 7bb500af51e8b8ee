-- partnerships.origin gains 'bid': a consortium formed to bid for an
-- opportunity (issue 15). SQLite cannot alter a CHECK constraint: the
-- change is the Go step of this migration (goSteps in
-- internal/db/migrate_steps.go, the writable_schema procedure SQLite
-- documents for constraint changes that leave the rows as they are).
SELECT 1;
