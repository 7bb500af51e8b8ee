package assess

import (
	"context"
	"database/sql"
	"embed"
	"fmt"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// Keys of the instruments Partnerhub ships with.
const (
	KeyQualityMark = "consortia_quality_mark"
	KeyReadiness   = "commissioning_readiness"
	KeyHealthCheck = "partnership_health_check"
)

//go:embed instruments/*.json
var instruments embed.FS

// Instrument returns one of the embedded instrument frameworks.
func Instrument(key string) (*Framework, error) {
	b, err := instruments.ReadFile("instruments/" + key + ".json")
	if err != nil {
		return nil, fmt.Errorf("no embedded instrument %q", key)
	}
	return ParseFramework(b)
}

// EnsureInstruments publishes the embedded instruments' first versions
// when no version of them exists yet (safe to run from several processes).
func EnsureInstruments(ctx context.Context, d *db.DB) error {
	for _, key := range []string{KeyQualityMark, KeyReadiness, KeyHealthCheck} {
		f, err := Instrument(key)
		if err != nil {
			return err
		}
		var n int
		if err := d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM assess_frameworks WHERE fkey = $1`, key).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			if err := upgradeGates(ctx, d, f); err != nil {
				return err
			}
			continue
		}
		now := db.Now()
		err = d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `INSERT INTO assess_frameworks (fkey, version, kind, name, status, body, created_at, updated_at, published_at)
				VALUES ($1, $2, $3, $4, 'published', $5, $6, $6, $6) ON CONFLICT (fkey, version) DO NOTHING`,
				f.Key, f.Version, f.Kind, f.Name, string(f.JSON()), now)
			return err
		})
		if err != nil {
			return err
		}
	}
	return nil
}

// upgradeGates brings the gates of the embedded instrument emb (an
// indicator that caps the result, such as safeguarding for commissioning
// readiness) to an installation still on the shipped version 1 stored
// before gates existed. Versions are immutable, so it publishes a copy of
// version 1 with the gates as a new version; an installation whose
// administrators have made versions of their own is left to them.
func upgradeGates(ctx context.Context, d *db.DB, emb *Framework) error {
	gates := map[string]string{}
	for _, a := range emb.Areas {
		for _, in := range a.Indicators {
			if in.Gate != "" {
				gates[in.Code] = in.Gate
			}
		}
	}
	if len(gates) == 0 {
		return nil
	}
	return d.Write(ctx, func(tx *db.Tx) error {
		var n int
		lock := "" // PostgreSQL: several processes starting at once upgrade once
		if d.IsPostgres() {
			lock = " FOR UPDATE"
		}
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM (SELECT id FROM assess_frameworks WHERE fkey = $1`+lock+`) x`, emb.Key).Scan(&n); err != nil {
			return err
		}
		if n != 1 {
			return nil
		}
		cur, err := CurrentFramework(ctx, tx, emb.Key)
		if apperr.Is(err, apperr.ENOTFOUND) {
			return nil
		}
		if err != nil {
			return err
		}
		f := *cur.F
		f.Areas = append([]Area(nil), f.Areas...)
		changed := false
		for i := range f.Areas {
			f.Areas[i].Indicators = append([]Indicator(nil), f.Areas[i].Indicators...)
			for j := range f.Areas[i].Indicators {
				in := &f.Areas[i].Indicators[j]
				if g, ok := gates[in.Code]; ok && in.Gate == "" {
					if _, band := f.Outcome(g); band {
						in.Gate, changed = g, true
					}
				}
			}
		}
		if cur.Version != 1 || !changed {
			return nil
		}
		id, err := ImportFramework(ctx, tx, &f)
		if err != nil {
			return err
		}
		return Publish(ctx, tx, id)
	})
}

// FrameworkRow is a stored framework version.
type FrameworkRow struct {
	ID          int64
	Key         string
	Version     int
	Kind        string
	Name        string
	Status      string
	F           *Framework
	CreatedAt   time.Time
	UpdatedAt   time.Time
	PublishedAt *time.Time
	InUse       int // assessments and health check rounds using it
}

const fwCols = `f.id, f.fkey, f.version, f.kind, f.name, f.status, f.body, f.created_at, f.updated_at, f.published_at,
	(SELECT COUNT(*) FROM assess_assessments a WHERE a.framework_id = f.id) + (SELECT COUNT(*) FROM assess_hc_rounds r WHERE r.framework_id = f.id)`

func scanFramework(sc interface{ Scan(...any) error }) (*FrameworkRow, error) {
	var r FrameworkRow
	var body string
	var pub sql.NullTime
	if err := sc.Scan(&r.ID, &r.Key, &r.Version, &r.Kind, &r.Name, &r.Status, &body, &r.CreatedAt, &r.UpdatedAt, &pub, &r.InUse); err != nil {
		return nil, db.Err(err, "framework")
	}
	if pub.Valid {
		t := pub.Time
		r.PublishedAt = &t
	}
	f, err := ParseFramework([]byte(body))
	if err != nil {
		return nil, fmt.Errorf("stored framework %d is invalid: %w", r.ID, err)
	}
	r.F = f
	return &r, nil
}

// FrameworkByID loads one framework version.
func FrameworkByID(ctx context.Context, q db.Querier, id int64) (*FrameworkRow, error) {
	return scanFramework(q.QueryRowContext(ctx, `SELECT `+fwCols+` FROM assess_frameworks f WHERE f.id = $1`, id))
}

// CurrentFramework is the published version of key.
func CurrentFramework(ctx context.Context, q db.Querier, key string) (*FrameworkRow, error) {
	return scanFramework(q.QueryRowContext(ctx, `SELECT `+fwCols+` FROM assess_frameworks f WHERE f.fkey = $1 AND f.status = 'published' ORDER BY f.version DESC LIMIT 1`, key))
}

// ListFrameworks lists every version, newest first within each key.
func ListFrameworks(ctx context.Context, q db.Querier) ([]*FrameworkRow, error) {
	rows, err := q.QueryContext(ctx, `SELECT `+fwCols+` FROM assess_frameworks f ORDER BY f.fkey, f.version DESC`)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []*FrameworkRow
	for rows.Next() {
		r, err := scanFramework(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// ImportFramework stores f as a new draft version of its key (the version
// number is assigned: one above the highest stored).
func ImportFramework(ctx context.Context, tx *db.Tx, f *Framework) (int64, error) {
	if err := f.Validate(); err != nil {
		return 0, err
	}
	var maxV sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT MAX(version) FROM assess_frameworks WHERE fkey = $1`, f.Key).Scan(&maxV); err != nil {
		return 0, err
	}
	var kind string
	if maxV.Valid {
		if err := tx.QueryRowContext(ctx, `SELECT kind FROM assess_frameworks WHERE fkey = $1 ORDER BY version DESC LIMIT 1`, f.Key).Scan(&kind); err != nil {
			return 0, err
		}
		if kind != f.Kind {
			return 0, apperr.Errorf(apperr.EINVALID, "Framework %s is a %s framework; a new version cannot change its kind", f.Key, kind)
		}
	}
	f.Version = int(maxV.Int64) + 1
	now := db.Now()
	var id int64
	err := tx.QueryRowContext(ctx, `INSERT INTO assess_frameworks (fkey, version, kind, name, status, body, created_at, updated_at)
		VALUES ($1, $2, $3, $4, 'draft', $5, $6, $6) RETURNING id`, f.Key, f.Version, f.Kind, f.Name, string(f.JSON()), now).Scan(&id)
	if err != nil {
		return 0, err
	}
	return id, audit.Record(ctx, tx, 0, "framework.import", "assess_framework", id, fmt.Sprintf("%s v%d", f.Key, f.Version))
}

// UpdateDraft replaces a draft framework's definition. Published or
// superseded versions, and any version in use, cannot be edited: import
// or copy a new version instead.
func UpdateDraft(ctx context.Context, tx *db.Tx, id int64, f *Framework) error {
	return updateDraft(ctx, tx, id, f, "framework.update", "")
}

// updateDraft is UpdateDraft audited as action, with what changed in
// detail (after the key and version).
func updateDraft(ctx context.Context, tx *db.Tx, id int64, f *Framework, action, detail string) error {
	cur, err := FrameworkByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status != "draft" || cur.InUse > 0 {
		return apperr.Errorf(apperr.ECONFLICT, "This framework version is %s and cannot be edited; create a new version instead", statusWords(cur))
	}
	if err := f.Validate(); err != nil {
		return err
	}
	if f.Key != cur.Key || f.Kind != cur.Kind {
		return apperr.Errorf(apperr.EINVALID, "A version cannot change the framework's key or kind")
	}
	f.Version = cur.Version
	if _, err := tx.ExecContext(ctx, `UPDATE assess_frameworks SET name = $1, body = $2, updated_at = $3 WHERE id = $4 AND status = 'draft'`,
		f.Name, string(f.JSON()), db.Now(), id); err != nil {
		return err
	}
	d := fmt.Sprintf("%s v%d", f.Key, f.Version)
	if detail != "" {
		d += ": " + detail
	}
	return audit.Record(ctx, tx, 0, action, "assess_framework", id, d)
}

func statusWords(r *FrameworkRow) string {
	if r.InUse > 0 {
		return "in use"
	}
	return r.Status
}

// Publish makes a draft the current version of its key; the version it
// replaces is superseded (assessments keep using the version they started on).
func Publish(ctx context.Context, tx *db.Tx, id int64) error {
	cur, err := FrameworkByID(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status != "draft" {
		return apperr.Errorf(apperr.ECONFLICT, "Only a draft can be published")
	}
	now := db.Now()
	if _, err := tx.ExecContext(ctx, `UPDATE assess_frameworks SET status = 'superseded', updated_at = $1 WHERE fkey = $2 AND status = 'published'`, now, cur.Key); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE assess_frameworks SET status = 'published', published_at = $1, updated_at = $1 WHERE id = $2`, now, id); err != nil {
		return err
	}
	return audit.Record(ctx, tx, 0, "framework.publish", "assess_framework", id, fmt.Sprintf("%s v%d", cur.Key, cur.Version))
}
