package ocds

import (
	"context"
	"database/sql"
	"encoding/json"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// Where a stored release came from.
const (
	SourcePartnerhub = "partnerhub"
	SourceImport     = "import"
)

// Stored is one release as kept in ocds_releases.
type Stored struct {
	ID        int64
	OCID      string
	ReleaseID string
	Date      time.Time
	Tags      []string
	Source    string
	JSON      json.RawMessage
}

// insertRelease keeps a release; releases are never changed afterwards.
func insertRelease(ctx context.Context, tx *db.Tx, r *Stored) error {
	now := db.Now()
	err := tx.QueryRowContext(ctx, `INSERT INTO ocds_releases (ocid, release_id, date, tags, source, json, created_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7) RETURNING id`,
		r.OCID, r.ReleaseID, r.Date.UTC(), strings.Join(r.Tags, " "), r.Source, string(r.JSON), now).Scan(&r.ID)
	return db.Err(err, "OCDS release")
}

// insertReleases keeps many releases with multi-row INSERTs.
func insertReleases(ctx context.Context, tx *db.Tx, rs []Stored) error {
	if len(rs) == 0 {
		return nil
	}
	now := db.Now()
	bi := directory.NewBatchInsert(ctx, tx, `INSERT INTO ocds_releases (ocid, release_id, date, tags, source, json, created_at) VALUES`, ``, 7, nil)
	defer bi.Close()
	for _, r := range rs {
		if err := bi.Add(r.OCID, r.ReleaseID, r.Date.UTC(), strings.Join(r.Tags, " "), r.Source, string(r.JSON), now); err != nil {
			return db.Err(err, "OCDS release")
		}
	}
	return db.Err(bi.Flush(), "OCDS release")
}

const storedCols = `id, ocid, release_id, date, tags, source, json`

func scanStored(rows interface{ Scan(...any) error }) (Stored, error) {
	var s Stored
	var tags, js string
	if err := rows.Scan(&s.ID, &s.OCID, &s.ReleaseID, &s.Date, &tags, &s.Source, &js); err != nil {
		return s, err
	}
	s.Tags = strings.Fields(tags)
	s.JSON = json.RawMessage(js)
	s.Date = s.Date.UTC()
	return s, nil
}

func queryStored(ctx context.Context, q db.Querier, query string, args ...any) ([]Stored, error) {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Stored
	for rows.Next() {
		s, err := scanStored(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, s)
	}
	return out, rows.Err()
}

// ReleasesFor lists one process's releases, oldest first.
func ReleasesFor(ctx context.Context, q db.Querier, ocid string) ([]Stored, error) {
	return queryStored(ctx, q, `SELECT `+storedCols+` FROM ocds_releases WHERE ocid = $1 ORDER BY date, id`, ocid)
}

// releasesForMany lists the releases of several processes, oldest first.
func releasesForMany(ctx context.Context, q db.Querier, d db.Dialect, ocids []string) (map[string][]Stored, error) {
	out := map[string][]Stored{}
	err := db.QueryEach(ctx, q, d, `SELECT `+storedCols+` FROM ocds_releases WHERE ocid IN (IDS) ORDER BY date, id`, nil, ocids, func(rows *sql.Rows) error {
		s, err := scanStored(rows)
		if err != nil {
			return err
		}
		out[s.OCID] = append(out[s.OCID], s)
		return nil
	})
	return out, err
}

// Cursor is a place in the newest-first list of releases: the last
// release of a page.
type Cursor struct {
	Date time.Time
	ID   int64
}

// ListReleases lists up to limit releases newest first (date, then id),
// after cursor (nil: from the newest), with dates at or after from (nil:
// all).
func ListReleases(ctx context.Context, q db.Querier, from *time.Time, after *Cursor, limit int) ([]Stored, error) {
	var where []string
	var args []any
	if from != nil {
		args = append(args, from.UTC())
		where = append(where, `date >= $1`)
	}
	if after != nil {
		args = append(args, after.Date.UTC(), after.ID)
		n := len(args)
		where = append(where, `(date < $`+strconv.Itoa(n-1)+` OR (date = $`+strconv.Itoa(n-1)+` AND id < $`+strconv.Itoa(n)+`))`)
	}
	query := `SELECT ` + storedCols + ` FROM ocds_releases`
	if len(where) > 0 {
		query += ` WHERE ` + strings.Join(where, ` AND `)
	}
	args = append(args, limit)
	query += ` ORDER BY date DESC, id DESC LIMIT $` + strconv.Itoa(len(args))
	return queryStored(ctx, q, query, args...)
}

// identifiersOf lists an organisation's org-id identifiers: the schemes
// OCDS buyers are usually known by first (local authority, NHS, charity,
// company), then the rest.
func identifiersOf(ctx context.Context, q db.Querier, orgID int64) ([]string, error) {
	return db.Column[string](ctx, q, `SELECT identifier FROM org_identifiers WHERE organisation_id = $1
		ORDER BY CASE scheme WHEN 'GB-LAE' THEN 0 WHEN 'GB-NHS' THEN 1 WHEN 'GB-PPON' THEN 2 WHEN 'GB-CHC' THEN 3 WHEN 'GB-COH' THEN 4 ELSE 5 END, identifier`, orgID)
}

// orgByIdentifier is the organisation holding identifier (0: none).
func orgByIdentifier(ctx context.Context, q db.Querier, identifier string) (int64, error) {
	var id int64
	err := q.QueryRowContext(ctx, `SELECT organisation_id FROM org_identifiers WHERE identifier = $1`, identifier).Scan(&id)
	if err == sql.ErrNoRows {
		return 0, nil
	}
	return id, err
}

// publicOrgByName is the public-sector organisation named exactly name
// (ignoring case; 0: none, or more than one).
func publicOrgByName(ctx context.Context, q db.Querier, name string) (int64, error) {
	ids, err := db.Column[int64](ctx, q, `SELECT id FROM organisations WHERE sector = 'public' AND LOWER(name) = LOWER($1) ORDER BY id LIMIT 2`, name)
	if err != nil || len(ids) != 1 {
		return 0, err
	}
	return ids[0], nil
}

// known is an opportunity already there for an ocid.
type known struct {
	ID            int64
	Title, Status string
}

// knownOpportunities finds which of ocids already have an opportunity.
func knownOpportunities(ctx context.Context, q db.Querier, d db.Dialect, ocids []string) (map[string]known, error) {
	out := map[string]known{}
	err := db.QueryEach(ctx, q, d, `SELECT ocid, id, title, status FROM opportunities WHERE ocid IN (IDS)`, nil, ocids, func(rows *sql.Rows) error {
		var ocid string
		var k known
		if err := rows.Scan(&ocid, &k.ID, &k.Title, &k.Status); err != nil {
			return err
		}
		out[ocid] = k
		return nil
	})
	return out, err
}
