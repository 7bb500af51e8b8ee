// Package accounts owns people and organisations' membership of Partnerhub:
// users, sign-up with email verification, sign-in, sessions, password
// reset, email change, organisations (the minimal record the directory
// enriches), memberships and invitations, and the admin area.
package accounts

import (
	"regexp"
	"strings"
	"time"
	"unicode"

	"golang.org/x/text/unicode/norm"

	"partnerhub/internal/apperr"
	"partnerhub/internal/mail"
)

// User is a person with a sign-in.
type User struct {
	ID              int64
	Email           string
	Name            string
	PasswordHash    string
	EmailVerifiedAt *time.Time
	IsAdmin         bool
	DisabledAt      *time.Time
	CreatedAt       time.Time
	UpdatedAt       time.Time
}

// Verified reports whether the user confirmed their email address.
func (u *User) Verified() bool { return u.EmailVerifiedAt != nil }

// Sectors an organisation can belong to. The third sector is vcs,
// social_enterprise and faith.
var Sectors = []string{"vcs", "social_enterprise", "faith", "public", "private"}

// ThirdSector lists the sector codes the strategy calls the third sector.
var ThirdSector = []string{"vcs", "social_enterprise", "faith"}

// LegalForms an organisation can have.
var LegalForms = []string{"charity", "cio", "charitable_company", "cic", "cbs", "unincorporated", "public_body", "company"}

// Organisation is the minimal organisation record.
type Organisation struct {
	ID        int64
	UUID      string
	Slug      string
	Name      string
	Sector    string
	LegalForm string
	CreatedAt time.Time
	UpdatedAt time.Time
}

// IsThirdSector reports whether the organisation is in the third sector.
func IsThirdSector(sector string) bool {
	for _, s := range ThirdSector {
		if s == sector {
			return true
		}
	}
	return false
}

func contains(list []string, v string) bool {
	for _, x := range list {
		if x == v {
			return true
		}
	}
	return false
}

// NormaliseEmail trims and lower-cases an email address.
func NormaliseEmail(s string) string { return strings.ToLower(strings.TrimSpace(s)) }

// CleanText trims, normalises to NFC and drops control characters other
// than newlines and tabs.
func CleanText(s string) string {
	s = norm.NFC.String(strings.TrimSpace(s))
	return strings.Map(func(r rune) rune {
		if r == '\n' || r == '\t' {
			return r
		}
		if unicode.IsControl(r) {
			return -1
		}
		return r
	}, s)
}

// CleanLine is CleanText for one-line values (names, titles): line breaks,
// tabs and runs of spaces become one space. Names travel into email
// subjects, calendar feeds and CSV cells, where a line break would start a
// new header, property or row.
func CleanLine(s string) string {
	return strings.Join(strings.Fields(CleanText(s)), " ")
}

// ValidateOrg checks an organisation's minimal fields.
func ValidateOrg(o *Organisation) error {
	var v apperr.Validation
	o.Name = CleanLine(o.Name)
	v.Check(o.Name != "", "name", "Enter the organisation's name")
	v.Check(len([]rune(o.Name)) <= 200, "name", "Organisation name must be 200 characters or fewer")
	v.Check(contains(Sectors, o.Sector), "sector", "Select the organisation's sector")
	v.Check(contains(LegalForms, o.LegalForm), "legal_form", "Select the organisation's legal form")
	return v.Err()
}

// ValidateSignup checks the sign-up form.
func ValidateSignup(name, email, password string) error {
	var v apperr.Validation
	v.Check(strings.TrimSpace(name) != "", "name", "Enter your full name")
	v.Check(len([]rune(name)) <= 120, "name", "Name must be 120 characters or fewer")
	if strings.TrimSpace(email) == "" {
		v.Add("email", "Enter your email address")
	} else if !mail.ValidAddress(NormaliseEmail(email)) {
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	}
	if msg := CheckPassword(password, email, name); msg != "" {
		v.Add("password", msg)
	}
	return v.Err()
}

var slugStrip = regexp.MustCompile(`[^a-z0-9]+`)

// Slugify turns a name into a URL slug.
func Slugify(name string) string {
	s := strings.ToLower(norm.NFKD.String(name))
	s = strings.Map(func(r rune) rune {
		if unicode.Is(unicode.Mn, r) {
			return -1
		}
		return r
	}, s)
	s = strings.ReplaceAll(s, "&", " and ")
	s = strings.Trim(slugStrip.ReplaceAllString(s, "-"), "-")
	if len(s) > 60 {
		s = strings.Trim(s[:60], "-")
	}
	if s == "" {
		s = "organisation"
	}
	return s
}
