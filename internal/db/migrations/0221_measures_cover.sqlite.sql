-- Keeps the measures' read model of 0220 in step with every writer
-- (the partnerships store, the import, the demo, the looking-for-partners
-- conversion, plain SQL): a new, changed or deleted partnership updates its
-- partnership_counted row; any change to a membership, to a partnership's
-- model, status or dates, or to an organisation's sector recomputes the
-- cover and gaps of the organisations and partnerships it touches (a
-- handful of rows each, through their indexes). Ends with the backfill of
-- the rows that exist already.

-- Every counted membership span in days (see 0220), with its member's sector.
CREATE VIEW partnership_member_spans AS
SELECT member_id, pid, org, kind, s, e FROM (
	SELECT m.id AS member_id, m.partnership_id AS pid, m.organisation_id AS org,
		CASE WHEN o.sector IN ('vcs', 'social_enterprise', 'faith') THEN 't' WHEN o.sector = 'public' THEN 'u' WHEN o.sector = 'private' THEN 'v' ELSE '' END AS kind,
		MAX(c.start_day, COALESCE(CAST(julianday(substr(m.joined_on, 1, 10)) - 2440587.5 AS INTEGER), c.start_day)) AS s,
		MIN(c.end_day, COALESCE(CAST(julianday(substr(m.left_on, 1, 10)) - 2440587.5 AS INTEGER), c.end_day)) AS e
	FROM partnership_members m
	JOIN partnership_counted c ON c.partnership_id = m.partnership_id
	JOIN organisations o ON o.id = m.organisation_id
) x WHERE e >= s;

CREATE TRIGGER partnerships_counted_ins AFTER INSERT ON partnerships
BEGIN
	INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day)
		SELECT NEW.id, NEW.model, CASE WHEN NEW.model IN ('lead_contractor_consortium', 'hub_and_spoke_consortium', 'consortium_legal_body') THEN 1 ELSE 0 END, CAST(julianday(substr(NEW.start_date, 1, 10)) - 2440587.5 AS INTEGER), COALESCE(CAST(julianday(substr(NEW.end_date, 1, 10)) - 2440587.5 AS INTEGER), 2932896)
		WHERE NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL AND (NEW.end_date IS NULL OR CAST(julianday(substr(NEW.end_date, 1, 10)) - 2440587.5 AS INTEGER) >= CAST(julianday(substr(NEW.start_date, 1, 10)) - 2440587.5 AS INTEGER));
END;

CREATE TRIGGER partnerships_counted_del AFTER DELETE ON partnerships
BEGIN
	DELETE FROM partnership_counted WHERE partnership_id = OLD.id;
END;

CREATE TRIGGER partnerships_counted_upd AFTER UPDATE OF model, status, start_date, end_date ON partnerships
WHEN OLD.model IS NOT NEW.model OR OLD.status IS NOT NEW.status OR OLD.start_date IS NOT NEW.start_date OR OLD.end_date IS NOT NEW.end_date
BEGIN
	DELETE FROM partnership_counted WHERE partnership_id IN (OLD.id, NEW.id);
	INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day)
		SELECT NEW.id, NEW.model, CASE WHEN NEW.model IN ('lead_contractor_consortium', 'hub_and_spoke_consortium', 'consortium_legal_body') THEN 1 ELSE 0 END, CAST(julianday(substr(NEW.start_date, 1, 10)) - 2440587.5 AS INTEGER), COALESCE(CAST(julianday(substr(NEW.end_date, 1, 10)) - 2440587.5 AS INTEGER), 2932896)
		WHERE NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL AND (NEW.end_date IS NULL OR CAST(julianday(substr(NEW.end_date, 1, 10)) - 2440587.5 AS INTEGER) >= CAST(julianday(substr(NEW.start_date, 1, 10)) - 2440587.5 AS INTEGER));
	DELETE FROM partnership_org_cover WHERE organisation_id IN (SELECT organisation_id FROM partnership_members WHERE partnership_id = NEW.id);
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (SELECT organisation_id FROM partnership_members WHERE partnership_id = NEW.id);
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT organisation_id FROM partnership_members WHERE partnership_id = NEW.id) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT organisation_id FROM partnership_members WHERE partnership_id = NEW.id)) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (NEW.id);
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (NEW.id);
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (NEW.id) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (NEW.id) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (NEW.id)) g WHERE before_max < s;
END;

CREATE TRIGGER partnership_members_cover_ins AFTER INSERT ON partnership_members
BEGIN
	DELETE FROM partnership_org_cover WHERE organisation_id IN (NEW.organisation_id);
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (NEW.organisation_id);
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (NEW.organisation_id) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (NEW.organisation_id)) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (NEW.partnership_id);
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (NEW.partnership_id);
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (NEW.partnership_id) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (NEW.partnership_id) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (NEW.partnership_id)) g WHERE before_max < s;
END;

CREATE TRIGGER partnership_members_cover_del AFTER DELETE ON partnership_members
BEGIN
	DELETE FROM partnership_org_cover WHERE organisation_id IN (OLD.organisation_id);
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (OLD.organisation_id);
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (OLD.organisation_id) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (OLD.organisation_id)) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (OLD.partnership_id);
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (OLD.partnership_id);
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (OLD.partnership_id) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (OLD.partnership_id) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (OLD.partnership_id)) g WHERE before_max < s;
END;

CREATE TRIGGER partnership_members_cover_upd AFTER UPDATE OF partnership_id, organisation_id, joined_on, left_on ON partnership_members
BEGIN
	DELETE FROM partnership_org_cover WHERE organisation_id IN (OLD.organisation_id, NEW.organisation_id);
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (OLD.organisation_id, NEW.organisation_id);
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (OLD.organisation_id, NEW.organisation_id) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (OLD.organisation_id, NEW.organisation_id)) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (OLD.partnership_id, NEW.partnership_id);
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (OLD.partnership_id, NEW.partnership_id);
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (OLD.partnership_id, NEW.partnership_id) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (OLD.partnership_id, NEW.partnership_id) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (OLD.partnership_id, NEW.partnership_id)) g WHERE before_max < s;
END;

CREATE TRIGGER organisations_cover_upd AFTER UPDATE OF sector ON organisations
WHEN OLD.sector IS NOT NEW.sector
BEGIN
	DELETE FROM partnership_org_cover WHERE organisation_id IN (NEW.id);
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (NEW.id);
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (NEW.id) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (NEW.id)) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id);
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id);
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id)) g WHERE before_max < s;
END;

-- Backfill.
INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day)
	SELECT p.id, p.model, CASE WHEN p.model IN ('lead_contractor_consortium', 'hub_and_spoke_consortium', 'consortium_legal_body') THEN 1 ELSE 0 END, CAST(julianday(substr(p.start_date, 1, 10)) - 2440587.5 AS INTEGER), COALESCE(CAST(julianday(substr(p.end_date, 1, 10)) - 2440587.5 AS INTEGER), 2932896) FROM partnerships p
	WHERE p.status <> 'proposed' AND p.start_date IS NOT NULL AND (p.end_date IS NULL OR CAST(julianday(substr(p.end_date, 1, 10)) - 2440587.5 AS INTEGER) >= CAST(julianday(substr(p.start_date, 1, 10)) - 2440587.5 AS INTEGER));
DELETE FROM partnership_org_cover WHERE organisation_id IN (SELECT id FROM organisations);
DELETE FROM partnership_org_gaps WHERE organisation_id IN (SELECT id FROM organisations);
INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
	SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT id FROM organisations) GROUP BY org;
INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
	SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
		FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT id FROM organisations)) g WHERE before_max < s;
DELETE FROM partnership_sector_pairs WHERE partnership_id IN (SELECT id FROM partnerships);
DELETE FROM partnership_sector_gaps WHERE partnership_id IN (SELECT id FROM partnerships);
INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
	SELECT t.pid, k.kind, MAX(t.f, k.f), MIN(t.l, k.l)
	FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (SELECT id FROM partnerships) GROUP BY pid) t
	JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (SELECT id FROM partnerships) GROUP BY pid, kind) k ON k.pid = t.pid;
INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
	SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
		FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (SELECT id FROM partnerships)) g WHERE before_max < s;
