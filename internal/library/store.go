package library

import (
	"context"
	"crypto/rand"
	"crypto/sha256"
	"database/sql"
	"encoding/base64"
	"encoding/hex"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// ---- documents ----

// reserved are slugs that are paths of their own.
var reserved = map[string]bool{"new": true, "stories": true, "subscribe": true, "category": true, "templates": true, "disputes": true, "signatories": true,
	DefinitionSlug: true} // the consortium definition's document is made by DefinitionAdopted

const docCols = `d.id, d.slug, d.kind, d.title, d.summary, d.policy_kind, d.status, COALESCE(d.owner_id, 0), COALESCE(d.verifier_id, 0),
	COALESCE(o.name, ''), COALESCE(o.email, ''), COALESCE(v.name, ''), d.review_months, d.next_review_on, d.updated_at,
	(SELECT COUNT(*) FROM library_adoptions a WHERE a.document_id = d.id)`

const docFrom = ` FROM library_documents d LEFT JOIN users o ON o.id = d.owner_id LEFT JOIN users v ON v.id = d.verifier_id`

func scanDoc(sc interface{ Scan(...any) error }) (*Document, error) {
	d := &Document{}
	var next sql.NullTime
	if err := sc.Scan(&d.ID, &d.Slug, &d.Kind, &d.Title, &d.Summary, &d.PolicyKind, &d.Status, &d.OwnerID, &d.VerifierID,
		&d.OwnerName, &d.OwnerEmail, &d.VerifierName, &d.ReviewMonths, &next, &d.UpdatedAt, &d.Adopters); err != nil {
		return nil, err
	}
	if next.Valid {
		t := dayOf(next.Time.UTC())
		d.NextReviewOn = &t
	}
	return d, nil
}

// DocFilter filters the document list.
type DocFilter struct {
	Kind, Status, Q string
	Public          bool // leave drafts out
	Sort            string
}

// ListDocuments lists documents matching f.
func ListDocuments(ctx context.Context, q db.Querier, f DocFilter, limit, offset int) ([]*Document, int, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	if f.Kind != "" {
		where = append(where, "d.kind = "+arg(f.Kind))
	}
	if f.Status != "" {
		where = append(where, "d.status = "+arg(f.Status))
	}
	if f.Public {
		where = append(where, "d.status <> 'draft'")
	}
	if f.Q != "" {
		where = append(where, "(LOWER(d.title) LIKE "+arg(db.LikeContains(f.Q))+" ESCAPE '\\' OR LOWER(d.summary) LIKE "+arg(db.LikeContains(f.Q))+" ESCAPE '\\')")
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM library_documents d`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := "d.title, d.id"
	if f.Sort == "review" {
		order = "CASE WHEN d.next_review_on IS NULL THEN 1 ELSE 0 END, d.next_review_on, d.id"
	}
	rows, err := q.QueryContext(ctx, `SELECT `+docCols+docFrom+w+` ORDER BY `+order+` LIMIT `+arg(limit)+` OFFSET `+arg(offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Document
	for rows.Next() {
		d, err := scanDoc(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

// DocumentBySlug reads a document and its versions (newest first).
func DocumentBySlug(ctx context.Context, q db.Querier, slug string) (*Document, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docCols+docFrom+` WHERE d.slug = $1`, slug))
	if err != nil {
		return nil, db.Err(err, "document")
	}
	return d, loadVersions(ctx, q, d)
}

// DocumentByKind reads the first document of a kind (the Compact).
func DocumentByKind(ctx context.Context, q db.Querier, kind string) (*Document, error) {
	d, err := scanDoc(q.QueryRowContext(ctx, `SELECT `+docCols+docFrom+` WHERE d.kind = $1 ORDER BY d.id LIMIT 1`, kind))
	if err != nil {
		return nil, db.Err(err, "document")
	}
	return d, loadVersions(ctx, q, d)
}

func loadVersions(ctx context.Context, q db.Querier, d *Document) error {
	if d.IsDefinition() {
		return loadDefinitionVersions(ctx, q, d)
	}
	rows, err := q.QueryContext(ctx, `SELECT id, version, body, notes, adopted_on, created_at FROM library_versions WHERE document_id = $1 ORDER BY version DESC`, d.ID)
	if err != nil {
		return err
	}
	defer rows.Close()
	d.Versions = nil
	for rows.Next() {
		var v Version
		var a sql.NullTime
		if err := rows.Scan(&v.ID, &v.Version, &v.Body, &v.Notes, &a, &v.CreatedAt); err != nil {
			return err
		}
		if a.Valid {
			t := dayOf(a.Time.UTC())
			v.AdoptedOn = &t
		}
		d.Versions = append(d.Versions, v)
	}
	return rows.Err()
}

// insertDocument stores a new document (its slug made unique).
func insertDocument(ctx context.Context, tx *db.Tx, d *Document) error {
	if reserved[d.Slug] {
		d.Slug += "-document"
	}
	slug, err := db.UniqueSlug(ctx, tx, "library_documents", d.Slug, 0)
	if err != nil {
		return err
	}
	d.Slug = slug
	now := db.Now()
	return tx.QueryRowContext(ctx, `INSERT INTO library_documents (slug, kind, title, summary, policy_kind, owner_id, verifier_id, status, review_months, next_review_on, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $11) RETURNING id`,
		d.Slug, d.Kind, d.Title, d.Summary, d.PolicyKind, db.NullID(d.OwnerID), db.NullID(d.VerifierID), d.Status, d.ReviewMonths, d.NextReviewOn, now).Scan(&d.ID)
}

// insertVersion stores v as the document's next version; an adopted
// version makes the document adopted with v's review date.
func insertVersion(ctx context.Context, tx *db.Tx, d *Document, v *Version, next *time.Time, by int64) error {
	if err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) + 1 FROM library_versions WHERE document_id = $1`, d.ID).Scan(&v.Version); err != nil {
		return err
	}
	v.CreatedAt = db.Now()
	if err := tx.QueryRowContext(ctx, `INSERT INTO library_versions (document_id, version, body, notes, adopted_on, created_by, created_at) VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		d.ID, v.Version, v.Body, v.Notes, v.AdoptedOn, db.NullID(by), v.CreatedAt).Scan(&v.ID); err != nil {
		return err
	}
	if v.AdoptedOn != nil {
		d.Status, d.NextReviewOn = "adopted", next
		_, err := tx.ExecContext(ctx, `UPDATE library_documents SET status = 'adopted', next_review_on = $1, updated_at = $2 WHERE id = $3`, next, v.CreatedAt, d.ID)
		return err
	}
	_, err := tx.ExecContext(ctx, `UPDATE library_documents SET updated_at = $1 WHERE id = $2`, v.CreatedAt, d.ID)
	return err
}

// updateSettings saves a document's owner, verifier, status, summary and review.
func updateSettings(ctx context.Context, tx *db.Tx, d *Document) error {
	_, err := tx.ExecContext(ctx, `UPDATE library_documents SET title = $1, summary = $2, owner_id = $3, verifier_id = $4, status = $5, review_months = $6, next_review_on = $7, updated_at = $8 WHERE id = $9`,
		d.Title, d.Summary, db.NullID(d.OwnerID), db.NullID(d.VerifierID), d.Status, d.ReviewMonths, d.NextReviewOn, db.Now(), d.ID)
	return err
}

// userByEmail finds an active person by email.
func userByEmail(ctx context.Context, q db.Querier, email string) (int64, string, error) {
	var id int64
	var name string
	err := q.QueryRowContext(ctx, `SELECT id, name FROM users WHERE email = $1 AND disabled_at IS NULL`, strings.ToLower(strings.TrimSpace(email))).Scan(&id, &name)
	if err == sql.ErrNoRows {
		return 0, "", nil
	}
	return id, name, err
}

func userEmail(ctx context.Context, q db.Querier, id int64) string {
	var e string
	_ = q.QueryRowContext(ctx, `SELECT email FROM users WHERE id = $1`, id).Scan(&e)
	return e
}

// ---- attachments ----

func attachments(ctx context.Context, q db.Querier, docID int64) ([]Attachment, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, filename, content_type, stored_name, size, uploaded_at FROM library_attachments WHERE document_id = $1 ORDER BY id`, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Attachment
	for rows.Next() {
		var a Attachment
		if err := rows.Scan(&a.ID, &a.Title, &a.Filename, &a.ContentType, &a.Stored, &a.Size, &a.UploadedAt); err != nil {
			return nil, err
		}
		out = append(out, a)
	}
	return out, rows.Err()
}

func attachmentByID(ctx context.Context, q db.Querier, docID, id int64) (*Attachment, error) {
	var a Attachment
	err := q.QueryRowContext(ctx, `SELECT id, title, filename, content_type, stored_name, size, uploaded_at FROM library_attachments WHERE document_id = $1 AND id = $2`, docID, id).
		Scan(&a.ID, &a.Title, &a.Filename, &a.ContentType, &a.Stored, &a.Size, &a.UploadedAt)
	if err != nil {
		return nil, db.Err(err, "attachment")
	}
	return &a, nil
}

func insertAttachment(ctx context.Context, tx *db.Tx, docID int64, a *Attachment, by int64) error {
	return tx.QueryRowContext(ctx, `INSERT INTO library_attachments (document_id, title, filename, content_type, size, stored_name, uploaded_by, uploaded_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8) RETURNING id`,
		docID, a.Title, a.Filename, a.ContentType, a.Size, a.Stored, db.NullID(by), db.Now()).Scan(&a.ID)
}

// ---- consultation comments ----

func comments(ctx context.Context, q db.Querier, docID int64) ([]Comment, error) {
	rows, err := q.QueryContext(ctx, `SELECT c.id, c.version, COALESCE(u.name, 'A former member'), c.body, c.created_at, c.outcome, c.response, c.handled_at
		FROM library_comments c LEFT JOIN users u ON u.id = c.user_id WHERE c.document_id = $1 ORDER BY c.created_at, c.id`, docID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Comment
	for rows.Next() {
		var c Comment
		var h sql.NullTime
		if err := rows.Scan(&c.ID, &c.Version, &c.UserName, &c.Body, &c.CreatedAt, &c.Outcome, &c.Response, &h); err != nil {
			return nil, err
		}
		if h.Valid {
			c.HandledAt = &h.Time
		}
		out = append(out, c)
	}
	return out, rows.Err()
}

// ---- the Compact ----

// signatures lists each organisation's latest signature, with its first.
func signatures(ctx context.Context, q db.Querier, limit, offset int, search string) ([]Signature, int, error) {
	args := []any{}
	w := ""
	if search != "" {
		args = append(args, db.LikeContains(search))
		w = ` AND LOWER(o.name) LIKE $1 ESCAPE '\'`
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(DISTINCT s.organisation_id) FROM compact_signatures s JOIN organisations o ON o.id = s.organisation_id WHERE 1=1`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	n := len(args)
	args = append(args, limit, offset)
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, o.slug, o.sector, s.version, s.signed_on, s.signatory,
		(SELECT MIN(f.signed_on) FROM compact_signatures f WHERE f.organisation_id = o.id)
		FROM compact_signatures s JOIN organisations o ON o.id = s.organisation_id
		WHERE s.version = (SELECT MAX(x.version) FROM compact_signatures x WHERE x.organisation_id = s.organisation_id)`+w+`
		ORDER BY o.name, o.id LIMIT $`+strconv.Itoa(n+1)+` OFFSET $`+strconv.Itoa(n+2), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Signature
	for rows.Next() {
		var s Signature
		var first any
		if err := rows.Scan(&s.OrgID, &s.OrgName, &s.OrgSlug, &s.Sector, &s.Version, &s.SignedOn, &s.Signatory, &first); err != nil {
			return nil, 0, err
		}
		s.SignedOn = dayOf(s.SignedOn.UTC())
		s.FirstOn = anyDate(first, s.SignedOn)
		out = append(out, s)
	}
	return out, total, rows.Err()
}

// anyDate reads a MIN() of a date column, which SQLite returns as text.
func anyDate(v any, fallback time.Time) time.Time {
	switch t := v.(type) {
	case time.Time:
		return dayOf(t.UTC())
	case string:
		for _, layout := range []string{time.RFC3339Nano, "2006-01-02 15:04:05-07:00", "2006-01-02 15:04:05", time.DateOnly} {
			if p, err := time.Parse(layout, t); err == nil {
				return dayOf(p.UTC())
			}
		}
	case []byte:
		return anyDate(string(t), fallback)
	}
	return fallback
}

// signedVersion is the newest version of the Compact an organisation signed (0: none).
func signedVersion(ctx context.Context, q db.Querier, org int64) (int, error) {
	var v int
	err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(version), 0) FROM compact_signatures WHERE organisation_id = $1`, org).Scan(&v)
	return v, err
}

// signedVersions maps organisations to the newest version each signed.
func signedVersions(ctx context.Context, q db.Querier, orgs []int64) (map[int64]int, error) {
	out := map[int64]int{}
	if len(orgs) == 0 {
		return out, nil
	}
	var args []any
	in := db.Placeholders(&args, orgs)
	rows, err := q.QueryContext(ctx, `SELECT organisation_id, MAX(version) FROM compact_signatures WHERE organisation_id IN (`+in+`) GROUP BY organisation_id`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var o int64
		var v int
		if err := rows.Scan(&o, &v); err != nil {
			return nil, err
		}
		out[o] = v
	}
	return out, rows.Err()
}

// orgNames maps organisation ids to names.
type orgRef struct {
	ID     int64
	Name   string
	Sector string
	Slug   string
}

func orgsByID(ctx context.Context, q db.Querier, ids []int64) ([]orgRef, error) {
	if len(ids) == 0 {
		return nil, nil
	}
	var args []any
	in := db.Placeholders(&args, ids)
	rows, err := q.QueryContext(ctx, `SELECT id, name, sector, slug FROM organisations WHERE id IN (`+in+`) ORDER BY name`, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orgRef
	for rows.Next() {
		var o orgRef
		if err := rows.Scan(&o.ID, &o.Name, &o.Sector, &o.Slug); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// signatoryOrgs lists the organisations that have signed, but one.
func signatoryOrgs(ctx context.Context, q db.Querier, except int64) ([]orgRef, error) {
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, o.sector, o.slug FROM organisations o WHERE o.id <> $1 AND EXISTS (SELECT 1 FROM compact_signatures s WHERE s.organisation_id = o.id) ORDER BY o.name`, except)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []orgRef
	for rows.Next() {
		var o orgRef
		if err := rows.Scan(&o.ID, &o.Name, &o.Sector, &o.Slug); err != nil {
			return nil, err
		}
		out = append(out, o)
	}
	return out, rows.Err()
}

// ---- disputes ----

const disputeCols = `d.id, d.raised_by, d.against, a.name, b.name, d.commitments, d.subject, d.about, d.stage, d.raised_on, d.stage_since, d.resolved_on, d.informal`
const disputeFrom = ` FROM compact_disputes d JOIN organisations a ON a.id = d.raised_by JOIN organisations b ON b.id = d.against`

func scanDispute(sc interface{ Scan(...any) error }) (*Dispute, error) {
	d := &Dispute{}
	var res sql.NullTime
	if err := sc.Scan(&d.ID, &d.RaisedBy, &d.Against, &d.RaisedByName, &d.AgainstName, &d.Commitments, &d.Subject, &d.About, &d.Stage, &d.RaisedOn, &d.StageSince, &res, &d.Informal); err != nil {
		return nil, err
	}
	d.RaisedOn, d.StageSince = dayOf(d.RaisedOn.UTC()), dayOf(d.StageSince.UTC())
	if res.Valid {
		t := dayOf(res.Time.UTC())
		d.ResolvedOn = &t
	}
	return d, nil
}

func disputeByID(ctx context.Context, q db.Querier, id int64) (*Dispute, error) {
	d, err := scanDispute(q.QueryRowContext(ctx, `SELECT `+disputeCols+disputeFrom+` WHERE d.id = $1`, id))
	if err != nil {
		return nil, db.Err(err, "dispute")
	}
	rows, err := q.QueryContext(ctx, `SELECT s.stage, s.on_date, s.note, COALESCE(u.name, '') FROM compact_dispute_steps s LEFT JOIN users u ON u.id = s.user_id WHERE s.dispute_id = $1 ORDER BY s.id`, id)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var s Step
		if err := rows.Scan(&s.Stage, &s.On, &s.Note, &s.UserName); err != nil {
			return nil, err
		}
		s.On = dayOf(s.On.UTC())
		d.Steps = append(d.Steps, s)
	}
	return d, rows.Err()
}

// disputesFor lists the disputes the organisations are party to (all when admin).
func disputesFor(ctx context.Context, q db.Querier, orgs []int64, all bool, limit, offset int) ([]*Dispute, int, error) {
	var args []any
	w := ""
	if !all {
		if len(orgs) == 0 {
			return nil, 0, nil
		}
		in := db.Placeholders(&args, orgs)
		in2 := db.Placeholders(&args, orgs)
		w = ` WHERE d.raised_by IN (` + in + `) OR d.against IN (` + in2 + `)`
	}
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*)`+disputeFrom+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	args = append(args, limit, offset)
	rows, err := q.QueryContext(ctx, `SELECT `+disputeCols+disputeFrom+w+` ORDER BY d.raised_on DESC, d.id DESC LIMIT $`+strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Dispute
	for rows.Next() {
		d, err := scanDispute(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, d)
	}
	return out, total, rows.Err()
}

func insertStep(ctx context.Context, tx *db.Tx, id int64, s Step, by int64) error {
	_, err := tx.ExecContext(ctx, `INSERT INTO compact_dispute_steps (dispute_id, stage, on_date, note, user_id, created_at) VALUES ($1, $2, $3, $4, $5, $6)`, id, s.Stage, s.On, s.Note, db.NullID(by), db.Now())
	return err
}

// ---- settings ----

// DefaultStageDays is how long a dispute stage may stay open before the
// administrators are reminded, unless an administrator sets another.
const DefaultStageDays = 28

func stageDays(ctx context.Context, q db.Querier) int {
	var v string
	if err := q.QueryRowContext(ctx, `SELECT value FROM library_settings WHERE key = 'dispute_stage_days'`).Scan(&v); err != nil {
		return DefaultStageDays
	}
	n, err := strconv.Atoi(v)
	if err != nil || n < 1 {
		return DefaultStageDays
	}
	return n
}

func setStageDays(ctx context.Context, tx *db.Tx, n int) error {
	if _, err := tx.ExecContext(ctx, `DELETE FROM library_settings WHERE key = 'dispute_stage_days'`); err != nil {
		return err
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO library_settings (key, value) VALUES ('dispute_stage_days', $1)`, strconv.Itoa(n))
	return err
}

// ---- templates adopted ----

const adoptionCols = `a.organisation_id, o.name, d.id, d.slug, d.title, d.policy_kind, a.version,
	(SELECT COALESCE(MAX(v.version), 0) FROM library_versions v WHERE v.document_id = d.id AND v.adopted_on IS NOT NULL), a.adopted_on, a.next_review_on`

func scanAdoptions(rows *sql.Rows) ([]Adoption, error) {
	defer rows.Close()
	var out []Adoption
	for rows.Next() {
		var a Adoption
		if err := rows.Scan(&a.OrgID, &a.OrgName, &a.DocID, &a.DocSlug, &a.Title, &a.PolicyKind, &a.Version, &a.Latest, &a.AdoptedOn, &a.NextReviewOn); err != nil {
			return nil, err
		}
		a.AdoptedOn, a.NextReviewOn = dayOf(a.AdoptedOn.UTC()), dayOf(a.NextReviewOn.UTC())
		out = append(out, a)
	}
	return out, rows.Err()
}

func adoptionsOf(ctx context.Context, q db.Querier, org int64) ([]Adoption, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+adoptionCols+` FROM library_adoptions a JOIN organisations o ON o.id = a.organisation_id JOIN library_documents d ON d.id = a.document_id WHERE a.organisation_id = $1 ORDER BY d.title`, org)
	if err != nil {
		return nil, err
	}
	return scanAdoptions(rows)
}

func adoptersOf(ctx context.Context, q db.Querier, doc int64) ([]Adoption, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+adoptionCols+` FROM library_adoptions a JOIN organisations o ON o.id = a.organisation_id JOIN library_documents d ON d.id = a.document_id WHERE a.document_id = $1 ORDER BY o.name`, doc)
	if err != nil {
		return nil, err
	}
	return scanAdoptions(rows)
}

// ---- news ----

const articleCols = `a.id, a.slug, a.title, a.summary, a.body, a.category, a.image_name, a.image_type, a.image_alt,
	COALESCE(a.partnership_id, 0), COALESCE(p.name, ''), COALESCE(p.slug, ''), COALESCE(a.event_id, 0), COALESCE(a.opportunity_id, 0), a.published_at, a.updated_at, COALESCE(u.name, '')`
const articleFrom = ` FROM news_articles a LEFT JOIN partnerships p ON p.id = a.partnership_id LEFT JOIN users u ON u.id = a.author_id`

func scanArticle(sc interface{ Scan(...any) error }) (*Article, error) {
	a := &Article{}
	err := sc.Scan(&a.ID, &a.Slug, &a.Title, &a.Summary, &a.Body, &a.Category, &a.ImageName, &a.ImageType, &a.ImageAlt,
		&a.PartnershipID, &a.PartnershipName, &a.PartnershipSlug, &a.EventID, &a.OpportunityID, &a.PublishedAt, &a.UpdatedAt, &a.AuthorName)
	return a, err
}

// NewsFilter filters the news list.
type NewsFilter struct {
	Category      string
	Q             string
	Stories       bool // consortium success stories: about a consortium or in the consortia category
	PartnershipID int64
	EventID       int64
	OpportunityID int64
	From, To      time.Time // published in [From, To) when set
}

// ListArticles lists published articles, newest first.
func ListArticles(ctx context.Context, q db.Querier, f NewsFilter, limit, offset int) ([]*Article, int, error) {
	var where []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	where = append(where, "a.published_at <= "+arg(db.Now()))
	if f.Category != "" {
		where = append(where, "a.category = "+arg(f.Category))
	}
	if f.Q != "" {
		where = append(where, "(LOWER(a.title) LIKE "+arg(db.LikeContains(f.Q))+" ESCAPE '\\' OR LOWER(a.summary) LIKE "+arg(db.LikeContains(f.Q))+" ESCAPE '\\')")
	}
	if f.Stories {
		where = append(where, "(a.category = 'consortia' OR a.partnership_id IS NOT NULL)")
	}
	if f.PartnershipID != 0 {
		where = append(where, "a.partnership_id = "+arg(f.PartnershipID))
	}
	if f.OpportunityID != 0 {
		where = append(where, "a.opportunity_id = "+arg(f.OpportunityID))
	}
	if f.EventID != 0 {
		where = append(where, "a.event_id = "+arg(f.EventID))
	}
	if !f.From.IsZero() {
		where = append(where, "a.published_at >= "+arg(f.From))
	}
	if !f.To.IsZero() {
		where = append(where, "a.published_at < "+arg(f.To))
	}
	w := " WHERE " + strings.Join(where, " AND ")
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM news_articles a`+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+articleCols+articleFrom+w+` ORDER BY a.published_at DESC, a.id DESC LIMIT `+arg(limit)+` OFFSET `+arg(offset), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*Article
	for rows.Next() {
		a, err := scanArticle(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, a)
	}
	return out, total, rows.Err()
}

// ArticleBySlug reads one article.
func ArticleBySlug(ctx context.Context, q db.Querier, slug string) (*Article, error) {
	a, err := scanArticle(q.QueryRowContext(ctx, `SELECT `+articleCols+articleFrom+` WHERE a.slug = $1`, slug))
	if err != nil {
		return nil, db.Err(err, "article")
	}
	return a, nil
}

func insertArticle(ctx context.Context, tx *db.Tx, a *Article, by int64) error {
	if reserved[a.Slug] {
		a.Slug += "-article"
	}
	slug, err := db.UniqueSlug(ctx, tx, "news_articles", a.Slug, 0)
	if err != nil {
		return err
	}
	a.Slug = slug
	a.UpdatedAt = db.Now()
	return tx.QueryRowContext(ctx, `INSERT INTO news_articles (slug, title, summary, body, category, image_name, image_type, image_alt, partnership_id, event_id, opportunity_id, published_at, author_id, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14) RETURNING id`,
		a.Slug, a.Title, a.Summary, a.Body, a.Category, a.ImageName, a.ImageType, a.ImageAlt, db.NullID(a.PartnershipID), db.NullID(a.EventID), db.NullID(a.OpportunityID), a.PublishedAt, db.NullID(by), a.UpdatedAt).Scan(&a.ID)
}

// updateArticle stores an article's changed fields (its slug and date
// stay, so links to it keep working).
func updateArticle(ctx context.Context, tx *db.Tx, a *Article) error {
	a.UpdatedAt = db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE news_articles SET title = $1, summary = $2, body = $3, category = $4, image_name = $5, image_type = $6, image_alt = $7,
		partnership_id = $8, event_id = $9, opportunity_id = $10, updated_at = $11 WHERE id = $12`,
		a.Title, a.Summary, a.Body, a.Category, a.ImageName, a.ImageType, a.ImageAlt, db.NullID(a.PartnershipID), db.NullID(a.EventID), db.NullID(a.OpportunityID), a.UpdatedAt, a.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return apperr.NotFound("article")
	}
	return nil
}

func existsID(ctx context.Context, q db.Querier, table string, id int64) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM `+table+` WHERE id = $1`, id).Scan(&n)
	return n > 0, err
}

// ---- subscribers ----

func newToken() string {
	b := make([]byte, 24)
	_, _ = rand.Read(b)
	return base64.RawURLEncoding.EncodeToString(b)
}

func hashToken(t string) string {
	h := sha256.Sum256([]byte(t))
	return hex.EncodeToString(h[:])
}

// subscribe records email (unconfirmed) and returns the confirmation
// token; an address already confirmed gets "" and nothing changes.
func subscribe(ctx context.Context, tx *db.Tx, email string) (string, error) {
	var confirmed sql.NullTime
	err := tx.QueryRowContext(ctx, `SELECT confirmed_at FROM news_subscribers WHERE email = $1`, email).Scan(&confirmed)
	if err != nil && err != sql.ErrNoRows {
		return "", err
	}
	if confirmed.Valid {
		return "", nil
	}
	tok := newToken()
	if err == sql.ErrNoRows {
		_, err = tx.ExecContext(ctx, `INSERT INTO news_subscribers (email, confirm_hash, created_at) VALUES ($1, $2, $3)`, email, hashToken(tok), db.Now())
	} else {
		_, err = tx.ExecContext(ctx, `UPDATE news_subscribers SET confirm_hash = $1 WHERE email = $2`, hashToken(tok), email)
	}
	return tok, err
}

var errBadToken = apperr.Errorf(apperr.ENOTFOUND, "This confirmation link is not valid or has already been used. Subscribe again to get a new link.")

// pendingSubscriber finds the unconfirmed address of a token.
func pendingSubscriber(ctx context.Context, q db.Querier, tok string) (string, error) {
	var email string
	var confirmed sql.NullTime
	err := q.QueryRowContext(ctx, `SELECT email, confirmed_at FROM news_subscribers WHERE confirm_hash = $1`, hashToken(tok)).Scan(&email, &confirmed)
	if err == sql.ErrNoRows || confirmed.Valid {
		return "", errBadToken
	}
	return email, err
}

func confirmSubscriber(ctx context.Context, tx *db.Tx, tok string) (string, error) {
	email, err := pendingSubscriber(ctx, tx, tok)
	if err != nil {
		return "", err
	}
	// the used token is replaced so the link works once
	res, err := tx.ExecContext(ctx, `UPDATE news_subscribers SET confirmed_at = $1, confirm_hash = $2 WHERE confirm_hash = $3 AND confirmed_at IS NULL`, db.Now(), "used-"+hashToken(newToken()), hashToken(tok))
	if err != nil {
		return "", err
	}
	if n, _ := res.RowsAffected(); n == 0 {
		return "", errBadToken
	}
	return email, nil
}

func confirmedSubscribers(ctx context.Context, q db.Querier) ([]string, error) {
	return db.Column[string](ctx, q, `SELECT email FROM news_subscribers WHERE confirmed_at IS NOT NULL ORDER BY email`)
}

func admins(ctx context.Context, q db.Querier) ([]string, error) {
	return db.Column[string](ctx, q, `SELECT email FROM users WHERE is_admin = TRUE AND disabled_at IS NULL ORDER BY email`)
}
