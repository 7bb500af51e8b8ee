-- Bulk writers of search documents (the directory import, the demo
-- generator) write each new organisation's whole document themselves. The
-- organisations insert trigger wrote a name-only document first, which the
-- bulk writer then had to delete and insert again (FTS5 deletes read the
-- old document back): at 200,000 rows a quarter of the import. While
-- directory_bulk.active is 1 the trigger does nothing; the bulk writer sets
-- it inside its transaction and sets it back before committing, so no
-- other connection ever sees it set (internal/directory/import_bulk.go,
-- BulkSearchDocs).
CREATE TABLE directory_bulk (
	id INTEGER PRIMARY KEY CHECK (id = 1),
	active INTEGER NOT NULL DEFAULT 0 CHECK (active IN (0, 1))
);
INSERT INTO directory_bulk (id, active) VALUES (1, 0);

DROP TRIGGER org_fts_insert;
CREATE TRIGGER org_fts_insert AFTER INSERT ON organisations WHEN (SELECT active FROM directory_bulk WHERE id = 1) = 0 BEGIN
	INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind)
	VALUES (new.id, new.name, '', '', '', '', 'zzs' || replace(new.sector, '_', '') || ' zzf' || replace(new.legal_form, '_', ''));
END;
