-- Directory full-text search on SQLite: an FTS5 table whose rowid is the
-- organisation id. Triggers keep the name in step with organisations (so
-- organisations created elsewhere are searchable at once); the directory
-- store rewrites the other columns on every profile write.
CREATE VIRTUAL TABLE org_fts USING fts5(name, other_names, description, services, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO org_fts (rowid, name, other_names, description, services) SELECT id, name, '', '', '' FROM organisations;

CREATE TRIGGER org_fts_insert AFTER INSERT ON organisations BEGIN
	INSERT INTO org_fts (rowid, name, other_names, description, services) VALUES (new.id, new.name, '', '', '');
END;
CREATE TRIGGER org_fts_update AFTER UPDATE OF name ON organisations BEGIN
	UPDATE org_fts SET name = new.name WHERE rowid = new.id;
END;
CREATE TRIGGER org_fts_delete AFTER DELETE ON organisations BEGIN
	DELETE FROM org_fts WHERE rowid = old.id;
END;
