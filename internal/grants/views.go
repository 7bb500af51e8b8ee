package grants

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"partnerhub/internal/accounts"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// adminImportView is the data of grants/admin_import.html.
type adminImportView struct {
	web.View
	Hint string
}

// adminMatchesView is the data of grants/admin_matches.html.
type adminMatchesView struct {
	web.View
	Rows    []proposalRow
	Status  string
	Total   int
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// adminPreviewView is the data of grants/admin_preview.html.
type adminPreviewView struct {
	web.View
	Report   *importing.Report
	Res      *Result
	Grants   []grantRow
	More     int
	Filename string
	Upload   string
	SHA256   string
}

// fundingView is the data of grants/funding.html.
type fundingView struct {
	web.View
	Funders []totalsRow
	Years   []totalsRow
	Chart   any
	All     totalsRow
	Orgs    int
	CSV     string
	JSONURL string
}

// listView is the data of grants/list.html.
type listView struct {
	web.View
	Grants  []grantRow
	Total   int
	Pager   map[string]any
	Themes  []taxonomy.Term
	Funders []Totals
	Wards   []string
	All     bool
	CSV     string
	JSONURL string
}

// orgView is the data of grants/org.html.
type orgView struct {
	web.View
	Org     *accounts.Organisation
	Grants  []grantRow
	Years   []totalsRow
	Total   int
	Pager   map[string]any
	CSV     string
	JSONURL string
}

// themesView is the data of grants/themes.html.
type themesView struct {
	web.View
	Rows    []totalsRow
	Chart   any
	CSV     string
	JSONURL string
}

// wardsView is the data of grants/wards.html.
type wardsView struct {
	web.View
	Rows    []totalsRow
	Chart   any
	CSV     string
	JSONURL string
}

// proposalRow is a proposed match with its amount written out.
type proposalRow struct {
	Proposal
	Money string
}
