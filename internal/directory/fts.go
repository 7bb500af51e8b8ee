package directory

import (
	"context"
	"strconv"
	"strings"
	"unicode"

	"partnerhub/internal/db"
)

// Full-text search, both dialects side by side. SQLite: the FTS5 table
// org_fts (rowid = organisation id), ranked with bm25 weighting names over
// services over description. PostgreSQL: org_search.doc, a weighted
// tsvector with a GIN index, ranked with ts_rank_cd. Both stem English
// (porter / 'english') and match every word, the last one as a prefix.
// Migrations 0101_directory_search.{sqlite,postgres}.sql create them.

// bm25Weights weigh names over services over description; the filter
// token columns (facets, kind) weigh nothing.
const bm25Weights = `10.0, 8.0, 1.0, 4.0, 0.0, 0.0`

// textColumns restricts user words to the text columns of org_fts.
const textColumns = `{name other_names description services}`

// facetToken is a filter token: prefix + the value in lower case without
// spaces or underscores (migration 0120 builds the same in SQL).
func facetToken(prefix, v string) string {
	return prefix + strings.ToLower(strings.NewReplacer(" ", "", "_", "").Replace(v))
}

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

// ftsQuery turns words into the dialect's query syntax.
func ftsQuery(d db.Dialect, words []string) string {
	parts := make([]string, len(words))
	for i, w := range words {
		if d == db.Postgres {
			parts[i] = w
			if i == len(words)-1 {
				parts[i] += ":*"
			}
		} else {
			parts[i] = `"` + w + `"`
			if i == len(words)-1 {
				parts[i] += "*"
			}
		}
	}
	if d == db.Postgres {
		return strings.Join(parts, " & ")
	}
	return strings.Join(parts, " ")
}

// ftsMatch returns a FROM-clause fragment producing (id, rank) for the
// organisations matching query argument $n; lower rank is better.
func ftsMatch(d db.Dialect, n string) string {
	if d == db.Postgres {
		return `(SELECT organisation_id AS id, -ts_rank_cd(doc, to_tsquery('english', ` + n + `)) AS rank FROM org_search WHERE doc @@ to_tsquery('english', ` + n + `))`
	}
	return `(SELECT rowid AS id, bm25(org_fts, ` + bm25Weights + `) AS rank FROM org_fts WHERE org_fts MATCH ` + n + `)`
}

// reindex rewrites an organisation's search document from its profile and
// services. Call it inside every transaction that changes them.
func reindex(ctx context.Context, q db.Querier, d db.Dialect, orgID int64) error {
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

// WriteSearchDoc stores one search document (used by the demo generator's
// batched inserts; the store calls it through reindex). Call it after the
// organisation's areas, terms and profile are written: on SQLite the
// document carries them as filter tokens.
func WriteSearchDoc(ctx context.Context, q db.Querier, d db.Dialect, orgID int64, name, other, desc, services string) error {
	return writeIndex(ctx, q, d, orgID, name, other, desc, services)
}

// writeIndex stores one search document.
func writeIndex(ctx context.Context, q db.Querier, d db.Dialect, orgID int64, name, other, desc, services string) error {
	if d != db.Postgres {
		var facets, kind string
		if err := q.QueryRowContext(ctx, facetsSQL, orgID).Scan(&facets, &kind); err != nil {
			return err
		}
		return writeIndexSQLite(ctx, q, orgID, name, other, desc, services, facets, kind)
	}
	_, err := q.ExecContext(ctx, `INSERT INTO org_search (organisation_id, name, other_names, description, services) VALUES ($1, $2, $3, $4, $5)
		ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, other_names = EXCLUDED.other_names, description = EXCLUDED.description, services = EXCLUDED.services`,
		orgID, name, other, desc, services)
	return err
}

func writeIndexSQLite(ctx context.Context, q db.Querier, orgID int64, name, other, desc, services, facets, kind string) error {
	if _, err := q.ExecContext(ctx, `DELETE FROM org_fts WHERE rowid = $1`, orgID); err != nil {
		return err
	}
	_, err := q.ExecContext(ctx, `INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind) VALUES ($1, $2, $3, $4, $5, $6, $7)`, orgID, name, other, desc, services, facets, kind)
	return err
}

// searchDocs writes many search documents with multi-row statements (the
// bulk import). On SQLite the documents that the organisations trigger
// made (name only) are deleted first, a chunk at a time.
type searchDocs struct {
	ctx context.Context
	tx  *db.Tx
	ins *bulkInserter
	ids []int64
}

func newSearchDocs(ctx context.Context, tx *db.Tx) *searchDocs {
	s := &searchDocs{ctx: ctx, tx: tx}
	if tx.Dialect == db.Postgres {
		s.ins = newBulk(ctx, tx, `INSERT INTO org_search (organisation_id, name, other_names, description, services) VALUES`,
			` ON CONFLICT (organisation_id) DO UPDATE SET name = EXCLUDED.name, other_names = EXCLUDED.other_names, description = EXCLUDED.description, services = EXCLUDED.services`, 5)
	} else {
		s.ins = newBulk(ctx, tx, `INSERT INTO org_fts (rowid, name, other_names, description, services, facets, kind) VALUES`, ``, 7)
	}
	return s
}

func (s *searchDocs) add(p *Profile, desc, services string) error {
	orgID, name, other := p.ID, p.Name, p.OtherNames
	if s.tx.Dialect != db.Postgres {
		s.ids = append(s.ids, orgID)
		if len(s.ids) >= bulkChunk {
			if err := s.deleteOld(); err != nil {
				return err
			}
		}
	}
	if s.tx.Dialect == db.Postgres {
		return s.ins.add(orgID, name, other, desc, services)
	}
	facets, kind := facetTokens(p)
	return s.ins.add(orgID, name, other, desc, services, facets, kind)
}

// deleteOld removes the queued ids' old documents; it runs before the
// chunk that inserts them is flushed (both queues hold bulkChunk rows).
func (s *searchDocs) deleteOld() error {
	if len(s.ids) == 0 {
		return nil
	}
	var args []any
	in := inList(s.tx.Dialect, &args, s.ids)
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

func (s *searchDocs) close() { s.ins.close() }
