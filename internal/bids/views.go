package bids

// The data of each page, one type per template (see web.View).

import (
	"html/template"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/web"
)

// listView is the data of bids/list.html.
type listView struct {
	web.View
	Org      *accounts.Organisation
	Bids     []*Bid
	Statuses []string
	Status   string
	Pager    map[string]any
	CSV      string
	JSONURL  string
}

// newView is the data of bids/new.html.
type newView struct {
	web.View
	Org       *accounts.Organisation
	O         *opportunities.Opportunity
	Consortia []consortiumChoice
	Models    []string
	Open      bool
}

// builderView is the data of bids/builder.html.
type builderView struct {
	web.View
	B       *Bid
	O       *opportunities.Opportunity
	C       *Cover
	Work    int
	Value   int
	Signed  int
	Roles   []string
	Now     time.Time
	OrgSlug string
	Gaps    int
	Awards  []*Award
	KPIs    []outcomes.KPIRow
}

// confirmView is the data of bids/confirm.html.
type confirmView struct {
	web.View
	B      *Bid
	Text   string
	Button string
	Back   string
}

// signoffView is the data of bids/signoff.html.
type signoffView struct {
	web.View
	B *Bid
	M *Member
	O *opportunities.Opportunity
}

// awardView is the data of bids/award.html.
type awardView struct {
	web.View
	O       *opportunities.Opportunity
	Bidders []bidder
	Awards  []*Award
	OrgSlug string
}

// matchesView is the data of bids/matches.html.
type matchesView struct {
	web.View
	Matches []ProposedMatch
}

// impactCmp is one line of the impact page's comparison.
type impactCmp struct {
	Label string
	Rate  Rate
}

// impactView is the data of bids/impact.html.
type impactView struct {
	web.View
	P         *partnerships.Partnership
	Rows      []impactRow
	First     int
	Last      int
	Chart     template.HTML
	RateChart template.HTML
	CmpChart  template.HTML
	Cmp       []impactCmp
	Bids      []*Bid
}
