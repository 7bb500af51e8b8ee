package strategy

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// Published reads a published year's frozen report.
func Published(ctx context.Context, q db.Querier, year int) (*Report, error) {
	var doc string
	err := q.QueryRowContext(ctx, `SELECT document FROM sector_reports WHERE year = $1`, year).Scan(&doc)
	if errors.Is(err, sql.ErrNoRows) {
		return nil, apperr.NotFound("report")
	}
	if err != nil {
		return nil, err
	}
	var r Report
	if err := json.Unmarshal([]byte(doc), &r); err != nil {
		return nil, err
	}
	return &r, nil
}

// PublishedYear is one published report in a list.
type PublishedYear struct {
	Year        int
	PublishedAt time.Time
	Hash        string
}

// PublishedYears are the published reports, newest first.
func PublishedYears(ctx context.Context, q db.Querier) ([]PublishedYear, error) {
	rows, err := q.QueryContext(ctx, `SELECT year, published_at, hash FROM sector_reports ORDER BY year DESC`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PublishedYear
	for rows.Next() {
		var p PublishedYear
		if err := rows.Scan(&p.Year, &p.PublishedAt, &p.Hash); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// Commentary reads a year's commentary by chapter.
func Commentary(ctx context.Context, q db.Querier, year int) (map[string]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT chapter, body FROM sector_report_commentary WHERE year = $1`, year)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[string]string{}
	for rows.Next() {
		var k, v string
		if err := rows.Scan(&k, &v); err != nil {
			return nil, err
		}
		out[k] = v
	}
	return out, rows.Err()
}

// errPublished is the answer to changing a published year.
func errPublished(year int) error {
	return apperr.Errorf(apperr.ECONFLICT, "The State of the Sector report for %d has already been published, so it cannot change: its figures and commentary are frozen.", year)
}

func isPublished(ctx context.Context, q db.Querier, year int) (bool, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM sector_reports WHERE year = $1`, year).Scan(&n)
	return n > 0, err
}

// SaveCommentary writes a chapter's commentary for a year not yet
// published.
func SaveCommentary(ctx context.Context, tx *db.Tx, year int, chapter, body string, userID int64, now time.Time) error {
	if pub, err := isPublished(ctx, tx, year); err != nil {
		return err
	} else if pub {
		return errPublished(year)
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM sector_report_commentary WHERE year = $1 AND chapter = $2`, year, chapter); err != nil {
		return err
	}
	if body != "" {
		var uid any
		if userID != 0 {
			uid = userID
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO sector_report_commentary (year, chapter, body, updated_by, updated_at) VALUES ($1, $2, $3, $4, $5)`,
			year, chapter, body, uid, now); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, 0, "strategy.report.commentary", "sector_report", year, chapter)
}

// Publish freezes r (built in the same transaction) as its year's
// report; a year already published is refused.
func Publish(ctx context.Context, tx *db.Tx, r *Report, userID int64, now time.Time) error {
	if err := tx.LockKey(ctx, "sector_report"); err != nil {
		return err
	}
	if pub, err := isPublished(ctx, tx, r.Year); err != nil {
		return err
	} else if pub {
		return errPublished(r.Year)
	}
	at := now.UTC().Truncate(time.Second)
	r.Status, r.PublishedAt = "published", &at
	h, err := r.ComputeHash()
	if err != nil {
		return err
	}
	r.Hash = h
	doc, err := json.Marshal(r)
	if err != nil {
		return err
	}
	var uid any
	if userID != 0 {
		uid = userID
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO sector_reports (year, document, hash, published_at, published_by) VALUES ($1, $2, $3, $4, $5)`,
		r.Year, string(doc), h, at, uid); err != nil {
		return db.Err(err, "report")
	}
	return audit.Record(ctx, tx, 0, "strategy.report.publish", "sector_report", r.Year, "sha256 "+h)
}
