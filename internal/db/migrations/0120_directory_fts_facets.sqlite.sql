-- Directory search at scale (SQLite): the FTS5 table gains two columns of
-- filter tokens so that a search with filters is one FTS5 query (doclist
-- intersections) instead of a probe per match into org_areas, org_terms
-- and org_profiles:
--   facets: zzw<ward> zzl<la code> zzt<term id> zzi<income band> zzunlisted
--           (written with the document by the directory store)
--   kind:   zzs<sector> zzf<legal form> (kept by the organisations triggers)
-- Tokens are lower case with spaces and underscores removed. Both columns
-- have bm25 weight 0, and user words are matched only in the text columns.
-- internal/directory/fts.go builds the same tokens (facetTokens).
DROP TRIGGER IF EXISTS org_fts_insert;
DROP TRIGGER IF EXISTS org_fts_update;
DROP TRIGGER IF EXISTS org_fts_delete;
DROP TABLE org_fts;

CREATE VIRTUAL TABLE org_fts USING fts5(name, other_names, description, services, facets, kind, tokenize = 'porter unicode61 remove_diacritics 2');

INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind)
SELECT o.id, o.name, COALESCE(p.other_names, ''),
	trim(COALESCE(p.description, '') || char(10) || COALESCE(p.mission, ''), ' ' || char(9) || char(10) || char(13)),
	COALESCE((SELECT group_concat(name, '; ') FROM (SELECT t.name FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id
		WHERE ot.organisation_id = o.id AND t.vocabulary = 'service' ORDER BY t.position)), ''),
	trim(
		COALESCE((SELECT group_concat('zzw' || lower(replace(code, ' ', '')), ' ') FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'ward'), '') || ' ' ||
		COALESCE((SELECT group_concat('zzl' || lower(replace(code, ' ', '')), ' ') FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'la'), '') || ' ' ||
		COALESCE((SELECT group_concat('zzt' || term_id, ' ') FROM org_terms t WHERE t.organisation_id = o.id), '') || ' ' ||
		CASE WHEN COALESCE(p.income_band, '') <> '' THEN 'zzi' || replace(p.income_band, '_', '') ELSE '' END || ' ' ||
		CASE WHEN p.published = 0 THEN 'zzunlisted' ELSE '' END),
	'zzs' || replace(o.sector, '_', '') || ' zzf' || replace(o.legal_form, '_', '')
FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id;

CREATE TRIGGER org_fts_insert AFTER INSERT ON organisations BEGIN
	INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind)
	VALUES (new.id, new.name, '', '', '', '', 'zzs' || replace(new.sector, '_', '') || ' zzf' || replace(new.legal_form, '_', ''));
END;
CREATE TRIGGER org_fts_update AFTER UPDATE OF name, sector, legal_form ON organisations BEGIN
	UPDATE org_fts SET name = new.name, kind = 'zzs' || replace(new.sector, '_', '') || ' zzf' || replace(new.legal_form, '_', '') WHERE rowid = new.id;
END;
CREATE TRIGGER org_fts_delete AFTER DELETE ON organisations BEGIN
	DELETE FROM org_fts WHERE rowid = old.id;
END;
