package directory

import (
	"bufio"
	_ "embed"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"sync"
)

// Reference data embedded from ../shared/reference (see data/*.tsv headers
// for provenance): org-id schemes, UK local authorities, Blackpool wards.

//go:embed data/orgid_schemes.tsv
var schemesTSV string

//go:embed data/local_authorities.tsv
var laTSV string

//go:embed data/wards.txt
var wardsTXT string

// Scheme is one org-id.guide identifier scheme we accept.
type Scheme struct {
	Code    string
	Format  *regexp.Regexp
	Example string
	Name    string
}

// LocalAuthority is one current UK local authority.
type LocalAuthority struct {
	Code   string // e.g. BPL
	Name   string
	GSS    string // e.g. E06000009
	Nation string
}

var (
	schemes     = map[string]Scheme{}
	schemeList  []Scheme
	las         = map[string]LocalAuthority{}
	laList      []LocalAuthority
	wards       []string
	wardSet     = map[string]string{} // lower-case -> canonical
	laNationFor = map[string]string{"GB-LAE": "England", "GB-PLA": "Wales", "GB-LAS": "Scotland", "GB-LANI": "Northern Ireland"}
	// Deprecated schemes get a specific message.
	deprecatedSchemes = map[string]string{"GB-GOVUK": "GB-GOR"}
)

func lines(s string) []string {
	var out []string
	sc := bufio.NewScanner(strings.NewReader(s))
	for sc.Scan() {
		l := strings.TrimRight(sc.Text(), "\r")
		if strings.TrimSpace(l) == "" || strings.HasPrefix(l, "#") {
			continue
		}
		out = append(out, l)
	}
	return out
}

// refData parses the embedded reference data once, on first use.
var refData = sync.OnceFunc(loadRefData)

func loadRefData() {
	for _, l := range lines(schemesTSV) {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			panic(fmt.Sprintf("directory: bad scheme line %q", l))
		}
		s := Scheme{Code: f[0], Format: regexp.MustCompile(f[1]), Example: f[2], Name: f[3]}
		schemes[s.Code] = s
		schemeList = append(schemeList, s)
	}
	for _, l := range lines(laTSV) {
		f := strings.Split(l, "\t")
		if len(f) != 4 {
			panic(fmt.Sprintf("directory: bad local authority line %q", l))
		}
		la := LocalAuthority{Code: f[0], Name: f[1], GSS: f[2], Nation: f[3]}
		las[la.Code] = la
		laList = append(laList, la)
	}
	for _, l := range lines(wardsTXT) {
		w := strings.TrimSpace(l)
		wards = append(wards, w)
		wardSet[strings.ToLower(w)] = w
	}
	sort.Strings(wards)
}

// Schemes lists the accepted identifier schemes.
func Schemes() []Scheme {
	refData()
	return schemeList
}

// LocalAuthorities lists current UK local authorities by name.
func LocalAuthorities() []LocalAuthority {
	refData()
	return laList
}

// LocalAuthorityByCode finds a local authority by its three-letter code.
func LocalAuthorityByCode(code string) (LocalAuthority, bool) {
	refData()
	la, ok := las[strings.ToUpper(strings.TrimSpace(code))]
	return la, ok
}

// Wards lists Blackpool's wards.
func Wards() []string {
	refData()
	return wards
}

// CanonicalWard returns the ward's proper name, or false.
func CanonicalWard(s string) (string, bool) {
	refData()
	w, ok := wardSet[strings.ToLower(strings.TrimSpace(s))]
	return w, ok
}

// ParseIdentifier checks an org-id identifier ("GB-CHC-1234567") and
// returns it normalised with its scheme. The message names what is wrong.
func ParseIdentifier(s string) (id, scheme string, err error) {
	refData()
	s = strings.TrimSpace(s)
	if s == "" {
		return "", "", fmt.Errorf("Enter an identifier, like GB-CHC-1090095")
	}
	up := strings.ToUpper(s)
	// Scheme codes are XX-YYY[...]; the id is what follows the second hyphen.
	parts := strings.SplitN(up, "-", 3)
	if len(parts) < 3 || parts[2] == "" {
		return "", "", fmt.Errorf("Identifier %q must be in org-id form, like GB-CHC-1090095 (scheme, then the number)", s)
	}
	code := parts[0] + "-" + parts[1]
	if repl, ok := deprecatedSchemes[code]; ok {
		return "", "", fmt.Errorf("Identifier scheme %s is deprecated; use %s instead", code, repl)
	}
	sc, ok := schemes[code]
	if !ok {
		return "", "", fmt.Errorf("Identifier scheme %s is not a known UK org-id scheme (for example GB-CHC, GB-COH, GB-MPR, GB-LAE)", code)
	}
	local := s[len(code)+1:] // keep case for case-sensitive schemes
	if !sc.Format.MatchString(local) {
		local = strings.ToUpper(local)
		if !sc.Format.MatchString(local) {
			return "", "", fmt.Errorf("%s identifier %q is not in the right format (for example %s-%s)", code, s[len(code)+1:], code, sc.Example)
		}
	}
	if nation, ok := laNationFor[code]; ok {
		la, found := las[local]
		if !found || la.Nation != nation {
			return "", "", fmt.Errorf("%s identifier %q is not a local authority code in %s", code, local, nation)
		}
	}
	return code + "-" + local, code, nil
}

var postcodeRe = regexp.MustCompile(`^([A-Z]{1,2}[0-9][A-Z0-9]?) ?([0-9][A-Z]{2})$`)

// NormalisePostcode checks the UK postcode format and returns it upper-case
// with one space ("FY1 1AA"), or false.
func NormalisePostcode(s string) (string, bool) {
	s = strings.ToUpper(strings.Join(strings.Fields(s), ""))
	if s == "GIR0AA" {
		return "GIR 0AA", true
	}
	m := postcodeRe.FindStringSubmatch(s)
	if m == nil {
		return "", false
	}
	return m[1] + " " + m[2], true
}
