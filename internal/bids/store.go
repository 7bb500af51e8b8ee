package bids

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
)

// NewBid is what starting a bid asks for.
type NewBid struct {
	OpportunityID int64
	LotID         int64
	LeadOrgID     int64
	// Mode: "single", "existing" (PartnershipID) or "new" (a consortium
	// created from the bid: ConsortiumName, Model).
	Mode           string
	PartnershipID  int64
	ConsortiumName string
	Model          string
	// OriginPostID, for a new consortium, is the looking-for-partners post
	// it grew from (its origin is then that post).
	OriginPostID int64
}

func invalid(field, msg string) error {
	return &apperr.Error{Code: apperr.EINVALID, Message: "There is a problem", Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// Create starts a bid for an opportunity that is open at now.
func Create(ctx context.Context, tx *db.Tx, in NewBid, userID int64, now time.Time) (*Bid, error) {
	return create(ctx, tx, in, userID, now, false)
}

// CreateHistoric records a bid made in the past (demo data, imports): the
// opportunity need not be open at now.
func CreateHistoric(ctx context.Context, tx *db.Tx, in NewBid, userID int64, now time.Time) (*Bid, error) {
	return create(ctx, tx, in, userID, now, true)
}

func create(ctx context.Context, tx *db.Tx, in NewBid, userID int64, now time.Time, historic bool) (*Bid, error) {
	o, err := opportunities.GetByID(ctx, tx, in.OpportunityID)
	if err != nil {
		return nil, err
	}
	if !historic && !o.OpenAt(now) {
		return nil, apperr.Errorf(apperr.ECONFLICT, "%s is %s: it no longer takes bids.", o.Title, strings.ToLower(o.StatusLabel())+closedNote(o, now))
	}
	if o.BuyerID == in.LeadOrgID {
		return nil, apperr.Errorf(apperr.ECONFLICT, "The buyer cannot bid for its own opportunity")
	}
	title := o.Title
	if in.LotID != 0 {
		found := false
		for _, l := range o.Lots {
			if l.ID == in.LotID {
				found, title = true, fmt.Sprintf("%s, lot %d: %s", o.Title, l.Position, l.Title)
			}
		}
		if !found {
			return nil, invalid("lot", "Choose one of the opportunity's lots")
		}
	} else if len(o.Lots) > 0 {
		return nil, invalid("lot", "This opportunity is divided into lots: choose the lot you are bidding for")
	}
	lead, err := orgName(ctx, tx, in.LeadOrgID)
	if err != nil {
		return nil, err
	}
	b := &Bid{UUID: uuid.NewString(), OpportunityID: o.ID, LotID: in.LotID, LeadOrgID: in.LeadOrgID, Status: StatusDrafting,
		Title: title, CreatedBy: userID, CreatedAt: now, UpdatedAt: now}
	members := []Member{{OrgID: in.LeadOrgID, Role: RoleLead}}
	switch in.Mode {
	case "single":
	case "existing":
		p, err := partnerships.ByID(ctx, tx, in.PartnershipID)
		if err != nil || !p.IsConsortium() {
			return nil, invalid("partnership", "Choose one of your organisation's consortia")
		}
		pm, err := partnerships.MembersOf(ctx, tx, p.ID)
		if err != nil {
			return nil, err
		}
		isMember := false
		for _, m := range pm {
			if !m.Current(now) {
				continue
			}
			if m.OrgID == in.LeadOrgID {
				isMember = true
				continue
			}
			role := RoleMember
			if m.Role == "subcontractor" {
				role = RoleSubcontractor
			}
			if !hasOrg(members, m.OrgID) {
				members = append(members, Member{OrgID: m.OrgID, Role: role})
			}
		}
		if !isMember {
			return nil, invalid("partnership", lead+" is not a current member of "+p.Name)
		}
		b.PartnershipID = p.ID
	case "new":
		name := clean.Line(in.ConsortiumName)
		if name == "" {
			return nil, invalid("consortium_name", "Enter the new consortium's name")
		}
		if !partnerships.IsConsortium(in.Model) {
			return nil, invalid("model", "Choose the consortium model")
		}
		p := &partnerships.Partnership{Name: name, Model: in.Model, Status: "forming", Visibility: "public", Origin: "bid",
			Purpose: "Formed to bid for " + title + " (" + o.BuyerName + ").",
			Members: []partnerships.Member{{OrgID: in.LeadOrgID, Role: "lead", Joined: ptr(db.Day(now))}}}
		if in.OriginPostID != 0 {
			p.Origin, p.OriginPostID = "looking_for_partners", &in.OriginPostID
		}
		if err := partnerships.Insert(ctx, tx, p, userID); err != nil {
			return nil, err
		}
		if err := audit.Record(ctx, tx, in.LeadOrgID, "partnership.create", "partnership", p.ID, p.Name+" (from a bid for "+o.Title+")"); err != nil {
			return nil, err
		}
		b.PartnershipID, b.CreatedPartnership = p.ID, true
	default:
		return nil, invalid("mode", "Choose whether you bid alone, with an existing consortium or as a new consortium")
	}
	bidder := "o" + strconv.FormatInt(in.LeadOrgID, 10)
	if b.PartnershipID != 0 {
		bidder = "p" + strconv.FormatInt(b.PartnershipID, 10)
	}
	var other string
	err = tx.QueryRowContext(ctx, `SELECT title FROM bids WHERE opportunity_id = $1 AND lot_key = $2 AND bidder_key = $3 AND status <> 'withdrawn'`,
		o.ID, in.LotID, bidder).Scan(&other)
	if err == nil {
		who := lead
		if b.PartnershipID != 0 {
			who = "This consortium"
		}
		return nil, apperr.Errorf(apperr.ECONFLICT, "%s already has a bid for %s. Open that bid instead, or withdraw it first.", who, other)
	} else if err != sql.ErrNoRows {
		return nil, err
	}
	var lot any
	if in.LotID != 0 {
		lot = in.LotID
	}
	var by any
	if userID != 0 {
		by = userID
	}
	var pid any
	if b.PartnershipID != 0 {
		pid = b.PartnershipID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO bids (uuid, opportunity_id, lot_id, lot_key, lead_org_id, partnership_id, bidder_key, created_partnership, status, title, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,'drafting',$9,$10,$11,$11) RETURNING id`,
		b.UUID, o.ID, lot, in.LotID, in.LeadOrgID, pid, bidder, b.CreatedPartnership, title, by, now).Scan(&b.ID); err != nil {
		return nil, db.Err(err, "Bid")
	}
	if len(members) == 1 {
		members[0].WorkShare, members[0].ValueShare = 100, 100
	}
	for _, m := range members {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bid_members (bid_id, organisation_id, role, work_share, value_share, signoff, invited_at) VALUES ($1,$2,$3,$4,$5,'invited',$6)`,
			b.ID, m.OrgID, m.Role, m.WorkShare, m.ValueShare, now); err != nil {
			return nil, db.Err(err, "Bid member")
		}
	}
	for _, it := range ChecklistItems {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bid_checklist (bid_id, item) VALUES ($1, $2)`, b.ID, it); err != nil {
			return nil, err
		}
	}
	return b, audit.Record(ctx, tx, in.LeadOrgID, "bid.create", "bid", b.ID, title)
}

func closedNote(o *opportunities.Opportunity, now time.Time) string {
	if c := o.ClosesAt(); o.Status == opportunities.StatusOpen && c != nil && !now.Before(*c) {
		return " (its closing date " + c.Format("2 January 2006") + " has passed)"
	}
	return ""
}

func ptr[T any](v T) *T { return &v }

func hasOrg(ms []Member, org int64) bool {
	for _, m := range ms {
		if m.OrgID == org {
			return true
		}
	}
	return false
}

func orgName(ctx context.Context, q db.Querier, id int64) (string, error) {
	var n string
	err := q.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, id).Scan(&n)
	if err == sql.ErrNoRows {
		return "", apperr.NotFound("Organisation")
	}
	return n, err
}

const bidCols = `b.id, b.uuid, b.opportunity_id, COALESCE(b.lot_id, 0), b.lead_org_id, lo.name, lo.slug, COALESCE(b.partnership_id, 0), COALESCE(p.name, ''), COALESCE(p.slug, ''),
	b.created_partnership, b.status, b.title, b.gap_reason, b.submitted_at, b.decided_at, b.withdrawn_at, b.value_awarded_pence, b.feedback, COALESCE(b.created_by, 0), b.created_at, b.updated_at`

const bidFrom = ` FROM bids b JOIN organisations lo ON lo.id = b.lead_org_id LEFT JOIN partnerships p ON p.id = b.partnership_id `

func scanBid(row interface{ Scan(...any) error }) (*Bid, error) {
	b := &Bid{}
	var sub, dec, wd sql.NullTime
	var val sql.NullInt64
	err := row.Scan(&b.ID, &b.UUID, &b.OpportunityID, &b.LotID, &b.LeadOrgID, &b.LeadName, &b.LeadSlug, &b.PartnershipID, &b.PartnershipName, &b.PartnershipSlug,
		&b.CreatedPartnership, &b.Status, &b.Title, &b.GapReason, &sub, &dec, &wd, &val, &b.Feedback, &b.CreatedBy, &b.CreatedAt, &b.UpdatedAt)
	if err != nil {
		return nil, err
	}
	b.SubmittedAt, b.DecidedAt, b.WithdrawnAt, b.ValueAwarded = db.TimePtr(sub), db.TimePtr(dec), db.TimePtr(wd), db.Int64Ptr(val)
	return b, nil
}

// Get loads a bid with its members, checklist, scores and contract.
func Get(ctx context.Context, q db.Querier, id int64) (*Bid, error) {
	b, err := scanBid(q.QueryRowContext(ctx, `SELECT `+bidCols+bidFrom+`WHERE b.id = $1`, id))
	if err == sql.ErrNoRows {
		return nil, apperr.NotFound("Bid")
	}
	if err != nil {
		return nil, err
	}
	if b.Members, err = membersOf(ctx, q, id); err != nil {
		return nil, err
	}
	rows, err := q.QueryContext(ctx, `SELECT item, owner, note, done FROM bid_checklist WHERE bid_id = $1`, id)
	if err != nil {
		return nil, err
	}
	got := map[string]CheckItem{}
	for rows.Next() {
		var c CheckItem
		if err := rows.Scan(&c.Item, &c.Owner, &c.Note, &c.Done); err != nil {
			rows.Close()
			return nil, err
		}
		got[c.Item] = c
	}
	rows.Close()
	for _, it := range ChecklistItems {
		c := got[it]
		c.Item = it
		b.Checklist = append(b.Checklist, c)
	}
	rows, err = q.QueryContext(ctx, `SELECT criterion, score, max_score FROM bid_scores WHERE bid_id = $1 ORDER BY id`, id)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var s Score
		if err := rows.Scan(&s.Criterion, &s.Score, &s.Max); err != nil {
			rows.Close()
			return nil, err
		}
		b.Scores = append(b.Scores, s)
	}
	rows.Close()
	var c Contract
	var pid, val sql.NullInt64
	var st, en sql.NullTime
	err = q.QueryRowContext(ctx, `SELECT partnership_id, value_pence, start_date, end_date FROM bid_contracts WHERE bid_id = $1`, id).Scan(&pid, &val, &st, &en)
	if err == nil {
		c.PartnershipID, c.Value, c.Start, c.End = pid.Int64, db.Int64Ptr(val), db.TimePtr(st), db.TimePtr(en)
		b.Contract = &c
	} else if err != sql.ErrNoRows {
		return nil, err
	}
	return b, nil
}

func membersOf(ctx context.Context, q db.Querier, bidID int64) ([]Member, error) {
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.organisation_id, o.name, o.slug, o.sector, m.role, m.work_share, m.value_share, m.signoff, m.signoff_reason, m.signoff_at, m.invited_at
		FROM bid_members m JOIN organisations o ON o.id = m.organisation_id WHERE m.bid_id = $1
		ORDER BY CASE m.role WHEN 'lead' THEN 0 WHEN 'member' THEN 1 ELSE 2 END, o.name`, bidID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []Member
	for rows.Next() {
		var m Member
		var at sql.NullTime
		if err := rows.Scan(&m.ID, &m.OrgID, &m.OrgName, &m.OrgSlug, &m.Sector, &m.Role, &m.WorkShare, &m.ValueShare, &m.SignOff, &m.SignOffReason, &at, &m.InvitedAt); err != nil {
			return nil, err
		}
		m.SignOffAt = db.TimePtr(at)
		out = append(out, m)
	}
	return out, rows.Err()
}

// lockDraft loads a bid for a change that only a drafting bid takes.
func lockDraft(ctx context.Context, tx *db.Tx, id int64) (*Bid, error) {
	if err := tx.LockKey(ctx, "bid:"+strconv.FormatInt(id, 10)); err != nil {
		return nil, err
	}
	b, err := Get(ctx, tx, id)
	if err != nil {
		return nil, err
	}
	if b.Status != StatusDrafting {
		return nil, apperr.Errorf(apperr.ECONFLICT, "This bid is %s: only a bid being drafted can be changed.", strings.ToLower(b.StatusLabel()))
	}
	return b, nil
}

// AddMember invites an organisation into a drafting bid. It returns the
// organisation's name.
func AddMember(ctx context.Context, tx *db.Tx, bidID, orgID int64, role string, now time.Time) (string, error) {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return "", err
	}
	if role != RoleMember && role != RoleSubcontractor {
		return "", invalid("role", "Choose member or subcontractor")
	}
	name, err := orgName(ctx, tx, orgID)
	if err != nil {
		return "", invalid("organisation", "Choose an organisation from the directory")
	}
	for _, m := range b.Members {
		if m.OrgID != orgID {
			continue
		}
		if m.SignOff == SignDeclined {
			return "", apperr.Errorf(apperr.ECONFLICT, "%s already declined this bid (%s). Ask them before inviting them again.", name, m.SignOffReason)
		}
		return "", apperr.Errorf(apperr.ECONFLICT, "%s is already in this bid.", name)
	}
	o, err := opportunities.GetByID(ctx, tx, b.OpportunityID)
	if err != nil {
		return "", err
	}
	if o.BuyerID == orgID {
		return "", invalid("organisation", "The buyer cannot join a bid for its own opportunity")
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO bid_members (bid_id, organisation_id, role, signoff, invited_at) VALUES ($1,$2,$3,'invited',$4)`, bidID, orgID, role, now); err != nil {
		return "", db.Err(err, "Bid member")
	}
	if err := touch(ctx, tx, bidID, now); err != nil {
		return "", err
	}
	return name, audit.Record(ctx, tx, b.LeadOrgID, "bid.member.invite", "bid", bidID, name+" as "+role)
}

// RemoveMember takes an organisation (not the lead) out of a drafting bid.
func RemoveMember(ctx context.Context, tx *db.Tx, bidID, orgID int64, now time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	if orgID == b.LeadOrgID {
		return apperr.Errorf(apperr.ECONFLICT, "The lead organisation cannot be removed from its own bid")
	}
	for _, m := range b.Members {
		if m.OrgID == orgID {
			if _, err := tx.ExecContext(ctx, `DELETE FROM bid_members WHERE bid_id = $1 AND organisation_id = $2`, bidID, orgID); err != nil {
				return err
			}
			if err := touch(ctx, tx, bidID, now); err != nil {
				return err
			}
			return audit.Record(ctx, tx, b.LeadOrgID, "bid.member.remove", "bid", bidID, m.OrgName)
		}
	}
	return apperr.NotFound("Bid member")
}

func touch(ctx context.Context, tx *db.Tx, bidID int64, now time.Time) error {
	_, err := tx.ExecContext(ctx, `UPDATE bids SET updated_at = $1 WHERE id = $2`, now, bidID)
	return err
}

// Share is a member's role and shares as the lead sets them.
type Share struct {
	Role            string
	Work, Value     int
	WorkOK, ValueOK bool // the numbers were whole numbers 0-100
	WorkRaw, ValRaw string
	OrgName         string
}

// SetShares stores each member's role and shares (by organisation id).
// Work and value shares must each add up to 100. A member whose share or
// role changes signs off again (their acceptance was of the old share).
func SetShares(ctx context.Context, tx *db.Tx, bidID int64, shares map[int64]Share, now time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	v := &apperr.Validation{}
	work, value := 0, 0
	for _, m := range b.Members {
		s, ok := shares[m.OrgID]
		if !ok {
			s = Share{Role: m.Role, Work: m.WorkShare, Value: m.ValueShare, WorkOK: true, ValueOK: true}
		}
		f := strconv.FormatInt(m.OrgID, 10)
		v.Check(s.WorkOK, "work_"+f, "Enter "+m.OrgName+"'s share of the work as a whole number from 0 to 100")
		v.Check(s.ValueOK, "value_"+f, "Enter "+m.OrgName+"'s share of the value as a whole number from 0 to 100")
		if m.OrgID == b.LeadOrgID {
			s.Role = RoleLead
		} else {
			v.Check(s.Role == RoleMember || s.Role == RoleSubcontractor, "role_"+f, "Choose "+m.OrgName+"'s role: member or subcontractor")
		}
		work += s.Work
		value += s.Value
		shares[m.OrgID] = s
	}
	if v.Err() == nil {
		v.Check(work == 100, "shares", fmt.Sprintf("The shares of the work add up to %d%%: they must add up to 100%%", work))
		v.Check(value == 100, "shares", fmt.Sprintf("The shares of the value add up to %d%%: they must add up to 100%%", value))
	}
	if err := v.Err(); err != nil {
		return err
	}
	var changed []string
	for _, m := range b.Members {
		s := shares[m.OrgID]
		if s.Role == m.Role && s.Work == m.WorkShare && s.Value == m.ValueShare {
			continue
		}
		changed = append(changed, fmt.Sprintf("%s: %s, work %d%%, value %d%%", m.OrgName, s.Role, s.Work, s.Value))
		if _, err := tx.ExecContext(ctx, `UPDATE bid_members SET role = $1, work_share = $2, value_share = $3,
			signoff = CASE WHEN signoff = 'declined' THEN signoff ELSE 'invited' END, signoff_at = CASE WHEN signoff = 'declined' THEN signoff_at ELSE NULL END
			WHERE bid_id = $4 AND organisation_id = $5`, s.Role, s.Work, s.Value, bidID, m.OrgID); err != nil {
			return err
		}
	}
	if len(changed) == 0 {
		return nil
	}
	if err := touch(ctx, tx, bidID, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid.shares", "bid", bidID, strings.Join(changed, "; "))
}

// SaveChecklist stores the bid / no-bid checklist.
func SaveChecklist(ctx context.Context, tx *db.Tx, bidID int64, items []CheckItem, now time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	v := &apperr.Validation{}
	for _, c := range items {
		v.Check(len(c.Owner) <= 200, "owner_"+c.Item, Label(c.Item)+": the owner must be 200 characters or fewer")
		v.Check(len(c.Note) <= 2000, "note_"+c.Item, Label(c.Item)+": the note must be 2,000 characters or fewer")
	}
	if err := v.Err(); err != nil {
		return err
	}
	for _, c := range items {
		if _, err := tx.ExecContext(ctx, `UPDATE bid_checklist SET owner = $1, note = $2, done = $3 WHERE bid_id = $4 AND item = $5`,
			clean.Line(c.Owner), clean.Text(c.Note), c.Done, bidID, c.Item); err != nil {
			return err
		}
	}
	if err := touch(ctx, tx, bidID, now); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid.checklist", "bid", bidID, b.Title)
}

// SignOff records a member organisation's owner accepting or declining
// the bid and its share. A decline needs a reason.
func SignOff(ctx context.Context, tx *db.Tx, bidID, orgID, userID int64, accept bool, reason string, now time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	reason = clean.Text(reason)
	var m *Member
	for i := range b.Members {
		if b.Members[i].OrgID == orgID {
			m = &b.Members[i]
		}
	}
	if m == nil {
		return apperr.NotFound("Bid member")
	}
	if m.SignOff == SignDeclined {
		return apperr.Errorf(apperr.ECONFLICT, "%s already declined this bid on %s (%s). The lead must invite it again.", m.OrgName, m.SignOffAt.Format("2 January 2006"), m.SignOffReason)
	}
	if !accept && reason == "" {
		return invalid("reason", "Say why "+m.OrgName+" declines, so the lead can find another partner")
	}
	if len(reason) > 2000 {
		return invalid("reason", "The reason must be 2,000 characters or fewer")
	}
	state := SignAccepted
	if !accept {
		state = SignDeclined
	}
	var by any
	if userID != 0 {
		by = userID
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bid_members SET signoff = $1, signoff_reason = $2, signoff_at = $3, signoff_by = $4 WHERE id = $5`,
		state, reason, now, by, m.ID); err != nil {
		return err
	}
	if accept && b.PartnershipID != 0 {
		// The consortium grows with each organisation that joins its bid.
		pm, err := partnerships.MembersOf(ctx, tx, b.PartnershipID)
		if err != nil {
			return err
		}
		in := false
		for _, x := range pm {
			in = in || (x.OrgID == orgID && x.Current(now))
		}
		if !in {
			nm := partnerships.Member{PartnershipID: b.PartnershipID, OrgID: orgID, Role: m.Role, Joined: ptr(db.Day(now))}
			if err := partnerships.InsertMember(ctx, tx, &nm); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, orgID, "partnership.member.add", "partnership", b.PartnershipID, m.OrgName+" joined through the bid "+b.Title); err != nil {
				return err
			}
		}
	}
	if err := touch(ctx, tx, bidID, now); err != nil {
		return err
	}
	detail := m.OrgName + " " + state
	if reason != "" {
		detail += ": " + reason
	}
	return audit.Record(ctx, tx, orgID, "bid.signoff", "bid", bidID, detail)
}

// Submit marks a drafting bid submitted: every member signed off, the
// shares add up to 100 and every mandatory requirement covered, unless
// gapReason says why not.
func Submit(ctx context.Context, tx *db.Tx, bidID int64, gapReason string, userID int64, now time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	o, err := opportunities.GetByID(ctx, tx, b.OpportunityID)
	if err != nil {
		return err
	}
	if !o.OpenAt(now) {
		return apperr.Errorf(apperr.ECONFLICT, "%s is %s: it no longer takes bids.", o.Title, strings.ToLower(o.StatusLabel())+closedNote(o, now))
	}
	v := &apperr.Validation{}
	work, value := 0, 0
	var waiting []string
	for _, m := range b.Members {
		work += m.WorkShare
		value += m.ValueShare
		switch m.SignOff {
		case SignDeclined:
			waiting = append(waiting, m.OrgName+" declined ("+m.SignOffReason+"): remove it from the bid or invite another organisation")
		case SignInvited:
			waiting = append(waiting, m.OrgName+" has not signed off yet: its owner must accept the bid and its share")
		}
	}
	if len(waiting) > 0 {
		v.Add("members", strings.Join(waiting, ". "))
	}
	if work != 100 || value != 100 {
		v.Add("shares", fmt.Sprintf("The shares add up to %d%% of the work and %d%% of the value: both must be 100%%", work, value))
	}
	c, err := ComputeCover(ctx, tx, b, o, now)
	if err != nil {
		return err
	}
	gapReason = clean.Text(gapReason)
	if gaps := c.MandatoryGaps(); len(gaps) > 0 && gapReason == "" {
		v.Add("gap_reason", fmt.Sprintf("%d mandatory requirement(s) are not covered (%s): cover them, or record why you submit without them", len(gaps), strings.Join(gaps, "; ")))
	}
	v.Check(len(gapReason) <= 2000, "gap_reason", "The reason must be 2,000 characters or fewer")
	if err := v.Err(); err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'submitted', submitted_at = $1, gap_reason = $2, updated_at = $1 WHERE id = $3`, now, gapReason, bidID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid.submit", "bid", bidID, b.Title)
}

// Withdraw withdraws a drafting or submitted bid.
func Withdraw(ctx context.Context, tx *db.Tx, bidID int64, now time.Time) error {
	b, err := Get(ctx, tx, bidID)
	if err != nil {
		return err
	}
	if b.Status != StatusDrafting && b.Status != StatusSubmitted {
		return apperr.Errorf(apperr.ECONFLICT, "This bid is %s: it can no longer be withdrawn.", strings.ToLower(b.StatusLabel()))
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'withdrawn', withdrawn_at = $1, updated_at = $1 WHERE id = $2`, now, bidID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid.withdraw", "bid", bidID, b.Title)
}

// Outcome is a decision on a submitted bid.
type Outcome struct {
	Won      bool
	Value    *int64 // pence, when won
	Feedback string
	Scores   []Score
}

// Decide records a submitted bid won or lost. A won bid becomes the
// delivery record of its partnership (contract value, the opportunity's
// contract period; the shares are the bid members').
func Decide(ctx context.Context, tx *db.Tx, bidID int64, out Outcome, userID int64, now time.Time) error {
	b, err := Get(ctx, tx, bidID)
	if err != nil {
		return err
	}
	if b.Status != StatusSubmitted {
		return apperr.Errorf(apperr.ECONFLICT, "This bid is %s: only a submitted bid is won or lost.", strings.ToLower(b.StatusLabel()))
	}
	v := &apperr.Validation{}
	out.Feedback = clean.Text(out.Feedback)
	v.Check(len(out.Feedback) <= 5000, "feedback", "The feedback must be 5,000 characters or fewer")
	for i, s := range out.Scores {
		v.Check(clean.Line(s.Criterion) != "", fmt.Sprintf("criterion_%d", i), "Name the criterion scored")
		v.Check(s.Max > 0 && s.Score >= 0 && s.Score <= s.Max, fmt.Sprintf("score_%d", i), "The score must be from 0 to the maximum, and the maximum more than 0")
	}
	if out.Value != nil && *out.Value < 0 {
		v.Add("value", "The value awarded cannot be negative")
	}
	if err := v.Err(); err != nil {
		return err
	}
	status := StatusLost
	var val any
	if out.Won {
		status = StatusWon
		if out.Value != nil {
			val = *out.Value
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = $1, decided_at = $2, value_awarded_pence = $3, feedback = $4, updated_at = $2 WHERE id = $5`,
		status, now, val, out.Feedback, bidID); err != nil {
		return err
	}
	for _, s := range out.Scores {
		if _, err := tx.ExecContext(ctx, `INSERT INTO bid_scores (bid_id, criterion, score, max_score) VALUES ($1,$2,$3,$4)`, bidID, clean.Line(s.Criterion), s.Score, s.Max); err != nil {
			return db.Err(err, "Score")
		}
	}
	if out.Won {
		if err := deliver(ctx, tx, b, out.Value, userID, now); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid."+status, "bid", bidID, b.Title)
}

// deliver writes the delivery record of a won bid and makes a forming
// consortium active from the contract's start.
func deliver(ctx context.Context, tx *db.Tx, b *Bid, value *int64, userID int64, now time.Time) error {
	o, err := opportunities.GetByID(ctx, tx, b.OpportunityID)
	if err != nil {
		return err
	}
	var pid, val any
	if b.PartnershipID != 0 {
		pid = b.PartnershipID
	}
	if value != nil {
		val = *value
	}
	var st, en any
	if o.ContractStart != nil {
		st = db.Day(*o.ContractStart)
	}
	if o.ContractEnd != nil {
		en = db.Day(*o.ContractEnd)
	}
	if _, err := tx.ExecContext(ctx, `INSERT INTO bid_contracts (bid_id, partnership_id, value_pence, start_date, end_date) VALUES ($1,$2,$3,$4,$5)
		ON CONFLICT (bid_id) DO UPDATE SET partnership_id = excluded.partnership_id, value_pence = excluded.value_pence, start_date = excluded.start_date, end_date = excluded.end_date`,
		b.ID, pid, val, st, en); err != nil {
		return err
	}
	if b.PartnershipID == 0 {
		return nil
	}
	p, err := partnerships.ByID(ctx, tx, b.PartnershipID)
	if err != nil {
		return err
	}
	if p.Status == "proposed" || p.Status == "forming" {
		old := p.Status
		p.Status = "active"
		start := db.Day(now)
		if o.ContractStart != nil && !o.ContractStart.After(now) {
			start = db.Day(*o.ContractStart)
		}
		if p.Start == nil || p.Start.After(start) {
			p.Start = &start
		}
		if err := partnerships.Update(ctx, tx, p, old, userID, "Won "+b.Title); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, 0, "partnership.contract", "partnership", p.ID, "Won "+b.Title)
}

// ListFilter narrows a list of bids.
type ListFilter struct {
	OrgID         int64 // bids the organisation is in
	PartnershipID int64
	OpportunityID int64
	Status        string
	Limit         int
}

// List lists bids, newest first.
func List(ctx context.Context, q db.Querier, f ListFilter) ([]*Bid, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, strings.ReplaceAll(cond, "?", "$"+strconv.Itoa(len(args))))
	}
	if f.OrgID != 0 {
		add(`b.id IN (SELECT bid_id FROM bid_members WHERE organisation_id = ?)`, f.OrgID)
	}
	if f.PartnershipID != 0 {
		add(`b.partnership_id = ?`, f.PartnershipID)
	}
	if f.OpportunityID != 0 {
		add(`b.opportunity_id = ?`, f.OpportunityID)
	}
	if f.Status != "" {
		add(`b.status = ?`, f.Status)
	}
	sqlq := `SELECT ` + bidCols + bidFrom
	if len(where) > 0 {
		sqlq += `WHERE ` + strings.Join(where, " AND ")
	}
	sqlq += ` ORDER BY b.created_at DESC, b.id DESC`
	if f.Limit > 0 {
		sqlq += ` LIMIT ` + strconv.Itoa(f.Limit)
	}
	rows, err := q.QueryContext(ctx, sqlq, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []*Bid
	for rows.Next() {
		b, err := scanBid(rows)
		if err != nil {
			return nil, err
		}
		out = append(out, b)
	}
	return out, rows.Err()
}

// MarkSubmitted records a drafting bid as submitted at a past time without
// the checks Submit makes (imports and demo data of bids made elsewhere).
func MarkSubmitted(ctx context.Context, tx *db.Tx, bidID int64, at time.Time) error {
	b, err := lockDraft(ctx, tx, bidID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `UPDATE bids SET status = 'submitted', submitted_at = $1, updated_at = $1 WHERE id = $2`, at, bidID); err != nil {
		return err
	}
	return audit.Record(ctx, tx, b.LeadOrgID, "bid.submit", "bid", bidID, b.Title+" (recorded)")
}
