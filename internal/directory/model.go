package directory

import (
	"net/url"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"
	"unicode/utf8"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
)

// Income bands (latest annual income).
var IncomeBands = []string{"under_10k", "10k_100k", "100k_500k", "500k_1m", "1m_5m", "over_5m"}

// OutcomeMethods: how an organisation plans and monitors outcomes.
var OutcomeMethods = []string{"none", "planning_triangle", "theory_of_change", "outcomes_star", "other"}

// PolicyKinds are the policies an organisation can hold.
var PolicyKinds = []string{"safeguarding", "equality_diversity", "health_safety", "data_protection", "complaints", "whistleblowing", "environmental"}

// ReviewWarning is how far ahead a policy review shows as due.
const ReviewWarning = 30 * 24 * time.Hour

// Text limits.
const (
	MaxDescription = 5000
	MaxShortText   = 300
)

var labels = map[string]string{
	"under_10k": "Under £10,000", "10k_100k": "£10,000 to £100,000", "100k_500k": "£100,000 to £500,000",
	"500k_1m": "£500,000 to £1 million", "1m_5m": "£1 million to £5 million", "over_5m": "Over £5 million",
	"none": "None", "planning_triangle": "Planning triangle", "theory_of_change": "Theory of change",
	"outcomes_star": "Outcomes Star", "other": "Other",
	"safeguarding": "Safeguarding", "equality_diversity": "Equality and diversity", "health_safety": "Health and safety",
	"data_protection": "Data protection", "complaints": "Complaints", "whistleblowing": "Whistleblowing",
	"environmental": "Environmental",
	"pending":       "Pending", "approved": "Approved", "rejected": "Rejected", "requested": "Asked to join", "member": "Member",
	"relevance": "Best match", "name": "Name (A to Z)", "updated": "Recently updated",
}

// Profile is an organisation's directory entry.
type Profile struct {
	accounts.Organisation
	OtherNames     string
	Description    string
	Mission        string
	Address        string
	Postcode       string
	IncomeBand     string
	Staff          *int
	Volunteers     *int
	OutcomesMethod string
	Website        string
	SocialLinks    []string
	Published      bool
	Identifiers    []string
	Wards          []string
	LocalAuths     []string // codes
	TermIDs        []int64
	ProfileUpdated *time.Time
	termVocab      []string // vocabulary of each TermIDs entry, as loaded
}

// Policy is one policy an organisation holds.
type Policy struct {
	Kind         string
	ReviewDate   *time.Time
	DueForReview bool // review date passed or within ReviewWarning
}

// Label is the policy's name for people.
func (p Policy) Label() string { return labels[p.Kind] }

// QualityMark is an external quality standard held.
type QualityMark struct {
	ID        int64
	Name      string
	Level     string
	AwardedOn *time.Time
	ExpiresOn *time.Time
	Current   bool
}

// Contact is a contact person (personal data: public fields need consent).
type Contact struct {
	ID           int64
	Name         string
	Role         string
	Email        string
	Phone        string
	PublishName  bool
	PublishEmail bool
	PublishPhone bool
	ConsentAt    *time.Time
}

// Badge is a current org_badges row.
type Badge struct {
	Kind       string
	Label      string
	ValidUntil *time.Time
}

func contains[T comparable](xs []T, v T) bool {
	for _, x := range xs {
		if x == v {
			return true
		}
	}
	return false
}

func checkLen(v *apperr.Validation, field, label, s string, max int) {
	if utf8.RuneCountInString(s) > max {
		v.Add(field, label+" must be "+itoa(max)+" characters or fewer")
	}
}

func itoa(n int) string { return strconv.Itoa(n) }

func validURL(s string) bool {
	u, err := url.Parse(s)
	return err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && !strings.ContainsAny(s, " <>\"")
}

// Validate cleans and checks a profile; field names match the form.
func (p *Profile) Validate() error {
	var v apperr.Validation
	if err := accounts.ValidateOrg(&p.Organisation); err != nil {
		for _, fe := range apperr.Fields(err) {
			v.Add(fe.Field, fe.Message)
		}
	}
	for _, f := range []*string{&p.OtherNames, &p.Description, &p.Mission, &p.Address, &p.Postcode, &p.Website} {
		*f = clean.Text(*f)
	}
	checkLen(&v, "other_names", "Other names", p.OtherNames, MaxShortText)
	checkLen(&v, "description", "Description", p.Description, MaxDescription)
	checkLen(&v, "mission", "Mission", p.Mission, MaxDescription)
	checkLen(&v, "address", "Address", p.Address, MaxShortText)
	if p.Postcode != "" {
		if pc, ok := NormalisePostcode(p.Postcode); ok {
			p.Postcode = pc
		} else {
			v.Add("postcode", "Enter a real postcode, like FY1 1AA")
		}
	}
	v.Check(p.IncomeBand == "" || contains(IncomeBands, p.IncomeBand), "income_band", "Select an income band from the list")
	v.Check(p.OutcomesMethod == "" || contains(OutcomeMethods, p.OutcomesMethod), "outcomes_method", "Select how you plan and monitor outcomes")
	v.Check(p.Staff == nil || (*p.Staff >= 0 && *p.Staff <= 1000000), "staff", "Staff must be a whole number, 0 or more")
	v.Check(p.Volunteers == nil || (*p.Volunteers >= 0 && *p.Volunteers <= 1000000), "volunteers", "Volunteers must be a whole number, 0 or more")
	if p.Website != "" && !validURL(p.Website) {
		v.Add("website", "Enter the website address in full, starting https://")
	}
	var links []string
	for _, l := range p.SocialLinks {
		l = strings.TrimSpace(l)
		if l == "" {
			continue
		}
		if !validURL(l) {
			v.Add("social_links", "Enter each social media link in full, starting https://, one a line")
			break
		}
		links = append(links, l)
	}
	p.SocialLinks = links
	v.Check(len(p.SocialLinks) <= 10, "social_links", "Enter up to 10 social media links")
	seen := map[string]bool{}
	var ids []string
	for _, s := range p.Identifiers {
		if strings.TrimSpace(s) == "" {
			continue
		}
		id, _, err := ParseIdentifier(s)
		if err != nil {
			v.Add("identifiers", err.Error())
			continue
		}
		if seen[id] {
			v.Add("identifiers", "Identifier "+id+" is listed twice")
			continue
		}
		seen[id] = true
		ids = append(ids, id)
	}
	p.Identifiers = ids
	var ws []string
	for _, w := range p.Wards {
		if strings.TrimSpace(w) == "" {
			continue
		}
		cw, ok := CanonicalWard(w)
		if !ok {
			v.Add("wards", "\""+strings.TrimSpace(w)+"\" is not a Blackpool ward")
			continue
		}
		if !contains(ws, cw) {
			ws = append(ws, cw)
		}
	}
	p.Wards = ws
	var lcs []string
	for _, c := range p.LocalAuths {
		if strings.TrimSpace(c) == "" {
			continue
		}
		la, ok := LocalAuthorityByCode(c)
		if !ok {
			v.Add("local_authorities", "\""+strings.TrimSpace(c)+"\" is not a UK local authority code")
			continue
		}
		if !contains(lcs, la.Code) {
			lcs = append(lcs, la.Code)
		}
	}
	p.LocalAuths = lcs
	return v.Err()
}

// ValidatePolicyDate: review dates are within a sensible range.
func validDate(t *time.Time) bool {
	return t == nil || (t.Year() >= 1990 && t.Year() <= 2100)
}

// today is the calendar date (UTC midnight) in London.
func today(now time.Time) time.Time {
	y, m, d := now.In(london()).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}

func policyDue(review *time.Time, now time.Time) bool {
	if review == nil {
		return true // a policy with no review date needs one
	}
	return !review.After(today(now).Add(ReviewWarning))
}

// label is the directory's words for a code (income bands, outcome
// methods, policies, claim and membership states).
func label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return accounts.Label(code)
}
