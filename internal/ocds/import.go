package ocds

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"regexp"
	"sort"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/importing"
	"partnerhub/internal/opportunities"
)

// MaxImportBytes bounds an OCDS file (the command and the upload page).
const MaxImportBytes = 200 << 20

// Outcome is what an import did (or would do) with one contracting
// process, for the upload page's preview.
type Outcome struct {
	OCID       string
	Title      string
	Buyer      string
	NewBuyer   bool   // the buyer is added to the directory
	Action     string // "create", "update", "unchanged", "rejected"
	Status     string
	Releases   int // new releases in the file
	Reason     string
	Identifier string // the buyer's identifier matched or added
}

// Result is an import's report and its outcome per process.
type Result struct {
	Report   *importing.Report
	Outcomes []Outcome
}

func (s *Service) importFile(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
	st, err := os.Stat(file)
	if err != nil {
		return nil, err
	}
	if st.Size() > MaxImportBytes {
		return nil, apperr.Errorf(apperr.ETOOLARGE, "%s is %d MB; OCDS files up to %d MB can be imported", file, st.Size()>>20, MaxImportBytes>>20)
	}
	data, err := os.ReadFile(file)
	if err != nil {
		return nil, err
	}
	res, err := s.Import(ctx, data, dryRun, 0)
	if res == nil {
		return nil, err
	}
	return res.Report, err
}

var indexRe = regexp.MustCompile(`^\$\.(?:releases|records)\[(\d+)\]`)

// Import reads an OCDS release or record package and brings its
// contracting processes into the opportunities: a process seen for the
// first time becomes a new opportunity (its buyer matched in the directory
// by org-id identifier, or by name among public-sector organisations, or
// added as an unclaimed public-sector organisation); a later release of a
// known process updates its opportunity from the compiled release (the
// stored releases and the new ones merged by the OCDS rules); a release id
// already imported is skipped, so importing a file twice changes nothing.
// Everything is written in one transaction, nothing on dryRun. A file
// that is not JSON, not a package, or whose package fails the schema is
// refused whole (an EINVALID error listing each problem with its JSON
// path); a release or record that fails is rejected and the rest imported.
func (s *Service) Import(ctx context.Context, data []byte, dryRun bool, userID int64) (*Result, error) {
	f, err := Parse(data)
	var pe *ParseError
	if errors.As(err, &pe) {
		var lines []string
		for i, p := range pe.Problems {
			if i == 20 {
				lines = append(lines, fmt.Sprintf("and %d more problems", len(pe.Problems)-20))
				break
			}
			lines = append(lines, p.String())
		}
		return nil, apperr.Errorf(apperr.EINVALID, "The file was not imported: %s", strings.Join(lines, "; "))
	}
	if err != nil {
		return nil, err
	}
	unit := "release"
	if f.Kind == "record package" {
		unit = "record"
	}
	rep := &importing.Report{Format: "OCDS " + f.Kind, Unit: unit, DryRun: dryRun}
	res := &Result{Report: rep}
	rep.Rows = len(f.Releases) + countEntries(f.Problems)
	rejectProblems(rep, f.Problems)

	// Releases by process, in the order the file first names them.
	var order []string
	byOCID := map[string][]incoming{}
	firstAt := map[string]int{}
	for i, r := range f.Releases {
		ocid, _ := r["ocid"].(string)
		if _, ok := byOCID[ocid]; !ok {
			order = append(order, ocid)
			firstAt[ocid] = f.Positions[i]
		}
		in := incoming{m: r}
		if f.Raw != nil {
			in.raw = f.Raw[i]
		}
		byOCID[ocid] = append(byOCID[ocid], in)
	}
	ictx := context.WithValue(ctx, importingKey{}, true)
	var added, buyers int
	err = importing.Apply(ctx, s.DB.Write, rep, func(tx *db.Tx) error {
		// Each process runs the same few statements: parsed once.
		tx.CacheStatements()
		stored, err := releasesForMany(ctx, tx, tx.Dialect, order)
		if err != nil {
			return err
		}
		there, err := knownOpportunities(ctx, tx, tx.Dialect, order)
		if err != nil {
			return err
		}
		m := &matcher{tx: tx, byName: map[string]int64{}}
		var keep []Stored
		for _, ocid := range order {
			k, exists := there[ocid]
			out, rows, err := s.importProcess(ictx, tx, m, ocid, stored[ocid], byOCID[ocid], exists, k, userID)
			if err != nil {
				return err
			}
			keep = append(keep, rows...)
			switch out.Action {
			case "create":
				rep.Created++
			case "update":
				rep.Updated++
			case "unchanged":
				rep.Unchanged++
			case "rejected":
				rep.Reject(firstAt[ocid], "", out.OCID+": "+out.Reason)
			}
			if out.Action != "rejected" {
				added += out.Releases
			}
			if out.NewBuyer {
				buyers++
			}
			res.Outcomes = append(res.Outcomes, out)
		}
		rep.Also = []importing.Count{{Label: "releases stored", N: added}, {Label: "buyers added to the directory", N: buyers}}
		return insertReleases(ctx, tx, keep)
	})
	rep.Sort()
	if err != nil {
		res.Outcomes = nil
		return res, err
	}
	return res, nil
}

// countEntries counts the releases (or records) the problems are about.
func countEntries(ps []Problem) int {
	seen := map[string]bool{}
	for _, p := range ps {
		if m := indexRe.FindStringSubmatch(p.Path); m != nil {
			seen[m[1]] = true
		}
	}
	return len(seen)
}

// rejectProblems reports each failing release (or record) once, with every
// problem's JSON path.
func rejectProblems(rep *importing.Report, ps []Problem) {
	var idx []int
	reasons := map[int][]string{}
	first := map[int]string{}
	for _, p := range ps {
		i := -1
		if m := indexRe.FindStringSubmatch(p.Path); m != nil {
			i, _ = strconv.Atoi(m[1])
		}
		if _, ok := reasons[i]; !ok {
			idx = append(idx, i)
			first[i] = p.Path
		}
		reasons[i] = append(reasons[i], p.String())
	}
	sort.Ints(idx)
	for _, i := range idx {
		rep.Reject(i+1, first[i], "fails the OCDS schema: "+strings.Join(reasons[i], "; "))
	}
}

// incoming is a release read from the file: decoded, and its bytes as
// published (nil when they are not at hand).
type incoming struct {
	m   map[string]any
	raw json.RawMessage
}

// importProcess brings one process's new releases in; it returns them to
// be stored.
func (s *Service) importProcess(ctx context.Context, tx *db.Tx, m *matcher, ocid string, stored []Stored, rels []incoming, exists bool, k known, userID int64) (Outcome, []Stored, error) {
	out := Outcome{OCID: ocid}
	known := map[string]bool{}
	for _, st := range stored {
		known[st.ReleaseID] = true
	}
	var fresh []map[string]any
	var freshIn []incoming
	for _, r := range rels {
		id := idString(r.m["id"])
		if known[id] {
			continue
		}
		known[id] = true
		fresh = append(fresh, r.m)
		freshIn = append(freshIn, r)
	}
	out.Releases = len(fresh)
	if len(fresh) == 0 {
		out.Action = "unchanged"
		out.Title, out.Status = k.Title, k.Status
		return out, nil, nil
	}
	var cur *opportunities.Opportunity
	if exists {
		var err error
		if cur, err = opportunities.GetByID(ctx, tx, k.ID); err != nil {
			return out, nil, err
		}
	}
	all := make([]map[string]any, 0, len(stored)+len(fresh))
	for _, st := range stored {
		dec := json.NewDecoder(bytes.NewReader(st.JSON))
		dec.UseNumber()
		var r map[string]any
		if err := dec.Decode(&r); err != nil {
			return out, nil, fmt.Errorf("stored release %s: %w", st.ReleaseID, err)
		}
		all = append(all, r)
	}
	all = append(all, fresh...)
	reject := func(why string) (Outcome, []Stored, error) {
		out.Action, out.Reason = "rejected", why
		return out, nil, nil
	}
	compiled, err := Compile(all)
	if err != nil {
		return reject(err.Error())
	}
	n, err := FromRelease(compiled)
	if err != nil {
		return reject(err.Error())
	}
	out.Title, out.Status = n.Title, n.Status
	o := &opportunities.Opportunity{OCID: ocid}
	if cur != nil {
		c := *cur
		o = &c
	}
	apply(o, n)
	buyerID, newBuyer, err := m.find(ctx, n.Buyer)
	if err != nil {
		return out, nil, err
	}
	if cur != nil {
		buyerID, newBuyer = cur.BuyerID, false // the opportunity keeps its buyer
	}
	o.BuyerID = buyerID
	if newBuyer {
		o.BuyerID = -1 // to validate; the organisation is added below
	}
	if err := validateImported(o); err != nil {
		_, why := importing.Reason(err)
		return reject(why)
	}
	out.Buyer = n.Buyer.Name
	if len(n.Buyer.Identifiers) > 0 {
		out.Identifier = n.Buyer.Identifiers[0]
	}
	if newBuyer {
		if o.BuyerID, err = m.add(ctx, n.Buyer); err != nil {
			return out, nil, err
		}
		out.NewBuyer = true
	}
	latest := fresh[len(fresh)-1]
	if cur == nil {
		o.Status = n.Status
		if o.PublishedAt == nil {
			first := releaseTime(all[0])
			o.PublishedAt = &first
		}
		if err := s.Opps.Create(ctx, tx, o, userID); err != nil {
			if apperr.Code(err) == apperr.EINVALID { // refused before anything was written
				_, why := importing.Reason(err)
				return reject(why)
			}
			return out, nil, err
		}
		out.Action = "create"
	} else {
		summary := "Updated from OCDS release " + idString(latest["id"])
		if err := s.Opps.Update(ctx, tx, o, 0, summary); err != nil {
			if c := apperr.Code(err); c == apperr.EINVALID || c == apperr.ECONFLICT { // refused before anything was written
				_, why := importing.Reason(err)
				return reject(why)
			}
			return out, nil, err
		}
		if n.Status != cur.Status {
			// A move the opportunities refuse (from cancelled, or an
			// awarded one cancelled) is checked before writing: the
			// update stands and the status stays.
			if err := s.Opps.SetStatus(ctx, tx, o.ID, 0, n.Status, summary); apperr.Code(err) == apperr.ECONFLICT {
				out.Reason = "status stays " + cur.Status + ": " + apperr.Message(err)
				out.Status = cur.Status
			} else if err != nil {
				return out, nil, err
			}
		}
		out.Action = "update"
	}
	if len(n.Awards) > 0 {
		for _, h := range s.awards {
			if err := h(ctx, tx, o.ID, n.Awards); err != nil {
				return out, nil, err
			}
		}
	}
	rows := make([]Stored, 0, len(freshIn))
	for _, r := range freshIn {
		b := r.raw
		if b == nil {
			var err error
			if b, err = json.Marshal(r.m); err != nil {
				return out, nil, err
			}
		}
		var tags []string
		if list, ok := r.m["tag"].([]any); ok {
			for _, t := range list {
				if s, ok := t.(string); ok {
					tags = append(tags, s)
				}
			}
		}
		rows = append(rows, Stored{OCID: ocid, ReleaseID: idString(r.m["id"]), Date: releaseTime(r.m), Tags: tags, Source: SourceImport, JSON: b})
	}
	return out, rows, nil
}

func idString(v any) string {
	switch v := v.(type) {
	case string:
		return v
	case json.Number:
		return v.String()
	}
	return fmt.Sprint(v)
}

// apply overlays a notice on an opportunity: everything OCDS carries;
// requirements (which it does not) are kept, those of lots that are gone
// dropped.
func apply(o *opportunities.Opportunity, n *Notice) {
	o.Kind, o.Title, o.Description = n.Kind, n.Title, n.Description
	o.ContactName, o.ContactEmail = n.Contact.Name, n.Contact.Email
	o.ValueMin, o.ValueMax, o.Currency = n.ValueMin, n.ValueMax, n.Currency
	o.PublishedAt = n.PublishedAt
	o.QuestionsCloseAt, o.EOIDeadline, o.SubmissionDeadline = n.QuestionsCloseAt, n.EOIDeadline, n.SubmissionDeadline
	o.AwardExpected, o.ContractStart, o.ContractEnd = dateOnly(n.AwardExpected), dateOnly(n.ContractStart), dateOnly(n.ContractEnd)
	o.Procedure = n.Procedure
	o.CPVCodes = nil
	for _, c := range n.CPVCodes {
		if opportunities.ValidCPV(c) {
			o.CPVCodes = append(o.CPVCodes, c)
		}
	}
	o.SuitableSME, o.SuitableVCSE, o.ReservedVCSE = n.SuitableSME, n.SuitableVCSE, n.ReservedVCSE
	if n.SourceURL != "" {
		o.SourceURL = n.SourceURL
	}
	o.Lots = nil
	for i, l := range n.Lots {
		o.Lots = append(o.Lots, opportunities.Lot{Position: i + 1, Title: l.Title, Description: l.Description, Value: l.Value})
	}
	var reqs []opportunities.Requirement
	for _, r := range o.Requirements {
		if r.LotPosition <= len(o.Lots) {
			reqs = append(reqs, r)
		}
	}
	o.Requirements = reqs
}

// dateOnly keeps the calendar date of t (contract dates and the expected
// award are dates).
func dateOnly(t *time.Time) *time.Time {
	if t == nil {
		return nil
	}
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

// validateImported validates the opportunity; published notices from
// elsewhere sometimes give an expected award or a contract start before
// the closing date, which the form refuses: those optional dates are
// dropped rather than the notice.
func validateImported(o *opportunities.Opportunity) error {
	err := o.Validate()
	if err == nil {
		return nil
	}
	dropped := false
	for _, fe := range apperr.Fields(err) {
		switch fe.Field {
		case "award_expected":
			o.AwardExpected, dropped = nil, true
		case "contract_start":
			o.ContractStart, dropped = nil, true
		}
	}
	if !dropped {
		return err
	}
	return o.Validate()
}

// matcher finds and adds directory organisations in one import.
type matcher struct {
	tx     *db.Tx
	byName map[string]int64
	// byIdent remembers the organisation of each normalised identifier
	// found or added, so a buyer named by thousands of releases is looked
	// up once. Misses are not kept: another hook in the transaction (award
	// suppliers) may add the organisation later.
	byIdent map[string]int64
}

// orgByIdentifier is orgByIdentifier through the matcher's memory.
func (m *matcher) orgByIdentifier(ctx context.Context, norm string) (int64, error) {
	if id, ok := m.byIdent[norm]; ok {
		return id, nil
	}
	id, err := orgByIdentifier(ctx, m.tx, norm)
	if err != nil {
		return 0, err
	}
	if id != 0 {
		if m.byIdent == nil {
			m.byIdent = map[string]int64{}
		}
		m.byIdent[norm] = id
	}
	return id, nil
}

// find matches an organisation by any of its org-id identifiers, then by
// exact name among public-sector organisations. newOrg says none matched.
func (m *matcher) find(ctx context.Context, o Org) (id int64, newOrg bool, err error) {
	for _, ident := range o.Identifiers {
		norm := strings.ToUpper(ident)
		if p, _, err := directory.ParseIdentifier(ident); err == nil {
			norm = p
		}
		id, err := m.orgByIdentifier(ctx, norm)
		if err != nil {
			return 0, false, err
		}
		if id != 0 {
			return id, false, nil
		}
	}
	if id, ok := m.byName[strings.ToLower(o.Name)]; ok {
		return id, false, nil
	}
	id, err = publicOrgByName(ctx, m.tx, o.Name)
	if err != nil || id != 0 {
		return id, false, err
	}
	return 0, true, nil
}

// add puts an unknown buyer in the directory as an unclaimed public-sector
// organisation (no members: it can be claimed) with the identifiers the
// directory accepts.
func (m *matcher) add(ctx context.Context, o Org) (int64, error) {
	org := accounts.Organisation{Name: o.Name, Sector: "public", LegalForm: "public_body"}
	if err := accounts.InsertOrg(ctx, m.tx, &org, 0); err != nil {
		return 0, err
	}
	p, err := directory.LoadProfile(ctx, m.tx, org.ID)
	if err != nil {
		return 0, err
	}
	p.Published = true
	for _, ident := range o.Identifiers {
		if norm, _, err := directory.ParseIdentifier(ident); err == nil {
			if other, err := m.orgByIdentifier(ctx, norm); err == nil && other == 0 {
				p.Identifiers = append(p.Identifiers, norm)
			}
		}
	}
	if pc, ok := directory.NormalisePostcode(o.PostalCode); ok {
		p.Postcode = pc
	}
	if _, err := directory.SaveProfile(ctx, m.tx, p); err != nil {
		return 0, err
	}
	m.byName[strings.ToLower(o.Name)] = org.ID
	if m.byIdent == nil {
		m.byIdent = map[string]int64{}
	}
	for _, norm := range p.Identifiers {
		m.byIdent[norm] = org.ID
	}
	return org.ID, nil
}
