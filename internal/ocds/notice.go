package ocds

import (
	"bytes"
	"encoding/json"
	"fmt"
	"math/big"
	"slices"
	"strings"
	"time"
)

// Notice is the neutral form of a commissioning opportunity that OCDS
// releases are written from and read into; the opportunities feature maps
// its own model to and from it. Money is whole pence; nil means unknown.
type Notice struct {
	OCID        string
	Kind        string // tender, grant, consultation, pipeline
	Status      string // planned, open, closed, awarded, cancelled
	Title       string
	Description string
	Buyer       Org
	Contact     Contact
	ValueMin    *int64
	ValueMax    *int64
	Currency    string // GBP when empty

	PublishedAt        *time.Time
	QuestionsCloseAt   *time.Time
	EOIDeadline        *time.Time
	SubmissionDeadline *time.Time
	AwardExpected      *time.Time // a date
	ContractStart      *time.Time // a date
	ContractEnd        *time.Time // a date

	Procedure    string // open, restricted, competitive_flexible, direct_award, open_call
	CPVCodes     []string
	SuitableSME  bool
	SuitableVCSE bool
	ReservedVCSE bool
	SourceURL    string
	Lots         []NoticeLot
	Documents    []NoticeDocument
	Suppliers    []Org // awarded suppliers (an award release)
	Awards       []NoticeAward
}

// NoticeAward is an award read from a release: its id, date, value (whole
// pence, nil when absent or not in GBP) and suppliers.
type NoticeAward struct {
	ID        string
	Date      *time.Time
	Value     *int64
	Suppliers []Org
}

// NoticeLot is one lot; ID is its position ("1", "2"...) for our own notices.
type NoticeLot struct {
	ID          string
	Title       string
	Description string
	Value       *int64
}

// NoticeDocument is a published document.
type NoticeDocument struct {
	ID, Title, URL, Format string
}

// Org is a party: its name and org-id identifiers ("GB-CHC-1234567").
type Org struct {
	Name        string
	Identifiers []string
	VCSE        *bool
	Locality    string
	PostalCode  string
}

// Contact is the buyer's contact point for the notice.
type Contact struct {
	Name, Email string
}

// SplitOrgID splits an org-id identifier ("GB-COH-01234567") into its
// scheme (GB-COH) and id (01234567); ok is false when it has no scheme.
func SplitOrgID(s string) (scheme, id string, ok bool) {
	parts := strings.SplitN(strings.TrimSpace(s), "-", 3)
	if len(parts) != 3 || len(parts[0]) != 2 || parts[1] == "" || parts[2] == "" {
		return "", "", false
	}
	return strings.ToUpper(parts[0] + "-" + parts[1]), parts[2], true
}

var procedureMethod = map[string][2]string{
	"open":                 {"open", "Open procedure"},
	"restricted":           {"selective", "Restricted procedure"},
	"competitive_flexible": {"selective", "Competitive flexible procedure"},
	"direct_award":         {"direct", "Direct award"},
	"open_call":            {"open", "Open call for grants"},
}

var statusTender = map[string]string{
	"planned":   "planned",
	"open":      "active",
	"closed":    "complete",
	"awarded":   "complete",
	"cancelled": "cancelled",
}

// Tags says which release tags a new release of n carries: first is true
// for the notice's first release. Pipeline notices and consultations are
// planning releases; tenders and grant programmes are tender releases,
// tenderAmendment after the first; a cancelled notice is a
// tenderCancellation and an awarded one an award.
func Tags(n *Notice, first bool) []string {
	switch {
	case n.Status == "cancelled":
		return []string{"tenderCancellation"}
	case n.Status == "awarded":
		return []string{"award"}
	case n.Kind == "pipeline" || n.Kind == "consultation":
		if first {
			return []string{"planning"}
		}
		return []string{"planningUpdate"}
	case first:
		return []string{"tender"}
	}
	return []string{"tenderAmendment"}
}

// partyID is the id a party gets in parties[]: its first identifier, or
// a name-based id when it has none.
func partyID(o Org) string {
	if len(o.Identifiers) > 0 {
		return o.Identifiers[0]
	}
	return "name-" + strings.ToLower(strings.Join(strings.Fields(o.Name), "-"))
}

// AddParty adds the organisation to the release's parties with roles, or
// adds the roles to the party already there, and returns its reference.
func (r *ReleaseDoc) AddParty(o Org, roles ...string) OrganizationReference {
	p := orgParty(o, roles...)
	for i := range r.Parties {
		if r.Parties[i].ID != p.ID {
			continue
		}
		for _, role := range roles {
			if !slices.Contains(r.Parties[i].Roles, role) {
				r.Parties[i].Roles = append(r.Parties[i].Roles, role)
			}
		}
		return OrganizationReference{ID: p.ID, Name: r.Parties[i].Name}
	}
	r.Parties = append(r.Parties, p)
	return OrganizationReference{ID: p.ID, Name: p.Name}
}

// Money writes whole pence as an OCDS value in cur (GBP when "").
func Money(p *int64, cur string) *Value {
	if cur == "" {
		cur = "GBP"
	}
	return value(p, cur)
}

func orgParty(o Org, roles ...string) Organization {
	p := Organization{Name: o.Name, ID: ID(partyID(o)), Roles: roles}
	for _, ident := range o.Identifiers {
		scheme, id, ok := SplitOrgID(ident)
		if !ok {
			continue
		}
		x := Identifier{Scheme: scheme, ID: ID(id)}
		if p.Identifier == nil {
			x.LegalName = o.Name
			p.Identifier = &x
		} else {
			p.AdditionalIdentifiers = append(p.AdditionalIdentifiers, x)
		}
	}
	if o.Locality != "" || o.PostalCode != "" {
		p.Address = &Address{Locality: o.Locality, PostalCode: o.PostalCode, CountryName: "United Kingdom"}
	}
	if o.VCSE != nil {
		p.Details = &OrgDetails{VCSE: o.VCSE}
	}
	return p
}

// Pounds writes whole pence as an OCDS amount (pounds, two decimals
// dropped when zero).
func Pounds(p int64) json.Number {
	sign := ""
	if p < 0 {
		sign, p = "-", -p
	}
	if p%100 == 0 {
		return json.Number(fmt.Sprintf("%s%d", sign, p/100))
	}
	return json.Number(fmt.Sprintf("%s%d.%02d", sign, p/100, p%100))
}

// Pence reads an OCDS amount as whole pence (rounded half away from zero).
func Pence(n json.Number) (int64, error) {
	r, ok := new(big.Rat).SetString(string(n))
	if !ok {
		return 0, fmt.Errorf("amount %q is not a number", n)
	}
	r.Mul(r, big.NewRat(100, 1))
	f, _ := r.Float64()
	if f > 9e15 || f < -9e15 {
		return 0, fmt.Errorf("amount %q is too large", n)
	}
	if f < 0 {
		return -int64(-f + 0.5), nil
	}
	return int64(f + 0.5), nil
}

func ts(t *time.Time) string {
	if t == nil {
		return ""
	}
	return t.UTC().Format(time.RFC3339)
}

func value(p *int64, cur string) *Value {
	if p == nil {
		return nil
	}
	return &Value{Amount: Pounds(*p), Currency: cur}
}

func period(start, end *time.Time) *Period {
	if start == nil && end == nil {
		return nil
	}
	return &Period{StartDate: ts(start), EndDate: ts(end)}
}

// Release writes n as an OCDS release with the given id, date and tags.
func Release(n *Notice, id string, date time.Time, tags []string) *ReleaseDoc {
	cur := n.Currency
	if cur == "" {
		cur = "GBP"
	}
	r := &ReleaseDoc{
		OCID: n.OCID, ID: ID(id), Date: date.UTC().Format(time.RFC3339), Tag: tags,
		InitiationType: "tender", Language: "en",
	}
	buyer := orgParty(n.Buyer, "buyer")
	if n.Contact.Name != "" || n.Contact.Email != "" {
		buyer.ContactPoint = &ContactPoint{Name: n.Contact.Name, Email: n.Contact.Email}
	}
	r.Parties = append(r.Parties, buyer)
	r.Buyer = &OrganizationReference{ID: buyer.ID, Name: buyer.Name}
	t := &Tender{
		ID: ID(n.OCID), Title: n.Title, Description: n.Description,
		Status:                       statusTender[n.Status],
		MainProcurementCategory:      "services",
		Value:                        value(n.ValueMax, cur),
		MinValue:                     value(n.ValueMin, cur),
		TenderPeriod:                 period(n.PublishedAt, n.SubmissionDeadline),
		EnquiryPeriod:                period(nil, n.QuestionsCloseAt),
		AwardPeriod:                  period(n.AwardExpected, nil),
		ContractPeriod:               period(n.ContractStart, n.ContractEnd),
		ExpressionOfInterestDeadline: ts(n.EOIDeadline),
	}
	if m, ok := procedureMethod[n.Procedure]; ok {
		t.ProcurementMethod, t.ProcurementMethodDetails = m[0], m[1]
	}
	if n.Kind == "grant" {
		t.AdditionalProcurementCategories = []string{"grant"}
	}
	if n.SuitableSME || n.SuitableVCSE {
		t.Suitability = &Suitability{SME: boolp(n.SuitableSME), VCSE: boolp(n.SuitableVCSE)}
	}
	if n.ReservedVCSE {
		t.OtherRequirements = &OtherRequirements{ReservedParticipation: []string{"smeVcse"}}
	}
	for i, c := range n.CPVCodes {
		t.Items = append(t.Items, Item{ID: ID(fmt.Sprint(i + 1)), Classification: &Classification{Scheme: "CPV", ID: ID(c)}})
	}
	for _, l := range n.Lots {
		t.Lots = append(t.Lots, Lot{ID: ID(l.ID), Title: l.Title, Description: l.Description, Value: value(l.Value, cur), Status: t.Status})
	}
	if n.SourceURL != "" {
		t.Documents = append(t.Documents, Document{ID: "source", DocumentType: "tenderNotice", Title: "Published notice", URL: n.SourceURL})
	}
	for _, d := range n.Documents {
		t.Documents = append(t.Documents, Document{ID: ID(d.ID), DocumentType: "biddingDocuments", Title: d.Title, URL: d.URL, Format: d.Format})
	}
	r.Tender = t
	if n.Kind == "consultation" {
		r.Planning = &Planning{Milestones: []Milestone{{ID: "engagement", Title: "Service design consultation", Type: "engagement", DueDate: ts(n.SubmissionDeadline)}}}
	} else if n.Kind == "pipeline" {
		r.Planning = &Planning{Milestones: []Milestone{{ID: "pipeline", Title: "Planned procurement (pipeline notice)", Type: "preProcurement", DueDate: ts(n.PublishedAt)}}}
	}
	if n.Status == "awarded" {
		a := Award{ID: ID(n.OCID + "-award"), Status: "active"}
		for _, s := range n.Suppliers {
			p := orgParty(s, "supplier")
			r.Parties = append(r.Parties, p)
			a.Suppliers = append(a.Suppliers, OrganizationReference{ID: p.ID, Name: p.Name})
		}
		r.Awards = []Award{a}
	}
	return r
}

func boolp(b bool) *bool { return &b }

// FromRelease reads a (compiled) release into a Notice. Kind: a planning
// milestone of type engagement (or a market engagement notice) makes a
// consultation; the additional procurement category "grant" a grant
// programme; a preProcurement milestone, or a tender still planned with no
// tender period, a pipeline notice; anything else a tender.
func FromRelease(rel map[string]any) (*Notice, error) {
	b, err := json.Marshal(rel)
	if err != nil {
		return nil, err
	}
	var r ReleaseDoc
	if err := json.Unmarshal(b, &r); err != nil {
		return nil, err
	}
	n := &Notice{OCID: r.OCID, Currency: "GBP"}
	parties := map[ID]Organization{}
	for _, p := range r.Parties {
		parties[p.ID] = p
	}
	if r.Buyer != nil {
		p, ok := parties[r.Buyer.ID]
		if !ok {
			p = Organization{ID: r.Buyer.ID, Name: r.Buyer.Name}
		}
		n.Buyer = partyOrg(p)
		if p.ContactPoint != nil {
			n.Contact = Contact{Name: p.ContactPoint.Name, Email: p.ContactPoint.Email}
		}
	} else {
		for _, p := range r.Parties {
			if has(p.Roles, "buyer") || has(p.Roles, "procuringEntity") {
				n.Buyer = partyOrg(p)
				break
			}
		}
	}
	if n.Buyer.Name == "" {
		return nil, fmt.Errorf("the release names no buyer (buyer or a party with the role buyer)")
	}
	t := r.Tender
	if t == nil {
		t = &Tender{}
	}
	n.Title, n.Description = t.Title, t.Description
	if n.Title == "" && r.Planning != nil {
		n.Title = r.Planning.Rationale
	}
	if n.Title == "" {
		return nil, fmt.Errorf("the release has no tender.title")
	}
	var perr error
	pence := func(v *Value) *int64 {
		if v == nil || v.Amount == "" {
			return nil
		}
		if v.Currency != "" {
			n.Currency = v.Currency
		}
		p, err := Pence(v.Amount)
		if err != nil {
			perr = err
			return nil
		}
		return &p
	}
	n.ValueMax, n.ValueMin = pence(t.Value), pence(t.MinValue)
	if n.ValueMax == nil && r.Planning != nil && r.Planning.Budget != nil {
		n.ValueMax = pence(r.Planning.Budget.Amount)
	}
	for _, l := range t.Lots {
		n.Lots = append(n.Lots, NoticeLot{ID: string(l.ID), Title: l.Title, Description: l.Description, Value: pence(l.Value)})
	}
	if perr != nil {
		return nil, perr
	}
	if t.TenderPeriod != nil {
		n.PublishedAt, n.SubmissionDeadline = parseTime(t.TenderPeriod.StartDate), parseTime(t.TenderPeriod.EndDate)
	}
	if t.EnquiryPeriod != nil {
		n.QuestionsCloseAt = parseTime(t.EnquiryPeriod.EndDate)
	}
	if t.AwardPeriod != nil {
		// When the award is expected: the end of the award period (the
		// date it should be made by), else its start.
		n.AwardExpected = parseTime(t.AwardPeriod.EndDate)
		if n.AwardExpected == nil {
			n.AwardExpected = parseTime(t.AwardPeriod.StartDate)
		}
	}
	if t.ContractPeriod != nil {
		n.ContractStart, n.ContractEnd = parseTime(t.ContractPeriod.StartDate), parseTime(t.ContractPeriod.EndDate)
	}
	n.EOIDeadline = parseTime(t.ExpressionOfInterestDeadline)
	switch strings.ToLower(t.ProcurementMethodDetails) {
	case "open call for grants":
		n.Procedure = "open_call"
	case "competitive flexible procedure":
		n.Procedure = "competitive_flexible"
	case "restricted procedure":
		n.Procedure = "restricted"
	default:
		switch t.ProcurementMethod {
		case "open":
			n.Procedure = "open"
		case "selective":
			n.Procedure = "restricted"
		case "direct", "limited":
			n.Procedure = "direct_award"
		}
	}
	for _, it := range t.Items {
		if it.Classification != nil && strings.EqualFold(it.Classification.Scheme, "CPV") {
			n.CPVCodes = appendCPV(n.CPVCodes, string(it.Classification.ID))
		}
		for _, c := range it.AdditionalClassifications {
			if strings.EqualFold(c.Scheme, "CPV") {
				n.CPVCodes = appendCPV(n.CPVCodes, string(c.ID))
			}
		}
	}
	if t.Suitability != nil {
		n.SuitableSME = t.Suitability.SME != nil && *t.Suitability.SME
		n.SuitableVCSE = t.Suitability.VCSE != nil && *t.Suitability.VCSE
	}
	if t.OtherRequirements != nil && has(t.OtherRequirements.ReservedParticipation, "smeVcse") {
		n.ReservedVCSE = true
	}
	for _, d := range t.Documents {
		if d.ID == "source" || (n.SourceURL == "" && d.DocumentType == "tenderNotice") {
			n.SourceURL = d.URL
			continue
		}
		n.Documents = append(n.Documents, NoticeDocument{ID: string(d.ID), Title: d.Title, URL: d.URL, Format: d.Format})
	}
	// Kind and status.
	engagement, pipeline := false, false
	if r.Planning != nil {
		for _, m := range r.Planning.Milestones {
			switch m.Type {
			case "engagement":
				engagement = true
			case "preProcurement":
				pipeline = true
			}
		}
		for _, d := range r.Planning.Documents {
			if d.DocumentType == "marketEngagementNotice" {
				engagement = true
			}
		}
	}
	switch {
	case engagement:
		n.Kind = "consultation"
	case has(t.AdditionalProcurementCategories, "grant"):
		n.Kind = "grant"
	case pipeline || ((t.Status == "planned" || t.Status == "planning" || t.Status == "") && t.TenderPeriod == nil):
		n.Kind = "pipeline"
	default:
		n.Kind = "tender"
	}
	awarded := false
	for _, a := range r.Awards {
		if a.Status == "active" || a.Status == "pending" || a.Status == "" {
			awarded = true
			na := NoticeAward{ID: string(a.ID)}
			if d, err := time.Parse(time.RFC3339, a.Date); err == nil {
				na.Date = &d
			}
			if a.Value != nil && a.Value.Amount != "" && (a.Value.Currency == "" || a.Value.Currency == "GBP") {
				if p, err := Pence(a.Value.Amount); err == nil {
					na.Value = &p
				}
			}
			for _, s := range a.Suppliers {
				p, ok := parties[s.ID]
				if !ok {
					p = Organization{ID: s.ID, Name: s.Name}
				}
				n.Suppliers = append(n.Suppliers, partyOrg(p))
				na.Suppliers = append(na.Suppliers, partyOrg(p))
			}
			if len(na.Suppliers) > 0 {
				n.Awards = append(n.Awards, na)
			}
		}
	}
	switch t.Status {
	case "planning", "planned", "":
		n.Status = "planned"
		if t.Status == "" && n.SubmissionDeadline != nil {
			n.Status = "open"
		}
	case "active":
		n.Status = "open"
	case "cancelled", "unsuccessful", "withdrawn":
		n.Status = "cancelled"
	case "complete":
		n.Status = "closed"
	default:
		n.Status = "open"
	}
	if awarded && n.Status != "cancelled" {
		n.Status = "awarded"
	}
	if n.Kind == "pipeline" && n.Status == "open" {
		n.Status = "planned"
	}
	return n, nil
}

func appendCPV(list []string, code string) []string {
	code = strings.TrimSpace(code)
	if code == "" {
		return list
	}
	for _, c := range list {
		if c == code {
			return list
		}
	}
	return append(list, code)
}

func partyOrg(p Organization) Org {
	o := Org{Name: p.Name}
	add := func(x *Identifier) {
		if x == nil || x.Scheme == "" || x.ID == "" {
			return
		}
		o.Identifiers = append(o.Identifiers, strings.ToUpper(x.Scheme)+"-"+string(x.ID))
	}
	add(p.Identifier)
	for i := range p.AdditionalIdentifiers {
		add(&p.AdditionalIdentifiers[i])
	}
	if len(o.Identifiers) == 0 {
		if _, _, ok := SplitOrgID(string(p.ID)); ok {
			o.Identifiers = []string{string(p.ID)}
		}
	}
	if p.Address != nil {
		o.Locality, o.PostalCode = p.Address.Locality, p.Address.PostalCode
	}
	if p.Details != nil {
		o.VCSE = p.Details.VCSE
	}
	return o
}

func has(list []string, s string) bool {
	for _, x := range list {
		if x == s {
			return true
		}
	}
	return false
}

func parseTime(s string) *time.Time {
	if s == "" {
		return nil
	}
	for _, layout := range []string{time.RFC3339, "2006-01-02T15:04:05", "2006-01-02"} {
		if t, err := time.Parse(layout, s); err == nil {
			t = t.UTC()
			return &t
		}
	}
	return nil
}

// NewReleasePackage wraps encoded releases in a release package declaring
// the extensions Partnerhub uses.
func NewReleasePackage(uri string, pub Publisher, published time.Time, releases []json.RawMessage) *ReleasePackage {
	return &ReleasePackage{
		URI: uri, Version: Version, Extensions: Extensions,
		PublishedDate: published.UTC().Format(time.RFC3339), Publisher: pub,
		Releases: releases,
	}
}

// NewRecord builds the record of one process from its encoded releases,
// with the compiled release made by Compile.
func NewRecord(ocid string, releases []json.RawMessage) (Record, error) {
	maps := make([]map[string]any, 0, len(releases))
	for _, b := range releases {
		dec := json.NewDecoder(bytes.NewReader(b))
		dec.UseNumber()
		var m map[string]any
		if err := dec.Decode(&m); err != nil {
			return Record{}, err
		}
		maps = append(maps, m)
	}
	c, err := Compile(maps)
	if err != nil {
		return Record{}, err
	}
	cb, err := json.Marshal(c)
	if err != nil {
		return Record{}, err
	}
	return Record{OCID: ocid, Releases: releases, CompiledRelease: cb}, nil
}

// NewRecordPackage wraps records in a record package.
func NewRecordPackage(uri string, pub Publisher, published time.Time, records []Record) *RecordPackage {
	return &RecordPackage{
		URI: uri, Version: Version, Extensions: Extensions,
		PublishedDate: published.UTC().Format(time.RFC3339), Publisher: pub,
		Records: records,
	}
}
