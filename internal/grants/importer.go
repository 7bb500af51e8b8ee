package grants

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"runtime"
	"slices"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// Importers are the `partnerhub import` kinds of this feature.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{
		"grants": func(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			res, err := Import(ctx, s.DB, data, Options{DryRun: dryRun, Now: s.Now()})
			if err != nil {
				return nil, err
			}
			return res.Report, nil
		},
	}
}

// Options of one import.
type Options struct {
	DryRun bool
	Now    time.Time // today, for post-dated award dates (zero: now)
	UserID int64     // who imports (0: the command line)
	Origin string    // "import" (default) or "demo"
}

// Result is an import's report with what matching did.
type Result struct {
	*importing.Report
	Matched, Unmatched, Proposed int
	// NonGBP counts grants in another currency by currency.
	NonGBP map[string]int
	// Grants are the grants the file holds that were taken (for a preview).
	Grants []Grant
}

// Import reads a 360Giving file (JSON package, CSV or XLSX with the
// standard's column titles), checks every grant against the schema and
// 360Giving's data-quality checks, and writes the grants that can be kept
// in one transaction, matched to directory organisations by org-id.
// Grants are identified by their 360Giving identifier, so importing a
// file again changes nothing. A grant the schema refuses is rejected
// (listed with its line or JSON path); a data-quality problem is a
// warning and the grant is kept. A file none of whose grants can be kept
// is refused whole, listing the problems. Nothing is written on a dry run,
// on an error or when the import is stopped part-way.
func Import(ctx context.Context, d *db.DB, data []byte, o Options) (*Result, error) {
	if o.Now.IsZero() {
		o.Now = db.Now()
	}
	if o.Origin == "" {
		o.Origin = "import"
	}
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	f, err := readFile(data)
	if err != nil {
		return nil, err
	}
	rep := &importing.Report{Format: f.format, Unit: f.unit, DryRun: o.DryRun, Notes: f.notes}
	res := &Result{Report: rep, NonGBP: map[string]int{}}
	today := o.Now.In(london)
	today = time.Date(today.Year(), today.Month(), today.Day(), 0, 0, 0, 0, time.UTC)
	firstLine := map[string]int{}
	checked, err := checkAll(ctx, s, f, today)
	if err != nil {
		return nil, err
	}
	for i := range f.items {
		it, c := &f.items[i], &checked[i]
		rep.Rows++
		if c.rejected != "" {
			rep.Reject(it.n, "", c.rejected)
			continue
		}
		g, warns := c.g, c.warns
		if n, dup := firstLine[g.Identifier]; dup {
			rep.Reject(it.n, "", fmt.Sprintf("%s: the grant identifier %s is also %s %d; identifiers must be unique", f.where(*it, "/id"), g.Identifier, f.unit, n))
			continue
		}
		firstLine[g.Identifier] = it.n
		for _, w := range warns {
			rep.Warn(it.n, "", w.String())
		}
		if !g.IsGBP() {
			res.NonGBP[g.Currency]++
		}
		g.Origin = o.Origin
		res.Grants = append(res.Grants, g)
	}
	rep.Sort()
	if len(res.Grants) == 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "The file was refused: none of its %d grants can be imported. Nothing was imported.\n%s", rep.Rows, strings.TrimRight(problemList(rep), "\n"))
	}
	if len(res.NonGBP) > 0 {
		var parts []string
		for _, c := range sortedKeysInt(res.NonGBP) {
			parts = append(parts, fmt.Sprintf("%d in %s", res.NonGBP[c], c))
		}
		rep.Notes = append(rep.Notes, fmt.Sprintf("Grants in a currency other than GBP (%s) are kept and shown in their own currency, but not counted in GBP totals.", strings.Join(parts, ", ")))
	}
	// WriteBulk: every organisation a grant points at was read in the
	// same transaction (the matcher), so SQLite's row-by-row foreign-key
	// lookups are not needed.
	err = importing.Apply(ctx, d.WriteBulk, rep, func(tx *db.Tx) error {
		return write(ctx, tx, res, o)
	})
	if err != nil {
		res.Matched, res.Proposed = 0, 0
		return nil, err
	}
	verb := ""
	if o.DryRun {
		verb = "would be "
	}
	rep.Also = append(rep.Also,
		importing.Count{Label: "grants " + verb + "matched to directory organisations", N: res.Matched},
		importing.Count{Label: "recipient matches " + verb + "proposed to administrators", N: res.Proposed})
	return res, nil
}

// checkedItem is one grant checked: why it is rejected, or the grant
// and its warnings.
type checkedItem struct {
	rejected string
	g        Grant
	warns    []problem
}

// checkAll checks every grant against the schema and converts it, on
// every core (the checks are most of an import's work; each grant is
// checked on its own).
func checkAll(ctx context.Context, s *schemas, f *file, today time.Time) ([]checkedItem, error) {
	out := make([]checkedItem, len(f.items))
	workers := min(runtime.GOMAXPROCS(0), max(1, len(f.items)/256))
	var wg sync.WaitGroup
	for w := range workers {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := w; i < len(f.items); i += workers {
				if i%512 == w && ctx.Err() != nil {
					return
				}
				it, c := &f.items[i], &out[i]
				if re, ok := it.value.(rowError); ok {
					c.rejected = string(re)
					continue
				}
				if probs := s.validate(f, it); len(probs) > 0 {
					c.rejected = joinProblems(probs)
					continue
				}
				var errs []problem
				c.g, c.warns, errs = convert(f, *it, docFrom(it.value.(map[string]any)), today)
				if len(errs) > 0 {
					c.rejected = joinProblems(errs)
				}
			}
		}()
	}
	wg.Wait()
	return out, ctx.Err()
}

var london = mustLoad("Europe/London")

func mustLoad(name string) *time.Location {
	l, err := time.LoadLocation(name)
	if err != nil {
		return time.UTC
	}
	return l
}

func joinProblems(ps []problem) string {
	out := make([]string, len(ps))
	for i, p := range ps {
		out[i] = p.String()
	}
	return strings.Join(out, "; ")
}

// problemList is every rejection of a refused file, one a line.
func problemList(rep *importing.Report) string {
	var b strings.Builder
	for _, x := range rep.Rejected {
		fmt.Fprintf(&b, "%s %d: %s\n", rep.Unit, x.Line, x.Reason)
	}
	return b.String()
}

func sortedKeysInt(m map[string]int) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// hash is what says whether a stored grant differs from the file's (its
// match to an organisation is compared on its own).
func (g *Grant) hash() string {
	h := sha256.New()
	for _, v := range []any{g.Title, g.Description, g.Currency, g.AmountMinor, g.AwardDate, g.FunderIdentifier, g.FunderName,
		g.RecipientKey, g.RecipientIdentifier, g.RecipientName, g.RecipientPostcode, g.RecipientCharityNumber, g.RecipientCompanyNumber,
		g.Programme, g.BeneficiaryLocation, g.BeneficiaryWard, g.ThemeCode, g.DataSource} {
		fmt.Fprintf(h, "%v\x00", v)
	}
	return hex.EncodeToString(h.Sum(nil)[:16])
}

// write stores the grants of res in tx: matched, inserted or updated
// (or left as they are), and proposals made for recipients not matched.
func write(ctx context.Context, tx *db.Tx, res *Result, o Options) error {
	m, err := loadMatcher(ctx, tx)
	if err != nil {
		return err
	}
	unmatched := map[string]*Grant{}
	for i := range res.Grants {
		g := &res.Grants[i]
		if id, how := m.match(g); id != 0 {
			g.RecipientOrgID, g.MatchMethod = id, how
			res.Matched++
		} else if !strings.HasPrefix(g.RecipientKey, "individual:") && g.RecipientName != "" {
			res.Unmatched++
			if _, ok := unmatched[g.RecipientKey]; !ok {
				unmatched[g.RecipientKey] = g
			}
		}
	}
	type stored struct {
		hash  string
		orgID int64
	}
	existing := map[string]stored{}
	ids := make([]string, len(res.Grants))
	for i, g := range res.Grants {
		ids[i] = g.Identifier
	}
	for start := 0; start < len(ids); start += 500 {
		batch := ids[start:min(len(ids), start+500)]
		var args []any
		rows, err := tx.QueryContext(ctx, `SELECT identifier, content_hash, COALESCE(recipient_org_id, 0) FROM grants WHERE identifier IN (`+db.Placeholders(&args, batch)+`)`, args...)
		if err != nil {
			return err
		}
		for rows.Next() {
			var ident string
			var st stored
			if err := rows.Scan(&ident, &st.hash, &st.orgID); err != nil {
				rows.Close()
				return err
			}
			existing[ident] = st
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
	}
	now := db.Now()
	ins, err := tx.PrepareContext(ctx, `INSERT INTO grants (identifier, title, description, currency, amount_minor, award_date, award_year,
		funder_identifier, funder_name, recipient_key, recipient_identifier, recipient_name, recipient_postcode, recipient_charity_number,
		recipient_company_number, recipient_org_id, match_method, programme, beneficiary_location, beneficiary_ward, theme_code, data_source,
		content_hash, origin, imported_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$25)`)
	if err != nil {
		return err
	}
	defer ins.Close()
	upd, err := tx.PrepareContext(ctx, `UPDATE grants SET title=$2, description=$3, currency=$4, amount_minor=$5, award_date=$6, award_year=$7,
		funder_identifier=$8, funder_name=$9, recipient_key=$10, recipient_identifier=$11, recipient_name=$12, recipient_postcode=$13,
		recipient_charity_number=$14, recipient_company_number=$15, recipient_org_id=$16, match_method=$17, programme=$18,
		beneficiary_location=$19, beneficiary_ward=$20, theme_code=$21, data_source=$22, content_hash=$23, updated_at=$24
		WHERE identifier=$1`)
	if err != nil {
		return err
	}
	defer upd.Close()
	for i := range res.Grants {
		if i%1000 == 0 {
			if err := ctx.Err(); err != nil {
				return err
			}
		}
		g := &res.Grants[i]
		h := g.hash()
		args := []any{g.Identifier, g.Title, g.Description, g.Currency, g.AmountMinor, g.AwardDate, g.AwardYear,
			g.FunderIdentifier, g.FunderName, g.RecipientKey, g.RecipientIdentifier, g.RecipientName, g.RecipientPostcode,
			g.RecipientCharityNumber, g.RecipientCompanyNumber, db.NullID(g.RecipientOrgID), g.MatchMethod, g.Programme,
			g.BeneficiaryLocation, g.BeneficiaryWard, g.ThemeCode, g.DataSource, h, g.Origin, now}
		old, ok := existing[g.Identifier]
		switch {
		case !ok:
			if _, err := ins.ExecContext(ctx, args...); err != nil {
				return db.Err(err, "")
			}
			res.Created++
		case old.hash == h && old.orgID == g.RecipientOrgID:
			res.Unchanged++
		default:
			// Where a grant first came from (a file, the demo) stays.
			updArgs := append(append([]any{}, args[:23]...), args[24:]...)
			if _, err := upd.ExecContext(ctx, updArgs...); err != nil {
				return db.Err(err, "")
			}
			res.Updated++
		}
	}
	if len(unmatched) > 0 {
		n, err := propose(ctx, tx, m, unmatched)
		if err != nil {
			return err
		}
		res.Proposed = n
	}
	if res.Created+res.Updated > 0 {
		return audit.Record(ctx, tx, 0, "grants.import", "grants", res.Format,
			fmt.Sprintf("%s: %d created, %d updated, %d unchanged, %d rejected", res.Format, res.Created, res.Updated, res.Unchanged, len(res.Rejected)))
	}
	return nil
}
