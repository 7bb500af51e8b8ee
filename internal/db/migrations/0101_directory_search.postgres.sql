-- Directory full-text search on PostgreSQL: a weighted tsvector generated
-- from the searchable text, with a GIN index. A trigger keeps the name in
-- step with organisations; the directory store rewrites the other columns
-- on every profile write.
CREATE TABLE org_search (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	other_names TEXT NOT NULL DEFAULT '',
	description TEXT NOT NULL DEFAULT '',
	services TEXT NOT NULL DEFAULT '',
	doc tsvector GENERATED ALWAYS AS (
		setweight(to_tsvector('english', name), 'A') ||
		setweight(to_tsvector('english', other_names), 'A') ||
		setweight(to_tsvector('english', services), 'B') ||
		setweight(to_tsvector('english', description), 'C')
	) STORED
);
CREATE INDEX org_search_doc ON org_search USING GIN (doc);

INSERT INTO org_search (organisation_id, name) SELECT id, name FROM organisations;

CREATE OR REPLACE FUNCTION org_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	INSERT INTO org_search (organisation_id, name) VALUES (NEW.id, NEW.name)
	ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name;
	RETURN NEW;
END;
$$;
CREATE TRIGGER org_search_sync AFTER INSERT OR UPDATE OF name ON organisations
	FOR EACH ROW EXECUTE FUNCTION org_search_sync();
