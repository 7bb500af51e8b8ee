-- Month by month, how many partnerships started per origin (how each came
-- about: event, partner_finder, looking_for_partners, other), counted as
-- the measures count them (partnerships.originCounts): every partnership
-- that is not proposed and has a start date, in the month of that date.
-- Row triggers on partnerships keep it in step with every writer (the
-- store, imports, the demo, plain SQL). A measuring year starts on the
-- first of a month, so a year's count per origin is a sum over its twelve
-- months; without it the ten-year series read about 20,000 entries of the
-- partnerships_started index (0232) per year at national scale, 88% of the
-- series' CPU on SQLite (which cannot count an index range without reading
-- every entry in it). Months are year * 12 + month - 1, taken from the
-- stored text as the measures' date comparisons read it.
CREATE TABLE partnership_origin_months (
	origin TEXT NOT NULL,
	month INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (origin, month)
) WITHOUT ROWID;

CREATE TRIGGER partnership_origin_months_ins AFTER INSERT ON partnerships
WHEN NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL
BEGIN
	INSERT INTO partnership_origin_months (origin, month, n)
	VALUES (NEW.origin, CAST(substr(NEW.start_date, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.start_date, 6, 2) AS INTEGER) - 1, 1)
	ON CONFLICT (origin, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER partnership_origin_months_del AFTER DELETE ON partnerships
WHEN OLD.status <> 'proposed' AND OLD.start_date IS NOT NULL
BEGIN
	INSERT INTO partnership_origin_months (origin, month, n)
	VALUES (OLD.origin, CAST(substr(OLD.start_date, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.start_date, 6, 2) AS INTEGER) - 1, -1)
	ON CONFLICT (origin, month) DO UPDATE SET n = n + excluded.n;
END;

-- An update moves the partnership out of its old (origin, month) and into
-- its new one, unless both are the same and it counts before and after
-- (an update of its name, its end or from active to ended writes nothing).
CREATE TRIGGER partnership_origin_months_upd_old AFTER UPDATE OF status, start_date, origin ON partnerships
WHEN OLD.status <> 'proposed' AND OLD.start_date IS NOT NULL
	AND NOT (NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL AND NEW.origin = OLD.origin AND substr(NEW.start_date, 1, 7) = substr(OLD.start_date, 1, 7))
BEGIN
	INSERT INTO partnership_origin_months (origin, month, n)
	VALUES (OLD.origin, CAST(substr(OLD.start_date, 1, 4) AS INTEGER) * 12 + CAST(substr(OLD.start_date, 6, 2) AS INTEGER) - 1, -1)
	ON CONFLICT (origin, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER partnership_origin_months_upd_new AFTER UPDATE OF status, start_date, origin ON partnerships
WHEN NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL
	AND NOT (OLD.status <> 'proposed' AND OLD.start_date IS NOT NULL AND NEW.origin = OLD.origin AND substr(NEW.start_date, 1, 7) = substr(OLD.start_date, 1, 7))
BEGIN
	INSERT INTO partnership_origin_months (origin, month, n)
	VALUES (NEW.origin, CAST(substr(NEW.start_date, 1, 4) AS INTEGER) * 12 + CAST(substr(NEW.start_date, 6, 2) AS INTEGER) - 1, 1)
	ON CONFLICT (origin, month) DO UPDATE SET n = n + excluded.n;
END;

-- Backfill.
INSERT INTO partnership_origin_months (origin, month, n)
SELECT origin, CAST(substr(start_date, 1, 4) AS INTEGER) * 12 + CAST(substr(start_date, 6, 2) AS INTEGER) - 1 AS month, COUNT(*)
FROM partnerships WHERE status <> 'proposed' AND start_date IS NOT NULL GROUP BY origin, month;
