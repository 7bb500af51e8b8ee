-- Directory search on PostgreSQL, rebuilt as SQLite's FTS5 table is
-- (migration 0120): one narrow row per organisation whose document carries
-- the filters as lexemes, so that a search with words and filters is one
-- GIN lookup and its window of matches is read in storage order, stopping
-- after countCap+1 rows (internal/directory/search_pg.go).
--
--   name      the organisation's name (the window is ordered by it)
--   listed    the profile is published
--   names     name and other names (ranking tier 0)
--   services  the service names (ranking tier 1)
--   doc       every word of the text, and the filter lexemes: '#' and the
--             tokens of internal/directory/fts.go facetTokens ('#zzwtalbot',
--             '#zzt12', '#zzsvcs', ...). No word of a text can start with
--             '#' (the parser splits it off), so text never matches a filter.
--
-- A search's window is its first matches in storage order, so a row should
-- stay where it is when its organisation is edited: fillfactor 80 leaves
-- room in each page for the new version of a row (PostgreSQL puts it in
-- the same page when it fits).
--
-- The vectors are stripped (no positions or weights): the tiers have their
-- own vectors, and nothing asks for phrases. org_search_write computes an
-- organisation's row from its profile, areas and terms; the bulk writers
-- (import, demo generator) compute the same from the values they insert
-- (internal/directory/fts.go, pgDocInsert; a test compares the two).
CREATE TABLE org_search_new (
	organisation_id BIGINT PRIMARY KEY REFERENCES organisations (id) ON DELETE CASCADE,
	name TEXT NOT NULL DEFAULT '',
	listed BOOLEAN NOT NULL DEFAULT TRUE,
	names tsvector NOT NULL DEFAULT ''::tsvector,
	services tsvector NOT NULL DEFAULT ''::tsvector,
	doc tsvector NOT NULL DEFAULT ''::tsvector
) WITH (parallel_workers = 0, fillfactor = 80);

DROP TRIGGER org_search_sync ON organisations;
DROP FUNCTION org_search_sync();
DROP TABLE org_search;
ALTER TABLE org_search_new RENAME TO org_search;
ALTER INDEX org_search_new_pkey RENAME TO org_search_pkey;
ALTER TABLE org_search RENAME CONSTRAINT org_search_new_organisation_id_fkey TO org_search_organisation_id_fkey;

CREATE FUNCTION org_search_write(ids BIGINT[]) RETURNS void LANGUAGE sql AS $$
	INSERT INTO org_search (organisation_id, name, listed, names, services, doc)
	SELECT o.id, o.name, COALESCE(p.published, TRUE),
		strip(to_tsvector('english', o.name || ' ' || COALESCE(p.other_names, ''))),
		strip(to_tsvector('english', COALESCE(sv.names, ''))),
		strip(to_tsvector('english', o.name || ' ' || COALESCE(p.other_names, '') || ' ' || COALESCE(sv.names, '') || ' ' ||
			COALESCE(p.description, '') || ' ' || COALESCE(p.mission, ''))) ||
		array_to_tsvector(ARRAY(
			SELECT '#zzw' || lower(replace(replace(a.code, ' ', ''), '_', '')) FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'ward'
			UNION ALL SELECT '#zzl' || lower(replace(replace(a.code, ' ', ''), '_', '')) FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'la'
			UNION ALL SELECT '#zzt' || t.term_id FROM org_terms t WHERE t.organisation_id = o.id
			UNION ALL SELECT '#zzi' || replace(p.income_band, '_', '') WHERE COALESCE(p.income_band, '') <> ''
			UNION ALL SELECT '#zzs' || replace(o.sector, '_', '')
			UNION ALL SELECT '#zzf' || replace(o.legal_form, '_', '')))
	FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id
	LEFT JOIN LATERAL (SELECT string_agg(tt.name, '; ') AS names FROM org_terms ot JOIN taxonomy_terms tt ON tt.id = ot.term_id
		WHERE ot.organisation_id = o.id AND tt.vocabulary = 'service') sv ON TRUE
	WHERE o.id = ANY(ids)
	ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, listed = EXCLUDED.listed, names = EXCLUDED.names,
		services = EXCLUDED.services, doc = EXCLUDED.doc
$$;

SELECT org_search_write(ARRAY(SELECT id FROM organisations));
CREATE INDEX org_search_doc ON org_search USING GIN (doc);
-- A search by filters only with more than countCap matches walks the names
-- in order, checking the document row by row, until its page is full.
CREATE INDEX org_search_name ON org_search (name, organisation_id);

-- A new organisation gets its document (name, sector and legal form: the
-- store then rewrites it with the profile); a renamed one, or one whose
-- sector or legal form changes, gets it again. Bulk writers turn the
-- insert case off (partnerhub.directory_bulk, migration 0122) and write
-- whole documents themselves.
CREATE FUNCTION org_search_sync() RETURNS trigger LANGUAGE plpgsql AS $$
BEGIN
	IF TG_OP = 'INSERT' AND COALESCE(current_setting('partnerhub.directory_bulk', true), '') = 'on' THEN
		RETURN NEW;
	END IF;
	PERFORM org_search_write(ARRAY[NEW.id]);
	RETURN NEW;
END;
$$;
CREATE TRIGGER org_search_sync_insert AFTER INSERT ON organisations
	FOR EACH ROW EXECUTE FUNCTION org_search_sync();
CREATE TRIGGER org_search_sync_update AFTER UPDATE OF name, sector, legal_form ON organisations
	FOR EACH ROW WHEN (OLD.name IS DISTINCT FROM NEW.name OR OLD.sector IS DISTINCT FROM NEW.sector OR OLD.legal_form IS DISTINCT FROM NEW.legal_form)
	EXECUTE FUNCTION org_search_sync();
