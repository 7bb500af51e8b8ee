-- Month by month, how many partnerships started per origin (how each came
-- about: event, partner_finder, looking_for_partners, other), counted as
-- the measures count them (partnerships.originCounts): every partnership
-- that is not proposed and has a start date, in the month of that date.
-- The same table as SQLite's (0235 there), read by the same query: a
-- measuring year starts on the first of a month, so a year's count per
-- origin is a sum over its twelve months instead of an index range over
-- the year's partnerships (0232; about 20,000 entries a year at national
-- scale).
--
-- The triggers are on the statement, as the month counts' (0234): a
-- statement's rows (transition tables) are summed per (origin, month) and
-- each sum upserted once, net-zero sums left alone (an update that keeps a
-- partnership's origin, month and being counted writes nothing), so a
-- set-wise insert or COPY of many partnerships updates each month row
-- once. Two transactions that create, delete or move partnerships of the
-- same origin starting in the same month wait for each other's commit at
-- that month's row (transition tables rule out a column list on the
-- update trigger, so every update of partnerships runs it; it writes only
-- when the sums change).
-- Months are year * 12 + month - 1 (partnership_month, 0234).
CREATE TABLE partnership_origin_months (
	origin TEXT NOT NULL,
	month INTEGER NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (origin, month)
);

CREATE FUNCTION partnership_origin_months() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO partnership_origin_months (origin, month, n)
		SELECT origin, partnership_month(start_date - DATE '1970-01-01') AS month, COUNT(*) FROM new_rows
		WHERE status <> 'proposed' AND start_date IS NOT NULL
		GROUP BY 1, 2 ORDER BY 1, 2
		ON CONFLICT (origin, month) DO UPDATE SET n = partnership_origin_months.n + EXCLUDED.n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO partnership_origin_months (origin, month, n)
		SELECT origin, partnership_month(start_date - DATE '1970-01-01') AS month, -COUNT(*) FROM old_rows
		WHERE status <> 'proposed' AND start_date IS NOT NULL
		GROUP BY 1, 2 ORDER BY 1, 2
		ON CONFLICT (origin, month) DO UPDATE SET n = partnership_origin_months.n + EXCLUDED.n;
	ELSE
		INSERT INTO partnership_origin_months (origin, month, n)
		SELECT origin, partnership_month(start_date - DATE '1970-01-01') AS month, SUM(n) FROM (
			SELECT origin, start_date, -1 AS n FROM old_rows WHERE status <> 'proposed' AND start_date IS NOT NULL
			UNION ALL SELECT origin, start_date, 1 FROM new_rows WHERE status <> 'proposed' AND start_date IS NOT NULL
		) r
		GROUP BY 1, 2 HAVING SUM(n) <> 0 ORDER BY 1, 2
		ON CONFLICT (origin, month) DO UPDATE SET n = partnership_origin_months.n + EXCLUDED.n;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_origin_months_ins AFTER INSERT ON partnerships REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_origin_months();
CREATE TRIGGER partnership_origin_months_del AFTER DELETE ON partnerships REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_origin_months();
CREATE TRIGGER partnership_origin_months_upd AFTER UPDATE ON partnerships REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_origin_months();

-- Backfill.
INSERT INTO partnership_origin_months (origin, month, n)
SELECT origin, partnership_month(start_date - DATE '1970-01-01') AS month, COUNT(*)
FROM partnerships WHERE status <> 'proposed' AND start_date IS NOT NULL GROUP BY 1, 2;
