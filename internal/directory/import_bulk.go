package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"log/slog"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// Bulk import: the rows of a file are applied set by set inside the one
// import transaction instead of one full profile save per row (which ran
// about 30 statements a row, each prepared afresh: 758 rows/s).
//
//   - Identifiers are looked up in chunks; existing organisations' profiles
//     are loaded in chunks and compared in memory, so an unchanged re-import
//     writes nothing. A row that changes an existing organisation still goes
//     through SaveProfile (validation, field-level audit "changed ...").
//   - New organisations are validated with the same Profile.Validate, then
//     written with multi-row INSERTs through statements prepared once and
//     reused for every full chunk: organisations, profiles, identifiers,
//     areas, terms and the search documents.
//   - Audit: every created organisation gets its own audit row
//     ("organisation.create", detail "<name> (import)"), written in multi-row
//     INSERTs, plus one "directory.import" row per import with the counts.
//     The per-row "directory.profile_update" row that a form save writes is
//     not repeated for a creation: it would only say "profile created".
//   - A new organisation whose slug is taken (in the database or earlier in
//     the file) or reserved is created with accounts.InsertOrg after the
//     batch, which picks the next free slug exactly as a form would.

// loadProfiles loads full profiles of many organisations (as LoadProfile
// does one), a query per table and chunk.
func loadProfiles(ctx context.Context, q db.Querier, d db.Dialect, ids []int64) (map[int64]*Profile, error) {
	out := make(map[int64]*Profile, len(ids))
	if err := db.QueryEach(ctx, q, d, `SELECT `+profileCols+` FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE o.id IN (IDS)`, nil, ids, func(r *sql.Rows) error {
		p, err := scanProfile(r)
		if err != nil {
			return err
		}
		out[p.ID] = p
		return nil
	}); err != nil {
		return nil, err
	}
	if err := db.QueryEach(ctx, q, d, `SELECT organisation_id, identifier FROM org_identifiers WHERE organisation_id IN (IDS) ORDER BY organisation_id, identifier`, nil, ids, func(r *sql.Rows) error {
		var id int64
		var s string
		if err := r.Scan(&id, &s); err != nil {
			return err
		}
		out[id].Identifiers = append(out[id].Identifiers, s)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := db.QueryEach(ctx, q, d, `SELECT organisation_id, kind, code FROM org_areas WHERE organisation_id IN (IDS) ORDER BY organisation_id, kind, code`, nil, ids, func(r *sql.Rows) error {
		var id int64
		var k, c string
		if err := r.Scan(&id, &k, &c); err != nil {
			return err
		}
		if k == "ward" {
			out[id].Wards = append(out[id].Wards, c)
		} else {
			out[id].LocalAuths = append(out[id].LocalAuths, c)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	err := db.QueryEach(ctx, q, d, `SELECT ot.organisation_id, ot.term_id, t.vocabulary FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE ot.organisation_id IN (IDS) ORDER BY ot.organisation_id, t.vocabulary, t.position`, nil, ids, func(r *sql.Rows) error {
		var id, t int64
		var v string
		if err := r.Scan(&id, &t, &v); err != nil {
			return err
		}
		out[id].TermIDs = append(out[id].TermIDs, t)
		out[id].termVocab = append(out[id].termVocab, v)
		return nil
	})
	return out, err
}

// clone copies a profile deeply enough for applyTo to change it.
func (p *Profile) clone() *Profile {
	c := *p
	c.Identifiers = append([]string(nil), p.Identifiers...)
	c.Wards = append([]string(nil), p.Wards...)
	c.LocalAuths = append([]string(nil), p.LocalAuths...)
	c.TermIDs = append([]int64(nil), p.TermIDs...)
	c.termVocab = append([]string(nil), p.termVocab...)
	c.SocialLinks = append([]string(nil), p.SocialLinks...)
	return &c
}

// applyTo sets a row's fields on a profile, as an import changes it.
func (row *importRow) applyTo(p *Profile, created bool) {
	if created || p.ProfileUpdated == nil {
		p.Published = true
	}
	p.Name, p.Sector, p.LegalForm = row.p.Name, row.p.Sector, row.p.LegalForm
	set := func(dst *string, v string) {
		if strings.TrimSpace(v) != "" || created {
			*dst = v
		}
	}
	set(&p.Description, row.p.Description)
	set(&p.Postcode, row.p.Postcode)
	set(&p.Address, row.p.Address)
	set(&p.Website, row.p.Website)
	set(&p.IncomeBand, row.p.IncomeBand)
	if !contains(p.Identifiers, row.identifier) {
		p.Identifiers = append(p.Identifiers, row.identifier)
	}
	if row.setWards {
		p.Wards = row.p.Wards
	}
	if row.hasTerms {
		// Replace services and themes; keep client groups the editor chose.
		var keep []int64
		for i, id := range p.TermIDs {
			if i < len(p.termVocab) && p.termVocab[i] == "client_group" {
				keep = append(keep, id)
			}
		}
		p.TermIDs = append(append(keep, row.services...), row.themes...)
	}
}

// deferrableIndexes are the directory's secondary indexes that an import
// never reads (it finds organisations by identifier, slug and id, and
// loads profiles by organisation): those of a large import's tables are
// built after the rows are in instead of as they go in. The audit log's
// are not among them: an import's audit rows share one time and come in
// organisation order, so they only ever append to those indexes, and
// rebuilding them would read the whole log.
var deferrableIndexes = []string{
	"organisations_name", "organisations_sector_name", "organisations_legal_form_name",
	"org_profiles_income", "org_areas_code", "org_terms_term",
}

// minDeferRows is the smallest import whose indexes are deferred (a
// variable for tests).
var minDeferRows = 20000

// indexPlan (SQLite) drops, inside the import's transaction, the
// deferrable indexes of every table that holds no more rows than the file
// brings (drop), and builds them again before the commit (rebuild).
// A b-tree filled entry by entry costs a search and often a page split per
// row; CREATE INDEX sorts once and writes each page once. Readers see
// neither step: they read the last commit until this one, which has every
// index. A rolled-back import (a dry run, an error) rolls the drops back.
// The import calls drop only when it first creates organisations, so a
// re-import that creates none (an unchanged file, or one of updates only)
// neither drops nor rebuilds them: rebuilding reads every row of the
// tables.
type indexPlan struct {
	ctx     context.Context
	tx      *db.Tx
	rows    int
	dropped []deferredIndex
	done    bool // drop has run
}

type deferredIndex struct{ name, table, sql string }

// planIndexes plans the indexes of an import of rows lines; nothing is
// dropped until drop.
func planIndexes(ctx context.Context, tx *db.Tx, rows int) *indexPlan {
	return &indexPlan{ctx: ctx, tx: tx, rows: rows, done: tx.Dialect != db.SQLite || rows < minDeferRows}
}

// drop drops the deferrable indexes of the tables that are small next to
// the import (once; later calls do nothing, as do a nil plan's).
func (x *indexPlan) drop() error {
	if x == nil || x.done {
		return nil
	}
	x.done = true
	ctx, tx, rows := x.ctx, x.tx, x.rows
	var idx []deferredIndex
	if err := db.QueryEach(ctx, tx, tx.Dialect, `SELECT name, tbl_name, sql FROM sqlite_schema WHERE type = 'index' AND sql IS NOT NULL AND name IN (IDS)`, nil, deferrableIndexes, func(r *sql.Rows) error {
		var x deferredIndex
		if err := r.Scan(&x.name, &x.table, &x.sql); err != nil {
			return err
		}
		idx = append(idx, x)
		return nil
	}); err != nil {
		return err
	}
	small := map[string]bool{}
	for _, ix := range idx {
		ok, seen := small[ix.table]
		if !seen {
			// The table is small next to the import if it has no row
			// past the first "rows" (cheaper than counting them all).
			var one int
			err := tx.QueryRowContext(ctx, `SELECT 1 FROM "`+ix.table+`" LIMIT 1 OFFSET `+strconv.Itoa(rows)).Scan(&one)
			if err != nil && !errors.Is(err, sql.ErrNoRows) {
				return err
			}
			ok = errors.Is(err, sql.ErrNoRows)
			small[ix.table] = ok
		}
		if !ok {
			continue
		}
		if _, err := tx.ExecContext(ctx, `DROP INDEX "`+ix.name+`"`); err != nil {
			return err
		}
		x.dropped = append(x.dropped, ix)
	}
	return nil
}

// rebuild builds the dropped indexes again (before the commit).
func (x *indexPlan) rebuild() error {
	if x == nil {
		return nil
	}
	for _, ix := range x.dropped {
		if _, err := x.tx.ExecContext(x.ctx, ix.sql); err != nil {
			return fmt.Errorf("rebuild index %s: %w", ix.name, err)
		}
	}
	x.dropped = nil
	return nil
}

// importWriter applies parsed rows, a batch at a time, inside the import's
// transaction: unchanged ones are counted, changed ones saved one by one,
// new ones created in bulk. The multi-row statements live across batches;
// finish writes what they still hold.
type importWriter struct {
	ctx   context.Context
	tx    *db.Tx
	rep   *importing.Report
	now   time.Time
	taken map[string]bool // slugs in use: in the database, or made by this import
	// empty: the directory had no organisation when the import began
	// (inside its transaction), so every organisation, identifier and slug
	// is one this import made: nothing to look up.
	empty bool

	orgs                                          *bulkInserter
	profiles, short, idents, areas, terms, audits *bulkInserter
	docs                                          *searchDocs
	indexes                                       *indexPlan          // dropped before the first creation
	created                                       map[string]*Profile // by slug, until RETURNING gives ids

	pid            any
	actor, request string
	// ownIDs: new organisations' ids are taken before they are inserted
	// (nextIDs), so their INSERT needs no RETURNING: COPY on PostgreSQL,
	// and always on SQLite.
	ownIDs bool
	// statsChecked: analyzeStale has looked at the tables loadProfiles
	// reads.
	statsChecked bool

	// spent is the time each step took, logged at debug level by
	// finish (with each table's writes) to show where an import goes.
	spent map[string]time.Duration
}

// took adds the time since t0 to step's.
func (w *importWriter) took(step string, t0 time.Time) { w.spent[step] += time.Since(t0) }

func newImportWriter(ctx context.Context, tx *db.Tx, indexes *indexPlan, rep *importing.Report) (*importWriter, error) {
	w := &importWriter{ctx: ctx, tx: tx, rep: rep, now: db.Now(), indexes: indexes, taken: map[string]bool{"new": true}, spent: map[string]time.Duration{}} // accounts' reserved /orgs/new
	// SQLite: OR FAIL instead of the default ABORT. An ABORT undoes the
	// failing statement's earlier rows, so every multi-row INSERT keeps a
	// statement journal of the pages it changes; after a FAIL the import
	// returns the error and its whole transaction is rolled back anyway.
	ins := "INSERT INTO"
	if tx.Dialect == db.SQLite {
		ins = "INSERT OR FAIL INTO"
	}
	w.orgs = newBulk(ctx, tx, ins+` organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES`, ` RETURNING id, slug`, 7)
	w.orgs.onRows = func(rs *sql.Rows) error {
		for rs.Next() {
			var id int64
			var slug string
			if err := rs.Scan(&id, &slug); err != nil {
				return err
			}
			w.created[slug].ID = id
		}
		return rs.Err()
	}
	w.profiles = newBulk(ctx, tx, ins+` org_profiles (organisation_id, other_names, description, mission, address, postcode, income_band, staff, volunteers, outcomes_method, website, social_links, published, updated_at) VALUES`, ``, 14)
	if tx.Dialect == db.SQLite {
		w.orgs = newBulk(ctx, tx, ins+` organisations (id, uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES`, ``, 8)
		w.ownIDs = true
	}
	w.short = newBulk(ctx, tx, ins+` org_profiles (organisation_id, description, address, postcode, income_band, website, updated_at) VALUES`, ``, 7)
	w.idents = newBulk(ctx, tx, ins+` org_identifiers (identifier, organisation_id, scheme) VALUES`, ``, 3)
	w.areas = newBulk(ctx, tx, ins+` org_areas (organisation_id, kind, code) VALUES`, ``, 3)
	w.terms = newBulk(ctx, tx, ins+` org_terms (organisation_id, term_id) VALUES`, ``, 2)
	w.audits = newBulk(ctx, tx, ins+` audit_log (at, actor_pid, actor, organisation_id, action, object_type, object_id, request_id, detail) VALUES`, ``, 9)
	// PostgreSQL: COPY instead (a WriteBulk transaction lends its
	// connection). New organisations' ids are taken from the sequence
	// first, so no RETURNING is needed.
	if tx.Dialect == db.Postgres && tx.CanRaw() {
		w.orgs = newBulk(ctx, tx, "", "", 8)
		w.ownIDs = w.orgs.useCopy("organisations", "id", "uuid", "slug", "name", "sector", "legal_form", "created_at", "updated_at")
		w.profiles.useCopy("org_profiles", "organisation_id", "other_names", "description", "mission", "address", "postcode", "income_band", "staff", "volunteers", "outcomes_method", "website", "social_links", "published", "updated_at")
		w.short.useCopy("org_profiles", "organisation_id", "description", "address", "postcode", "income_band", "website", "updated_at")
		w.idents.useCopy("org_identifiers", "identifier", "organisation_id", "scheme")
		w.areas.useCopy("org_areas", "organisation_id", "kind", "code")
		w.terms.useCopy("org_terms", "organisation_id", "term_id")
		w.audits.useCopy("audit_log", "at", "actor_pid", "actor", "organisation_id", "action", "object_type", "object_id", "request_id", "detail")
	}
	w.docs = newSearchDocs(ctx, tx, true)
	if err := w.docs.stage(); err != nil {
		return nil, err
	}
	// The audit rows this import inserts are linked into the audit chain
	// by finish; until then no other audit writer may take an id.
	if err := audit.LockChain(ctx, tx); err != nil {
		return nil, err
	}
	a := audit.ActorFrom(ctx)
	// The audit log names people by pseudonym only (see audit.Record);
	// the detail, an organisation's name, is left out (the row's object id
	// leads to it) so that no free text sits in the append-only rows.
	w.actor, w.request = "system", a.RequestID
	if a.UserID != 0 {
		pid, err := audit.Pseudonym(ctx, tx, a.UserID)
		if err != nil {
			return nil, err
		}
		if pid != "" {
			w.pid, w.actor = pid, ""
		}
	}
	var one int
	err := tx.QueryRowContext(ctx, `SELECT 1 FROM organisations LIMIT 1`).Scan(&one)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return nil, err
	}
	w.empty = errors.Is(err, sql.ErrNoRows)
	return w, nil
}

// apply writes one batch of parsed rows.
func (w *importWriter) apply(rows []importRow) error {
	ctx, tx, rep := w.ctx, w.tx, w.rep
	// Which rows name an organisation we already have?
	owner := map[string]int64{}
	idents := make([]string, len(rows))
	for i := range rows {
		idents[i] = rows[i].identifier
	}
	if w.empty {
		idents = nil
	}
	t0 := time.Now()
	if err := db.QueryEach(ctx, tx, tx.Dialect, `SELECT identifier, organisation_id FROM org_identifiers WHERE identifier IN (IDS)`, nil, idents, func(r *sql.Rows) error {
		var s string
		var id int64
		if err := r.Scan(&s, &id); err != nil {
			return err
		}
		owner[s] = id
		return nil
	}); err != nil {
		return err
	}
	w.took("match", t0)
	var existing []int64
	var fresh []*importRow
	for i := range rows {
		if id, ok := owner[rows[i].identifier]; ok {
			existing = append(existing, id)
		} else {
			fresh = append(fresh, &rows[i])
		}
	}
	reject := func(row *importRow, err error) error {
		if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ECONFLICT {
			rep.RejectErr(row.line, err)
			return nil
		}
		return fmt.Errorf("line %d: %w", row.line, err)
	}
	if len(existing) > 0 && !w.statsChecked {
		// An import that finds more organisations than the planner
		// believes there are (a directory filled since the last ANALYZE)
		// brings the statistics of the tables it reads up to date first.
		w.statsChecked = true
		t0 = time.Now()
		if _, err := analyzeStale(ctx, tx, len(existing), profileTables); err != nil {
			return err
		}
		w.took("statistics", t0)
	}
	t0 = time.Now()
	if len(existing) > 0 {
		defer w.took("existing organisations", t0)
		olds, err := loadProfiles(ctx, tx, tx.Dialect, existing)
		if err != nil {
			return err
		}
		for i := range rows {
			row := &rows[i]
			id, ok := owner[row.identifier]
			if !ok {
				continue
			}
			old := olds[id]
			if old == nil {
				return fmt.Errorf("line %d: organisation %d vanished", row.line, id)
			}
			p := old.clone()
			row.applyTo(p, false)
			if err := p.Validate(); err != nil {
				if err := reject(row, err); err != nil {
					return err
				}
				continue
			}
			if len(diff(old, p)) == 0 {
				rep.Unchanged++
				continue
			}
			changed, err := SaveProfile(ctx, tx, p)
			if err != nil {
				if err := reject(row, err); err != nil {
					return err
				}
				continue
			}
			if len(changed) > 0 {
				rep.Updated++
			} else {
				rep.Unchanged++
			}
		}
	}
	if len(fresh) == 0 {
		return nil
	}
	return w.create(fresh)
}

// create makes the batch's new organisations: most with multi-row
// INSERTs; one whose slug is taken (in the database, earlier in the file,
// or reserved for a page) through accounts.InsertOrg, which picks the next
// free slug exactly as a form would.
func (w *importWriter) create(fresh []*importRow) error {
	ctx, tx := w.ctx, w.tx
	var todo []*importRow
	for _, row := range fresh {
		if row.fresh == nil { // the parser rejects such a row; never here
			return fmt.Errorf("line %d: row was not prepared", row.line)
		}
		todo = append(todo, row)
	}
	bases := make([]string, 0, len(todo))
	for _, row := range todo {
		if !w.taken[row.fresh.Slug] && !w.empty {
			bases = append(bases, row.fresh.Slug)
		}
	}
	if err := db.QueryEach(ctx, tx, tx.Dialect, `SELECT slug FROM organisations WHERE slug IN (IDS)`, nil, bases, func(r *sql.Rows) error {
		var s string
		if err := r.Scan(&s); err != nil {
			return err
		}
		w.taken[s] = true
		return nil
	}); err != nil {
		return err
	}
	// Inserted in slug order: the slug and name indexes of organisations
	// then grow in runs instead of at random pages, and UUIDs are version
	// 7 (time-ordered) for the same reason.
	sort.SliceStable(todo, func(i, j int) bool { return todo[i].fresh.Slug < todo[j].fresh.Slug })
	var batch, later []*importRow
	for _, row := range todo {
		p := row.fresh
		if w.taken[p.Slug] || p.Slug == "" {
			later = append(later, row)
			continue
		}
		w.taken[p.Slug] = true
		batch = append(batch, row)
	}
	if len(batch)+len(later) > 0 {
		t0 := time.Now()
		if err := w.indexes.drop(); err != nil {
			return err
		}
		w.took("index drop", t0)
	}
	w.created = make(map[string]*Profile, len(batch))
	var ids []int64
	if w.ownIDs {
		var err error
		t0 := time.Now()
		if ids, err = w.nextIDs(len(batch)); err != nil {
			return err
		}
		w.took("ids", t0)
	}
	for i, row := range batch {
		p := row.fresh
		u, err := uuid.NewV7()
		if err != nil {
			return err
		}
		p.UUID, p.CreatedAt, p.UpdatedAt = u.String(), w.now, w.now
		w.created[p.Slug] = p
		if w.ownIDs {
			p.ID = ids[i]
			err = w.orgs.add(p.ID, p.UUID, p.Slug, p.Name, p.Sector, p.LegalForm, w.now, w.now)
		} else {
			err = w.orgs.add(p.UUID, p.Slug, p.Name, p.Sector, p.LegalForm, w.now, w.now)
		}
		if err != nil {
			return err
		}
	}
	if err := w.orgs.flush(); err != nil { // the ids, before anything refers to them
		return err
	}
	for _, row := range batch {
		if err := w.addProfile(row, false); err != nil {
			return err
		}
	}
	for _, row := range later {
		p := row.fresh
		o := accounts.Organisation{Name: p.Name, Sector: p.Sector, LegalForm: p.LegalForm}
		if err := accounts.InsertOrg(ctx, tx, &o, 0); err != nil {
			return fmt.Errorf("line %d: %w", row.line, err)
		}
		p.Organisation = o
		w.taken[o.Slug] = true
		if err := w.addProfile(row, true); err != nil {
			return err
		}
	}
	w.rep.Created += len(batch) + len(later)
	return nil
}

// nextIDs takes n ids for new organisations, in order.
//
// PostgreSQL: from the sequence, as a default would.
//
// SQLite: the ids after the highest there is, max(id) or, as AUTOINCREMENT
// goes, the highest ever given (sqlite_sequence: a deleted organisation's
// id is never given again). That is safe because a write transaction on
// SQLite begins IMMEDIATE (db.Write, db.WriteBulk): it holds the
// database's one write lock from its start to its commit, so no other
// connection, in this process or another, inserts an organisation in
// between. Inserting an explicit id above sqlite_sequence moves it up, so
// the organisations created after these (accounts.InsertOrg for a taken
// slug, later batches, the site after the commit) follow them. Taken per
// batch, after any such InsertOrg of the batch before
// (TestImportIDsAfterDeleted).
func (w *importWriter) nextIDs(n int) ([]int64, error) {
	if w.tx.Dialect == db.Postgres {
		return db.Column[int64](w.ctx, w.tx, `SELECT nextval(pg_get_serial_sequence('organisations', 'id')) FROM generate_series(1, $1)`, n)
	}
	var last int64
	if err := w.tx.QueryRowContext(w.ctx, `SELECT max(COALESCE((SELECT max(id) FROM organisations), 0),
		COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'organisations'), 0))`).Scan(&last); err != nil {
		return nil, err
	}
	ids := make([]int64, n)
	for i := range ids {
		ids[i] = last + 1 + int64(i)
	}
	return ids, nil
}

// addProfile queues a just-created organisation's profile, identifiers,
// areas, terms, search document and audit row (InsertOrg audits its own).
func (w *importWriter) addProfile(row *importRow, audited bool) error {
	p := row.fresh
	var err error
	if p.OtherNames == "" && p.Mission == "" && p.Staff == nil && p.Volunteers == nil && p.OutcomesMethod == "" && len(p.SocialLinks) == 0 && p.Published {
		// What a file's row sets; the other columns keep their defaults
		// (half the values to bind).
		err = w.short.add(p.ID, p.Description, p.Address, p.Postcode, p.IncomeBand, p.Website, w.now)
	} else {
		err = w.profiles.add(p.ID, p.OtherNames, p.Description, p.Mission, p.Address, p.Postcode, p.IncomeBand, db.NullPtr(p.Staff), db.NullPtr(p.Volunteers), p.OutcomesMethod,
			p.Website, strings.Join(p.SocialLinks, "\n"), p.Published, w.now)
	}
	if err != nil {
		return err
	}
	for _, id := range p.Identifiers {
		if err := w.idents.add(id, p.ID, id[:strings.Index(id[3:], "-")+3]); err != nil {
			return err
		}
	}
	for _, c := range p.Wards {
		if err := w.areas.add(p.ID, "ward", c); err != nil {
			return err
		}
	}
	for _, c := range p.LocalAuths {
		if err := w.areas.add(p.ID, "la", c); err != nil {
			return err
		}
	}
	seen := make(map[int64]bool, len(p.TermIDs))
	for _, id := range p.TermIDs {
		if seen[id] {
			continue
		}
		seen[id] = true
		if err := w.terms.add(p.ID, id); err != nil {
			return err
		}
	}
	if err := w.docs.addPrepared(p, row.desc, row.svcNames, row.facets, row.kind); err != nil {
		return err
	}
	if audited {
		return nil
	}
	return w.audits.add(w.now, w.pid, w.actor, p.ID, "organisation.create", "organisation", strconv.FormatInt(p.ID, 10), w.request, "import")
}

// finish writes what the statements still hold.
func (w *importWriter) finish() error {
	for _, b := range []*bulkInserter{w.profiles, w.short, w.idents, w.areas, w.terms, w.audits} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	t0 := time.Now()
	if err := audit.LinkPending(w.ctx, w.tx); err != nil {
		return err
	}
	w.took("audit chain", t0)
	t0 = time.Now()
	err := w.docs.settle()
	w.took("search documents", t0)
	return err
}

// log writes, at debug level, the time each step and table took.
func (w *importWriter) log() {
	args := []any{"created", w.rep.Created}
	for _, b := range []struct {
		name string
		b    *bulkInserter
	}{{"organisations", w.orgs}, {"profiles", w.profiles}, {"short profiles", w.short}, {"identifiers", w.idents}, {"areas", w.areas}, {"terms", w.terms}, {"audit rows", w.audits}, {"search values", w.docs.ins}} {
		args = append(args, b.name, b.b.spent.Round(time.Millisecond))
	}
	steps := make([]string, 0, len(w.spent))
	for k := range w.spent {
		steps = append(steps, k)
	}
	sort.Strings(steps)
	for _, k := range steps {
		args = append(args, k, w.spent[k].Round(time.Millisecond))
	}
	slog.DebugContext(w.ctx, "directory import steps", args...)
}

// close releases the prepared statements.
func (w *importWriter) close() {
	for _, b := range []*bulkInserter{w.orgs, w.profiles, w.short, w.idents, w.areas, w.terms, w.audits} {
		b.close()
	}
	w.docs.close()
}
