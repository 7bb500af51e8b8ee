// Package bids holds consortium bids for commissioning opportunities
// (issue 15): a single organisation's or a consortium's bid for an
// opportunity or one of its lots, its members with roles, shares and
// sign-off, the bid / no-bid checklist, the cover matrix of the
// opportunity's requirements against the members' profiles with gaps and
// suggested partners, statuses and outcomes; the buyer's awards matched to
// bids; and the consortium impact figures among the strategy's measures.
package bids

import (
	"time"

	"partnerhub/internal/opportunities"
)

// Statuses of a bid.
const (
	StatusDrafting  = "drafting"
	StatusSubmitted = "submitted"
	StatusWon       = "won"
	StatusLost      = "lost"
	StatusWithdrawn = "withdrawn"
)

// Statuses lists bid statuses in order.
var Statuses = []string{StatusDrafting, StatusSubmitted, StatusWon, StatusLost, StatusWithdrawn}

// Member roles in a bid.
const (
	RoleLead          = "lead"
	RoleMember        = "member"
	RoleSubcontractor = "subcontractor"
)

// Roles lists member roles.
var Roles = []string{RoleLead, RoleMember, RoleSubcontractor}

// Sign-off states.
const (
	SignInvited  = "invited"
	SignAccepted = "accepted"
	SignDeclined = "declined"
)

// ChecklistItems is the bid / no-bid checklist, in order.
var ChecklistItems = []string{"capacity", "risk", "cash_flow", "tupe", "insurance"}

var labels = map[string]string{
	StatusDrafting: "Drafting", StatusSubmitted: "Submitted", StatusWon: "Won", StatusLost: "Lost", StatusWithdrawn: "Withdrawn",
	RoleLead: "Lead", RoleMember: "Member", RoleSubcontractor: "Subcontractor",
	SignInvited: "Invited (not yet signed off)", SignAccepted: "Signed off", SignDeclined: "Declined",
	"capacity": "Capacity to deliver", "risk": "Risk", "cash_flow": "Cash flow", "tupe": "TUPE (staff transfer)", "insurance": "Insurance",
	"identifier": "Org-id identifier", "directory": "Chosen from the directory", "name": "Proposed by name", "none": "Not matched",
	"matched": "Matched", "proposed": "Proposed, awaiting an admin", "rejected": "Rejected", "unmatched": "Unmatched",
}

// Label names a code of this feature.
func Label(code string) string {
	if l, ok := labels[code]; ok {
		return l
	}
	return opportunities.Label(code)
}

// Bid is one bid.
type Bid struct {
	ID                 int64
	UUID               string
	OpportunityID      int64
	LotID              int64 // 0: the whole opportunity
	LeadOrgID          int64
	LeadName, LeadSlug string
	PartnershipID      int64 // 0: a single organisation's bid
	PartnershipName    string
	PartnershipSlug    string
	CreatedPartnership bool
	Status             string
	Title              string
	GapReason          string
	SubmittedAt        *time.Time
	DecidedAt          *time.Time
	WithdrawnAt        *time.Time
	ValueAwarded       *int64
	Feedback           string
	CreatedBy          int64
	CreatedAt          time.Time
	UpdatedAt          time.Time

	Members   []Member
	Checklist []CheckItem
	Scores    []Score
	Contract  *Contract
}

// StatusLabel names the status.
func (b *Bid) StatusLabel() string { return Label(b.Status) }

// Consortium reports whether it is a consortium bid.
func (b *Bid) Consortium() bool { return b.PartnershipID != 0 }

// Member is an organisation in a bid.
type Member struct {
	ID            int64
	OrgID         int64
	OrgName       string
	OrgSlug       string
	Sector        string
	Role          string
	WorkShare     int
	ValueShare    int
	SignOff       string
	SignOffReason string
	SignOffAt     *time.Time
	InvitedAt     time.Time
}

// RoleLabel names the role.
func (m Member) RoleLabel() string { return Label(m.Role) }

// SignOffLabel names the sign-off state.
func (m Member) SignOffLabel() string { return Label(m.SignOff) }

// CheckItem is one bid / no-bid checklist item.
type CheckItem struct {
	Item  string
	Owner string
	Note  string
	Done  bool
}

// Label names the item.
func (c CheckItem) Label() string { return Label(c.Item) }

// Score is the buyer's score of a bid on one criterion.
type Score struct {
	Criterion string
	Score     int
	Max       int
}

// Contract is the delivery record of a won bid.
type Contract struct {
	PartnershipID int64
	Value         *int64
	Start, End    *time.Time
}

// Award is an award of an opportunity (or lot) with its suppliers.
type Award struct {
	ID            int64
	OpportunityID int64
	LotID         int64
	Value         *int64
	Date          time.Time
	Source        string
	OCDSID        string
	CreatedAt     time.Time
	Suppliers     []Supplier
}

// Supplier is one supplier an award names and how it was matched.
type Supplier struct {
	ID         int64
	AwardID    int64
	OrgID      int64
	Name       string
	Identifier string
	BidID      int64
	Match      string
	Confidence float64
	State      string
}
