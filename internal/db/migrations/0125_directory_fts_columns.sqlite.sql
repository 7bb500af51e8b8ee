-- The directory's FTS5 table keeps which column each word is in but not
-- its positions (detail=column) and no column sizes (columnsize=0): search
-- needs words in columns (the ranking tiers and filter tokens) but neither
-- phrases nor bm25 any more (internal/directory/search_scale.go). The index
-- is 40% smaller, and searches and bulk imports are faster. Triggers as in
-- 0120 and 0122.
DROP TRIGGER IF EXISTS org_fts_insert;
DROP TRIGGER IF EXISTS org_fts_update;
DROP TRIGGER IF EXISTS org_fts_delete;

CREATE VIRTUAL TABLE org_fts_new USING fts5(name, other_names, description, services, facets, kind,
	tokenize = 'porter unicode61 remove_diacritics 2', detail = column, columnsize = 0);
INSERT INTO org_fts_new (rowid, name, other_names, description, services, facets, kind)
	SELECT rowid, name, other_names, description, services, facets, kind FROM org_fts;
DROP TABLE org_fts;
ALTER TABLE org_fts_new RENAME TO org_fts;

CREATE TRIGGER org_fts_insert AFTER INSERT ON organisations WHEN (SELECT active FROM directory_bulk WHERE id = 1) = 0 BEGIN
	INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind)
	VALUES (new.id, new.name, '', '', '', '', 'zzs' || replace(new.sector, '_', '') || ' zzf' || replace(new.legal_form, '_', ''));
END;
CREATE TRIGGER org_fts_update AFTER UPDATE OF name, sector, legal_form ON organisations BEGIN
	UPDATE org_fts SET name = new.name, kind = 'zzs' || replace(new.sector, '_', '') || ' zzf' || replace(new.legal_form, '_', '') WHERE rowid = new.id;
END;
CREATE TRIGGER org_fts_delete AFTER DELETE ON organisations BEGIN
	DELETE FROM org_fts WHERE rowid = old.id;
END;
