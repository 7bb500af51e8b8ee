-- The membership trigger of the measures' read model (0221) on the
-- statement instead of on each row: one partnership_cover_refresh per
-- statement, with the distinct organisations and partnerships of all its
-- rows (the refresh sorts them, so the advisory locks keep their id
-- order). A statement writing thousands of memberships (the demo town's
-- seeding, an import, INSERT ... SELECT) refreshed once per row before,
-- eight statements and their month-count triggers (0234) each time.
--
-- PostgreSQL allows transition tables only on a trigger with one event and
-- no column list, so there are three triggers, and the update's trigger
-- looks for the rows whose partnership_id, organisation_id, joined_on or
-- left_on changed itself (0221's UPDATE OF list): old and new versions
-- are paired by id, and a row without its pair (an id changed) counts as
-- changed. A statement that changed none of them refreshes nothing.
DROP TRIGGER partnership_members_cover ON partnership_members;
DROP FUNCTION partnership_members_cover();

CREATE FUNCTION partnership_members_cover() RETURNS trigger LANGUAGE plpgsql AS $$
DECLARE
	orgs BIGINT[];
	pids BIGINT[];
BEGIN
	IF TG_OP = 'INSERT' THEN
		SELECT array_agg(DISTINCT organisation_id), array_agg(DISTINCT partnership_id) INTO orgs, pids FROM new_rows;
	ELSIF TG_OP = 'DELETE' THEN
		SELECT array_agg(DISTINCT organisation_id), array_agg(DISTINCT partnership_id) INTO orgs, pids FROM old_rows;
	ELSE
		SELECT array_agg(DISTINCT org), array_agg(DISTINCT pid) INTO orgs, pids FROM (
			SELECT v.org, v.pid
			FROM old_rows o FULL JOIN new_rows n ON n.id = o.id,
				LATERAL (VALUES (o.organisation_id, o.partnership_id), (n.organisation_id, n.partnership_id)) v(org, pid)
			WHERE o.id IS NULL OR n.id IS NULL
				OR o.partnership_id IS DISTINCT FROM n.partnership_id OR o.organisation_id IS DISTINCT FROM n.organisation_id
				OR o.joined_on IS DISTINCT FROM n.joined_on OR o.left_on IS DISTINCT FROM n.left_on
		) c;
	END IF;
	IF orgs IS NOT NULL OR pids IS NOT NULL THEN
		PERFORM partnership_cover_refresh(COALESCE(orgs, '{}'), COALESCE(pids, '{}'));
	END IF;
	RETURN NULL;
END;
$$;
CREATE TRIGGER partnership_members_cover_ins AFTER INSERT ON partnership_members REFERENCING NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_members_cover();
CREATE TRIGGER partnership_members_cover_del AFTER DELETE ON partnership_members REFERENCING OLD TABLE AS old_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_members_cover();
CREATE TRIGGER partnership_members_cover_upd AFTER UPDATE ON partnership_members REFERENCING OLD TABLE AS old_rows NEW TABLE AS new_rows
FOR EACH STATEMENT EXECUTE FUNCTION partnership_members_cover();
