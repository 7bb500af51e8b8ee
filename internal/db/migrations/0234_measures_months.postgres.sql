-- PostgreSQL's month counts, as SQLite's (migration 0233): month by month,
-- how many rows of the measures' read model (0220) first or last count, in
-- the same series (of, ol, pf:PAIR, pl:PAIR, s:MODEL, e:MODEL). Without
-- them a year read every row of the read model (one day histogram per
-- table, some 200,000 rows each at national scale: over the 200 ms target).
-- Triggers on the read model's tables keep them in step, so its writers
-- (0221), its backfill and plain SQL all count.
--
-- A month's row is shared by every organisation or partnership whose first
-- or last day falls in it (the last month, 9999-12, by everything still
-- going), so two writers of the read model that change rows in the same
-- month wait for each other's commit at that row. The triggers are on the
-- statement (transition tables): a statement's rows are summed per
-- (series, month) and each sum is upserted once, so a set-wise statement
-- (0221's backfill) updates each month row once whatever its number of
-- rows. PostgreSQL keeps every version of a row updated in one transaction
-- until it ends, so a transaction of many statements that each touch the
-- same months still piles up versions: 0221's refresh runs per membership
-- row written, and deletes and re-inserts the organisation's cover and the
-- partnership's sector pairs in separate statements, so each membership
-- written still updates each of its months' rows twice (-1, then +1; the
-- row triggers did the same), and a transaction writing thousands of
-- memberships (an import, INSERT ... SELECT into partnership_members: one
-- refresh per row) piles up two versions per membership on the shared
-- month rows, 9999-12 above all. Rerunning 0221's backfill over 20,000 organisations in one
-- transaction took 44-52 s with row triggers and 3-5 s with these (4-5 s
-- with none; load 6-9). BenchmarkMeasuresWrite measures what the counts
-- add to a single write.
-- Months are year * 12 + month - 1.
CREATE TABLE partnership_month_counts (
	series TEXT NOT NULL,
	month INTEGER NOT NULL,
	n BIGINT NOT NULL,
	PRIMARY KEY (series, month)
);

-- The month of day d (days since 1970-01-01).
CREATE FUNCTION partnership_month(d INTEGER) RETURNS INTEGER LANGUAGE sql IMMUTABLE AS $$
	SELECT (EXTRACT(YEAR FROM DATE '1970-01-01' + d) * 12 + EXTRACT(MONTH FROM DATE '1970-01-01' + d) - 1)::INTEGER
$$;

-- One statement's changes to a read-model table, as a trigger on the
-- statement: its rows (the transition tables) add 1 (inserted, new
-- version) or -1 (deleted, old version) in the series of their first day
-- and of their last day; the sums per (series, month) are upserted once
-- each, in key order, and those that come to 0 (an update that kept its
-- months) are left alone.
CREATE FUNCTION partnership_months_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'of' AS fs, 'ol' AS ls, first_day AS fd, last_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'of' AS fs, 'ol' AS ls, first_day AS fd, last_day AS ld, -1 AS n FROM old_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSE
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'of' AS fs, 'ol' AS ls, first_day AS fd, last_day AS ld, -1 AS n FROM old_rows UNION ALL SELECT 'of' AS fs, 'ol' AS ls, first_day AS fd, last_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_org_ins AFTER INSERT ON partnership_org_cover REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_org();
CREATE TRIGGER partnership_months_org_del AFTER DELETE ON partnership_org_cover REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_org();
CREATE TRIGGER partnership_months_org_upd AFTER UPDATE ON partnership_org_cover REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_org();

CREATE FUNCTION partnership_months_pair() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'pf:' || pair AS fs, 'pl:' || pair AS ls, first_day AS fd, last_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'pf:' || pair AS fs, 'pl:' || pair AS ls, first_day AS fd, last_day AS ld, -1 AS n FROM old_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSE
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 'pf:' || pair AS fs, 'pl:' || pair AS ls, first_day AS fd, last_day AS ld, -1 AS n FROM old_rows UNION ALL SELECT 'pf:' || pair AS fs, 'pl:' || pair AS ls, first_day AS fd, last_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_pair_ins AFTER INSERT ON partnership_sector_pairs REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_pair();
CREATE TRIGGER partnership_months_pair_del AFTER DELETE ON partnership_sector_pairs REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_pair();
CREATE TRIGGER partnership_months_pair_upd AFTER UPDATE ON partnership_sector_pairs REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_pair();

CREATE FUNCTION partnership_months_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 's:' || model AS fs, 'e:' || model AS ls, start_day AS fd, end_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSIF TG_OP = 'DELETE' THEN
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 's:' || model AS fs, 'e:' || model AS ls, start_day AS fd, end_day AS ld, -1 AS n FROM old_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	ELSE
		INSERT INTO partnership_month_counts (series, month, n)
		SELECT series, month, SUM(n) FROM (SELECT 's:' || model AS fs, 'e:' || model AS ls, start_day AS fd, end_day AS ld, -1 AS n FROM old_rows UNION ALL SELECT 's:' || model AS fs, 'e:' || model AS ls, start_day AS fd, end_day AS ld, 1 AS n FROM new_rows) r,
			LATERAL (VALUES (r.fs, partnership_month(r.fd)), (r.ls, partnership_month(r.ld))) v(series, month)
		GROUP BY series, month HAVING SUM(n) <> 0 ORDER BY series, month
		ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n;
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_model_ins AFTER INSERT ON partnership_counted REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_model();
CREATE TRIGGER partnership_months_model_del AFTER DELETE ON partnership_counted REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_model();
CREATE TRIGGER partnership_months_model_upd AFTER UPDATE ON partnership_counted REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_months_model();

-- Backfill.
INSERT INTO partnership_month_counts (series, month, n)
SELECT series, month, COUNT(*) FROM (
	SELECT 'of' AS series, partnership_month(first_day) AS month FROM partnership_org_cover
	UNION ALL SELECT 'ol', partnership_month(last_day) FROM partnership_org_cover
	UNION ALL SELECT 'pf:' || pair, partnership_month(first_day) FROM partnership_sector_pairs
	UNION ALL SELECT 'pl:' || pair, partnership_month(last_day) FROM partnership_sector_pairs
	UNION ALL SELECT 's:' || model, partnership_month(start_day) FROM partnership_counted
	UNION ALL SELECT 'e:' || model, partnership_month(end_day) FROM partnership_counted
) x GROUP BY series, month;
