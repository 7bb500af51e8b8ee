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
-- month wait for each other's commit at that row (0221's refresh deletes
-- and re-inserts a changed organisation's or partnership's rows, so every
-- membership write touches its months). The read model's writers are
-- people's edits and imports, a few at a time; BenchmarkMeasuresWrite
-- measures what the counts add to a write. One transaction that writes many
-- read-model rows updates the same month rows again and again and keeps
-- every version until it ends: rerunning 0221's backfill over 20,000
-- organisations took 150 s with these triggers, 11 s without (the
-- benchmark's seeding turns them off and runs the backfill below).
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

-- Adds n to the month counts of a row: its first day in series f, its
-- last day in series l.
CREATE FUNCTION partnership_months_add(f TEXT, l TEXT, first_day INTEGER, last_day INTEGER, n INTEGER) RETURNS void LANGUAGE sql AS $$
	INSERT INTO partnership_month_counts (series, month, n)
	VALUES (f, partnership_month(first_day), n), (l, partnership_month(last_day), n)
	ON CONFLICT (series, month) DO UPDATE SET n = partnership_month_counts.n + EXCLUDED.n
$$;

CREATE FUNCTION partnership_months_org() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		PERFORM partnership_months_add('of', 'ol', OLD.first_day, OLD.last_day, -1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM partnership_months_add('of', 'ol', NEW.first_day, NEW.last_day, 1);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_org AFTER INSERT OR DELETE ON partnership_org_cover
FOR EACH ROW EXECUTE FUNCTION partnership_months_org();
CREATE TRIGGER partnership_months_org_upd AFTER UPDATE ON partnership_org_cover
FOR EACH ROW WHEN (partnership_month(OLD.first_day) <> partnership_month(NEW.first_day) OR partnership_month(OLD.last_day) <> partnership_month(NEW.last_day))
EXECUTE FUNCTION partnership_months_org();

CREATE FUNCTION partnership_months_pair() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		PERFORM partnership_months_add('pf:' || OLD.pair, 'pl:' || OLD.pair, OLD.first_day, OLD.last_day, -1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM partnership_months_add('pf:' || NEW.pair, 'pl:' || NEW.pair, NEW.first_day, NEW.last_day, 1);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_pair AFTER INSERT OR DELETE ON partnership_sector_pairs
FOR EACH ROW EXECUTE FUNCTION partnership_months_pair();
CREATE TRIGGER partnership_months_pair_upd AFTER UPDATE ON partnership_sector_pairs
FOR EACH ROW WHEN (OLD.pair <> NEW.pair OR partnership_month(OLD.first_day) <> partnership_month(NEW.first_day) OR partnership_month(OLD.last_day) <> partnership_month(NEW.last_day))
EXECUTE FUNCTION partnership_months_pair();

CREATE FUNCTION partnership_months_model() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP IN ('DELETE', 'UPDATE') THEN
		PERFORM partnership_months_add('s:' || OLD.model, 'e:' || OLD.model, OLD.start_day, OLD.end_day, -1);
	END IF;
	IF TG_OP IN ('INSERT', 'UPDATE') THEN
		PERFORM partnership_months_add('s:' || NEW.model, 'e:' || NEW.model, NEW.start_day, NEW.end_day, 1);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_months_model AFTER INSERT OR DELETE ON partnership_counted
FOR EACH ROW EXECUTE FUNCTION partnership_months_model();
CREATE TRIGGER partnership_months_model_upd AFTER UPDATE ON partnership_counted
FOR EACH ROW WHEN (OLD.model <> NEW.model OR partnership_month(OLD.start_day) <> partnership_month(NEW.start_day) OR partnership_month(OLD.end_day) <> partnership_month(NEW.end_day))
EXECUTE FUNCTION partnership_months_model();

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
