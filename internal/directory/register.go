package directory

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
)

// Seeding and refreshing the directory from the public registers, as they
// publish their files (see register_read.go for the readers,
// register_charity.go and register_company.go for the two layouts).
//
// A register file is read as a stream. Each row is first sorted out on a
// few fields (its number, whether it is a linked charity, its status, its
// postcode): rows outside the area (RegisterOptions.Postcodes) and rows
// not of the third sector are counted and dropped at once, which is
// nearly all of a national file. The rows kept are applied in batches
// inside ONE transaction (importing.Apply; rolled back on a dry run or
// when the file turns out truncated or broken part-way, so nothing is
// half-written):
//
//   - a row whose identifier (GB-CHC-n, GB-COH-n) is new creates an
//     organisation through the bulk import writer (import_bulk.go);
//   - a row naming an organisation we have updates it field by field
//     against the values the register gave last time (org_register_records):
//     a field the register changed since is set; a field only a member
//     changed is left alone. A new name keeps the old one as an other name;
//   - a removed charity or dissolved company never creates an organisation;
//     one we have is marked removed (on its profile, "Removed from the
//     register on DATE") and unlisted (kept, left out of searches);
//   - a new row that looks like an organisation typed in by hand without
//     an identifier (same name, or similar name and same postcode) is not
//     created: a match is proposed for an administrator to confirm.
//
// The same file twice changes nothing.

// Registers.
const (
	RegisterCharity = "charity"
	RegisterCompany = "company"
)

// SettingRegisterPostcodes is the site setting holding the town's default
// postcode districts ("FY1,FY2,FY3"; empty: the whole file).
const SettingRegisterPostcodes = "directory.register_postcodes"

// RegisterOptions are a register import's options.
type RegisterOptions struct {
	// Postcodes are the districts (FY1) or areas (FY) kept; none: all.
	Postcodes []string
	// Classification is the Charity Commission's classification file.
	Classification io.Reader
	DryRun         bool
}

// regRow is a register row kept for the writer.
type regRow struct {
	line       int
	register   string
	number     string // charity or company number as the register gives it
	identifier string // GB-CHC-n or GB-COH-n
	also       string // a second identifier (a charity's company: GB-COH-n)
	removedOn  string // YYYY-MM-DD when removed or dissolved
	name       string
	sector     string
	legalForm  string
	address    string
	postcode   string
	incomeBand string
	website    string
	desc       string
	themes     []int64
	hasThemes  bool
	otherNames []string // previous names (Companies House)
}

// regRecord is what a register gave an organisation last time.
type regRecord struct {
	orgID                                          int64
	name, legalForm, address, postcode, incomeBand string
	website, desc, themes, removedOn               string
}

// area filters rows by postcode district or area.
type area struct {
	districts map[string]bool
	areas     map[string]bool
}

// newArea parses "FY1, FY2 ,fy3" (districts) and "FY" (a whole area).
func newArea(list []string) (*area, error) {
	a := &area{districts: map[string]bool{}, areas: map[string]bool{}}
	for _, s := range list {
		for _, p := range strings.Split(s, ",") {
			p = strings.ToUpper(strings.Join(strings.Fields(p), ""))
			if p == "" {
				continue
			}
			if !districtRe(p) {
				return nil, apperr.Errorf(apperr.EINVALID, "%q is not a postcode district (like FY1) or area (like FY)", p)
			}
			if !strings.ContainsAny(p, "0123456789") {
				a.areas[p] = true
			} else {
				a.districts[p] = true
			}
		}
	}
	if len(a.districts)+len(a.areas) == 0 {
		return nil, nil
	}
	return a, nil
}

func districtRe(p string) bool {
	if len(p) < 1 || len(p) > 4 || p[0] < 'A' || p[0] > 'Z' {
		return false
	}
	for i := 0; i < len(p); i++ {
		c := p[i]
		if !(c >= 'A' && c <= 'Z') && !(c >= '0' && c <= '9') {
			return false
		}
	}
	return true
}

// has says whether a postcode (as the file gives it) is in the area,
// without allocating: its outward code is everything but the last three
// characters once spaces are dropped.
func (a *area) has(pc []byte) bool {
	var buf [10]byte
	n := 0
	for _, c := range pc {
		if c == ' ' || c == '\t' {
			continue
		}
		if n == len(buf) {
			return false
		}
		if c >= 'a' && c <= 'z' {
			c -= 'a' - 'A'
		}
		buf[n] = c
		n++
	}
	if n < 5 {
		return false
	}
	out := buf[:n-3]
	if a.districts[string(out)] {
		return true
	}
	i := 0
	for i < len(out) && out[i] >= 'A' && out[i] <= 'Z' {
		i++
	}
	return a.areas[string(out[:i])]
}

// RegisterPostcodes is the town's default area (the admin setting).
func RegisterPostcodes(ctx context.Context, q db.Querier) ([]string, error) {
	var s string
	err := q.QueryRowContext(ctx, `SELECT value FROM site_settings WHERE key = $1`, SettingRegisterPostcodes).Scan(&s)
	if errors.Is(err, sql.ErrNoRows) || strings.TrimSpace(s) == "" {
		return nil, nil
	}
	if err != nil {
		return nil, err
	}
	return strings.Split(s, ","), nil
}

// SetRegisterPostcodes saves the town's default area.
func SetRegisterPostcodes(ctx context.Context, tx *db.Tx, list string) error {
	a, err := newArea([]string{list})
	if err != nil {
		var v apperr.Validation
		v.Add("postcodes", apperr.Message(err))
		return v.Err()
	}
	var parts []string
	if a != nil {
		for k := range a.districts {
			parts = append(parts, k)
		}
		for k := range a.areas {
			parts = append(parts, k)
		}
	}
	sort.Strings(parts)
	if _, err := tx.ExecContext(ctx, `DELETE FROM site_settings WHERE key = $1`, SettingRegisterPostcodes); err != nil {
		return err
	}
	if len(parts) > 0 {
		if _, err := tx.ExecContext(ctx, `INSERT INTO site_settings (key, value) VALUES ($1, $2)`, SettingRegisterPostcodes, strings.Join(parts, ",")); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, 0, "directory.register_postcodes", "site_settings", SettingRegisterPostcodes, strings.Join(parts, ","))
}

// regImport is one register import's state.
type regImport struct {
	ctx      context.Context
	tx       *db.Tx
	register string
	rep      *importing.Report
	area     *area
	pp       *importPrep
	w        *importWriter
	// known are the directory's GB-CHC and GB-COH identifiers; records
	// the register's last values by number.
	known   map[string]int64
	records map[string]*regRecord
	// seen: numbers kept so far (a number twice is rejected).
	seen    map[string]int
	batch   []regRow
	matcher *handMatcher
	// touched: what happened to each organisation (a linked charity's
	// name may turn an unchanged one into an updated one).
	touched map[int64]string
	// charities: organisations with a charity number (loaded when asked).
	charities map[int64]bool
	// recs writes the new organisations' register records; dirty: the
	// bulk statements hold rows not written yet (see settle).
	recs  *bulkInserter
	dirty bool
	// queued: the batch's rows by number (a linked charity's name joins
	// its main charity's row while it waits).
	queued map[string]int
	// counts besides Created, Updated, Unchanged.
	renamed, removed, outside, notThird, skippedRemoved, proposed int
	extractDate                                                   string
	format                                                        string
}

const regBatch = 2000

// runRegister runs a register import: read streams the file, calling keep
// with each row the writer must apply.
func runRegister(ctx context.Context, d *db.DB, register string, opt RegisterOptions, read func(ri *regImport) error) (*importing.Report, error) {
	rep := &importing.Report{DryRun: opt.DryRun}
	a, err := newArea(opt.Postcodes)
	if err != nil {
		return nil, err
	}
	ri := &regImport{ctx: ctx, register: register, rep: rep, area: a, seen: map[string]int{}, touched: map[int64]string{}}
	err = importing.Apply(ctx, d.WriteBulk, rep, func(tx *db.Tx) error {
		ri.tx = tx
		if err := ri.load(); err != nil {
			return err
		}
		w, err := newImportWriter(ctx, tx, nil, rep) // its indexes are kept
		if err != nil {
			return err
		}
		defer w.close()
		ri.w = w
		ins := "INSERT INTO"
		if tx.Dialect == db.SQLite {
			ins = "INSERT OR FAIL INTO"
		}
		ri.recs = newBulk(ctx, tx, ins+` org_register_records (register, number, organisation_id, name, legal_form, address, postcode, income_band, website, description, themes, removed_on, updated_at) VALUES`, ``, 13)
		defer ri.recs.close()
		err = BulkSearchDocs(ctx, tx, func() error {
			if err := read(ri); err != nil {
				return err
			}
			if err := ri.flush(); err != nil {
				return err
			}
			if err := w.finish(); err != nil {
				return err
			}
			return ri.recs.flush()
		})
		if err != nil {
			return err
		}
		if err := ri.finish(); err != nil {
			return err
		}
		if opt.DryRun {
			return nil
		}
		return ri.recordRefresh()
	})
	rep.Format = ri.format
	ri.counts()
	rep.Sort()
	return rep, err
}

func (ri *regImport) counts() {
	ri.rep.Also = []importing.Count{
		{Label: "renamed", N: ri.renamed}, {Label: "removed from the register", N: ri.removed},
		{Label: "skipped outside the area", N: ri.outside}, {Label: "skipped as not third sector", N: ri.notThird},
		{Label: "skipped as removed or dissolved", N: ri.skippedRemoved}, {Label: "proposed as matches for organisations typed in by hand", N: ri.proposed},
	}
}

// load reads what the import compares against: identifiers, the
// register's last values, the taxonomy and the hand-typed organisations.
func (ri *regImport) load() error {
	ctx, tx := ri.ctx, ri.tx
	ri.known = map[string]int64{}
	rows, err := tx.QueryContext(ctx, `SELECT identifier, organisation_id FROM org_identifiers WHERE scheme IN ('GB-CHC', 'GB-COH')`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var s string
		var id int64
		if err := rows.Scan(&s, &id); err != nil {
			rows.Close()
			return err
		}
		ri.known[s] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	ri.records = map[string]*regRecord{}
	rows, err = tx.QueryContext(ctx, `SELECT number, organisation_id, name, legal_form, address, postcode, income_band, website, description, themes, removed_on FROM org_register_records WHERE register = $1`, ri.register)
	if err != nil {
		return err
	}
	for rows.Next() {
		var n string
		r := &regRecord{}
		if err := rows.Scan(&n, &r.orgID, &r.name, &r.legalForm, &r.address, &r.postcode, &r.incomeBand, &r.website, &r.desc, &r.themes, &r.removedOn); err != nil {
			rows.Close()
			return err
		}
		ri.records[n] = r
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	if ri.pp, err = newImportPrep(ctx, tx); err != nil {
		return err
	}
	ri.matcher, err = loadHandMatcher(ctx, tx, ri.register)
	return err
}

// rejected counts and reports a row the reader could not hand over.
func (ri *regImport) rejected(err error) bool {
	re, ok := err.(*importing.RowError)
	if ok {
		ri.rep.Rows++
		ri.rep.Reject(re.Line, re.Column, re.Reason)
	}
	return ok
}

// isKnown says whether the directory has an organisation for a number.
func (ri *regImport) isKnown(identifier string) bool {
	_, ok := ri.known[identifier]
	return ok
}

// keep queues a row for the writer.
func (ri *regImport) keep(row regRow) error {
	if first, dup := ri.seen[row.number]; dup {
		ri.rep.Reject(row.line, "", fmt.Sprintf("%s appears again (first on line %d)", row.identifier, first))
		return nil
	}
	ri.seen[row.number] = row.line
	if ri.queued == nil {
		ri.queued = map[string]int{}
	}
	ri.queued[row.number] = len(ri.batch)
	ri.batch = append(ri.batch, row)
	if len(ri.batch) >= regBatch {
		return ri.flush()
	}
	return nil
}

// owner is the organisation a row names (by its identifier, else its
// second identifier).
func (ri *regImport) owner(row *regRow) int64 {
	if id, ok := ri.known[row.identifier]; ok {
		return id
	}
	if row.also != "" {
		return ri.known[row.also]
	}
	return 0
}

// flush applies the queued rows.
func (ri *regImport) flush() error {
	batch := ri.batch
	ri.batch = nil
	clear(ri.queued)
	if len(batch) == 0 {
		return nil
	}
	var existing []int64
	for i := range batch {
		if id := ri.owner(&batch[i]); id != 0 {
			existing = append(existing, id)
		}
	}
	if len(existing) > 0 {
		if err := ri.settle(); err != nil {
			return err
		}
	}
	profiles, err := loadProfiles(ri.ctx, ri.tx, ri.tx.Dialect, existing)
	if err != nil {
		return err
	}
	var fresh []*importRow
	var freshRows []*regRow
	for i := range batch {
		row := &batch[i]
		if id := ri.owner(row); id != 0 {
			if err := ri.update(row, profiles[id]); err != nil {
				return err
			}
			continue
		}
		if row.removedOn != "" {
			ri.skippedRemoved++
			continue
		}
		if ok, err := ri.matcher.propose(ri.ctx, ri.tx, row); err != nil {
			return err
		} else if ok {
			ri.proposed++
			continue
		}
		ir, ok := ri.prepare(row)
		if !ok {
			continue
		}
		fresh = append(fresh, ir)
		freshRows = append(freshRows, row)
	}
	if len(fresh) == 0 {
		return nil
	}
	before := ri.rep.Created
	if err := ri.w.create(fresh); err != nil {
		return err
	}
	// The bulk statements hold some of these rows until they are full:
	// written before anything updates an organisation (settle).
	ri.dirty = true
	if ri.rep.Created-before != len(fresh) {
		return fmt.Errorf("register import: %d of %d organisations created", ri.rep.Created-before, len(fresh))
	}
	for i, ir := range fresh {
		id := ir.fresh.ID
		row := freshRows[i]
		for _, s := range ir.fresh.Identifiers {
			ri.known[s] = id
		}
		ri.touched[id] = "created"
		r := row.record(id, "")
		if err := ri.recs.add(ri.register, row.number, id, r.name, r.legalForm, r.address, r.postcode, r.incomeBand, r.website, r.desc, r.themes, r.removedOn, ri.w.now); err != nil {
			return err
		}
	}
	return nil
}

// settle writes what the bulk statements hold, before an update reads
// or changes organisations this import created.
func (ri *regImport) settle() error {
	if !ri.dirty {
		return nil
	}
	ri.dirty = false
	if err := ri.w.flushQueued(); err != nil {
		return err
	}
	return ri.recs.flush()
}

// prepare makes a new row ready for the bulk writer; a row that cannot
// be an organisation is rejected.
func (ri *regImport) prepare(row *regRow) (*importRow, bool) {
	ir := &importRow{line: row.line, identifier: row.identifier}
	ir.p.Name, ir.p.Sector, ir.p.LegalForm = row.name, row.sector, row.legalForm
	ir.p.Address, ir.p.Postcode, ir.p.IncomeBand = row.address, row.postcode, row.incomeBand
	ir.p.Website, ir.p.Description = row.website, row.desc
	ir.themes, ir.hasTerms = row.themes, row.hasThemes
	var val apperr.Validation
	ri.pp.prepare(ir, &val)
	if err := val.Err(); err != nil {
		ri.rep.RejectErr(row.line, err)
		return nil, false
	}
	if row.also != "" {
		ir.fresh.Identifiers = append(ir.fresh.Identifiers, row.also)
	}
	ir.fresh.OtherNames = addOtherNames(ir.fresh.Name, "", row.otherNames...)
	return ir, true
}

// addOtherNames adds names to an "other names" list ("A; B"), leaving out
// the organisation's name, names it has and names that would not fit.
func addOtherNames(name, list string, names ...string) string {
	have := map[string]bool{strings.ToLower(strings.TrimSpace(name)): true}
	var parts []string
	for _, p := range strings.Split(list, ";") {
		if p = strings.TrimSpace(p); p != "" {
			have[strings.ToLower(p)] = true
			parts = append(parts, p)
		}
	}
	out := strings.Join(parts, "; ")
	for _, n := range names {
		n = strings.TrimSpace(n)
		if n == "" || have[strings.ToLower(n)] {
			continue
		}
		next := n
		if out != "" {
			next = out + "; " + n
		}
		if len([]rune(next)) > MaxShortText {
			continue
		}
		have[strings.ToLower(n)] = true
		out = next
	}
	return out
}

// update refreshes an organisation we have from its register row.
func (ri *regImport) update(row *regRow, old *Profile) error {
	if old == nil {
		return fmt.Errorf("line %d: organisation for %s vanished", row.line, row.identifier)
	}
	rec := ri.records[row.number]
	p := old.clone()
	renamed := false
	if row.removedOn != "" {
		if rec != nil && rec.removedOn == row.removedOn {
			ri.count(p.ID, "unchanged")
			return nil
		}
		p.Published = false
		if _, err := ri.save(row, p); err != nil {
			return err
		}
		ri.removed++
		ri.touched[p.ID] = "removed"
		return ri.saveRecord(row, p.ID, rec)
	}
	// set applies a register value: always when the register changed it
	// since last time; the first time, only to a field left empty.
	set := func(dst *string, last, now string) {
		if rec == nil {
			if strings.TrimSpace(*dst) == "" {
				*dst = now
			}
			return
		}
		if now != last {
			*dst = now
		}
	}
	if rec != nil && rec.removedOn != "" {
		p.Published = true // back on the register
	}
	if rec == nil {
		if !strings.EqualFold(strings.TrimSpace(p.Name), strings.TrimSpace(row.name)) {
			p.OtherNames = addOtherNames(p.Name, p.OtherNames, row.name)
		}
	} else if row.name != rec.name && row.name != p.Name {
		p.OtherNames = addOtherNames(row.name, p.OtherNames, p.Name)
		p.Name = row.name
		renamed = true
	}
	var last regRecord
	if rec != nil {
		last = *rec
	}
	if rec != nil && row.legalForm != last.legalForm {
		p.LegalForm, p.Sector = row.legalForm, row.sector
	}
	set(&p.Address, last.address, row.address)
	set(&p.Postcode, last.postcode, row.postcode)
	set(&p.IncomeBand, last.incomeBand, row.incomeBand)
	set(&p.Website, last.website, row.website)
	set(&p.Description, last.desc, row.desc)
	p.OtherNames = addOtherNames(p.Name, p.OtherNames, row.otherNames...)
	if row.hasThemes {
		if code := idList(row.themes); rec == nil && !hasVocab(p, taxonomy.Themes) || rec != nil && code != last.themes {
			var keep []int64
			for i, id := range p.TermIDs {
				if i < len(p.termVocab) && p.termVocab[i] != taxonomy.Themes {
					keep = append(keep, id)
				}
			}
			p.TermIDs = append(keep, row.themes...)
		}
	}
	for _, s := range []string{row.identifier, row.also} {
		if s != "" && !contains(p.Identifiers, s) {
			if other, ok := ri.known[s]; !ok || other == p.ID {
				p.Identifiers = append(p.Identifiers, s)
				ri.known[s] = p.ID
			}
		}
	}
	changed, err := ri.save(row, p)
	if err != nil {
		return err
	}
	switch {
	case changed && renamed:
		ri.renamed++
		ri.count(p.ID, "updated")
	case changed:
		ri.count(p.ID, "updated")
	default:
		ri.count(p.ID, "unchanged")
	}
	return ri.saveRecord(row, p.ID, rec)
}

func hasVocab(p *Profile, voc string) bool {
	for _, v := range p.termVocab {
		if v == voc {
			return true
		}
	}
	return false
}

// count records what happened to an organisation once.
func (ri *regImport) count(id int64, what string) {
	if _, done := ri.touched[id]; done {
		return
	}
	ri.touched[id] = what
	if what == "updated" {
		ri.rep.Updated++
	} else {
		ri.rep.Unchanged++
	}
}

// save writes a changed profile (SaveProfile: validation, search index,
// field-level audit). A register value the profile form would refuse is
// dropped with a warning rather than losing the row.
func (ri *regImport) save(row *regRow, p *Profile) (bool, error) {
	changed, err := SaveProfile(ri.ctx, ri.tx, p)
	if apperr.Code(err) == apperr.EINVALID {
		ri.rep.RejectErr(row.line, err)
		return false, nil
	}
	return len(changed) > 0, err
}

// saveRecord keeps the register's values for the next refresh.
func (ri *regImport) saveRecord(row *regRow, orgID int64, rec *regRecord) error {
	last := ""
	if rec != nil {
		last = rec.themes
	}
	n := row.record(orgID, last)
	if rec != nil && *rec == n {
		return nil
	}
	ri.records[row.number] = &n
	_, err := ri.tx.ExecContext(ri.ctx, `INSERT INTO org_register_records (register, number, organisation_id, name, legal_form, address, postcode, income_band, website, description, themes, removed_on, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13)
		ON CONFLICT (register, number) DO UPDATE SET organisation_id = EXCLUDED.organisation_id, name = EXCLUDED.name, legal_form = EXCLUDED.legal_form,
		address = EXCLUDED.address, postcode = EXCLUDED.postcode, income_band = EXCLUDED.income_band, website = EXCLUDED.website,
		description = EXCLUDED.description, themes = EXCLUDED.themes, removed_on = EXCLUDED.removed_on, updated_at = EXCLUDED.updated_at`,
		ri.register, row.number, orgID, n.name, n.legalForm, n.address, n.postcode, n.incomeBand, n.website, n.desc, n.themes, n.removedOn, db.Now())
	return err
}

// record is what the register gives an organisation in a row (themes:
// the last ones when the row gives none).
func (row *regRow) record(orgID int64, lastThemes string) regRecord {
	themes := lastThemes
	if row.hasThemes {
		themes = idList(row.themes)
	}
	return regRecord{orgID: orgID, name: row.name, legalForm: row.legalForm, address: row.address, postcode: normPostcode(row.postcode), incomeBand: row.incomeBand,
		website: row.website, desc: row.desc, themes: themes, removedOn: row.removedOn}
}

func normPostcode(s string) string {
	if pc, ok := NormalisePostcode(s); ok {
		return pc
	}
	return s
}

func idList(ids []int64) string {
	s := append([]int64(nil), ids...)
	sort.Slice(s, func(i, j int) bool { return s[i] < s[j] })
	parts := make([]string, len(s))
	for i, id := range s {
		parts[i] = strconv.FormatInt(id, 10)
	}
	return strings.Join(parts, ",")
}

// addLinkedNames records linked (subsidiary) charities' names as other
// names of their main charity, once the whole file is read.
func (ri *regImport) addLinkedNames(linked map[string][]string) error {
	var ids []int64
	byOrg := map[int64][]string{}
	nums := make([]string, 0, len(linked))
	for n := range linked {
		nums = append(nums, n)
	}
	sort.Strings(nums)
	for _, n := range nums {
		id, ok := ri.known["GB-CHC-"+n]
		if !ok {
			continue
		}
		if _, seen := byOrg[id]; !seen {
			ids = append(ids, id)
		}
		byOrg[id] = append(byOrg[id], linked[n]...)
	}
	if len(ids) > 0 {
		if err := ri.settle(); err != nil {
			return err
		}
	}
	profiles, err := loadProfiles(ri.ctx, ri.tx, ri.tx.Dialect, ids)
	if err != nil {
		return err
	}
	for _, id := range ids {
		p := profiles[id]
		if p == nil {
			continue
		}
		names := addOtherNames(p.Name, p.OtherNames, byOrg[id]...)
		if names == p.OtherNames {
			continue
		}
		q := p.clone()
		q.OtherNames = names
		changed, err := SaveProfile(ri.ctx, ri.tx, q)
		if err != nil {
			return err
		}
		if len(changed) > 0 && ri.touched[id] == "unchanged" {
			ri.touched[id] = "updated"
			ri.rep.Unchanged--
			ri.rep.Updated++
		}
	}
	return nil
}

// finish writes the import's audit row.
func (ri *regImport) finish() error {
	if ri.rep.DryRun {
		return nil
	}
	ri.counts()
	return audit.Record(ri.ctx, ri.tx, 0, "directory.register_import", "register", ri.register, ri.rep.Summary())
}

// recordRefresh notes the refresh (shown on the directory page).
func (ri *regImport) recordRefresh() error {
	ri.counts()
	_, err := ri.tx.ExecContext(ri.ctx, `INSERT INTO register_refreshes (register, refreshed_at, extract_date, summary) VALUES ($1, $2, $3, $4)
		ON CONFLICT (register) DO UPDATE SET refreshed_at = EXCLUDED.refreshed_at, extract_date = EXCLUDED.extract_date, summary = EXCLUDED.summary`,
		ri.register, db.Now(), ri.extractDate, ri.rep.Summary())
	return err
}

// Refresh is a register's last refresh.
type Refresh struct {
	Register    string
	Label       string
	At          time.Time
	ExtractDate string
	Summary     string
}

// Refreshes lists the registers' last refreshes.
func Refreshes(ctx context.Context, q db.Querier) ([]Refresh, error) {
	rows, err := q.QueryContext(ctx, `SELECT register, refreshed_at, extract_date, summary FROM register_refreshes ORDER BY register`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Refresh
	for rows.Next() {
		var r Refresh
		if err := rows.Scan(&r.Register, &r.At, &r.ExtractDate, &r.Summary); err != nil {
			return nil, err
		}
		r.Label = registerLabel(r.Register)
		out = append(out, r)
	}
	return out, rows.Err()
}

func registerLabel(r string) string {
	if r == RegisterCompany {
		return "Companies House"
	}
	return "Charity Commission register"
}

// RemovedOn is the date a register removed an organisation's charity or
// dissolved its company ("" while it is on the registers).
func RemovedOn(ctx context.Context, q db.Querier, orgID int64) (register, date string, err error) {
	err = q.QueryRowContext(ctx, `SELECT register, removed_on FROM org_register_records WHERE organisation_id = $1 AND removed_on <> '' ORDER BY register LIMIT 1`, orgID).Scan(&register, &date)
	if errors.Is(err, sql.ErrNoRows) {
		return "", "", nil
	}
	return registerLabel(register), date, err
}

// openRegisterFile opens a file for an import command.
func openRegisterFile(file string) (*os.File, error) {
	f, err := os.Open(file)
	if err != nil {
		return nil, apperr.Errorf(apperr.EINVALID, "The file cannot be opened: %v", err)
	}
	return f, nil
}

// parseRegisterDate reads a register's date: YYYY-MM-DD (with a time or
// not) or DD/MM/YYYY. "" when empty; ok false when it is not a date.
func parseRegisterDate(s string) (string, bool) {
	s = strings.TrimSpace(s)
	if s == "" {
		return "", true
	}
	if len(s) >= 10 {
		if t, err := time.Parse("2006-01-02", s[:10]); err == nil {
			return t.Format("2006-01-02"), true
		}
		if t, err := time.Parse("02/01/2006", s[:10]); err == nil {
			return t.Format("2006-01-02"), true
		}
	}
	return s, false
}

// registerWebsite makes a register's web address one the profile accepts
// ("www.example.org" is https://www.example.org); "" if it cannot be.
func registerWebsite(s string) string {
	s = strings.TrimSpace(s)
	if s == "" {
		return ""
	}
	if !strings.Contains(s, "://") {
		s = "https://" + s
	}
	if !validURL(s) {
		return ""
	}
	return s
}

// flushQueued writes the rows the import writer's statements still hold.
func (w *importWriter) flushQueued() error {
	for _, b := range []*bulkInserter{w.profiles, w.short, w.idents, w.areas, w.terms, w.audits} {
		if err := b.flush(); err != nil {
			return err
		}
	}
	return w.docs.flush()
}

// linkedName records a linked charity's name: on its main charity's row
// while that waits in the batch (the register lists linked charities
// right after their main one), else for addLinkedNames at the end.
func (ri *regImport) linkedName(main, name string, later map[string][]string) {
	if i, ok := ri.queued[main]; ok {
		ri.batch[i].otherNames = append(ri.batch[i].otherNames, name)
		return
	}
	later[main] = append(later[main], name)
}
