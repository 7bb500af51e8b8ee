package directory

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"partnerhub/internal/accounts"
	"partnerhub/internal/audit"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// adminImportView is the data of directory/admin_import.html.
type adminImportView struct {
	web.View
	LimitMB float64
	Columns []string
}

// adminImportPreviewView is the data of directory/admin_import_preview.html.
type adminImportPreviewView struct {
	web.View
	Report   *importing.Report
	Rows     []previewRow
	More     int
	Upload   string
	SHA256   string
	Filename string
	Size     int
}

// adminImportResultView is the data of directory/admin_import_result.html.
type adminImportResultView struct {
	web.View
	Report   *importing.Report
	Filename string
}

// adminRegisterMatchesView is the data of directory/admin_register_matches.html.
type adminRegisterMatchesView struct {
	web.View
	Rows    []MatchProposal
	Status  string
	Total   int
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// adminRegistersView is the data of directory/admin_registers.html.
type adminRegistersView struct {
	web.View
	// Form is the form's values for this page's own template; it hides
	// View.Form, which stays empty (as the map's "Form" was never lifted).
	Form        map[string]string
	Refreshes   []Refresh
	ServerFiles []string
	ServerDir   string
	Pending     int
	LimitMB     float64
}

// adminRegistersPreviewView is the data of directory/admin_registers_preview.html.
type adminRegistersPreviewView struct {
	web.View
	Report        *importing.Report
	Req           registerRequest
	RegisterLabel string
	Counts        []reportCount
}

// adminRegistersResultView is the data of directory/admin_registers_result.html.
type adminRegistersResultView struct {
	web.View
	Report        *importing.Report
	Req           registerRequest
	RegisterLabel string
	Counts        []reportCount
}

// adminTaxonomyView is the data of directory/admin_taxonomy.html.
type adminTaxonomyView struct {
	web.View
	Vocabs []vocabView
	Usage  map[int64]int
}

// adminTaxonomyFormView is the data of directory/admin_taxonomy_form.html.
type adminTaxonomyFormView struct {
	web.View
	Term         *taxonomy.Term
	Singular     string
	VocabTitle   string
	UsageByTable map[string]int
}

// claimView is the data of directory/claim.html.
type claimView struct {
	web.View
	P *Profile
}

// claimsView is the data of directory/claims.html.
type claimsView struct {
	web.View
	Claims []Claim
}

// finderView is the data of directory/finder.html.
type finderView struct {
	web.View
	Checks    map[string]*web.Choices // the vocabularies' checkboxes, and "ward"
	MyOrgs    []map[string]any
	Asked     bool
	Matches   []Match
	Pager     map[string]any
	Start     int
	CSV       string
	JSONURL   string
	Shortlist map[int64][]accounts.OrgWithRole
	Back      string
}

// historyView is the data of directory/history.html.
type historyView struct {
	web.View
	P       *Profile
	Entries []audit.Entry
}

// listView is the data of directory/list.html.
type listView struct {
	web.View
	Refreshes     []Refresh
	Result        Result
	Help          SearchHelp
	FiltersActive int
	Pager         map[string]any
	Filter        Filter
	Terms         map[string]*web.Choices // by vocabulary, as options
	Wards         []string
	LAs           *web.Choices
	CSV           string
	JSONURL       string
	Steps         []StepOption
	Sectors       []string
	LegalForms    []string
	IncomeBands   []string
	PolicyKinds   []string
	Sorts         []string
}

// messageView is the data of directory/message.html.
type messageView struct {
	web.View
	P         *Profile
	NoMembers bool
	Orgs      []SenderOrg
}

// networkDeclineView is the data of directory/network-decline.html.
type networkDeclineView struct {
	web.View
	N      Network
	O      *accounts.Organisation
	Action string
}

// networkNewView is the data of directory/network-new.html.
type networkNewView struct {
	web.View
	Org string
}

// networkView is the data of directory/network.html.
type networkView struct {
	web.View
	N         Network
	Members   []netMember
	Requests  []netMember
	CanJoin   []map[string]string
	OwnerSlug string
}

// networksView is the data of directory/networks.html.
type networksView struct {
	web.View
	Networks []Network
	CSV      string
	JSONURL  string
}

// shortlistView is the data of directory/shortlist.html.
type shortlistView struct {
	web.View
	Org     *accounts.Organisation
	Entries []ShortlistEntry
	Total   int
	Pager   map[string]any
	CanEdit bool
	CSV     string
	JSONURL string
	Back    string
}

// shortlistAddView is the data of directory/shortlist_add.html.
type shortlistAddView struct {
	web.View
	P    *Profile
	Orgs []accounts.OrgWithRole
	Back string
}

// orgData is what an organisation's page, its edit page and its JSON
// share (pageData).
type orgData struct {
	Policies     []Policy
	Marks        []QualityMark
	Badges       []Badge
	Partnerships []PartnershipRow
	Contacts     []Contact
	Terms        map[string][]taxonomy.Term
	Networks     []Network
	LANames      []string
	Completeness CompletenessReport
}

// orgView is the data of directory/org.html.
type orgView struct {
	web.View
	orgData
	P            *Profile
	RemovedFrom  string
	RemovedOn    string
	CanEdit      bool
	IsAdmin      bool
	Shortlist    []accounts.OrgWithRole
	Back         string
	OnShortlists []accounts.OrgWithRole
	Claimable    bool
}

// editView is the data of directory/edit.html.
type editView struct {
	web.View
	orgData
	P              *Profile
	Checks         map[string]*web.Choices // the vocabularies' checkboxes
	Wards          []string
	Sectors        []string
	LegalForms     []string
	IncomeBands    []string
	OutcomeMethods []string
	PolicyKinds    []string
	PolicyMap      map[string]policyRow
}
