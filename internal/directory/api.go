package directory

import (
	"time"
)

// APIOrg is the JSON shape of an organisation (/api/v1 and the page's JSON).
type APIOrg struct {
	ID             string      `json:"id"`
	Slug           string      `json:"slug"`
	Name           string      `json:"name"`
	OtherNames     string      `json:"other_names"`
	Sector         string      `json:"sector"`
	LegalForm      string      `json:"legal_form"`
	Identifiers    []string    `json:"identifiers"`
	Description    string      `json:"description"`
	Mission        string      `json:"mission"`
	Address        string      `json:"address"`
	Postcode       string      `json:"postcode"`
	Wards          []string    `json:"wards"`
	LocalAuths     []string    `json:"local_authorities"`
	Services       []string    `json:"services"`
	ClientGroups   []string    `json:"client_groups"`
	Themes         []string    `json:"themes"`
	IncomeBand     string      `json:"income_band"`
	Staff          *int        `json:"staff"`
	Volunteers     *int        `json:"volunteers"`
	OutcomesMethod string      `json:"outcomes_method"`
	Website        string      `json:"website"`
	SocialLinks    []string    `json:"social_links"`
	Policies       []apiPolicy `json:"policies"`
	QualityMarks   []apiMark   `json:"quality_marks"`
	UpdatedAt      time.Time   `json:"updated_at"`
	Badges         []string    `json:"badges"`
}

type apiPolicy struct {
	Kind         string     `json:"kind"`
	ReviewDate   *time.Time `json:"review_date"`
	DueForReview bool       `json:"due_for_review"`
}

type apiMark struct {
	Name      string     `json:"name"`
	Level     string     `json:"level"`
	AwardedOn *time.Time `json:"awarded_on"`
	ExpiresOn *time.Time `json:"expires_on"`
}

func nz(s []string) []string {
	if s == nil {
		return []string{}
	}
	return s
}

func apiOrg(p *Profile, data orgData) APIOrg {
	a := APIOrg{ID: p.UUID, Slug: p.Slug, Name: p.Name, OtherNames: p.OtherNames, Sector: p.Sector, LegalForm: p.LegalForm,
		Identifiers: nz(p.Identifiers), Description: p.Description, Mission: p.Mission, Address: p.Address, Postcode: p.Postcode,
		Wards: nz(p.Wards), LocalAuths: nz(p.LocalAuths), IncomeBand: p.IncomeBand, Staff: p.Staff, Volunteers: p.Volunteers,
		OutcomesMethod: p.OutcomesMethod, Website: p.Website, SocialLinks: nz(p.SocialLinks), UpdatedAt: p.UpdatedAt,
		Services: []string{}, ClientGroups: []string{}, Themes: []string{}, Policies: []apiPolicy{}, QualityMarks: []apiMark{}, Badges: []string{}}
	if p.ProfileUpdated != nil {
		a.UpdatedAt = *p.ProfileUpdated
	}
	for _, t := range data.Terms["service"] {
		a.Services = append(a.Services, t.Code)
	}
	for _, t := range data.Terms["client_group"] {
		a.ClientGroups = append(a.ClientGroups, t.Code)
	}
	for _, t := range data.Terms["theme"] {
		a.Themes = append(a.Themes, t.Code)
	}
	for _, x := range data.Policies {
		a.Policies = append(a.Policies, apiPolicy(x))
	}
	for _, m := range data.Marks {
		a.QualityMarks = append(a.QualityMarks, apiMark{m.Name, m.Level, m.AwardedOn, m.ExpiresOn})
	}
	for _, b := range data.Badges {
		a.Badges = append(a.Badges, b.Kind)
	}
	return a
}
