// Package taxonomy holds the admin-curated vocabularies shared by every
// feature: themes (the outcomes taxonomy, with legacy National Indicator
// codes and a cross-walk to current frameworks), services and client
// groups. Features reference terms by id; the directory feature serves the
// admin curation pages and the ORUK /taxonomies endpoints.
package taxonomy

import (
	"context"
	"strings"

	"partnerhub/internal/db"
)

// Vocabularies.
const (
	Themes       = "theme"
	Services     = "service"
	ClientGroups = "client_group"
)

// Term is one entry of a vocabulary.
type Term struct {
	ID          int64
	UUID        string
	Vocabulary  string
	Code        string
	Name        string
	Description string
	NICodes     string // e.g. "NI 39; NI 40"
	Crosswalk   string
	Retired     bool
	Position    int
}

// HasNI reports whether the term carries a legacy National Indicator code.
func (t Term) HasNI() bool { return strings.TrimSpace(t.NICodes) != "" }

const cols = `id, uuid, vocabulary, code, name, description, ni_codes, crosswalk, retired, position`

func scan(rows interface{ Scan(...any) error }) (Term, error) {
	var t Term
	err := rows.Scan(&t.ID, &t.UUID, &t.Vocabulary, &t.Code, &t.Name, &t.Description, &t.NICodes, &t.Crosswalk, &t.Retired, &t.Position)
	return t, err
}

// List returns a vocabulary's terms in curated order; retired terms only
// when includeRetired.
func List(ctx context.Context, q db.Querier, vocabulary string, includeRetired bool) ([]Term, error) {
	sql := `SELECT ` + cols + ` FROM taxonomy_terms WHERE vocabulary = $1`
	if !includeRetired {
		sql += ` AND NOT retired`
	}
	rows, err := q.QueryContext(ctx, sql+` ORDER BY position, name`, vocabulary)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Term
	for rows.Next() {
		t, err := scan(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, t)
	}
	return out, rows.Err()
}

// Get returns one term by id.
func Get(ctx context.Context, q db.Querier, id int64) (Term, error) {
	t, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM taxonomy_terms WHERE id = $1`, id))
	return t, db.Err(err, "term")
}

// ByCode returns one term by vocabulary and code.
func ByCode(ctx context.Context, q db.Querier, vocabulary, code string) (Term, error) {
	t, err := scan(q.QueryRowContext(ctx, `SELECT `+cols+` FROM taxonomy_terms WHERE vocabulary = $1 AND code = $2`, vocabulary, code))
	return t, db.Err(err, "term")
}

// Index maps codes to terms for a vocabulary.
func Index(ctx context.Context, q db.Querier, vocabulary string) (map[string]Term, error) {
	ts, err := List(ctx, q, vocabulary, true)
	if err != nil {
		return nil, err
	}
	m := make(map[string]Term, len(ts))
	for _, t := range ts {
		m[t.Code] = t
	}
	return m, nil
}
