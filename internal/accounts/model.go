// Package accounts owns people and organisations' membership of Partnerhub:
// users, sign-up with email verification, sign-in, sessions, password
// reset, email change, organisations (the minimal record the directory
// enriches), memberships and invitations, and the admin area.
package accounts

import (
	"partnerhub/internal/clean"
	"strings"
	"time"

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

// Labels are the words for the sectors, legal forms and roles.
var Labels = map[string]string{
	"vcs":                "Voluntary and community",
	"social_enterprise":  "Social enterprise",
	"faith":              "Faith group",
	"public":             "Public sector",
	"private":            "Private sector",
	"charity":            "Registered charity",
	"cio":                "Charitable incorporated organisation (CIO)",
	"charitable_company": "Charitable company",
	"cic":                "Community interest company (CIC)",
	"cbs":                "Community benefit society",
	"unincorporated":     "Unincorporated association",
	"public_body":        "Public body",
	"company":            "Company",
	"owner":              "Owner",
	"editor":             "Editor",
	"viewer":             "Viewer",
}

// Label is the words for a sector, legal form or role.
func Label(code string) string {
	if l, ok := Labels[code]; ok {
		return l
	}
	return strings.ReplaceAll(code, "_", " ")
}

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

// ValidateOrg checks an organisation's minimal fields.
func ValidateOrg(o *Organisation) error {
	var v apperr.Validation
	o.Name = clean.Line(o.Name)
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
