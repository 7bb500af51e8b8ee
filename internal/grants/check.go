package grants

import (
	"encoding/json"
	"errors"
	"fmt"
	"math"
	"regexp"
	"slices"
	"strconv"
	"strings"
	"time"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"github.com/santhosh-tekuri/jsonschema/v6/kind"

	"golang.org/x/text/language"
	"golang.org/x/text/message"

	"partnerhub/internal/directory"
)

var (
	errorsAs = errors.As
	printer  = message.NewPrinter(language.English)
)

// grantDoc is the part of a 360Giving grant Partnerhub keeps. It is only
// decoded from a grant that passed the schema.
type grantDoc struct {
	ID                    string      `json:"id"`
	Title                 string      `json:"title"`
	Description           string      `json:"description"`
	Currency              string      `json:"currency"`
	AmountAwarded         json.Number `json:"amountAwarded"`
	AwardDate             string      `json:"awardDate"`
	RecipientOrganization []orgDoc    `json:"recipientOrganization"`
	RecipientIndividual   *struct {
		ID   string `json:"id"`
		Name string `json:"name"`
	} `json:"recipientIndividual"`
	FundingOrganization []orgDoc `json:"fundingOrganization"`
	BeneficiaryLocation []struct {
		Name    *string `json:"name"`
		GeoCode string  `json:"geoCode"`
	} `json:"beneficiaryLocation"`
	GrantProgramme []struct {
		Code  string `json:"code"`
		Title string `json:"title"`
	} `json:"grantProgramme"`
	Classifications []struct {
		Title string `json:"title"`
	} `json:"classifications"`
	DataSource *string `json:"dataSource"`
}

type orgDoc struct {
	ID              string `json:"id"`
	Name            string `json:"name"`
	CharityNumber   string `json:"charityNumber"`
	CompanyNumber   string `json:"companyNumber"`
	PostalCode      string `json:"postalCode"`
	AddressLocality string `json:"addressLocality"`
	StreetAddress   string `json:"streetAddress"`
}

// docFrom reads the grant's fields Partnerhub keeps from its value (one
// that passed the schema, so every field has its type).
func docFrom(v map[string]any) *grantDoc {
	str := func(m map[string]any, k string) string { s, _ := m[k].(string); return s }
	objs := func(k string) []map[string]any {
		l, _ := v[k].([]any)
		out := make([]map[string]any, 0, len(l))
		for _, x := range l {
			if m, ok := x.(map[string]any); ok {
				out = append(out, m)
			}
		}
		return out
	}
	org := func(m map[string]any) orgDoc {
		return orgDoc{ID: str(m, "id"), Name: str(m, "name"), CharityNumber: str(m, "charityNumber"), CompanyNumber: str(m, "companyNumber"),
			PostalCode: str(m, "postalCode"), AddressLocality: str(m, "addressLocality"), StreetAddress: str(m, "streetAddress")}
	}
	d := &grantDoc{ID: str(v, "id"), Title: str(v, "title"), Description: str(v, "description"), Currency: str(v, "currency"), AwardDate: str(v, "awardDate")}
	switch a := v["amountAwarded"].(type) {
	case json.Number:
		d.AmountAwarded = a
	case float64:
		d.AmountAwarded = json.Number(strconv.FormatFloat(a, 'f', -1, 64))
	}
	for _, m := range objs("recipientOrganization") {
		d.RecipientOrganization = append(d.RecipientOrganization, org(m))
	}
	if m, ok := v["recipientIndividual"].(map[string]any); ok {
		d.RecipientIndividual = &struct {
			ID   string `json:"id"`
			Name string `json:"name"`
		}{str(m, "id"), str(m, "name")}
	}
	for _, m := range objs("fundingOrganization") {
		d.FundingOrganization = append(d.FundingOrganization, org(m))
	}
	for _, m := range objs("beneficiaryLocation") {
		name, ok := m["name"].(string)
		loc := struct {
			Name    *string `json:"name"`
			GeoCode string  `json:"geoCode"`
		}{GeoCode: str(m, "geoCode")}
		if ok {
			loc.Name = &name
		}
		d.BeneficiaryLocation = append(d.BeneficiaryLocation, loc)
	}
	for _, m := range objs("grantProgramme") {
		d.GrantProgramme = append(d.GrantProgramme, struct {
			Code  string `json:"code"`
			Title string `json:"title"`
		}{str(m, "code"), str(m, "title")})
	}
	for _, m := range objs("classifications") {
		d.Classifications = append(d.Classifications, struct {
			Title string `json:"title"`
		}{str(m, "title")})
	}
	if s, ok := v["dataSource"].(string); ok {
		d.DataSource = &s
	}
	return d
}

// problem is one thing wrong with a grant: where (a JSON path or a column
// title) and what.
type problem struct{ where, what string }

func (p problem) String() string {
	if p.where == "" {
		return p.what
	}
	return p.where + ": " + p.what
}

// where names a place in a grant for a message: its JSON path in the
// file ("/grants/3/awardDate") or, in a CSV or XLSX file, its column.
func (f *file) where(it item, loc string) string {
	if f.unit == "grant" {
		return fmt.Sprintf("/grants/%d%s", it.n-1, loc)
	}
	path := strings.TrimPrefix(loc, "/")
	if t, ok := f.titles[path]; ok {
		return t
	}
	for p, t := range f.titles { // a part of a grant: the columns' common title
		if strings.HasPrefix(p, path+"/") {
			if i := strings.IndexByte(t, ':'); i > 0 {
				return t[:i]
			}
		}
	}
	if loc == "" {
		return ""
	}
	return loc
}

// requiredSets are the properties a grant must have (the schema's oneOf:
// a recipient organisation or a recipient individual).
var requiredCommon = []string{"id", "title", "description", "currency", "amountAwarded", "awardDate", "fundingOrganization"}

// validate checks a grant against the 360Giving schema and returns every
// problem, each with its place.
func (s *schemas) validate(f *file, it *item) []problem {
	obj, ok := it.value.(map[string]any)
	if !ok {
		return []problem{{f.where(*it, ""), "is not a grant: a grant is a JSON object"}}
	}
	err := s.grant.Validate(it.value)
	if err == nil {
		return nil
	}
	var ve *jsonschema.ValidationError
	if !errorsAs(err, &ve) {
		return []problem{{f.where(*it, ""), err.Error()}}
	}
	var out []problem
	// The required properties, said once (the schema's oneOf reports
	// them twice, once for each kind of recipient).
	var missing []string
	for _, k := range requiredCommon {
		if _, ok := obj[k]; !ok {
			missing = append(missing, f.name(k))
		}
	}
	_, org := obj["recipientOrganization"]
	_, ind := obj["recipientIndividual"]
	switch {
	case !org && !ind:
		missing = append(missing, f.name("recipientOrganization")+" (or "+f.name("recipientIndividual")+")")
	case org && ind:
		out = append(out, problem{f.where(*it, ""), "has both a recipient organisation and a recipient individual; a grant has one recipient"})
	}
	if len(missing) > 0 {
		out = append(out, problem{f.where(*it, ""), "missing " + strings.Join(missing, ", ")})
	}
	seen := map[string]bool{}
	oneOf := map[string]bool{}
	var walk func(e *jsonschema.ValidationError, inOneOf bool)
	walk = func(e *jsonschema.ValidationError, inOneOf bool) {
		loc := pointer(e.InstanceLocation)
		if _, ok := e.ErrorKind.(*kind.OneOf); ok {
			if loc == "" {
				return // the required properties, said above
			}
			inOneOf = true
		}
		if len(e.Causes) > 0 {
			for _, c := range e.Causes {
				walk(c, inOneOf)
			}
			return
		}
		if inOneOf {
			oneOf[loc] = true
			return
		}
		msg := e.ErrorKind.LocalizedString(printer)
		if r, ok := e.ErrorKind.(*kind.Required); ok {
			msg = "missing " + strings.Join(r.Missing, ", ")
		}
		if seen[loc+msg] {
			return
		}
		seen[loc+msg] = true
		out = append(out, problem{f.where(*it, loc), msg})
	}
	walk(ve, false)
	slices.SortStableFunc(out, func(a, b problem) int { return strings.Compare(a.where, b.where) })
	for _, loc := range sortedKeys(oneOf) {
		if loc == "" {
			continue
		}
		v := valueAt(obj, loc)
		out = append(out, problem{f.where(*it, loc), fmt.Sprintf("%s is not a date: write YYYY-MM-DD or a full date-time (2014-07-24 or 2014-07-24T00:00:00+00:00)", quote(v))})
	}
	return out
}

// name is how a message names a top-level property: its column title in
// a flattened file, else the JSON name.
func (f *file) name(prop string) string {
	if f.unit == "grant" {
		return prop
	}
	s, _ := loadSchemas()
	for t, c := range s.columns {
		if c.prop == prop && (c.sub == "" || c.sub == "id") {
			_ = t
			for _, title := range s.titles {
				if normTitle(title) == t && title != "" {
					return title
				}
			}
		}
	}
	return prop
}

// pointer is a JSON pointer from its tokens.
func pointer(tokens []string) string {
	var b strings.Builder
	for _, t := range tokens {
		b.WriteString("/" + strings.ReplaceAll(strings.ReplaceAll(t, "~", "~0"), "/", "~1"))
	}
	return b.String()
}

func sortedKeys(m map[string]bool) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}

// valueAt is the value at a JSON pointer in v.
func valueAt(v any, ptr string) any {
	for _, tok := range strings.Split(strings.TrimPrefix(ptr, "/"), "/") {
		tok = strings.ReplaceAll(strings.ReplaceAll(tok, "~1", "/"), "~0", "~")
		switch x := v.(type) {
		case map[string]any:
			v = x[tok]
		case []any:
			i, err := strconv.Atoi(tok)
			if err != nil || i < 0 || i >= len(x) {
				return nil
			}
			v = x[i]
		default:
			return nil
		}
	}
	return v
}

func quote(v any) string {
	if s, ok := v.(string); ok {
		return strconv.Quote(s)
	}
	b, _ := json.Marshal(v)
	return string(b)
}

// Grant is one grant as Partnerhub keeps it.
type Grant struct {
	ID                     int64
	Identifier             string
	Title, Description     string
	Currency               string
	AmountMinor            int64 // pence for GBP
	AwardDate              string
	AwardYear              int
	FunderIdentifier       string
	FunderName             string
	RecipientKey           string // the recipient's org-id, or "name:…" when it has none
	RecipientIdentifier    string
	RecipientName          string
	RecipientPostcode      string
	RecipientCharityNumber string
	RecipientCompanyNumber string
	RecipientOrgID         int64
	MatchMethod            string
	Programme              string
	BeneficiaryLocation    string
	BeneficiaryWard        string
	ThemeCode              string
	DataSource             string
	Origin                 string
	// RecipientOrgName and RecipientOrgSlug are the matched organisation's
	// (pages only).
	RecipientOrgName, RecipientOrgSlug string
}

// Amount is the amount in the grant's currency as a number.
func (g Grant) Amount() float64 { return float64(g.AmountMinor) / 100 }

// IsGBP says whether the grant counts towards GBP totals.
func (g Grant) IsGBP() bool { return g.Currency == "GBP" }

var (
	charityRe = regexp.MustCompile(`^([0-9]{6,7}(-[0-9]{1,2})?|SC[0-9]{6}|(NIC)?[0-9]{5,6})$`)
	companyRe = regexp.MustCompile(`^([0-9]{8}|[A-Z]{2}[0-9]{6})$`)
)

// normCompany puts back the leading zeros a spreadsheet dropped from a
// company number ("1234567" is 01234567; "SC12345" is SC012345).
func normCompany(s string) string {
	s = strings.ToUpper(strings.ReplaceAll(strings.TrimSpace(s), " ", ""))
	if s == "" {
		return s
	}
	if allDigits(s) && len(s) < 8 {
		return strings.Repeat("0", 8-len(s)) + s
	}
	if len(s) > 2 && len(s) < 8 && s[0] >= 'A' && s[0] <= 'Z' && s[1] >= 'A' && s[1] <= 'Z' && allDigits(s[2:]) {
		return s[:2] + strings.Repeat("0", 8-len(s)) + s[2:]
	}
	return s
}

func allDigits(s string) bool {
	for _, r := range s {
		if r < '0' || r > '9' {
			return false
		}
	}
	return s != ""
}

// NormOrgID is an org-id as the directory stores it: upper case, with a
// company number's leading zeros put back.
func NormOrgID(s string) string {
	s = strings.ToUpper(strings.TrimSpace(s))
	if rest, ok := strings.CutPrefix(s, "GB-COH-"); ok {
		return "GB-COH-" + normCompany(rest)
	}
	return s
}

// convert turns a grant that passed the schema into a Grant, with the
// data-quality checks 360Giving's own tool makes as warnings (the grant
// is kept) and the problems Partnerhub cannot keep a grant with as
// errors (an award date that is not a real date).
func convert(f *file, it item, doc *grantDoc, today time.Time) (g Grant, warnings, errs []problem) {
	w := func(loc, msg string) { warnings = append(warnings, problem{f.where(it, loc), msg}) }
	g = Grant{
		Identifier:  strings.TrimSpace(doc.ID),
		Title:       strings.TrimSpace(doc.Title),
		Description: strings.TrimSpace(doc.Description),
		Currency:    strings.ToUpper(doc.Currency),
		Origin:      "import",
	}
	if g.Identifier == "" {
		errs = append(errs, problem{f.where(it, "/id"), "the identifier is empty"})
	}
	amount, err := doc.AmountAwarded.Float64()
	if err != nil || math.IsInf(amount, 0) || math.Abs(amount) > 1e15 {
		errs = append(errs, problem{f.where(it, "/amountAwarded"), "is not an amount Partnerhub can keep"})
	}
	g.AmountMinor = int64(math.Round(amount * 100))
	switch {
	case amount == 0:
		w("/amountAwarded", "the amount awarded is 0")
	case amount < 0:
		w("/amountAwarded", "the amount awarded is negative")
	}
	day := doc.AwardDate
	if len(day) >= 10 {
		day = day[:10]
	}
	if t, err := time.Parse(time.DateOnly, day); err != nil {
		errs = append(errs, problem{f.where(it, "/awardDate"), fmt.Sprintf("%q is not a real date", doc.AwardDate)})
	} else {
		g.AwardDate, g.AwardYear = day, t.Year()
		switch {
		case t.After(today):
			w("/awardDate", fmt.Sprintf("the award date %s is after today (post-dated)", day))
		case t.Year() < 1900:
			w("/awardDate", fmt.Sprintf("the award date %s is before 1900, so it is probably mistyped", day))
		}
	}
	if len(doc.FundingOrganization) > 0 {
		fo := doc.FundingOrganization[0]
		g.FunderIdentifier, g.FunderName = NormOrgID(fo.ID), strings.TrimSpace(fo.Name)
		checkOrgID(w, "/fundingOrganization/0/id", "funder", fo.ID)
	}
	switch {
	case len(doc.RecipientOrganization) > 0:
		ro := doc.RecipientOrganization[0]
		g.RecipientIdentifier, g.RecipientName = NormOrgID(ro.ID), strings.TrimSpace(ro.Name)
		g.RecipientCharityNumber = strings.ToUpper(strings.TrimSpace(ro.CharityNumber))
		g.RecipientCompanyNumber = normCompany(ro.CompanyNumber)
		if pc, ok := directory.NormalisePostcode(ro.PostalCode); ok {
			g.RecipientPostcode = pc
		} else {
			g.RecipientPostcode = strings.TrimSpace(ro.PostalCode)
			if ro.PostalCode != "" {
				w("/recipientOrganization/0/postalCode", fmt.Sprintf("%q is not a UK postcode", ro.PostalCode))
			}
		}
		checkOrgID(w, "/recipientOrganization/0/id", "recipient", ro.ID)
		if g.RecipientCharityNumber != "" && !charityRe.MatchString(g.RecipientCharityNumber) {
			w("/recipientOrganization/0/charityNumber", fmt.Sprintf("the charity number %q is malformed (England and Wales: 6 or 7 digits; Scotland: SC and 6 digits; Northern Ireland: 5 or 6 digits)", ro.CharityNumber))
		}
		if g.RecipientCompanyNumber != "" && !companyRe.MatchString(g.RecipientCompanyNumber) {
			w("/recipientOrganization/0/companyNumber", fmt.Sprintf("the company number %q is malformed (8 digits, or 2 letters and 6 digits)", ro.CompanyNumber))
		}
		var gaps []string
		if strings.TrimSpace(ro.PostalCode) == "" && strings.TrimSpace(ro.AddressLocality) == "" && strings.TrimSpace(ro.StreetAddress) == "" {
			gaps = append(gaps, "no address or postcode")
		}
		if strings.HasPrefix(g.RecipientIdentifier, "360G-") && g.RecipientCharityNumber == "" && g.RecipientCompanyNumber == "" {
			gaps = append(gaps, "only a 360G- identifier and no charity or company number")
		}
		if len(gaps) > 0 {
			w("/recipientOrganization/0", "incomplete recipient: "+strings.Join(gaps, " and "))
		}
		g.RecipientKey = g.RecipientIdentifier
		if g.RecipientKey == "" {
			g.RecipientKey = "name:" + normName(g.RecipientName)
		}
	case doc.RecipientIndividual != nil:
		g.RecipientName = "An individual"
		g.RecipientKey = "individual:" + doc.RecipientIndividual.ID
	}
	var places []string
	for _, l := range doc.BeneficiaryLocation {
		if l.Name == nil || strings.TrimSpace(*l.Name) == "" {
			continue
		}
		name := strings.TrimSpace(*l.Name)
		places = append(places, name)
		if g.BeneficiaryWard == "" {
			if ward, ok := directory.CanonicalWard(strings.TrimSuffix(strings.TrimSuffix(name, " ward"), " Ward")); ok {
				g.BeneficiaryWard = ward
			}
		}
	}
	g.BeneficiaryLocation = strings.Join(places, "; ")
	var progs []string
	for _, p := range doc.GrantProgramme {
		if t := strings.TrimSpace(cmpOr(p.Title, p.Code)); t != "" {
			progs = append(progs, t)
		}
	}
	g.Programme = strings.Join(progs, "; ")
	var words []string
	words = append(words, progs...)
	for _, c := range doc.Classifications {
		words = append(words, c.Title)
	}
	g.ThemeCode = themeFor(strings.Join(words, " ") + " " + g.Title)
	if doc.DataSource != nil {
		g.DataSource = strings.TrimSpace(*doc.DataSource)
	}
	return g, warnings, errs
}

func cmpOr(a, b string) string {
	if strings.TrimSpace(a) != "" {
		return a
	}
	return b
}

// checkOrgID warns about an identifier whose prefix org-id.guide does not
// list, or whose number is malformed (a 360G- identifier is a funder's
// own and is accepted as it is).
func checkOrgID(w func(loc, msg string), loc, who, id string) {
	id = NormOrgID(id)
	if id == "" || strings.HasPrefix(id, "360G-") {
		return
	}
	if _, _, err := directory.ParseIdentifier(id); err != nil {
		msg := err.Error()
		switch {
		case strings.Contains(msg, "not a known"), strings.Contains(msg, "org-id form"), strings.Contains(msg, "deprecated"):
			w(loc, fmt.Sprintf("the %s identifier %s has an unrecognised prefix (%s)", who, id, msg))
		default:
			w(loc, fmt.Sprintf("the %s identifier is malformed: %s", who, msg))
		}
	}
}

// themeWords link words in a grant's programme, classifications and title
// to the town's themes (the first that matches).
var themeWords = []struct{ code, words string }{
	{"mental-health", "mental health|wellbeing|well-being|suicide"},
	{"drugs-alcohol", "drug|alcohol|addiction|substance"},
	{"domestic-abuse", "domestic abuse|domestic violence"},
	{"housing-homelessness", "homeless|housing|shelter"},
	{"older-people", "older people|elderly|ageing"},
	{"children-young-people", "children|young people|youth|school|pupil|education"},
	{"employment-skills", "employment|skills|training|apprentice"},
	{"financial-inclusion", "poverty|debt|financial|food bank|foodbank"},
	{"environment", "environment|climate|green|nature"},
	{"volunteering", "volunteer"},
	{"carers", "carer"},
	{"arts-culture-sport", "music|arts|art |theatre|culture|heritage|sport|dance"},
	{"cohesion-equality", "justice|rights|migrant|refugee|asylum|equality|cohesion"},
	{"disability", "disab|deaf|blind"},
	{"families", "famil|parent"},
	{"community-safety", "crime|safety"},
	{"health-wellbeing", "health"},
}

func themeFor(text string) string {
	t := " " + strings.ToLower(text) + " "
	for _, tw := range themeWords {
		for _, w := range strings.Split(tw.words, "|") {
			if strings.Contains(t, w) {
				return tw.code
			}
		}
	}
	return ""
}

// normName is a name as matching compares it (directory.NormName).
func normName(s string) string { return directory.NormName(s) }
