package library

// The data of each page, one type per template (see web.View); a page with
// nothing beyond a title and a form gets a web.View itself.

import (
	"partnerhub/internal/markdown"
	"partnerhub/internal/web"
	"time"
)

// adoptView is the data of library/adopt.html.
type adoptView struct {
	web.View
	Doc     *Document
	Orgs    []orgRef
	InForce *Version
}

// articleView is the data of library/article.html.
type articleView struct {
	web.View
	Article    *Article
	Rendered   markdown.Doc
	AboutTitle string
	AboutHref  string
}

// articleFormView is the data of library/article_form.html.
type articleFormView struct {
	web.View
	Categories []string
	ImageHint  string
	Action     string
	Article    *Article
}

// commentsView is the data of library/comments.html.
type commentsView struct {
	web.View
	Doc      *Document
	Comments []Comment
	Outcomes []string
}

// compactView is the data of library/compact.html.
type compactView struct {
	web.View
	Doc         *Document
	Current     *Version
	Sections    []Section
	Signatories int
	Mine        []ownedOrg
	Today       time.Time
}

// diffView is the data of library/diff.html.
type diffView struct {
	web.View
	Doc     *Document
	From    *Version
	To      *Version
	Lines   []DiffLine
	Added   int
	Removed int
}

// disputeView is the data of library/dispute.html.
type disputeView struct {
	web.View
	Dispute *Dispute
	CanEdit bool
	Stages  []string
	Days    int
}

// disputeFormView is the data of library/dispute_form.html.
type disputeFormView struct {
	web.View
	Org      orgRef
	Others   []orgRef
	Sections []Section
}

// disputesView is the data of library/disputes.html.
type disputesView struct {
	web.View
	List  web.ListPage[*Dispute]
	Pager map[string]any
	Mine  []orgRef
}

// editView is the data of library/edit.html.
type editView struct {
	web.View
	Doc             *Document
	Statuses        []string
	Policy          string
	DefinitionAdmin string
}

// listView is the data of library/list.html.
type listView struct {
	web.View
	List     web.ListPage[*Document]
	Pager    map[string]any
	Kinds    []string
	Statuses []string
	Today    time.Time
}

// newView is the data of library/new.html.
type newView struct {
	web.View
	Kinds    []string
	Policies []string
}

// newsView is the data of library/news.html.
type newsView struct {
	web.View
	Page       string
	List       web.ListPage[*Article]
	Pager      map[string]any
	Categories []string
	Feed       string
}

// orgPoliciesView is the data of library/org_policies.html.
type orgPoliciesView struct {
	web.View
	Org       orgRef
	Adoptions []Adoption
	Templates []*Document
	Today     time.Time
}

// showView is the data of library/show.html.
type showView struct {
	web.View
	Doc             *Document
	Shown           *Version
	Rendered        markdown.Doc
	Attachments     []Attachment
	Today           time.Time
	Manage          bool
	Latest          *Version
	Sections        []Section
	Checklist       []CheckItem
	DefinitionAdmin string
}

// signatoriesView is the data of library/signatories.html.
type signatoriesView struct {
	web.View
	List  web.ListPage[Signature]
	Pager map[string]any
}

// subscribeView is the data of library/subscribe.html.
type subscribeView struct {
	web.View
	Sent    string
	Bad     string
	Confirm string
	Action  string
	Done    string
}
