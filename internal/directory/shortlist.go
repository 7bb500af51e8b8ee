package directory

import (
	"context"
	"database/sql"
	"errors"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// An organisation's shortlist of possible partners (table org_shortlist):
// its editors and owners add organisations from the partner finder or a
// directory profile, with an optional note; every member sees the list.

// ShortlistEntry is one organisation on another's shortlist.
type ShortlistEntry struct {
	ID            int64
	OrgID         int64 // whose shortlist
	CandidateID   int64
	CandidateName string
	CandidateSlug string
	Sector        string
	Note          string
	AddedBy       string // the name (or email) of who added it; "" when gone
	CreatedAt     time.Time
	UpdatedAt     time.Time
}

// maxShortlistNote is the longest note on a shortlist entry, in characters.
const maxShortlistNote = 500

// AddToShortlist puts candidate on org's shortlist with note, or, when it is
// there already, replaces its note with a new one (an empty note keeps the
// old). added reports whether it was new.
func AddToShortlist(ctx context.Context, tx *db.Tx, org, candidate int64, note string, user int64) (added bool, err error) {
	if org == candidate {
		return false, apperr.Errorf(apperr.EINVALID, "An organisation cannot shortlist itself.")
	}
	now := db.Now()
	var id int64
	err = tx.QueryRowContext(ctx, `SELECT id FROM org_shortlist WHERE organisation_id = $1 AND candidate_id = $2`, org, candidate).Scan(&id)
	switch {
	case err == nil:
		if note == "" {
			return false, nil
		}
		_, err = tx.ExecContext(ctx, `UPDATE org_shortlist SET note = $1, updated_at = $2 WHERE id = $3`, note, now, id)
		return false, err
	case !errors.Is(err, sql.ErrNoRows):
		return false, err
	}
	var by any
	if user != 0 {
		by = user
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO org_shortlist (organisation_id, candidate_id, note, added_by, created_at, updated_at) VALUES ($1, $2, $3, $4, $5, $5)`,
		org, candidate, note, by, now)
	return err == nil, db.Err(err, "organisation")
}

const shortlistCols = `s.id, s.organisation_id, s.candidate_id, o.name, o.slug, o.sector, s.note, COALESCE(NULLIF(u.name, ''), u.email, ''), s.created_at, s.updated_at
	FROM org_shortlist s JOIN organisations o ON o.id = s.candidate_id LEFT JOIN users u ON u.id = s.added_by`

func scanShortlist(row interface{ Scan(...any) error }) (ShortlistEntry, error) {
	var e ShortlistEntry
	err := row.Scan(&e.ID, &e.OrgID, &e.CandidateID, &e.CandidateName, &e.CandidateSlug, &e.Sector, &e.Note, &e.AddedBy, &e.CreatedAt, &e.UpdatedAt)
	return e, err
}

// Shortlist lists org's shortlist by the candidates' names, limit entries
// from offset, and how many it holds in all.
func Shortlist(ctx context.Context, q db.Querier, org int64, limit, offset int) ([]ShortlistEntry, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_shortlist WHERE organisation_id = $1`, org).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT `+shortlistCols+` WHERE s.organisation_id = $1 ORDER BY o.name, s.id LIMIT $2 OFFSET $3`, org, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []ShortlistEntry
	for rows.Next() {
		e, err := scanShortlist(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}

// ShortlistEntryByID is entry id of org's shortlist (ENOTFOUND when org
// has no such entry).
func ShortlistEntryByID(ctx context.Context, q db.Querier, org, id int64) (*ShortlistEntry, error) {
	e, err := scanShortlist(q.QueryRowContext(ctx, `SELECT `+shortlistCols+` WHERE s.organisation_id = $1 AND s.id = $2`, org, id))
	if err != nil {
		return nil, db.Err(err, "shortlist entry")
	}
	return &e, nil
}

// RemoveFromShortlist takes entry id off org's shortlist.
func RemoveFromShortlist(ctx context.Context, tx *db.Tx, org, id int64) error {
	_, err := tx.ExecContext(ctx, `DELETE FROM org_shortlist WHERE organisation_id = $1 AND id = $2`, org, id)
	return err
}

// ShortlistedBy are those of orgs whose shortlist holds candidate.
func ShortlistedBy(ctx context.Context, q db.Querier, d db.Dialect, candidate int64, orgs []int64) (map[int64]bool, error) {
	out := map[int64]bool{}
	err := db.QueryEach(ctx, q, d, `SELECT organisation_id FROM org_shortlist WHERE candidate_id = $1 AND organisation_id IN (IDS)`,
		[]any{candidate}, orgs, func(rows *sql.Rows) error {
			var id int64
			err := rows.Scan(&id)
			out[id] = true
			return err
		})
	return out, err
}
