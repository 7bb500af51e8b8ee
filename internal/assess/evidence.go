package assess

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/uploads"
)

// EvidencePolicy is what an evidence file may be: PDF, PNG, JPEG, plain
// text or CSV, Word or Excel (.docx, .xlsx), by the type sniffed from its
// bytes, at most 10 MB. Field is set per indicator ("file_<code>").
var EvidencePolicy = uploads.Policy{Field: "file", Max: 10 << 20,
	Types:    []uploads.Type{uploads.PDF, uploads.PNG, uploads.JPEG, uploads.Text, uploads.CSV, uploads.DOCX, uploads.XLSX},
	Fallback: "evidence"}

// EvidenceStore is where evidence files are kept.
func EvidenceStore(uploadDir string) uploads.Store { return uploads.NewStore(uploadDir, "assess") }

// Evidence is a file or a linked Partnerhub record attached to an indicator.
type Evidence struct {
	ID           int64
	AssessmentID int64
	Indicator    string
	Kind         string // file, link
	Name         string
	StorageName  string
	ContentType  string
	Size         int64
	LinkType     string // partnership (policy, quality_mark when the directory offers them)
	LinkID       int64
	CreatedAt    time.Time
}

// AddFile records an evidence file, already saved in the evidence store
// under stored, in the caller's transaction (which must Discard the file
// when the transaction fails).
func AddFile(ctx context.Context, tx *db.Tx, a *Assessment, f *Framework, indicator string, file *uploads.File, stored string) (*Evidence, error) {
	if _, in := f.Indicator(indicator); in == nil {
		return nil, apperr.Errorf(apperr.EINVALID, "Choose the indicator the evidence is for")
	}
	cur, err := AssessmentByID(ctx, tx, a.ID)
	if err != nil {
		return nil, err
	}
	if !cur.Editable() {
		return nil, apperr.Errorf(apperr.ECONFLICT, "Evidence cannot be added after the assessment has been submitted")
	}
	e := &Evidence{AssessmentID: a.ID, Indicator: indicator, Kind: "file", Name: file.Name, StorageName: stored, ContentType: file.Type.ContentType, Size: int64(len(file.Data))}
	if err := tx.QueryRowContext(ctx, `INSERT INTO assess_evidence (assessment_id, indicator, kind, name, storage_name, content_type, size_bytes, added_by, created_at)
		VALUES ($1, $2, 'file', $3, $4, $5, $6, $7, $8) RETURNING id`, a.ID, indicator, e.Name, stored, e.ContentType, e.Size, db.NullID(audit.ActorFrom(ctx).UserID), db.Now()).Scan(&e.ID); err != nil {
		return nil, err
	}
	return e, History(ctx, tx, a, "evidence.add", e.Name)
}

// AddLink links a Partnerhub record as evidence. The caller must check the
// record is one the subject may cite; the label is kept as the name.
func AddLink(ctx context.Context, tx *db.Tx, a *Assessment, f *Framework, indicator, linkType string, linkID int64, label string) error {
	if _, in := f.Indicator(indicator); in == nil {
		return apperr.Errorf(apperr.EINVALID, "Choose the indicator the evidence is for")
	}
	if !a.Editable() {
		return apperr.Errorf(apperr.ECONFLICT, "Evidence cannot be added after the assessment has been submitted")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO assess_evidence (assessment_id, indicator, kind, name, link_type, link_id, added_by, created_at)
		VALUES ($1, $2, 'link', $3, $4, $5, $6, $7)`, a.ID, indicator, label, linkType, linkID, db.NullID(audit.ActorFrom(ctx).UserID), db.Now()); err != nil {
		return err
	}
	return History(ctx, tx, a, "evidence.link", label)
}

// RemoveEvidence deletes an evidence record (and its file after commit).
func RemoveEvidence(ctx context.Context, tx *db.Tx, store uploads.Store, a *Assessment, id int64) error {
	if !a.Editable() {
		return apperr.Errorf(apperr.ECONFLICT, "Evidence cannot be removed after the assessment has been submitted")
	}
	e, err := EvidenceByID(ctx, tx, a.ID, id)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM assess_evidence WHERE id = $1`, id); err != nil {
		return err
	}
	store.RemoveAfterCommit(tx, e.StorageName)
	return History(ctx, tx, a, "evidence.remove", e.Name)
}

const evCols = `id, assessment_id, indicator, kind, name, storage_name, content_type, size_bytes, link_type, COALESCE(link_id, 0), created_at FROM assess_evidence`

func scanEvidence(sc interface{ Scan(...any) error }) (*Evidence, error) {
	var e Evidence
	if err := sc.Scan(&e.ID, &e.AssessmentID, &e.Indicator, &e.Kind, &e.Name, &e.StorageName, &e.ContentType, &e.Size, &e.LinkType, &e.LinkID, &e.CreatedAt); err != nil {
		return nil, db.Err(err, "evidence")
	}
	return &e, nil
}

// EvidenceByID loads one item of an assessment's evidence.
func EvidenceByID(ctx context.Context, q db.Querier, assessmentID, id int64) (*Evidence, error) {
	return scanEvidence(q.QueryRowContext(ctx, `SELECT `+evCols+` WHERE assessment_id = $1 AND id = $2`, assessmentID, id))
}

// EvidenceOf lists an assessment's evidence by indicator.
func EvidenceOf(ctx context.Context, q db.Querier, assessmentID int64) (map[string][]Evidence, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+evCols+` WHERE assessment_id = $1 ORDER BY id`, assessmentID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string][]Evidence{}
	for rows.Next() {
		e, err := scanEvidence(rows)
		if err != nil {
			return nil, err
		}
		out[e.Indicator] = append(out[e.Indicator], *e)
	}
	return out, rows.Err()
}

// LinkableRecord is a Partnerhub record a subject may cite as evidence.
type LinkableRecord struct {
	Key   string // form value
	Type  string // policy, quality_mark, partnership
	ID    int64  // the quality mark, partnership, or the policy's organisation
	Label string
}

// Linkable lists the records the subject may link: the policies and
// quality marks held by the organisation (for a partnership, by its
// current members, from the directory) and its partnership records.
func Linkable(ctx context.Context, q db.Querier, a *Assessment) ([]LinkableRecord, error) {
	orgs, err := subjectOrgs(ctx, q, a.SubjectType, a.SubjectID)
	if err != nil {
		return nil, err
	}
	var out []LinkableRecord
	y, m, d := db.Now().Date()
	today := time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
	for _, org := range orgs {
		var name string
		if err := q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, org).Scan(&name); err != nil {
			return nil, err
		}
		prefix := ""
		if a.SubjectType != "organisation" {
			prefix = name + ": "
		}
		pols, err := directory.Policies(ctx, q, org)
		if err != nil {
			return nil, err
		}
		for _, p := range pols {
			label := prefix + "Policy: " + p.Label()
			switch {
			case p.ReviewDate == nil:
				label += " (no review date)"
			case p.ReviewDate.Before(today):
				label += " (review overdue since " + p.ReviewDate.Format("2 January 2006") + ": not in date)"
			default:
				label += " (in date, review due " + p.ReviewDate.Format("2 January 2006") + ")"
			}
			out = append(out, LinkableRecord{Key: fmt.Sprintf("policy:%d:%s", org, p.Kind), Type: "policy", ID: org, Label: label})
		}
		marks, err := directory.QualityMarks(ctx, q, org)
		if err != nil {
			return nil, err
		}
		for _, m := range marks {
			label := prefix + "Quality mark: " + m.Name
			if m.Level != "" {
				label += " (" + m.Level + ")"
			}
			if !m.Current {
				label += ", expired"
			}
			out = append(out, LinkableRecord{Key: fmt.Sprintf("quality_mark:%d", m.ID), Type: "quality_mark", ID: m.ID, Label: label})
		}
	}
	var query string
	if a.SubjectType == "organisation" {
		query = `SELECT DISTINCT p.id, p.name FROM partnerships p JOIN partnership_members pm ON pm.partnership_id = p.id WHERE pm.organisation_id = $1 ORDER BY p.name`
	} else {
		query = `SELECT id, name FROM partnerships WHERE id = $1`
	}
	rows, err := q.QueryContext(ctx, query, a.SubjectID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		r := LinkableRecord{Type: "partnership"}
		if err := rows.Scan(&r.ID, &r.Label); err != nil {
			return nil, err
		}
		r.Key = fmt.Sprintf("partnership:%d", r.ID)
		r.Label = "Partnership record: " + r.Label
		out = append(out, r)
	}
	return out, rows.Err()
}
