package directory

import (
	"bytes"
	"context"
	"errors"
	"fmt"
	"os"
	"partnerhub/internal/clean"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
)

// Import of organisations from CSV (our layout or the Charity Commission
// register extract) and Open Referral UK JSON. Rows are matched by
// identifier, so re-importing a file changes nothing. Good rows are
// written in ONE transaction (nothing half-written if the process dies);
// bad rows are reported with their line and reason and skipped.

// MaxImportRows bounds one file.
const MaxImportRows = importing.MaxRows

// importRowLimit is MaxImportRows (a test lowers it).
var importRowLimit = MaxImportRows

// Our CSV layout's required columns.
var csvColumns = []string{"identifier", "name", "sector", "legal_form", "postcode", "wards", "services", "themes", "description", "website", "income_band"}

// Charity Commission extract columns (normalised: lower case, underscores).
var ccColumns = []string{"registered_charity_number", "charity_name"}

// The enumerated columns of our layout, accepted as codes or as the
// labels the pages show ("Voluntary and community", "CIC", "Public body",
// "Under £10,000").
var (
	sectorEnum     = importing.NewEnum(accounts.Sectors, accounts.Label)
	legalFormEnum  = importing.NewEnum(accounts.LegalForms, accounts.Label)
	incomeBandEnum = importing.NewEnum(IncomeBands, func(c string) string { return labels[c] })
)

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

func (s *Service) importFile(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
	b, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	return Import(ctx, s.DB, b, dryRun)
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
func Import(ctx context.Context, d *db.DB, data []byte, dryRun bool) (*importing.Report, error) {
	data = bytes.TrimPrefix(data, []byte("\xef\xbb\xbf"))
	rep := &importing.Report{DryRun: dryRun}
	parsed := &importing.Report{} // the parser's (it runs beside the writer)
	// The file's lines: its rows for CSV (an upper bound), a rough size
	// for JSON. Only how indexes are built depends on it.
	n := bytes.Count(data, []byte("\n"))
	if n < 2 { // lines that end in a lone CR
		n = max(n, bytes.Count(data, []byte("\r")))
	}
	err := importing.Apply(ctx, d.WriteBulk, rep, func(tx *db.Tx) error {
		// SQLite: the writer keeps its 2 MB page cache, and a large
		// import's pages spill to the WAL as it goes. A cache the size of
		// the import (it was grown to 128-512 MiB) cost more than the
		// spilling saves: modernc's allocator gives each 4 KiB page 8 KiB
		// and a page fault on first touch, and hands the memory back with
		// a madvise per 64 KiB when the cache shrinks after the commit
		// (about a quarter of the import's CPU; README, issue 20 target 3).
		// The deferrable indexes are dropped when the first new
		// organisation is written, and built again at the end.
		indexes := planIndexes(ctx, tx, n)
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
		w, err := newImportWriter(ctx, tx, indexes, rep)
		if err != nil {
			return err
		}
		defer w.close()
		err = BulkSearchDocs(ctx, tx, func() error {
			t0 := time.Now()
			for b := range batches {
				w.took("waiting for the parser", t0)
				if err := w.apply(b); err != nil {
					return err
				}
				t0 = time.Now()
			}
			wg.Wait()
			w.took("waiting for the parser", t0)
			if perr != nil {
				return perr
			}
			if err := w.finish(); err != nil {
				return err
			}
			t0 = time.Now()
			if err := indexes.rebuild(); err != nil {
				return err
			}
			w.took("index rebuild", t0)
			if !dryRun {
				// The tables of a directory this import at least doubled get their
				// planner statistics now (see import_stats.go), not
				// whenever autovacuum comes round.
				t0 = time.Now()
				if _, err := analyzeStale(ctx, tx, rep.Created, importTables); err != nil {
					return err
				}
				w.took("statistics", t0)
			}
			w.log()
			return nil
		})
		halt()
		wg.Wait()
		rep.Format, rep.Unit, rep.Rows = parsed.Format, parsed.Unit, parsed.Rows
		rep.Rejected = append(rep.Rejected, parsed.Rejected...)
		if err != nil || dryRun {
			return err
		}
		// One summary row per import; each created organisation has its
		// own "organisation.create" row and each update its field-level
		// "directory.profile_update" row (see import_bulk.go).
		return audit.Record(ctx, tx, 0, "directory.import", "import", rep.Format,
			fmt.Sprintf("%d rows read; %d created, %d updated, %d unchanged, %d rejected", rep.Rows, rep.Created, rep.Updated, rep.Unchanged, len(rep.Rejected)))
	})
	if rep.Format == "" {
		rep.Format, rep.Unit = parsed.Format, parsed.Unit
	}
	rep.Sort()
	return rep, err
}

var errStopped = errors.New("import stopped")

// parseFile parses CSV or ORUK JSON, calling emit with every good row
// (in file order) and recording bad ones in rep.
func parseFile(data []byte, pp *importPrep, rep *importing.Report, emit func(importRow) error) error {
	if importing.IsJSON(data) {
		rep.Format, rep.Unit = "Open Referral UK JSON", "item"
		return parseORUK(data, pp, rep, emit)
	}
	return parseCSV(data, pp, rep, emit)
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
	p.Slug = clean.Slug(p.Name)
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

func parseCSV(data []byte, pp *importPrep, rep *importing.Report, emit func(importRow) error) error {
	v := pp.vocab
	src, err := importing.NewCSV(data, importRowLimit)
	if err != nil {
		return err
	}
	h := src.Header()
	cc := false
	if m := h.Missing(csvColumns...); len(m) > 0 {
		if len(h.Missing(ccColumns...)) > 0 {
			return apperr.Errorf(apperr.EINVALID, "Line 1: the header is missing the columns %s. Expected %s (or the Charity Commission register extract's columns: registered charity number, charity name ...).",
				strings.Join(m, ", "), strings.Join(csvColumns, ", "))
		}
		cc = true
		rep.Format = "Charity Commission CSV"
	} else {
		rep.Format = "CSV"
	}
	seen := map[string]int{}
	return importing.Each(src, rep, func(rec *importing.Record) error {
		line := rec.Line
		var row importRow
		var val apperr.Validation
		row.line = line
		if cc {
			row = ccRow(rec, v, &val)
		} else {
			row.identifier = rec.Get("identifier")
			row.p.Name = rec.Get("name")
			row.p.Sector = sectorEnum.Value("sector", rec.Get("sector"), &val)
			row.p.LegalForm = legalFormEnum.Value("legal_form", rec.Get("legal_form"), &val)
			row.p.Postcode, row.p.Description, row.p.Website = rec.Get("postcode"), rec.Get("description"), strings.TrimSpace(rec.Get("website"))
			row.p.IncomeBand = incomeBandEnum.Value("income_band", rec.Get("income_band"), &val)
			row.p.Wards = splitList(rec.Get("wards"))
			row.setWards = true
			row.services = v.terms(taxonomy.Services, "services", rec.Get("services"), &val)
			row.themes = v.terms(taxonomy.Themes, "themes", rec.Get("themes"), &val)
			row.hasTerms = true
		}
		return pp.check(&row, &val, seen, "identifier", "on line", rep, emit)
	})
}

// check finishes a parsed row: its identifier is checked and must not
// repeat an earlier row's (seen: first line or item of each), the row is
// validated and prepared, then handed to emit or rejected on rep.
func (pp *importPrep) check(row *importRow, val *apperr.Validation, seen map[string]int, idField, on string, rep *importing.Report, emit func(importRow) error) error {
	id, _, err := ParseIdentifier(row.identifier)
	if err != nil {
		val.Add(idField, err.Error())
	}
	row.identifier = id
	if first, dup := seen[id]; dup && id != "" {
		rep.Reject(row.line, "identifier", fmt.Sprintf("identifier: %s appears again (first %s %d)", id, on, first))
		return nil
	}
	pp.prepare(row, val)
	if e := val.Err(); e != nil {
		rep.RejectErr(row.line, e)
		return nil
	}
	seen[id] = row.line
	return emit(*row)
}

// ccRow maps a Charity Commission register extract row.
func ccRow(rec *importing.Record, v vocab, val *apperr.Validation) importRow {
	row := importRow{line: rec.Line}
	get := func(_ *importing.Record, c string) string { return rec.Get(c) }
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
func parseORUK(data []byte, pp *importPrep, rep *importing.Report, emit func(importRow) error) error {
	src, err := importing.NewJSON(data, "contents", importRowLimit)
	if err != nil {
		return err
	}
	seen := map[string]int{}
	return importing.Each(src, rep, func(rec *importing.Record) error {
		var o orukOrgIn
		if err := rec.Decode(&o); err != nil {
			rep.Reject(rec.Line, "", "item is not an organization: "+err.Error())
			return nil
		}
		if o.Organization != nil { // a service with its organization
			o = *o.Organization
		}
		var val apperr.Validation
		row := importRow{line: rec.Line}
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
		return pp.check(&row, &val, seen, "organization_identifiers", "in item", rep, emit)
	})
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
