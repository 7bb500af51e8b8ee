package partnerships

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"html/template"
	"net/url"
	"partnerhub/internal/accounts"
	"partnerhub/internal/directory"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
	"time"
)

// invitationView is the data of partnerships/invitation.html.
type invitationView struct {
	web.View
	X *invited
}

// inviteView is the data of partnerships/invite.html.
type inviteView struct {
	web.View
	C     *inviteChoice
	Roles []string
}

// listView is the data of partnerships/list.html.
type listView struct {
	web.View
	Services  []taxonomy.Term
	Wards     []string
	Rows      []Row
	Total     int
	Pager     map[string]any
	Consortia bool
	Models    []string
	Statuses  []string
	Themes    []taxonomy.Term
	Q         url.Values
	CSV       string
	JSONURL   string
}

// measuresView is the data of partnerships/measures.html.
type measuresView struct {
	web.View
	Report      Report
	Figures     []Figure
	Models      []Figure
	Origins     []Figure
	Series      []Report
	Keys        []MeasureDef
	Charts      []measureChart
	Rules       []string
	Year        int
	Years       []int
	April       bool
	Definitions []MeasureDef
}

// memberView is the data of partnerships/member.html.
type memberView struct {
	web.View
	P     *Partnership
	M     *Member
	Roles []string
}

// networkView is the data of partnerships/network.html.
type networkView struct {
	web.View
	Net     *NetView
	Focus   *accounts.Organisation
	Never   *neverList
	Themes  []taxonomy.Term
	Models  []string
	Sectors []string
	Years   []int
	F       NetFilter
	Q       url.Values
}

// postsOrgView is the data of partnerships/posts_org.html.
type postsOrgView struct {
	web.View
	Org       *accounts.Organisation
	Posts     []postView
	Total     int
	Pager     map[string]any
	Owner     bool
	Notify    bool
	Responses []OrgResponse
	CSV       string
	JSONURL   string
}

// postsPartnershipView is the data of partnerships/posts_partnership.html.
type postsPartnershipView struct {
	web.View
	P            *PartnerPost
	Responses    []PostResponse
	Models       []string
	Visibilities []string
}

// postsSettingsView is the data of partnerships/posts_settings.html.
type postsSettingsView struct {
	web.View
	Org *accounts.Organisation
}

// settingsView is the data of partnerships/settings.html.
type settingsView struct {
	web.View
	Month int
}

// showView is the data of partnerships/show.html (and of its forms' 422s).
type showView struct {
	web.View
	P           *Partnership
	History     []StatusChange
	Themes      []string
	Services    []string
	Mix         string
	Manage      bool
	Roles       []string
	Orgs        []orgChoice
	Links       []pageLinkView
	OriginEvent *eventLink
	Invitations []Invitation
	Lifespan    *Lifespan
	Consortium  *consortiumView
	Related     []web.RelatedSection
}

// pageLinkView is a link on the partnership page to another feature's page
// about it.
type pageLinkView struct{ Label, Href string }

// consortiumView is a consortium's extras on partnerships/show.html.
type consortiumView struct {
	QualityMark      bool
	QualityMarkUntil *time.Time
	DocHint          string
	Details          Details
	Definition       *Definition
	Criteria         []Criterion
	MetCount         int
	Tiers            map[int64]string
	Ready            map[int64]bool
	FullMembers      []fullMember
	Docs             []document
	LegalStructures  []string
	TierCodes        []string
	Form             consortiumForm
}

// formView is the data of partnerships/form.html.
type formView struct {
	web.View
	P            *Partnership
	New          bool
	Themes       []taxonomy.Term
	ServiceTerms []taxonomy.Term
	Models       []string
	Statuses     []string
	Visibilities []string
	Origins      []string
	LeadOrgs     []accounts.OrgWithRole
	Events       []originEvent
}

// definitionView is the data of partnerships/definition.html.
type definitionView struct {
	web.View
	Defs    []Definition
	InForce *Definition
	Today   time.Time
	Doc     *DefinitionDoc
}

// postTermsView are the taxonomy terms a post is tagged with, for the
// filters of the list and the choices of the form.
type postTermsView struct {
	Themes       []taxonomy.Term
	ServiceTerms []taxonomy.Term
	GroupTerms   []taxonomy.Term
}

// postsListView is the data of partnerships/posts_list.html.
type postsListView struct {
	web.View
	postTermsView
	Posts   []postView
	Total   int
	Pager   map[string]any
	Q       url.Values
	Wards   []string
	PostAs  []accounts.OrgWithRole
	CSV     string
	JSONURL string
}

// postsShowView is the data of partnerships/posts_show.html.
type postsShowView struct {
	web.View
	P           postView
	Manage      bool
	Mine        []PostResponse
	RespondAs   []accounts.OrgWithRole
	Open        bool
	Responses   []PostResponse
	Active      int
	Matches     []directory.Match
	Told        int
	Partnership *Partnership
}

// postsFormView is the data of partnerships/posts_form.html.
type postsFormView struct {
	web.View
	postTermsView
	Org   *accounts.Organisation
	P     *PartnerPost
	Wards []string
}

// measureChart is one chart on partnerships/measures.html.
type measureChart struct {
	Title string
	SVG   template.HTML
}
