-- SQLite only: month by month, how many rows of the measures' read model
-- (0220) first or last count: organisations' covers (series of, ol),
-- sector pairs (pf:u, pl:u, pf:v, pl:v) and counted partnerships per model
-- (s:MODEL starting, e:MODEL ending). Triggers on the read model's tables
-- keep it in step (so the writers of 0221, its backfill and plain SQL all
-- count). A measuring year starts on the first of a month, so "how many
-- rows have a day before it" is a sum over a few hundred months, whatever
-- the number of organisations and partnerships: SQLite cannot count an
-- index range without reading every entry in it. Months are year * 12 +
-- month - 1. PostgreSQL reads the read model itself (its writers run
-- concurrently, and shared counters would make them wait on one another).
CREATE TABLE partnership_month_counts (
	series TEXT NOT NULL,
	month INTEGER NOT NULL,
	n INTEGER NOT NULL,
	PRIMARY KEY (series, month)
) WITHOUT ROWID;

CREATE TRIGGER partnership_months_org_ins AFTER INSERT ON partnership_org_cover BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('of', (CAST(strftime('%Y', NEW.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.first_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('ol', (CAST(strftime('%Y', NEW.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.last_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_org_del AFTER DELETE ON partnership_org_cover BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('of', (CAST(strftime('%Y', OLD.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.first_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('ol', (CAST(strftime('%Y', OLD.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.last_day * 86400, 'unixepoch') AS INTEGER) - 1), -1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_org_upd AFTER UPDATE ON partnership_org_cover BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('of', (CAST(strftime('%Y', OLD.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.first_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('ol', (CAST(strftime('%Y', OLD.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.last_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('of', (CAST(strftime('%Y', NEW.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.first_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('ol', (CAST(strftime('%Y', NEW.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.last_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER partnership_months_pair_ins AFTER INSERT ON partnership_sector_pairs BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('pf:' || NEW.pair, (CAST(strftime('%Y', NEW.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.first_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('pl:' || NEW.pair, (CAST(strftime('%Y', NEW.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.last_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_pair_del AFTER DELETE ON partnership_sector_pairs BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('pf:' || OLD.pair, (CAST(strftime('%Y', OLD.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.first_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('pl:' || OLD.pair, (CAST(strftime('%Y', OLD.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.last_day * 86400, 'unixepoch') AS INTEGER) - 1), -1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_pair_upd AFTER UPDATE ON partnership_sector_pairs BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('pf:' || OLD.pair, (CAST(strftime('%Y', OLD.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.first_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('pl:' || OLD.pair, (CAST(strftime('%Y', OLD.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.last_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('pf:' || NEW.pair, (CAST(strftime('%Y', NEW.first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.first_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('pl:' || NEW.pair, (CAST(strftime('%Y', NEW.last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.last_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;

CREATE TRIGGER partnership_months_model_ins AFTER INSERT ON partnership_counted BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('s:' || NEW.model, (CAST(strftime('%Y', NEW.start_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.start_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('e:' || NEW.model, (CAST(strftime('%Y', NEW.end_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.end_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_model_del AFTER DELETE ON partnership_counted BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('s:' || OLD.model, (CAST(strftime('%Y', OLD.start_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.start_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('e:' || OLD.model, (CAST(strftime('%Y', OLD.end_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.end_day * 86400, 'unixepoch') AS INTEGER) - 1), -1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;
CREATE TRIGGER partnership_months_model_upd AFTER UPDATE ON partnership_counted BEGIN
	INSERT INTO partnership_month_counts (series, month, n) VALUES ('s:' || OLD.model, (CAST(strftime('%Y', OLD.start_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.start_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('e:' || OLD.model, (CAST(strftime('%Y', OLD.end_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', OLD.end_day * 86400, 'unixepoch') AS INTEGER) - 1), -1), ('s:' || NEW.model, (CAST(strftime('%Y', NEW.start_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.start_day * 86400, 'unixepoch') AS INTEGER) - 1), 1), ('e:' || NEW.model, (CAST(strftime('%Y', NEW.end_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', NEW.end_day * 86400, 'unixepoch') AS INTEGER) - 1), 1)
		ON CONFLICT (series, month) DO UPDATE SET n = n + excluded.n;
END;

-- Backfill.
INSERT INTO partnership_month_counts (series, month, n)
SELECT series, month, COUNT(*) FROM (
	SELECT 'of' AS series, (CAST(strftime('%Y', first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', first_day * 86400, 'unixepoch') AS INTEGER) - 1) AS month FROM partnership_org_cover
	UNION ALL SELECT 'ol', (CAST(strftime('%Y', last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', last_day * 86400, 'unixepoch') AS INTEGER) - 1) FROM partnership_org_cover
	UNION ALL SELECT 'pf:' || pair, (CAST(strftime('%Y', first_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', first_day * 86400, 'unixepoch') AS INTEGER) - 1) FROM partnership_sector_pairs
	UNION ALL SELECT 'pl:' || pair, (CAST(strftime('%Y', last_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', last_day * 86400, 'unixepoch') AS INTEGER) - 1) FROM partnership_sector_pairs
	UNION ALL SELECT 's:' || model, (CAST(strftime('%Y', start_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', start_day * 86400, 'unixepoch') AS INTEGER) - 1) FROM partnership_counted
	UNION ALL SELECT 'e:' || model, (CAST(strftime('%Y', end_day * 86400, 'unixepoch') AS INTEGER) * 12 + CAST(strftime('%m', end_day * 86400, 'unixepoch') AS INTEGER) - 1) FROM partnership_counted
) x GROUP BY series, month;
