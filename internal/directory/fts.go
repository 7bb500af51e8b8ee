package directory

import (
	"context"
	"database/sql"
	"strconv"
	"strings"
	"unicode"

	"partnerhub/internal/db"
)

// Full-text search, both dialects side by side. SQLite: the FTS5 table
// org_fts (rowid = organisation id). PostgreSQL: org_search.doc, a
// weighted tsvector with a GIN index. Both stem English (porter /
// 'english') and match every word, the last one as a prefix; both rank
// by the field the words are found in, then by name (search_scale.go).
// Migrations 0101_directory_search.{sqlite,postgres}.sql create them.

// textColumns restricts user words to the text columns of org_fts.
const textColumns = `{name other_names description services}`

// facetToken is a filter token: prefix + the value in lower case without
// spaces or underscores (migration 0120 builds the same in SQL).
func facetToken(prefix, v string) string {
	return prefix + strings.ToLower(facetStrip.Replace(v))
}

var facetStrip = strings.NewReplacer(" ", "", "_", "")

// facetTokens are the facets and kind columns of a profile's document.
func facetTokens(p *Profile) (facets, kind string) {
	var f []string
	for _, w := range p.Wards {
		f = append(f, facetToken("zzw", w))
	}
	for _, c := range p.LocalAuths {
		f = append(f, facetToken("zzl", c))
	}
	seen := map[int64]bool{}
	for _, t := range p.TermIDs {
		if !seen[t] {
			seen[t] = true
			f = append(f, "zzt"+strconv.FormatInt(t, 10))
		}
	}
	if p.IncomeBand != "" {
		f = append(f, facetToken("zzi", p.IncomeBand))
	}
	if !p.Published {
		f = append(f, "zzunlisted")
	}
	return strings.Join(f, " "), facetToken("zzs", p.Sector) + " " + facetToken("zzf", p.LegalForm)
}

// facetsSQL computes one organisation's facets and kind ($1 = its id),
// the same tokens as facetTokens.
const facetsSQL = `SELECT trim(
		COALESCE((SELECT group_concat('zzw' || lower(replace(code, ' ', '')), ' ') FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'ward'), '') || ' ' ||
		COALESCE((SELECT group_concat('zzl' || lower(replace(code, ' ', '')), ' ') FROM org_areas a WHERE a.organisation_id = o.id AND a.kind = 'la'), '') || ' ' ||
		COALESCE((SELECT group_concat('zzt' || term_id, ' ') FROM org_terms t WHERE t.organisation_id = o.id), '') || ' ' ||
		CASE WHEN COALESCE(p.income_band, '') <> '' THEN 'zzi' || replace(p.income_band, '_', '') ELSE '' END || ' ' ||
		CASE WHEN p.published = 0 THEN 'zzunlisted' ELSE '' END),
	'zzs' || replace(o.sector, '_', '') || ' zzf' || replace(o.legal_form, '_', '')
	FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE o.id = $1`

// ftsTerms splits a user's query into plain words (letters and digits).
func ftsTerms(q string) []string {
	f := strings.FieldsFunc(strings.ToLower(q), func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsNumber(r) })
	if len(f) > 12 {
		f = f[:12]
	}
	return f
}

// ftsQueryOp turns concepts (searchTerms, expanded) into the dialect's
// query syntax, every concept required; the last word is a prefix when
// prefix is set (see lastIsPrefix). With anyWord, one concept is enough (closer
// matches, SearchHelp). A concept with alternatives ("foodbank|food+bank")
// matches any of them; an alternative's words are all required.
func ftsQueryOp(d db.Dialect, words []string, prefix, anyWord bool) string {
	and, or := " ", " OR "
	if d == db.Postgres {
		and, or = " & ", " | "
	}
	var concepts []string
	for i, c := range words {
		last := i == len(words)-1 && prefix
		var alts []string
		for _, alt := range conceptAlternatives(c) {
			var parts []string
			for j, w := range alt {
				wordPrefix := last && j == len(alt)-1
				if d == db.Postgres {
					// PostgreSQL's parser splits a word at numbers that
					// are not decimal digits ("h₂o", "½"), which Go
					// counts as parts of it: the pieces are ANDed, the
					// last one a prefix.
					ps := strings.FieldsFunc(w, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
					if len(ps) > 0 && wordPrefix {
						ps[len(ps)-1] += ":*"
					}
					parts = append(parts, ps...)
					continue
				}
				q := `"` + w + `"`
				if wordPrefix {
					q += "*"
				}
				parts = append(parts, q)
			}
			if len(parts) == 0 {
				continue
			}
			a := strings.Join(parts, and)
			if len(parts) > 1 {
				a = "(" + a + ")"
			}
			alts = append(alts, a)
		}
		if len(alts) == 0 {
			continue
		}
		c := strings.Join(alts, or)
		if len(alts) > 1 {
			c = "(" + c + ")"
		}
		concepts = append(concepts, c)
	}
	if anyWord {
		return strings.Join(concepts, or)
	}
	return strings.Join(concepts, and)
}

func isWordRune(r rune) bool { return unicode.IsLetter(r) || unicode.IsNumber(r) }

// ftsTiers returns a FROM-clause fragment producing (id, tier) for the
// listed organisations whose text matches words (arg adds a query
// argument and returns its placeholder). Tier 0: every word in the name
// or other names; 1: every word in the services; 2: anywhere (see
// search_scale.go). PostgreSQL has a vector of each (migration 0126).
func ftsTiers(d db.Dialect, words []string, prefix, anyWord bool, arg func(any) string) string {
	if d == db.Postgres {
		return `(SELECT s.organisation_id AS id, ` + pgTier("s", "t.q") + ` AS tier
			FROM org_search s, (SELECT ` + pgWords(arg(ftsQueryOp(d, words, prefix, anyWord))) + ` AS q) t WHERE s.doc @@ t.q)`
	}
	t := tierQueries(words, prefix, anyWord, "")
	return `(SELECT rowid AS id, CASE WHEN rowid IN (SELECT rowid FROM org_fts WHERE org_fts MATCH ` + arg(t[0]) + `) THEN 0
		WHEN rowid IN (SELECT rowid FROM org_fts WHERE org_fts MATCH ` + arg(t[1]) + `) THEN 1 ELSE 2 END AS tier
		FROM org_fts WHERE org_fts MATCH ` + arg(t[2]) + `)`
}

// pgWords is the PostgreSQL tsquery of the words in placeholder p. A word
// that PostgreSQL's parser splits into several lexemes becomes a phrase
// ('h' <-> 'o'), and a phrase matches nothing in the stripped vectors of
// org_search (migration 0126, no positions). ftsQuery splits the words
// PostgreSQL is known to split (at numbers that are not decimal digits);
// any phrase left is turned into AND here.
func pgWords(p string) string {
	return `regexp_replace(to_tsquery('english', ` + p + `)::text, '<(-|[0-9]+)>', '&', 'g')::tsquery`
}

// pgTier is the PostgreSQL expression of a document's ranking tier: s is
// the org_search row's alias, q the words' tsquery.
func pgTier(s, q string) string {
	return `CASE WHEN ` + s + `.names @@ ` + q + ` THEN 0 WHEN ` + s + `.services @@ ` + q + ` THEN 1 ELSE 2 END`
}

// tsQuote escapes a lexeme inside quotes in tsquery text.
var tsQuote = strings.NewReplacer(`'`, `''`, `\`, `\\`)

// pgFacets is the tsquery (text form) of filter tokens on PostgreSQL: each
// token as a quoted lexeme behind '#' (migration 0126), ANDed.
func pgFacets(toks []string, op string) string {
	q := make([]string, len(toks))
	for i, t := range toks {
		q[i] = `'#` + tsQuote.Replace(t) + `'`
	}
	return strings.Join(q, " "+op+" ")
}

// lastIsPrefix says whether the last word of a SQLite search is matched as
// a prefix: only when it is not a word of the index itself ("support gro"
// finds groups; "advice" finds advice, advise and advisers through the
// stemmer, not every word starting "advice"). FTS5 answers a prefix by
// merging the lists of every word with it, whatever the LIMIT: for a
// common word that was most of a search's time. PostgreSQL's GIN index
// answers prefixes directly, so there the last word is always a prefix.
func lastIsPrefix(ctx context.Context, q db.Querier, d db.Dialect, words []string) (bool, error) {
	if d == db.Postgres || len(words) == 0 {
		return true, nil
	}
	var one int
	err := q.QueryRowContext(ctx, `SELECT 1 FROM org_fts WHERE org_fts MATCH $1 LIMIT 1`, textColumns+` : "`+lastWord(words[len(words)-1])+`"`).Scan(&one)
	if err == sql.ErrNoRows {
		return true, nil
	}
	return false, err
}

// reindex rewrites an organisation's search document from its profile and
// services. Call it inside every transaction that changes them.
func reindex(ctx context.Context, q db.Querier, d db.Dialect, orgID int64) error {
	if d == db.Postgres {
		return writeIndex(ctx, q, d, orgID, "", "", "", "")
	}
	var name, other, desc, mission string
	err := q.QueryRowContext(ctx, `SELECT o.name, COALESCE(p.other_names, ''), COALESCE(p.description, ''), COALESCE(p.mission, '')
		FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE o.id = $1`, orgID).Scan(&name, &other, &desc, &mission)
	if err != nil {
		return err
	}
	rows, err := q.QueryContext(ctx, `SELECT t.name FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE ot.organisation_id = $1 AND t.vocabulary = 'service' ORDER BY t.position`, orgID)
	if err != nil {
		return err
	}
	var svc []string
	for rows.Next() {
		var s string
		if err := rows.Scan(&s); err != nil {
			rows.Close()
			return err
		}
		svc = append(svc, s)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	return writeIndex(ctx, q, d, orgID, name, other, strings.TrimSpace(desc+"\n"+mission), strings.Join(svc, "; "))
}

// reindexTerm rewrites the search documents of the organisations that
// offer a service whose name changed (their documents hold service names).
//
// On PostgreSQL the documents are locked first, in one statement: a save
// of one of those organisations that is still open is waited for, and the
// rewrite, a statement of its own, then reads what the save committed
// instead of writing back the document as it was before the save
// (org_search_write's upsert computes its rows from the snapshot its
// statement started with). Saves read their terms FOR SHARE (checkTerms),
// so one that adds the service waits for the rename and writes its new
// name.
func reindexTerm(ctx context.Context, tx *db.Tx, termID int64) error {
	searchGen.Add(1)
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT organisation_id FROM org_search WHERE organisation_id IN (
			SELECT organisation_id FROM org_terms WHERE term_id = $1) ORDER BY organisation_id FOR UPDATE`, termID); err != nil {
			return err
		}
		_, err := tx.ExecContext(ctx, `SELECT org_search_write(ARRAY(SELECT organisation_id FROM org_terms WHERE term_id = $1))`, termID)
		return err
	}
	// One statement: only the services column changes.
	_, err := tx.ExecContext(ctx, `UPDATE org_fts SET services = COALESCE((SELECT group_concat(name, '; ') FROM (
			SELECT t.name FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id
			WHERE ot.organisation_id = org_fts.rowid AND t.vocabulary = 'service' ORDER BY t.position)), '')
		WHERE rowid IN (SELECT organisation_id FROM org_terms WHERE term_id = $1)`, termID)
	return err
}

// WriteSearchDoc stores one search document (used by the demo generator's
// batched inserts; the store calls it through reindex). Call it after the
// organisation's areas, terms and profile are written: the document
// carries them as filter tokens. PostgreSQL reads the text from the
// tables too (org_search_write, migration 0126), not from the arguments.
func WriteSearchDoc(ctx context.Context, q db.Querier, d db.Dialect, orgID int64, name, other, desc, services string) error {
	return writeIndex(ctx, q, d, orgID, name, other, desc, services)
}

// writeIndex stores one search document.
func writeIndex(ctx context.Context, q db.Querier, d db.Dialect, orgID int64, name, other, desc, services string) error {
	searchGen.Add(1)
	if d != db.Postgres {
		var facets, kind string
		if err := q.QueryRowContext(ctx, facetsSQL, orgID).Scan(&facets, &kind); err != nil {
			return err
		}
		return writeIndexSQLite(ctx, q, orgID, name, other, desc, services, facets, kind)
	}
	_, err := q.ExecContext(ctx, `SELECT org_search_write(ARRAY[$1::bigint])`, orgID)
	return err
}

func writeIndexSQLite(ctx context.Context, q db.Querier, orgID int64, name, other, desc, services, facets, kind string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM org_fts WHERE rowid = $1`, orgID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)`, orgID, name, other, desc, services, facets, kind)
	return err
}

// BulkSearchDocs runs fn with the organisations insert trigger's name-only
// search documents turned off (migration 0122), for bulk writers that
// write every new organisation's whole document themselves in the same
// transaction (the import; the demo generator with WriteSearchDoc). The
// trigger is back on before fn's transaction commits, and a rolled-back
// transaction leaves it on.
func BulkSearchDocs(ctx context.Context, tx *db.Tx, fn func() error) error {
	if err := bulkDocs(ctx, tx, true); err != nil {
		return err
	}
	if err := fn(); err != nil {
		return err
	}
	return bulkDocs(ctx, tx, false)
}

// SearchDocWriter writes whole search documents of organisations that
// have none (created inside BulkSearchDocs) with multi-row statements:
// the demo generator's directory step. The filter tokens come from the
// profile's wards, local authorities, terms, income band, listing, sector
// and legal form, as the store writes them.
type SearchDocWriter struct{ docs *searchDocs }

// NewSearchDocWriter starts a writer in tx; Close flushes it.
func NewSearchDocWriter(ctx context.Context, tx *db.Tx) *SearchDocWriter {
	return &SearchDocWriter{newSearchDocs(ctx, tx, true)}
}

// Add queues p's document: desc is the description text (description and
// mission), services the service names.
func (w *SearchDocWriter) Add(p *Profile, desc, services string) error {
	return w.docs.add(p, desc, services)
}

// Close writes what is queued and settles the search index (settle).
func (w *SearchDocWriter) Close() error {
	defer w.docs.close()
	return w.docs.settle()
}

func bulkDocs(ctx context.Context, tx *db.Tx, on bool) error {
	if tx.Dialect == db.Postgres {
		v := "off"
		if on {
			v = "on"
		}
		_, err := tx.ExecContext(ctx, `SELECT set_config('partnerhub.directory_bulk', $1, true)`, v)
		return err
	}
	n := 0
	if on {
		n = 1
	}
	_, err := tx.ExecContext(ctx, `UPDATE directory_bulk SET active = $1 WHERE id = 1`, n)
	return err
}

// searchDocs writes many search documents with multi-row statements (the
// bulk import). On SQLite the documents that the organisations trigger
// made (name only) are deleted first, a chunk at a time, unless fresh
// (written inside BulkSearchDocs: there are none). FTS5 flushes its
// pending index at every multi-row statement (a statement savepoint), so
// its chunks are as large as SQLite's parameter limit allows.
type searchDocs struct {
	ctx    context.Context
	tx     *db.Tx
	ins    *bulkInserter
	ids    []int64
	fresh  bool
	staged bool // copied into import_search_docs, made into documents by settle
}

// ftsChunk is how many documents (7 values each) one INSERT into org_fts
// carries: 28,000 parameters, under SQLite's 32,766.
const ftsChunk = 4000

func newSearchDocs(ctx context.Context, tx *db.Tx, fresh bool) *searchDocs {
	s := &searchDocs{ctx: ctx, tx: tx, fresh: fresh}
	if tx.Dialect == db.Postgres {
		s.ins = newBulk(ctx, tx, pgDocInsert, pgDocConflict, 7)
		s.ins.pgCasts = []string{"::bigint", "::text", "::text", "::text", "::text", "::text", "::text"}
	} else {
		s.ins = newBulk(ctx, tx, `INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind) VALUES`, ``, 7)
		if fresh {
			s.ins.chunk = ftsChunk
		}
	}
	return s
}

// stage (PostgreSQL, a WriteBulk transaction, before anything is added):
// the documents' values are copied into a staging table and made into
// org_search rows by one INSERT ... SELECT when the rows are in (settle).
func (s *searchDocs) stage() error {
	if s.tx.Dialect != db.Postgres || !s.fresh || !s.tx.CanRaw() {
		return nil
	}
	if _, err := s.tx.ExecContext(s.ctx, `CREATE TEMP TABLE import_search_docs (id BIGINT, name TEXT, other TEXT, descr TEXT, svc TEXT, facets TEXT, kind TEXT) ON COMMIT DROP`); err != nil {
		return err
	}
	s.ins.close()
	s.ins = newBulk(s.ctx, s.tx, "", "", 7)
	s.staged = s.ins.useCopy("import_search_docs", "id", "name", "other", "descr", "svc", "facets", "kind")
	return nil
}

func (s *searchDocs) add(p *Profile, desc, services string) error {
	facets, kind := facetTokens(p)
	return s.addPrepared(p, desc, services, facets, kind)
}

// pgDocInsert writes org_search rows (migration 0126) from the values the
// bulk writers have: (id, name, other names, description, services,
// facets, kind), the last two as facetTokens makes them. It computes what
// org_search_write computes from the tables (TestSearchDocsAgree).
const pgDocInsert = pgDocSelect + `(VALUES`

const pgDocSelect = `INSERT INTO org_search (organisation_id, name, listed, names, services, doc)
	SELECT v.id, v.name, NOT ('zzunlisted' = ANY(string_to_array(v.facets, ' '))),
		strip(to_tsvector('english', v.name || ' ' || v.other)),
		strip(to_tsvector('english', v.svc)),
		strip(to_tsvector('english', v.name || ' ' || v.other || ' ' || v.svc || ' ' || v.descr)) ||
		array_to_tsvector(ARRAY(SELECT '#' || t FROM unnest(string_to_array(v.facets || ' ' || v.kind, ' ')) t WHERE t <> '' AND t <> 'zzunlisted'))
	FROM `

// pgDocUpsert is what a conflict does (after pgDocConflict's alias).
const pgDocUpsert = `
	ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, listed = EXCLUDED.listed, names = EXCLUDED.names, services = EXCLUDED.services, doc = EXCLUDED.doc`

const pgDocConflict = `) v(id, name, other, descr, svc, facets, kind)` + pgDocUpsert

// addPrepared is add with p's filter tokens already made (facetTokens).
func (s *searchDocs) addPrepared(p *Profile, desc, services, facets, kind string) error {
	orgID, name, other := p.ID, p.Name, p.OtherNames
	if s.tx.Dialect != db.Postgres && !s.fresh {
		s.ids = append(s.ids, orgID)
		if len(s.ids) >= bulkChunk {
			if err := s.deleteOld(); err != nil {
				return err
			}
		}
	}
	return s.ins.add(orgID, name, other, desc, services, facets, kind)
}

// deleteOld removes the queued ids' old documents; it runs before the
// chunk that inserts them is flushed (both queues hold bulkChunk rows).
func (s *searchDocs) deleteOld() error {
	if len(s.ids) == 0 {
		return nil
	}
	var args []any
	in := db.InList(s.tx.Dialect, &args, s.ids)
	s.ids = s.ids[:0]
	_, err := s.tx.ExecContext(s.ctx, `DELETE FROM org_fts WHERE rowid IN (`+in+`)`, args...)
	return err
}

func (s *searchDocs) flush() error {
	if err := s.deleteOld(); err != nil {
		return err
	}
	return s.ins.flush()
}

// settle writes what is queued and, on PostgreSQL, moves the GIN index's
// pending entries into the index proper (migration 0127): a bulk write
// leaves up to gin_pending_list_limit of them, which every search would
// otherwise read until the next vacuum.
func (s *searchDocs) settle() error {
	if err := s.flush(); err != nil {
		return err
	}
	if s.tx.Dialect != db.Postgres {
		return nil
	}
	if s.staged {
		// Set-wise, the documents of every copied row at once.
		if _, err := s.tx.ExecContext(s.ctx, pgDocSelect+`import_search_docs v`+pgDocUpsert); err != nil {
			return err
		}
		if _, err := s.tx.ExecContext(s.ctx, `TRUNCATE import_search_docs`); err != nil {
			return err
		}
	}
	// Only the index's owner may (a serving role that did not run the
	// migrations leaves the list to autovacuum rather than fail).
	_, err := s.tx.ExecContext(s.ctx, `SELECT CASE WHEN pg_has_role(c.relowner, 'USAGE') THEN gin_clean_pending_list(c.oid) END
		FROM pg_class c WHERE c.oid = 'org_search_doc'::regclass`)
	return err
}

func (s *searchDocs) close() { s.ins.close() }
