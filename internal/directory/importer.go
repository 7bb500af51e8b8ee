package directory

import (
	"bytes"
	"context"
	"encoding/csv"
	"encoding/json"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"sync"
	"unicode/utf8"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
)

// Import of organisations from CSV (our layout or the Charity Commission
// register extract) and Open Referral UK JSON. Rows are matched by
// identifier, so re-importing a file changes nothing. Good rows are
// written in ONE transaction (nothing half-written if the process dies);
// bad rows are reported with their line and reason and skipped.

// MaxImportRows bounds one file.
const MaxImportRows = 500000

// importRowLimit is MaxImportRows (a test lowers it).
var importRowLimit = MaxImportRows

// Our CSV layout's required columns.
var csvColumns = []string{"identifier", "name", "sector", "legal_form", "postcode", "wards", "services", "themes", "description", "website", "income_band"}

// Charity Commission extract columns (normalised: lower case, underscores).
var ccColumns = []string{"registered_charity_number", "charity_name"}

// Rejection is one bad row.
type Rejection struct {
	Line   int
	Reason string
}

// ImportReport says what an import did (or would do, on a dry run).
type ImportReport struct {
	Format                            string
	Rows, Created, Updated, Unchanged int
	Rejected                          []Rejection
	DryRun                            bool
}

// String renders the report for the CLI and the upload page.
func (r *ImportReport) String() string {
	var b strings.Builder
	for _, x := range r.Rejected {
		fmt.Fprintf(&b, "line %d: rejected: %s\n", x.Line, x.Reason)
	}
	verb := ""
	if r.DryRun {
		verb = "would be "
		b.WriteString("Dry run: nothing was written.\n")
	}
	fmt.Fprintf(&b, "%s: %d rows read; %d %screated, %d %supdated, %d unchanged, %d rejected\n", r.Format, r.Rows, r.Created, verb, r.Updated, verb, r.Unchanged, len(r.Rejected))
	return b.String()
}

// importRow is one parsed row before it is matched.
type importRow struct {
	line       int
	identifier string
	p          Profile
	services   []int64
	themes     []int64
	hasTerms   bool
	setWards   bool
	// What the row creates if its identifier is new, made ready by the
	// parser (see prepare): the validated profile with its slug, and its
	// search document's fields.
	fresh          *Profile
	desc, svcNames string
	facets, kind   string
}

var errDryRun = errors.New("dry run")

func (s *Service) importFile(ctx context.Context, file string, dryRun bool, out io.Writer) error {
	b, err := os.ReadFile(file)
	if err != nil {
		return err
	}
	rep, err := Import(ctx, s.DB, b, dryRun)
	if rep != nil && rep.Format != "" { // a file refused whole has only the error to say
		fmt.Fprint(out, rep.String())
	}
	return err
}

// importBatch is how many parsed rows the parser hands the writer at a
// time.
const importBatch = 4000

// Import reads CSV or ORUK JSON and writes the good rows in one
// transaction (rolled back on a dry run).
//
// The file is parsed and validated on one goroutine while the writer
// applies the rows on another, a batch at a time: SQLite has a single
// writer, and the parsing (CSV, validation, slugs, search tokens) is
// about a quarter of a large import's work, which a second core does
// meanwhile. The transaction is a db.WriteBulk: every row it inserts
// points at an organisation it created, or a taxonomy term it read, in
// the same transaction.
func Import(ctx context.Context, d *db.DB, data []byte, dryRun bool) (*ImportReport, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	rep := &ImportReport{DryRun: dryRun}
	parsed := &ImportReport{}
	// The file's lines: its rows for CSV (an upper bound), a rough size
	// for JSON. Only the page cache and how indexes are built depend on it.
	n := bytes.Count(data, []byte("\n"))
	err := d.WriteBulk(ctx, func(tx *db.Tx) error {
		if tx.Dialect == db.SQLite && n > 1000 {
			// A big import's pages stay in memory until the commit
			// instead of spilling to the WAL mid-transaction (2 KiB a
			// row, 128 to 512 MiB); the writer's page cache is put back
			// after.
			if _, err := tx.ExecContext(ctx, fmt.Sprintf(`PRAGMA cache_size = -%d`, min(max(131072, 2*n), 524288))); err != nil {
				return err
			}
			defer tx.ExecContext(ctx, `PRAGMA cache_size = -2000`)
		}
		rebuild, err := deferIndexes(ctx, tx, n)
		if err != nil {
			return err
		}
		// Read inside the transaction: the terms the rows name exist
		// until it commits.
		pp, err := newImportPrep(ctx, tx)
		if err != nil {
			return err
		}
		batches := make(chan []importRow, 2)
		stop := make(chan struct{})
		var stopOnce sync.Once
		halt := func() { stopOnce.Do(func() { close(stop) }) }
		var perr error
		var wg sync.WaitGroup
		// However the writer ends (an error, a panic), the parser is told
		// to stop and waited for.
		defer wg.Wait()
		defer halt()
		wg.Add(1)
		go func() {
			defer wg.Done()
			defer close(batches)
			defer func() {
				if r := recover(); r != nil {
					perr = fmt.Errorf("import parser: %v", r)
				}
			}()
			var batch []importRow
			send := func() error {
				select {
				case batches <- batch:
					batch = nil
					return nil
				case <-stop:
					return errStopped
				}
			}
			perr = parseFile(data, pp, parsed, func(row importRow) error {
				if batch == nil {
					batch = make([]importRow, 0, importBatch)
				}
				batch = append(batch, row)
				if len(batch) == importBatch {
					return send()
				}
				return nil
			})
			if perr == nil && len(batch) > 0 {
				perr = send()
			}
		}()
		w, err := newImportWriter(ctx, tx, pp, rep)
		if err != nil {
			return err
		}
		defer w.close()
		err = BulkSearchDocs(ctx, tx, func() error {
			for b := range batches {
				if err := w.apply(b); err != nil {
					return err
				}
			}
			wg.Wait()
			if perr != nil {
				return perr
			}
			if err := w.finish(); err != nil {
				return err
			}
			return rebuild()
		})
		halt()
		wg.Wait()
		rep.Format, rep.Rows = parsed.Format, parsed.Rows
		rep.Rejected = append(rep.Rejected, parsed.Rejected...)
		if err != nil {
			return err
		}
		if dryRun {
			return errDryRun
		}
		// One summary row per import; each created organisation has its
		// own "organisation.create" row and each update its field-level
		// "directory.profile_update" row (see import_bulk.go).
		return audit.Record(ctx, tx, 0, "directory.import", "import", rep.Format,
			fmt.Sprintf("%d rows read; %d created, %d updated, %d unchanged, %d rejected", rep.Rows, rep.Created, rep.Updated, rep.Unchanged, len(rep.Rejected)))
	})
	if errors.Is(err, errDryRun) {
		err = nil
	} else if err != nil {
		// Nothing was written: do not report rows of earlier batches as
		// created or updated.
		rep.Created, rep.Updated, rep.Unchanged = 0, 0, 0
	}
	if rep.Format == "" {
		rep.Format = parsed.Format
	}
	sortRejections(rep.Rejected)
	return rep, err
}

var errStopped = errors.New("import stopped")

// parseFile parses CSV or ORUK JSON, calling emit with every good row
// (in file order) and recording bad ones in rep.
func parseFile(data []byte, pp *importPrep, rep *ImportReport, emit func(importRow) error) error {
	if trim := bytes.TrimSpace(data); len(trim) > 0 && (trim[0] == '{' || trim[0] == '[') {
		rep.Format = "Open Referral UK JSON"
		return parseORUK(trim, pp, rep, emit)
	}
	return parseCSV(data, pp, rep, emit)
}

func sortRejections(rs []Rejection) {
	sort.SliceStable(rs, func(i, j int) bool { return rs[i].Line < rs[j].Line })
}

func reason(err error) string {
	var parts []string
	for _, fe := range apperr.Fields(err) {
		if fe.Field != "" {
			parts = append(parts, fe.Field+": "+fe.Message)
		} else {
			parts = append(parts, fe.Message)
		}
	}
	if len(parts) == 0 {
		return apperr.Message(err)
	}
	return strings.Join(parts, "; ")
}

// vocab finds terms by code or name, case-insensitively.
type vocab map[string]map[string]int64

// importPrep is what the parser needs to make rows ready: the taxonomy
// (terms by code or name) and the services' names in list order (for
// search documents).
type importPrep struct {
	vocab   vocab
	svcName map[int64]string
	svcPos  map[int64]int
}

func newImportPrep(ctx context.Context, q db.Querier) (*importPrep, error) {
	v := vocab{}
	for _, name := range []string{taxonomy.Services, taxonomy.Themes, taxonomy.ClientGroups} {
		ts, err := taxonomy.List(ctx, q, name, false)
		if err != nil {
			return nil, err
		}
		m := map[string]int64{}
		for _, t := range ts {
			m[strings.ToLower(t.Code)] = t.ID
			m[strings.ToLower(t.Name)] = t.ID
		}
		v[name] = m
	}
	svcs, err := taxonomy.List(ctx, q, taxonomy.Services, true)
	if err != nil {
		return nil, err
	}
	pp := &importPrep{vocab: v, svcName: map[int64]string{}, svcPos: map[int64]int{}}
	for i, t := range svcs {
		pp.svcName[t.ID] = t.Name
		pp.svcPos[t.ID] = i
	}
	return pp, nil
}

// prepare validates a row as the organisation it would create (the rules
// of Profile.Validate, so a row that passes cannot fail when written) and
// keeps that profile, its slug and its search document's fields for the
// writer. A row naming an organisation we already have uses only the
// normalised postcode from here.
func (pp *importPrep) prepare(row *importRow, val *apperr.Validation) {
	p := &Profile{}
	row.applyTo(p, true)
	if err := p.Validate(); err != nil {
		for _, fe := range apperr.Fields(err) {
			val.Add(fe.Field, fe.Message)
		}
		return
	}
	row.p.Postcode = p.Postcode
	p.Slug = accounts.Slugify(p.Name)
	row.fresh = p
	row.desc = strings.TrimSpace(p.Description + "\n" + p.Mission)
	row.svcNames = pp.serviceNames(p.TermIDs)
	row.facets, row.kind = facetTokens(p)
}

// serviceNames is the search document's services: the names of the
// services among ids, in the taxonomy's order.
func (pp *importPrep) serviceNames(ids []int64) string {
	var svc []int64
	seen := map[int64]bool{}
	for _, id := range ids {
		if _, ok := pp.svcName[id]; ok && !seen[id] {
			seen[id] = true
			svc = append(svc, id)
		}
	}
	sort.Slice(svc, func(i, j int) bool { return pp.svcPos[svc[i]] < pp.svcPos[svc[j]] })
	names := make([]string, len(svc))
	for i, id := range svc {
		names[i] = pp.svcName[id]
	}
	return strings.Join(names, "; ")
}

func (v vocab) terms(voc, field, list string, val *apperr.Validation) []int64 {
	var out []int64
	for _, s := range strings.Split(list, ";") {
		s = strings.ToLower(strings.TrimSpace(s))
		if s == "" {
			continue
		}
		id, ok := v[voc][s]
		if !ok {
			val.Add(field, fmt.Sprintf("%q is not a %s in the taxonomy", s, strings.ReplaceAll(voc, "_", " ")))
			continue
		}
		out = append(out, id)
	}
	return out
}

func normHeader(h string) string {
	h = strings.ToLower(strings.TrimSpace(h))
	return strings.Map(func(r rune) rune {
		if r == ' ' || r == '-' {
			return '_'
		}
		return r
	}, h)
}

func parseCSV(data []byte, pp *importPrep, rep *ImportReport, emit func(importRow) error) error {
	v := pp.vocab
	if !utf8.Valid(data) {
		line := 1 + bytes.Count(data[:firstInvalid(data)], []byte("\n"))
		return apperr.Errorf(apperr.EINVALID, "The file is not UTF-8 text (first bad byte on line %d). Save it as \"CSV UTF-8\" and try again.", line)
	}
	if tooManyRecords(data) {
		return apperr.Errorf(apperr.ETOOLARGE, "The file has more than %d rows; split it into smaller files", importRowLimit)
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	header, err := r.Read()
	if err != nil {
		return apperr.Errorf(apperr.EINVALID, "The file has no header row: %v", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[normHeader(h)] = i
	}
	has := func(cs []string) (missing []string) {
		for _, c := range cs {
			if _, ok := col[c]; !ok {
				missing = append(missing, c)
			}
		}
		return
	}
	cc := false
	if m := has(csvColumns); len(m) > 0 {
		if len(has(ccColumns)) > 0 {
			return apperr.Errorf(apperr.EINVALID, "Line 1: the header is missing the columns %s. Expected %s (or the Charity Commission register extract's columns: registered charity number, charity name ...).",
				strings.Join(m, ", "), strings.Join(csvColumns, ", "))
		}
		cc = true
		rep.Format = "Charity Commission CSV"
	} else {
		rep.Format = "CSV"
	}
	get := func(rec []string, c string) string {
		if i, ok := col[c]; ok && i < len(rec) {
			return rec[i]
		}
		return ""
	}
	seen := map[string]int{}
	for {
		rec, err := r.Read()
		if err == io.EOF {
			break
		}
		line, _ := r.FieldPos(0)
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				rep.Rejected = append(rep.Rejected, Rejection{pe.StartLine, "not valid CSV: " + pe.Err.Error()})
				if pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote {
					continue
				}
			}
			return apperr.Errorf(apperr.EINVALID, "The file cannot be read as CSV: %v", err)
		}
		rep.Rows++
		if rep.Rows > importRowLimit {
			return apperr.Errorf(apperr.ETOOLARGE, "The file has more than %d rows; split it into smaller files", importRowLimit)
		}
		if len(rec) != len(header) {
			rep.Rejected = append(rep.Rejected, Rejection{line, fmt.Sprintf("has %d fields; the header has %d", len(rec), len(header))})
			continue
		}
		var row importRow
		var val apperr.Validation
		row.line = line
		if cc {
			row = ccRow(line, get, rec, v, &val)
		} else {
			row.identifier = get(rec, "identifier")
			row.p.Name, row.p.Sector, row.p.LegalForm = get(rec, "name"), strings.TrimSpace(get(rec, "sector")), strings.TrimSpace(get(rec, "legal_form"))
			row.p.Postcode, row.p.Description, row.p.Website = get(rec, "postcode"), get(rec, "description"), strings.TrimSpace(get(rec, "website"))
			row.p.IncomeBand = strings.TrimSpace(get(rec, "income_band"))
			row.p.Wards = splitList(get(rec, "wards"))
			row.setWards = true
			row.services = v.terms(taxonomy.Services, "services", get(rec, "services"), &val)
			row.themes = v.terms(taxonomy.Themes, "themes", get(rec, "themes"), &val)
			row.hasTerms = true
		}
		id, _, err := ParseIdentifier(row.identifier)
		if err != nil {
			val.Add("identifier", err.Error())
		}
		row.identifier = id
		if first, dup := seen[id]; dup && id != "" {
			rep.Rejected = append(rep.Rejected, Rejection{line, fmt.Sprintf("identifier: %s appears again (first on line %d)", id, first)})
			continue
		}
		pp.prepare(&row, &val)
		if e := val.Err(); e != nil {
			rep.Rejected = append(rep.Rejected, Rejection{line, reason(e)})
			continue
		}
		seen[id] = line
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

// tooManyRecords says, before any row is handed to the writer, whether a
// CSV file has more data rows than importRowLimit. Every record ends at a
// line break (or the end), so a file with no more line breaks than the
// limit cannot have too many; only a longer one (quoted fields may hold
// line breaks) is counted record by record.
func tooManyRecords(data []byte) bool {
	if bytes.Count(data, []byte("\n")) <= importRowLimit {
		return false
	}
	r := csv.NewReader(bytes.NewReader(data))
	r.FieldsPerRecord = -1
	r.ReuseRecord = true
	n := -1 // the header
	for {
		_, err := r.Read()
		if err == io.EOF {
			return false
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) && (pe.Err == csv.ErrQuote || pe.Err == csv.ErrBareQuote) {
				continue // a rejected line, as the parser counts it
			}
			return false // unreadable: the parser says so
		}
		if n++; n > importRowLimit {
			return true
		}
	}
}

func firstInvalid(b []byte) int {
	for i := 0; i < len(b); {
		r, n := utf8.DecodeRune(b[i:])
		if r == utf8.RuneError && n <= 1 {
			return i
		}
		i += n
	}
	return len(b)
}

// ccRow maps a Charity Commission register extract row.
func ccRow(line int, get func([]string, string) string, rec []string, v vocab, val *apperr.Validation) importRow {
	row := importRow{line: line}
	num := strings.TrimSpace(get(rec, "registered_charity_number"))
	row.identifier = "GB-CHC-" + num
	if num == "" {
		val.Add("registered_charity_number", "Enter the registered charity number")
	}
	row.p.Name = get(rec, "charity_name")
	row.p.Sector, row.p.LegalForm = "vcs", "charity"
	if t := strings.ToLower(get(rec, "charity_company_registration_number")); strings.TrimSpace(t) != "" {
		row.p.LegalForm = "charitable_company"
	}
	if strings.Contains(strings.ToLower(get(rec, "charity_type")), "cio") {
		row.p.LegalForm = "cio"
	}
	var addr []string
	for _, c := range []string{"charity_contact_address", "charity_contact_address1", "charity_contact_address2", "charity_contact_address3", "charity_contact_address4", "charity_contact_address5", "contact_address"} {
		if s := strings.TrimSpace(get(rec, c)); s != "" {
			addr = append(addr, s)
		}
	}
	row.p.Address = strings.Join(addr, ", ")
	row.p.Postcode = get(rec, "charity_contact_postcode")
	if row.p.Postcode == "" {
		row.p.Postcode = get(rec, "postcode")
	}
	row.p.Description = get(rec, "charity_activities")
	if row.p.Description == "" {
		row.p.Description = get(rec, "activities")
	}
	row.p.Website = strings.TrimSpace(get(rec, "charity_contact_web"))
	if inc := strings.TrimSpace(get(rec, "latest_income")); inc != "" {
		f, err := strconv.ParseFloat(strings.NewReplacer(",", "", "£", "").Replace(inc), 64)
		if err != nil {
			val.Add("latest_income", fmt.Sprintf("%q is not an amount of money", inc))
		} else {
			row.p.IncomeBand = bandFor(f)
		}
	}
	cls := strings.ToLower(get(rec, "classification") + " " + get(rec, "charity_classification") + " " + get(rec, "classification_description"))
	for kw, code := range classificationThemes {
		if strings.Contains(cls, kw) {
			if id, ok := v[taxonomy.Themes][code]; ok && !contains(row.themes, id) {
				row.themes = append(row.themes, id)
			}
		}
	}
	row.hasTerms = len(row.themes) > 0
	return row
}

// classificationThemes maps Charity Commission "what" classifications to themes.
var classificationThemes = map[string]string{
	"education/training": "employment-skills", "health": "health-wellbeing", "disability": "disability",
	"poverty": "financial-inclusion", "housing": "housing-homelessness", "arts/culture": "arts-culture-sport",
	"amateur sport": "arts-culture-sport", "environment": "environment", "economic/community development": "employment-skills",
	"children/young people": "children-young-people", "elderly/old people": "older-people",
}

func bandFor(income float64) string {
	switch {
	case income < 10000:
		return "under_10k"
	case income < 100000:
		return "10k_100k"
	case income < 500000:
		return "100k_500k"
	case income < 1000000:
		return "500k_1m"
	case income < 5000000:
		return "1m_5m"
	}
	return "over_5m"
}

// parseORUK reads an ORUK 3.0 page ({"contents": [...]}) or array of
// organizations (or services carrying an organization).
func parseORUK(data []byte, pp *importPrep, rep *ImportReport, emit func(importRow) error) error {
	var items []json.RawMessage
	if data[0] == '[' {
		if err := json.Unmarshal(data, &items); err != nil {
			return apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v", err)
		}
	} else {
		var page struct {
			Contents []json.RawMessage `json:"contents"`
		}
		if err := json.Unmarshal(data, &page); err != nil {
			return apperr.Errorf(apperr.EINVALID, "The JSON cannot be read: %v", err)
		}
		if page.Contents == nil {
			items = []json.RawMessage{data}
		} else {
			items = page.Contents
		}
	}
	if len(items) > importRowLimit {
		return apperr.Errorf(apperr.ETOOLARGE, "The file has more than %d organizations; split it into smaller files", importRowLimit)
	}
	seen := map[string]int{}
	for i, raw := range items {
		n := i + 1
		rep.Rows++
		var o orukOrgIn
		if err := json.Unmarshal(raw, &o); err != nil {
			rep.Rejected = append(rep.Rejected, Rejection{n, "item is not an organization: " + err.Error()})
			continue
		}
		if o.Organization != nil { // a service with its organization
			o = *o.Organization
		}
		var val apperr.Validation
		row := importRow{line: n}
		row.p.Name, row.p.Description, row.p.Website = o.Name, o.Description, strings.TrimSpace(o.Website)
		row.p.Sector, row.p.LegalForm = "vcs", "unincorporated"
		if len(o.Identifiers) > 0 {
			row.identifier = strings.TrimSpace(o.Identifiers[0].Scheme) + "-" + strings.TrimSpace(o.Identifiers[0].Identifier)
		}
		if strings.HasPrefix(strings.ToUpper(row.identifier), "GB-CHC") {
			row.p.LegalForm = "charity"
		} else if strings.HasPrefix(strings.ToUpper(row.identifier), "GB-COH") {
			row.p.LegalForm = "company"
		}
		for _, l := range o.Locations {
			for _, a := range l.Addresses {
				if row.p.Postcode == "" {
					row.p.Postcode = a.PostalCode
					row.p.Address = strings.Trim(strings.Join([]string{a.Address1, a.City}, ", "), ", ")
				}
			}
		}
		id, _, err := ParseIdentifier(row.identifier)
		if err != nil {
			val.Add("organization_identifiers", err.Error())
		}
		row.identifier = id
		if first, dup := seen[id]; dup && id != "" {
			rep.Rejected = append(rep.Rejected, Rejection{n, fmt.Sprintf("identifier: %s appears again (first in item %d)", id, first)})
			continue
		}
		pp.prepare(&row, &val)
		if e := val.Err(); e != nil {
			rep.Rejected = append(rep.Rejected, Rejection{n, reason(e)})
			continue
		}
		seen[id] = n
		if err := emit(row); err != nil {
			return err
		}
	}
	return nil
}

type orukOrgIn struct {
	Name         string     `json:"name"`
	Description  string     `json:"description"`
	Website      string     `json:"website"`
	Organization *orukOrgIn `json:"organization"`
	Identifiers  []struct {
		Scheme     string `json:"identifier_scheme"`
		Identifier string `json:"identifier"`
	} `json:"organization_identifiers"`
	Locations []struct {
		Addresses []struct {
			Address1   string `json:"address_1"`
			City       string `json:"city"`
			PostalCode string `json:"postal_code"`
		} `json:"addresses"`
	} `json:"locations"`
}
