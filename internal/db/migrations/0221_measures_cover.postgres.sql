-- Keeps the measures' read model of 0220 in step with every writer
-- (the partnerships store, the import, the demo, the looking-for-partners
-- conversion, plain SQL): a new, changed or deleted partnership updates its
-- partnership_counted row; any change to a membership, to a partnership's
-- model, status or dates, or to an organisation's sector recomputes the
-- cover and gaps of the organisations and partnerships it touches (a
-- handful of rows each, through their indexes). Ends with the backfill of
-- the rows that exist already.
--
-- On PostgreSQL two transactions that touch the same organisation or
-- partnership take an advisory lock (in id order) so that the second
-- recomputes from what the first committed instead of colliding with it.
-- The lock keys include the schema's name, so databases in other schemas
-- of the same server (tests, other tenants) never wait on each other.

-- Every counted membership span in days (see 0220), with its member's sector.
CREATE VIEW partnership_member_spans AS
SELECT member_id, pid, org, kind, s, e FROM (
	SELECT m.id AS member_id, m.partnership_id AS pid, m.organisation_id AS org,
		CASE WHEN o.sector IN ('vcs', 'social_enterprise', 'faith') THEN 't' WHEN o.sector = 'public' THEN 'u' WHEN o.sector = 'private' THEN 'v' ELSE '' END AS kind,
		GREATEST(c.start_day, COALESCE((m.joined_on - DATE '1970-01-01'), c.start_day)) AS s,
		LEAST(c.end_day, COALESCE((m.left_on - DATE '1970-01-01'), c.end_day)) AS e
	FROM partnership_members m
	JOIN partnership_counted c ON c.partnership_id = m.partnership_id
	JOIN organisations o ON o.id = m.organisation_id
) x WHERE e >= s;

CREATE FUNCTION partnership_cover_refresh(orgs BIGINT[], pids BIGINT[]) RETURNS void LANGUAGE plpgsql AS $$
DECLARE
	k BIGINT;
BEGIN
	orgs := ARRAY(SELECT DISTINCT x FROM unnest(orgs) x WHERE x IS NOT NULL ORDER BY x);
	pids := ARRAY(SELECT DISTINCT x FROM unnest(pids) x WHERE x IS NOT NULL ORDER BY x);
	FOREACH k IN ARRAY orgs LOOP
		PERFORM pg_advisory_xact_lock(hashtext(current_schema() || ':partnership_cover:org'), (k % 2147483647)::int);
	END LOOP;
	FOREACH k IN ARRAY pids LOOP
		PERFORM pg_advisory_xact_lock(hashtext(current_schema() || ':partnership_cover:partnership'), (k % 2147483647)::int);
	END LOOP;
	DELETE FROM partnership_org_cover WHERE organisation_id IN (SELECT unnest(orgs));
	DELETE FROM partnership_org_gaps WHERE organisation_id IN (SELECT unnest(orgs));
	INSERT INTO partnership_org_cover (organisation_id, first_day, last_day)
		SELECT org, MIN(s), MAX(e) FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT unnest(orgs)) GROUP BY org;
	INSERT INTO partnership_org_gaps (organisation_id, after_day, before_day)
		SELECT org, before_max, s FROM (SELECT org, s, MAX(e) OVER (PARTITION BY org ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind = 't' AND org IN (SELECT unnest(orgs))) g WHERE before_max < s;
	DELETE FROM partnership_sector_pairs WHERE partnership_id IN (SELECT unnest(pids));
	DELETE FROM partnership_sector_gaps WHERE partnership_id IN (SELECT unnest(pids));
	INSERT INTO partnership_sector_pairs (partnership_id, pair, first_day, last_day)
		SELECT t.pid, k.kind, GREATEST(t.f, k.f), LEAST(t.l, k.l)
		FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (SELECT unnest(pids)) GROUP BY pid) t
		JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (SELECT unnest(pids)) GROUP BY pid, kind) k ON k.pid = t.pid;
	INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
		SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
			FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (SELECT unnest(pids))) g WHERE before_max < s;
END;
$$;

CREATE FUNCTION partnerships_counted() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'DELETE' THEN
		DELETE FROM partnership_counted WHERE partnership_id = OLD.id;
		RETURN NULL;
	END IF;
	IF TG_OP = 'UPDATE' THEN
		DELETE FROM partnership_counted WHERE partnership_id = OLD.id;
	END IF;
	INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day)
		SELECT NEW.id, NEW.model, CASE WHEN NEW.model IN ('lead_contractor_consortium', 'hub_and_spoke_consortium', 'consortium_legal_body') THEN 1 ELSE 0 END, (NEW.start_date - DATE '1970-01-01'), COALESCE((NEW.end_date - DATE '1970-01-01'), 2932896)
		WHERE NEW.status <> 'proposed' AND NEW.start_date IS NOT NULL AND (NEW.end_date IS NULL OR (NEW.end_date - DATE '1970-01-01') >= (NEW.start_date - DATE '1970-01-01'));
	IF TG_OP = 'UPDATE' THEN
		PERFORM partnership_cover_refresh(ARRAY(SELECT organisation_id FROM partnership_members WHERE partnership_id = NEW.id), ARRAY[NEW.id]);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnerships_counted AFTER INSERT OR DELETE ON partnerships
FOR EACH ROW EXECUTE FUNCTION partnerships_counted();
CREATE TRIGGER partnerships_counted_upd AFTER UPDATE OF model, status, start_date, end_date ON partnerships
FOR EACH ROW WHEN (OLD.model IS DISTINCT FROM NEW.model OR OLD.status IS DISTINCT FROM NEW.status OR OLD.start_date IS DISTINCT FROM NEW.start_date OR OLD.end_date IS DISTINCT FROM NEW.end_date)
EXECUTE FUNCTION partnerships_counted();

CREATE FUNCTION partnership_members_cover() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' THEN
		PERFORM partnership_cover_refresh(ARRAY[NEW.organisation_id], ARRAY[NEW.partnership_id]);
	ELSIF TG_OP = 'DELETE' THEN
		PERFORM partnership_cover_refresh(ARRAY[OLD.organisation_id], ARRAY[OLD.partnership_id]);
	ELSE
		PERFORM partnership_cover_refresh(ARRAY[OLD.organisation_id, NEW.organisation_id], ARRAY[OLD.partnership_id, NEW.partnership_id]);
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_members_cover AFTER INSERT OR DELETE OR UPDATE OF partnership_id, organisation_id, joined_on, left_on ON partnership_members
FOR EACH ROW EXECUTE FUNCTION partnership_members_cover();

CREATE FUNCTION organisations_cover() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	PERFORM partnership_cover_refresh(ARRAY[NEW.id], ARRAY(SELECT partnership_id FROM partnership_members WHERE organisation_id = NEW.id));
	RETURN NULL;
END;
$$;
CREATE TRIGGER organisations_cover AFTER UPDATE OF sector ON organisations
FOR EACH ROW WHEN (OLD.sector IS DISTINCT FROM NEW.sector)
EXECUTE FUNCTION organisations_cover();

-- Backfill.
INSERT INTO partnership_counted (partnership_id, model, consortium, start_day, end_day)
	SELECT p.id, p.model, CASE WHEN p.model IN ('lead_contractor_consortium', 'hub_and_spoke_consortium', 'consortium_legal_body') THEN 1 ELSE 0 END, (p.start_date - DATE '1970-01-01'), COALESCE((p.end_date - DATE '1970-01-01'), 2932896) FROM partnerships p
	WHERE p.status <> 'proposed' AND p.start_date IS NOT NULL AND (p.end_date IS NULL OR (p.end_date - DATE '1970-01-01') >= (p.start_date - DATE '1970-01-01'));
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
	SELECT t.pid, k.kind, GREATEST(t.f, k.f), LEAST(t.l, k.l)
	FROM (SELECT pid, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind = 't' AND pid IN (SELECT id FROM partnerships) GROUP BY pid) t
	JOIN (SELECT pid, kind, MIN(s) AS f, MAX(e) AS l FROM partnership_member_spans WHERE kind IN ('u', 'v') AND pid IN (SELECT id FROM partnerships) GROUP BY pid, kind) k ON k.pid = t.pid;
INSERT INTO partnership_sector_gaps (partnership_id, kind, after_day, before_day)
	SELECT pid, kind, before_max, s FROM (SELECT pid, kind, s, MAX(e) OVER (PARTITION BY pid, kind ORDER BY s ROWS BETWEEN UNBOUNDED PRECEDING AND 1 PRECEDING) AS before_max
		FROM partnership_member_spans WHERE kind IN ('t', 'u', 'v') AND pid IN (SELECT id FROM partnerships)) g WHERE before_max < s;
