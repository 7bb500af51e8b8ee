-- Bulk writers of search documents (the directory import, the demo
-- generator) write each new organisation's whole document themselves; the
-- name-only document the trigger wrote first was then rewritten. While the
-- transaction-local setting partnerhub.directory_bulk is 'on' (set with
-- set_config(..., true) inside the bulk writer's transaction) the trigger
-- does nothing (internal/directory/import_bulk.go, BulkSearchDocs).
CREATE OR REPLACE FUNCTION org_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' AND COALESCE(current_setting('partnerhub.directory_bulk', true), '') = 'on' THEN
		RETURN NEW;
	END IF;
	INSERT INTO org_search (organisation_id, name) VALUES (NEW.id, NEW.name)
	ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name;
	RETURN NEW;
END;
$$;
