package directory

import (
	"bufio"
	"bytes"
	"context"
	"fmt"
	"io"
	"strconv"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
)

// The Charity Commission for England and Wales' register extract
// (https://register-of-charities.charitycommission.gov.uk/register/full-register-download):
// the charity file, publicextract.charity.txt (tab-separated, with a
// byte-order mark, no quoting) or publicextract.charity.json (an array of
// objects with the same keys), and optionally the classification file,
// publicextract.charity_classification.txt.
//
//   - Only main charities (linked_charity_number 0) become organisations; a
//     linked (subsidiary) charity's name becomes another name of its main
//     charity.
//   - charity_is_cio True: legal form CIO; a company registration number:
//     charitable company, with a second identifier GB-COH-<number> (eight
//     characters, leading zeros kept or restored).
//   - A removed charity never creates an organisation; one we have is
//     marked removed on date_of_removal.

// ccColumns are the charity file's columns the import reads.
var ccFileColumns = []string{"registered_charity_number", "linked_charity_number", "charity_name", "charity_registration_status", "charity_contact_postcode"}

const ccWhat = "the Charity Commission's charity file (publicextract.charity.txt)"

// ccFields is one charity row's values (the columns in ccTSVColumns,
// which are also the JSON's keys).
type ccFields struct {
	Extract    flex `json:"date_of_extract"`
	Number     flex `json:"registered_charity_number"`
	Linked     flex `json:"linked_charity_number"`
	Name       flex `json:"charity_name"`
	Type       flex `json:"charity_type"`
	Status     flex `json:"charity_registration_status"`
	Removal    flex `json:"date_of_removal"`
	Income     flex `json:"latest_income"`
	Addr1      flex `json:"charity_contact_address1"`
	Addr2      flex `json:"charity_contact_address2"`
	Addr3      flex `json:"charity_contact_address3"`
	Addr4      flex `json:"charity_contact_address4"`
	Addr5      flex `json:"charity_contact_address5"`
	Postcode   flex `json:"charity_contact_postcode"`
	Web        flex `json:"charity_contact_web"`
	Company    flex `json:"charity_company_registration_number"`
	IsCIO      flex `json:"charity_is_cio"`
	Activities flex `json:"charity_activities"`
}

// ccTSVColumns maps the TSV's columns onto ccFields, in field order.
var ccTSVColumns = []string{"date_of_extract", "registered_charity_number", "linked_charity_number", "charity_name", "charity_type", "charity_registration_status",
	"date_of_removal", "latest_income", "charity_contact_address1", "charity_contact_address2", "charity_contact_address3", "charity_contact_address4",
	"charity_contact_address5", "charity_contact_postcode", "charity_contact_web", "charity_company_registration_number", "charity_is_cio", "charity_activities"}

func (f *ccFields) ptrs() []*flex {
	return []*flex{&f.Extract, &f.Number, &f.Linked, &f.Name, &f.Type, &f.Status, &f.Removal, &f.Income, &f.Addr1, &f.Addr2, &f.Addr3, &f.Addr4, &f.Addr5,
		&f.Postcode, &f.Web, &f.Company, &f.IsCIO, &f.Activities}
}

// ImportCharities imports the Charity Commission's charity file (text or
// JSON) in one transaction (rolled back on a dry run).
func ImportCharities(ctx context.Context, d *db.DB, r io.Reader, opt RegisterOptions) (*importing.Report, error) {
	br := bufio.NewReaderSize(r, 1<<20)
	isJSON := false
	if b, _ := br.Peek(64); len(b) > 0 {
		t := bytes.TrimLeft(bytes.TrimPrefix(b, bom), " \t\r\n")
		isJSON = len(t) > 0 && (t[0] == '[' || t[0] == '{')
	}
	return runRegister(ctx, d, RegisterCharity, opt, func(ri *regImport) error {
		cls, err := ri.readClassification(opt.Classification)
		if err != nil {
			return err
		}
		cc := &ccImport{ri: ri, themes: cls, hasThemes: opt.Classification != nil, linked: map[string][]string{}}
		if isJSON {
			ri.format, ri.rep.Unit = "Charity Commission register extract (JSON)", "item"
			err = cc.readJSON(br)
		} else {
			ri.format = "Charity Commission register extract (text)"
			err = cc.readTSV(br)
		}
		if err != nil {
			return err
		}
		if err := ri.flush(); err != nil {
			return err
		}
		return ri.addLinkedNames(cc.linked)
	})
}

type ccImport struct {
	ri        *regImport
	themes    *classification
	hasThemes bool
	linked    map[string][]string // main charity number -> linked charities' names
}

func (cc *ccImport) readTSV(r io.Reader) error {
	t, err := importing.NewStream(r, ccText(ccWhat, ccFileColumns...))
	if err != nil {
		return err
	}
	idx := make([]int, len(ccTSVColumns))
	for i, c := range ccTSVColumns {
		idx[i] = t.Header().Index(c)
	}
	iNum, iLinked, iStatus, iPC, iCo := idx[1], idx[2], idx[5], idx[13], idx[15]
	var f ccFields
	ptrs := f.ptrs()
	return t.Each(cc.ri.rep, func(row *importing.Row) error {
		fields := row.Fields
		// Sorted out on a few fields first, without building the row.
		co := ""
		if iCo >= 0 {
			co = string(bytes.TrimSpace(fields[iCo]))
		}
		if !cc.wanted(bytes.TrimSpace(fields[iNum]), bytes.TrimSpace(fields[iLinked]), bytes.TrimSpace(fields[iStatus]), co, fields[iPC]) {
			return nil
		}
		for i, p := range ptrs {
			*p = ""
			if idx[i] >= 0 {
				*p = flex(fields[idx[i]])
			}
		}
		return cc.row(row.Line, &f)
	})
}

func (cc *ccImport) readJSON(r io.Reader) error {
	j, err := newJSONArray(r, "the Charity Commission's charity file (publicextract.charity.json)")
	if err != nil {
		return err
	}
	ri := cc.ri
	keys := make(map[string]int, len(ccTSVColumns))
	for i, c := range ccTSVColumns {
		keys[c] = i
	}
	var f ccFields
	ptrs := f.ptrs()
	for {
		err := j.nextFlat(keys, ptrs)
		if err == io.EOF {
			return nil
		}
		if ri.rejected(err) {
			continue
		}
		if err != nil {
			return err
		}
		ri.rep.Rows++
		if strings.TrimSpace(string(f.Number)) == "" && strings.TrimSpace(string(f.Name)) == "" {
			ri.rep.Reject(j.item, "", "item has no registered_charity_number or charity_name: it is not a charity")
			continue
		}
		if !cc.wanted([]byte(strings.TrimSpace(string(f.Number))), []byte(strings.TrimSpace(string(f.Linked))), []byte(strings.TrimSpace(string(f.Status))),
			strings.TrimSpace(string(f.Company)), []byte(f.Postcode)) {
			continue
		}
		if err := cc.row(j.item, &f); err != nil {
			return err
		}
	}
}

// wanted sorts a row out on a few fields: a main charity outside the
// area, or removed and not in the directory, is counted and dropped; so
// is a removed linked charity.
func (cc *ccImport) wanted(num, linked, status []byte, company string, postcode []byte) bool {
	ri := cc.ri
	removed := bytes.EqualFold(status, []byte("Removed"))
	if len(linked) > 0 && !(len(linked) == 1 && linked[0] == '0') {
		return !removed
	}
	known := ri.isKnown("GB-CHC-"+string(num)) || company != "" && ri.isKnown("GB-COH-"+padCompany(company))
	switch {
	case removed && !known:
		ri.skippedRemoved++
		return false
	case !known && ri.area != nil && !ri.area.has(postcode):
		ri.outside++
		return false
	}
	return true
}

// row maps a charity row and hands a main charity to the writer.
func (cc *ccImport) row(line int, f *ccFields) error {
	ri := cc.ri
	s := func(v flex) string { return strings.TrimSpace(string(v)) }
	if ri.extractDate == "" {
		ri.extractDate, _ = parseRegisterDate(s(f.Extract))
	}
	num := s(f.Number)
	if _, err := strconv.ParseUint(num, 10, 32); err != nil {
		ri.rep.Reject(line, "registered_charity_number", fmt.Sprintf("registered_charity_number: %q is not a charity number", num))
		return nil
	}
	if l := s(f.Linked); l != "" && l != "0" {
		ri.linkedName(num, s(f.Name), cc.linked)
		return nil
	}
	row := regRow{line: line, register: RegisterCharity, number: num, identifier: "GB-CHC-" + num, name: s(f.Name), sector: "vcs", legalForm: "charity"}
	if strings.EqualFold(s(f.Status), "Removed") {
		d, ok := parseRegisterDate(s(f.Removal))
		if !ok || d == "" {
			d = ri.extractDate
		}
		if d == "" {
			d = "an unknown date"
		}
		row.removedOn = d
	}
	if co := s(f.Company); co != "" && co != "0" {
		row.legalForm = "charitable_company"
		row.also = "GB-COH-" + padCompany(co)
		if _, _, err := ParseIdentifier(row.also); err != nil {
			ri.rep.Warn(line, "charity_company_registration_number", fmt.Sprintf("charity_company_registration_number: %q is not a company number; left out", co))
			row.also = ""
		}
	}
	if strings.EqualFold(s(f.IsCIO), "true") || strings.EqualFold(s(f.Type), "CIO") {
		row.legalForm = "cio"
	}
	var addr []string
	for _, a := range []flex{f.Addr1, f.Addr2, f.Addr3, f.Addr4, f.Addr5} {
		if v := s(a); v != "" {
			addr = append(addr, v)
		}
	}
	row.address = strings.Join(addr, ", ")
	row.postcode = cc.postcode(line, s(f.Postcode))
	row.website = registerWebsite(s(f.Web))
	if row.website == "" && s(f.Web) != "" {
		ri.rep.Warn(line, "charity_contact_web", fmt.Sprintf("charity_contact_web: %q is not a web address; left out", s(f.Web)))
	}
	row.desc = clip(s(f.Activities), MaxDescription)
	if inc := s(f.Income); inc != "" {
		v, err := strconv.ParseFloat(strings.NewReplacer(",", "", "£", "").Replace(inc), 64)
		if err != nil {
			ri.rep.Warn(line, "latest_income", fmt.Sprintf("latest_income: %q is not an amount of money; left out", inc))
		} else {
			row.incomeBand = bandFor(v)
		}
	}
	if cc.hasThemes {
		row.hasThemes = true
		row.themes = cc.themes.ids(num)
	}
	return ri.keep(row)
}

// postcode is a row's postcode, normalised; a malformed one is left out
// with a warning (the organisation is still worth having).
func (cc *ccImport) postcode(line int, pc string) string {
	if pc == "" {
		return ""
	}
	if n, ok := NormalisePostcode(pc); ok {
		return n
	}
	cc.ri.rep.Warn(line, "postcode", fmt.Sprintf("postcode: %q is not a postcode; left out", pc))
	return ""
}

// padCompany restores a company number's leading zeros (Companies House
// numbers are eight characters: 01234567, SC123456).
func padCompany(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if len(s) >= 8 {
		return s
	}
	i := 0
	for i < len(s) && s[i] >= 'A' && s[i] <= 'Z' {
		i++
	}
	return s[:i] + strings.Repeat("0", 8-len(s)) + s[i:]
}

func clip(s string, n int) string {
	r := []rune(s)
	if len(r) <= n {
		return s
	}
	return string(r[:n])
}

// classification is the themes of each charity, from the classification
// file: a bit per theme, the themes in ids.
type classification struct {
	byNumber map[string]uint32
	themes   []int64
}

func (c *classification) ids(num string) []int64 {
	if c == nil {
		return nil
	}
	bits := c.byNumber[num]
	var out []int64
	for i, id := range c.themes {
		if bits&(1<<i) != 0 {
			out = append(out, id)
		}
	}
	return out
}

// readClassification reads publicextract.charity_classification.txt:
// each main charity's classifications mapped to the taxonomy's themes
// (classificationThemes, as `import orgs` maps them).
func (ri *regImport) readClassification(r io.Reader) (*classification, error) {
	if r == nil {
		return nil, nil
	}
	const what = "the Charity Commission's classification file (publicextract.charity_classification.txt)"
	t, err := importing.NewStream(r, ccText(what, "registered_charity_number", "linked_charity_number", "classification_description"))
	if err != nil {
		return nil, fmt.Errorf("classification file: %w", err)
	}
	c := &classification{byNumber: map[string]uint32{}}
	bit := map[string]uint32{}
	for _, code := range classificationThemes {
		id, ok := ri.pp.vocab[taxonomy.Themes][code]
		if !ok {
			continue
		}
		if _, done := bit[code]; !done {
			for i, have := range c.themes {
				if have == id {
					bit[code] = 1 << i
				}
			}
			if _, done := bit[code]; !done && len(c.themes) < 32 {
				bit[code] = 1 << len(c.themes)
				c.themes = append(c.themes, id)
			}
		}
	}
	h := t.Header()
	iNum, iLinked, iDesc := h.Index("registered_charity_number"), h.Index("linked_charity_number"), h.Index("classification_description")
	// Rows the file cannot hand over are skipped: the charity file's
	// report is the import's.
	err = t.Each(&importing.Report{}, func(row *importing.Row) error {
		fields := row.Fields
		if l := bytes.TrimSpace(fields[iLinked]); len(l) > 0 && string(l) != "0" {
			return nil
		}
		desc := strings.ToLower(string(fields[iDesc]))
		var bits uint32
		for kw, code := range classificationThemes {
			if strings.Contains(desc, kw) {
				bits |= bit[code]
			}
		}
		if bits != 0 {
			c.byNumber[string(bytes.TrimSpace(fields[iNum]))] |= bits
		}
		return nil
	})
	if err != nil {
		return nil, fmt.Errorf("classification file: %w", err)
	}
	return c, nil
}
