// Package library keeps the town's living documents (issue 18): the Good
// Practice Guide to Consortia, the consortia development policy, the
// Compact with its signatories and disputes log, standard policy templates
// that organisations adopt into their policy records, guidance pages, and
// news with its Atom feeds and monthly digest.
package library

import (
	"time"
)

// Kinds of document.
var Kinds = []string{"guide", "policy", "code", "template", "guidance"}

// Statuses of a document.
var Statuses = []string{"draft", "consultation", "adopted", "withdrawn"}

// Stages of a dispute, in order.
var Stages = []string{"raised", "informal", "mediation", "resolved", "closed"}

// Categories of news.
var Categories = []string{"consortia", "commissioning", "events", "funding", "general"}

// Outcomes of a consultation comment.
var Outcomes = []string{"accepted", "partly", "not_accepted", "noted"}

// TemplatePolicies are the standard policies templates are written for:
// the directory's policy kinds and volunteers.
var TemplatePolicies = []string{"safeguarding", "equality_diversity", "health_safety", "data_protection", "complaints", "whistleblowing", "environmental", "volunteers"}

var codeLabels = map[string]string{
	"guide": "Guide", "policy": "Policy", "code": "Code of practice", "template": "Policy template", "guidance": "Guidance",
	"draft": "Draft", "consultation": "In consultation", "adopted": "Adopted", "withdrawn": "Withdrawn",
	"raised": "Raised", "informal": "Informal resolution", "mediation": "Mediation", "resolved": "Resolved", "closed": "Closed",
	"consortia": "Consortia", "commissioning": "Commissioning", "events": "Events", "funding": "Funding", "general": "General",
	"accepted": "Accepted", "partly": "Partly accepted", "not_accepted": "Not accepted", "noted": "Noted",
	"public": "Public sector", "third": "Third sector", "both": "Both sectors",
	"volunteers": "Volunteers",
}

// Document is one library document.
type Document struct {
	ID                    int64
	Slug, Kind, Title     string
	Summary, PolicyKind   string
	Status                string
	OwnerID, VerifierID   int64
	OwnerName, OwnerEmail string
	VerifierName          string
	ReviewMonths          int
	NextReviewOn          *time.Time
	UpdatedAt             time.Time
	Versions              []Version // newest first, when loaded
	Adopters              int       // templates: organisations holding it
}

// Version is one saved version of a document.
type Version struct {
	ID        int64
	Version   int
	Body      string
	Notes     string
	AdoptedOn *time.Time
	CreatedAt time.Time
}

// Overdue reports whether an adopted document (or one in consultation)'s review date has passed.
func (d *Document) Overdue(today time.Time) bool {
	return (d.Status == "adopted" || d.Status == "consultation") && d.NextReviewOn != nil && d.NextReviewOn.Before(dayOf(today))
}

// InForce is the newest version adopted on or before today, or nil.
func (d *Document) InForce(today time.Time) *Version {
	for i := range d.Versions {
		if a := d.Versions[i].AdoptedOn; a != nil && !a.After(dayOf(today)) {
			return &d.Versions[i]
		}
	}
	return nil
}

// Latest is the newest version (a draft, perhaps), or nil.
func (d *Document) Latest() *Version {
	if len(d.Versions) == 0 {
		return nil
	}
	return &d.Versions[0]
}

// Shown is the version readers see: the one in force, else the newest.
func (d *Document) Shown(today time.Time) *Version {
	if v := d.InForce(today); v != nil {
		return v
	}
	return d.Latest()
}

// VersionN returns version n, or nil.
func (d *Document) VersionN(n int) *Version {
	for i := range d.Versions {
		if d.Versions[i].Version == n {
			return &d.Versions[i]
		}
	}
	return nil
}

// Attachment is a file attached to a document.
type Attachment struct {
	ID                  int64
	Title, Filename     string
	ContentType, Stored string
	Size                int64
	UploadedAt          time.Time
}

// Comment is one consultation comment.
type Comment struct {
	ID        int64
	Version   int
	UserName  string
	Body      string
	CreatedAt time.Time
	Outcome   string
	Response  string
	HandledAt *time.Time
}

// Commitment is one numbered commitment of the Compact.
type Commitment struct {
	Number      string // "1.1"
	AddressedTo string // public, third, both
	Text        string
}

// Section is a group of commitments.
type Section struct {
	Title       string
	Commitments []Commitment
}

// Signature is an organisation's latest signature of the Compact.
type Signature struct {
	OrgID     int64
	OrgName   string
	OrgSlug   string
	Sector    string
	Version   int
	SignedOn  time.Time
	FirstOn   time.Time
	Signatory string
}

// Dispute is a concern that a signatory breached the Compact.
type Dispute struct {
	ID                   int64
	RaisedBy, Against    int64
	RaisedByName         string
	AgainstName          string
	Commitments, Subject string
	About                string
	Stage                string
	RaisedOn, StageSince time.Time
	ResolvedOn           *time.Time
	Informal             bool
	Steps                []Step
}

// Open reports whether the dispute is still being worked on.
func (d *Dispute) Open() bool { return d.Stage != "resolved" && d.Stage != "closed" }

// NextStages are the stages the dispute may move to.
func (d *Dispute) NextStages() []string {
	switch d.Stage {
	case "raised":
		return []string{"informal", "mediation", "resolved", "closed"}
	case "informal":
		return []string{"mediation", "resolved", "closed"}
	case "mediation":
		return []string{"resolved", "closed"}
	case "resolved":
		return []string{"closed"}
	}
	return nil
}

// Step is one change of a dispute's stage, or a note.
type Step struct {
	Stage    string
	On       time.Time
	Note     string
	UserName string
}

// Adoption is a template held in an organisation's policy record.
type Adoption struct {
	OrgID        int64
	OrgName      string
	DocID        int64
	DocSlug      string
	Title        string
	PolicyKind   string
	Version      int
	Latest       int
	AdoptedOn    time.Time
	NextReviewOn time.Time
}

// InDate reports whether the policy's review date has not passed.
func (a *Adoption) InDate(today time.Time) bool { return !a.NextReviewOn.Before(dayOf(today)) }

// Article is one news article.
type Article struct {
	ID                   int64
	Slug, Title, Summary string
	Body, Category       string
	ImageName, ImageType string
	ImageAlt             string
	PartnershipID        int64
	PartnershipName      string
	PartnershipSlug      string
	EventID              int64
	OpportunityID        int64
	PublishedAt          time.Time
	UpdatedAt            time.Time
	AuthorName           string
}

// dayOf is the London calendar date of t as a UTC midnight, the form
// dates are stored in.
func dayOf(t time.Time) time.Time {
	if t.Hour() == 0 && t.Minute() == 0 && t.Second() == 0 && t.Nanosecond() == 0 && t.Location() == time.UTC {
		return t
	}
	y, m, d := t.In(london).Date()
	return time.Date(y, m, d, 0, 0, 0, 0, time.UTC)
}
