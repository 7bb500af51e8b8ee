-- The directory lists organisations by name. With a sector or legal form
-- filter and many matches (SQLite) it walks these indexes in name order
-- within the sector or legal form, instead of the whole name index
-- (social enterprises' names start late in the alphabet: 7,000 rows read
-- for a page at N=200,000). See internal/directory/search_scale.go.
CREATE INDEX organisations_sector_name ON organisations (sector, name);
CREATE INDEX organisations_legal_form_name ON organisations (legal_form, name);
