package taxonomy

import (
	"context"
	"fmt"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"unicode"
	"unicode/utf8"

	"github.com/google/uuid"
	"golang.org/x/text/unicode/norm"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// Curation by administrators. Terms are never deleted: organisations,
// networks, events and partnerships reference them by id, and their codes
// appear in URLs and feeds, so a code never changes once made. A term that
// is no longer wanted is retired: it stays on the records that hold it and
// is no longer offered for new ones.

// Vocabularies in the order pages show them.
var Vocabularies = []string{Themes, Services, ClientGroups}

// Limits.
const (
	MaxName        = 120
	MaxDescription = 1000
	MaxCrosswalk   = 500
	MaxCode        = 60
)

var (
	codeRE = regexp.MustCompile(`^[a-z0-9]+(-[a-z0-9]+)*$`)
	niRE   = regexp.MustCompile(`(?i)^NI\s*(\d{1,3})$`)
)

// ValidVocabulary reports whether v names a vocabulary.
func ValidVocabulary(v string) bool { return v == Themes || v == Services || v == ClientGroups }

func clean(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return ' '
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// CodeFor makes a code from a name: lower case words joined by hyphens.
func CodeFor(name string) string {
	var b strings.Builder
	dash := false
	for _, r := range strings.ToLower(norm.NFKD.String(name)) {
		switch {
		case unicode.Is(unicode.Mn, r):
		case r < unicode.MaxASCII && (unicode.IsLetter(r) || unicode.IsDigit(r)):
			if dash && b.Len() > 0 {
				b.WriteByte('-')
			}
			b.WriteRune(r)
			dash = false
		default:
			dash = true
		}
	}
	s := b.String()
	if len(s) > MaxCode {
		s = strings.TrimRight(s[:MaxCode], "-")
	}
	return s
}

// NormaliseNICodes turns "ni39, NI 40" into "NI 39; NI 40"; ok is false
// when a part is not a National Indicator code.
func NormaliseNICodes(s string) (string, bool) {
	var out []string
	for _, part := range strings.FieldsFunc(s, func(r rune) bool { return r == ';' || r == ',' }) {
		part = strings.TrimSpace(part)
		if part == "" {
			continue
		}
		m := niRE.FindStringSubmatch(part)
		if m == nil {
			return s, false
		}
		n, _ := strconv.Atoi(m[1])
		c := "NI " + strconv.Itoa(n)
		if !contains(out, c) {
			out = append(out, c)
		}
	}
	return strings.Join(out, "; "), true
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// Validate cleans and checks a term's fields (field names match the form).
func (t *Term) Validate() error {
	var v apperr.Validation
	t.Name, t.Description, t.Crosswalk, t.Code = clean(t.Name), clean(t.Description), clean(t.Crosswalk), strings.TrimSpace(t.Code)
	v.Check(ValidVocabulary(t.Vocabulary), "vocabulary", "Select a vocabulary: theme, service or client group")
	v.Check(t.Name != "", "name", "Enter the term's name")
	v.Check(utf8.RuneCountInString(t.Name) <= MaxName, "name", fmt.Sprintf("Name must be %d characters or fewer", MaxName))
	v.Check(utf8.RuneCountInString(t.Description) <= MaxDescription, "description", fmt.Sprintf("Description must be %d characters or fewer", MaxDescription))
	v.Check(utf8.RuneCountInString(t.Crosswalk) <= MaxCrosswalk, "crosswalk", fmt.Sprintf("Cross-walk must be %d characters or fewer", MaxCrosswalk))
	v.Check(len(t.Code) <= MaxCode && codeRE.MatchString(t.Code), "code", "Code must be lower-case letters, numbers and single hyphens, like mental-health")
	ni, ok := NormaliseNICodes(t.NICodes)
	v.Check(ok, "ni_codes", "Enter National Indicator codes like NI 39; NI 40")
	t.NICodes = ni
	v.Check(t.NICodes == "" || t.Vocabulary == Themes, "ni_codes", "Only themes carry National Indicator codes")
	v.Check(t.Crosswalk == "" || t.Vocabulary == Themes, "crosswalk", "Only themes carry a cross-walk")
	v.Check(t.Position >= 0 && t.Position <= 100000, "position", "Position must be a whole number from 0 to 100000")
	return v.Err()
}

// Create adds a term (code from the name when empty; position after the
// last when 0). Audited.
func Create(ctx context.Context, q db.Querier, t *Term) error {
	if strings.TrimSpace(t.Code) == "" {
		t.Code = CodeFor(t.Name)
	}
	if err := t.Validate(); err != nil {
		return err
	}
	if t.Position == 0 {
		if err := q.QueryRowContext(ctx, `SELECT COALESCE(MAX(position), 0) + 1 FROM taxonomy_terms WHERE vocabulary = $1`, t.Vocabulary).Scan(&t.Position); err != nil {
			return err
		}
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM taxonomy_terms WHERE vocabulary = $1 AND code = $2`, t.Vocabulary, t.Code).Scan(&n); err != nil {
		return err
	}
	if n > 0 {
		return &apperr.Error{Code: apperr.EINVALID, Message: "That code is already used", Fields: []apperr.FieldError{{Field: "code",
			Message: "The code " + t.Code + " is already used in this vocabulary: choose another"}}}
	}
	t.UUID = uuid.NewString()
	t.Retired = false
	err := q.QueryRowContext(ctx, `INSERT INTO taxonomy_terms (uuid, vocabulary, code, name, description, ni_codes, crosswalk, retired, position)
		VALUES ($1, $2, $3, $4, $5, $6, $7, FALSE, $8) RETURNING id`, t.UUID, t.Vocabulary, t.Code, t.Name, t.Description, t.NICodes, t.Crosswalk, t.Position).Scan(&t.ID)
	if err != nil {
		return db.Err(err, "term")
	}
	return audit.Record(ctx, q, 0, "taxonomy.create", "taxonomy_term", t.ID, t.Vocabulary+"/"+t.Code+": "+t.Name)
}

// Update changes a term's name, description, NI codes, cross-walk and
// position. Its vocabulary and code never change. It returns the names of
// the fields changed. Audited.
func Update(ctx context.Context, q db.Querier, t *Term) ([]string, error) {
	old, err := Get(ctx, q, t.ID)
	if err != nil {
		return nil, err
	}
	t.UUID, t.Vocabulary, t.Code, t.Retired = old.UUID, old.Vocabulary, old.Code, old.Retired
	if err := t.Validate(); err != nil {
		return nil, err
	}
	var changed []string
	for _, f := range []struct{ name, a, b string }{{"name", old.Name, t.Name}, {"description", old.Description, t.Description},
		{"NI codes", old.NICodes, t.NICodes}, {"cross-walk", old.Crosswalk, t.Crosswalk}, {"position", strconv.Itoa(old.Position), strconv.Itoa(t.Position)}} {
		if f.a != f.b {
			changed = append(changed, f.name)
		}
	}
	if len(changed) == 0 {
		return nil, nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE taxonomy_terms SET name = $1, description = $2, ni_codes = $3, crosswalk = $4, position = $5 WHERE id = $6`,
		t.Name, t.Description, t.NICodes, t.Crosswalk, t.Position, t.ID); err != nil {
		return nil, err
	}
	return changed, audit.Record(ctx, q, 0, "taxonomy.update", "taxonomy_term", t.ID, t.Vocabulary+"/"+t.Code+": changed "+strings.Join(changed, ", "))
}

// SetRetired retires a term (no longer offered for new records; kept on
// those that hold it) or brings it back. Audited.
func SetRetired(ctx context.Context, q db.Querier, id int64, retired bool) error {
	t, err := Get(ctx, q, id)
	if err != nil {
		return err
	}
	if t.Retired == retired {
		return nil
	}
	if _, err := q.ExecContext(ctx, `UPDATE taxonomy_terms SET retired = $1 WHERE id = $2`, retired, id); err != nil {
		return err
	}
	action := "taxonomy.unretire"
	if retired {
		action = "taxonomy.retire"
	}
	return audit.Record(ctx, q, 0, action, "taxonomy_term", id, t.Vocabulary+"/"+t.Code+": "+t.Name)
}

// Reference is a table column that refers to taxonomy terms.
type Reference struct{ Table, Column string }

// References finds, in the database catalogue, every foreign key that
// refers to taxonomy_terms (so usage counts cover features added later).
func References(ctx context.Context, d *db.DB) ([]Reference, error) {
	q := `SELECT m.name, p."from" FROM sqlite_master m JOIN pragma_foreign_key_list(m.name) p ON p."table" = 'taxonomy_terms' WHERE m.type = 'table'`
	if d.IsPostgres() {
		// pg_catalog, not information_schema: the latter is slow.
		q = `SELECT r.relname, a.attname FROM pg_constraint c JOIN pg_class r ON r.oid = c.conrelid
			JOIN pg_attribute a ON a.attrelid = c.conrelid AND a.attnum = ANY (c.conkey)
			WHERE c.contype = 'f' AND c.confrelid = 'taxonomy_terms'::regclass`
	}
	rows, err := d.Q().QueryContext(ctx, q)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Reference
	for rows.Next() {
		var r Reference
		if err := rows.Scan(&r.Table, &r.Column); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Table < out[j].Table })
	return out, rows.Err()
}

func quoteIdent(s string) string { return `"` + strings.ReplaceAll(s, `"`, `""`) + `"` }

// Usage counts, per term id, the rows that refer to each term, summed over
// every referencing table; byTable gives the split for one term when
// termID is not 0.
func Usage(ctx context.Context, d *db.DB, termID int64) (total map[int64]int, byTable map[string]int, err error) {
	refs, err := References(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	total, byTable = map[int64]int{}, map[string]int{}
	for _, r := range refs {
		// A reference may be optional (an opportunity's requirement that
		// is not a taxonomy term): its empty rows count for no term.
		q := `SELECT ` + quoteIdent(r.Column) + `, COUNT(*) FROM ` + quoteIdent(r.Table) + ` WHERE ` + quoteIdent(r.Column) + ` IS NOT NULL GROUP BY ` + quoteIdent(r.Column)
		var args []any
		if termID != 0 {
			q = `SELECT ` + quoteIdent(r.Column) + `, COUNT(*) FROM ` + quoteIdent(r.Table) + ` WHERE ` + quoteIdent(r.Column) + ` = $1 GROUP BY ` + quoteIdent(r.Column)
			args = append(args, termID)
		}
		rows, err := d.Q().QueryContext(ctx, q, args...)
		if err != nil {
			return nil, nil, err
		}
		for rows.Next() {
			var id int64
			var n int
			if err := rows.Scan(&id, &n); err != nil {
				rows.Close()
				return nil, nil, err
			}
			total[id] += n
			if termID != 0 {
				byTable[r.Table] += n
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, nil, err
		}
	}
	return total, byTable, nil
}
