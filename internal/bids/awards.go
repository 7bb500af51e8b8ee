package bids

import (
	"context"
	"database/sql"
	"fmt"
	"strconv"
	"strings"
	"time"
	"unicode"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
)

// SupplierIn is a supplier an award names: a directory organisation
// (OrgID), or as the OCDS import gives it, a name and an org-id
// identifier (GB-CHC-123456).
type SupplierIn struct {
	OrgID      int64
	Name       string
	Identifier string
}

// AwardIn is an award to record.
type AwardIn struct {
	OpportunityID int64
	LotID         int64
	Value         *int64
	Date          time.Time
	Source        string // buyer or ocds
	OCDSID        string
	Suppliers     []SupplierIn
	// AllowUnmatched records the award even when a supplier matches no
	// bid here (the buyer confirms it; the OCDS import always does).
	AllowUnmatched bool
}

// NameMatchThreshold is the lowest confidence a name-only match is
// proposed at (an admin confirms or rejects it).
const NameMatchThreshold = 0.6

var nameStop = map[string]bool{"the": true, "ltd": true, "limited": true, "cic": true, "cio": true, "and": true, "of": true, "trust": false, "charity": true, "uk": true, "plc": true, "co": true, "company": true}

// NormaliseName lower-cases a name, drops punctuation and legal-form
// words, for matching suppliers by name.
func NormaliseName(s string) []string {
	s = strings.ToLower(strings.ReplaceAll(s, "&", " and "))
	f := strings.FieldsFunc(s, func(r rune) bool { return !unicode.IsLetter(r) && !unicode.IsDigit(r) })
	var out []string
	for _, w := range f {
		if !nameStop[w] {
			out = append(out, w)
		}
	}
	return out
}

// NameConfidence is how alike two organisation names are, 0 to 1 (the
// share of their normalised words in common).
func NameConfidence(a, b string) float64 {
	wa, wb := NormaliseName(a), NormaliseName(b)
	if len(wa) == 0 || len(wb) == 0 {
		return 0
	}
	set := map[string]bool{}
	for _, w := range wa {
		set[w] = true
	}
	common, union := 0, len(set)
	seen := map[string]bool{}
	for _, w := range wb {
		if seen[w] {
			continue
		}
		seen[w] = true
		if set[w] {
			common++
		} else {
			union++
		}
	}
	return float64(common) / float64(union)
}

type bidOrg struct {
	bidID  int64
	orgID  int64
	name   string
	status string
}

// RecordAward stores an award with its suppliers, matches each supplier
// to a bid for the opportunity (and lot) by directory organisation or
// org-id identifier, else proposes a match by normalised name, and marks
// the matched bid won (other submitted bids for the lot lost). st is the
// opportunities store (its change hooks hear of the status change).
func RecordAward(ctx context.Context, tx *db.Tx, st *opportunities.Store, in AwardIn, userID int64, now time.Time) (*Award, error) {
	o, err := opportunities.GetByID(ctx, tx, in.OpportunityID)
	if err != nil {
		return nil, err
	}
	v := &apperr.Validation{}
	if in.LotID != 0 {
		ok := false
		for _, l := range o.Lots {
			ok = ok || l.ID == in.LotID
		}
		v.Check(ok, "lot", "Choose one of the opportunity's lots")
	}
	v.Check(!in.Date.IsZero(), "date", "Enter the date of the award")
	v.Check(in.Value == nil || *in.Value >= 0, "value", "The value cannot be negative")
	v.Check(len(in.Suppliers) > 0, "suppliers", "Choose at least one supplier")
	if o.Status == opportunities.StatusCancelled {
		v.Add("date", "This opportunity was cancelled: it cannot be awarded")
	}
	if err := v.Err(); err != nil {
		return nil, err
	}
	if in.Source == "" {
		in.Source = "buyer"
	}
	// The bids for this lot and their members.
	rows, err := tx.QueryContext(ctx, `SELECT b.id, m.organisation_id, o.name, b.status FROM bids b JOIN bid_members m ON m.bid_id = b.id JOIN organisations o ON o.id = m.organisation_id
		WHERE b.opportunity_id = $1 AND b.lot_key = $2 AND b.status IN ('submitted','won','lost') AND m.signoff = 'accepted'`, o.ID, in.LotID)
	if err != nil {
		return nil, err
	}
	var cands []bidOrg
	for rows.Next() {
		var c bidOrg
		if err := rows.Scan(&c.bidID, &c.orgID, &c.name, &c.status); err != nil {
			rows.Close()
			return nil, err
		}
		cands = append(cands, c)
	}
	rows.Close()
	a := &Award{OpportunityID: o.ID, LotID: in.LotID, Value: in.Value, Date: db.Day(in.Date), Source: in.Source, OCDSID: clean.Line(in.OCDSID), CreatedAt: now}
	var unmatched []string
	for i, s := range in.Suppliers {
		sp := Supplier{OrgID: s.OrgID, Name: clean.Line(s.Name), Identifier: strings.ToUpper(clean.Line(s.Identifier)), Match: "none", State: "unmatched"}
		if sp.OrgID == 0 && sp.Identifier != "" {
			var id int64
			if err := tx.QueryRowContext(ctx, `SELECT organisation_id FROM org_identifiers WHERE identifier = $1`, sp.Identifier).Scan(&id); err == nil {
				sp.OrgID, sp.Match = id, "identifier"
			} else if err != sql.ErrNoRows {
				return nil, err
			}
		} else if sp.OrgID != 0 {
			sp.Match = "directory"
		}
		if sp.OrgID != 0 {
			name, err := orgName(ctx, tx, sp.OrgID)
			if err != nil {
				return nil, invalid(fmt.Sprintf("supplier_%d", i), "Choose the supplier from the directory")
			}
			if sp.Name == "" {
				sp.Name = name
			}
			for _, c := range cands {
				if c.orgID == sp.OrgID {
					sp.BidID, sp.State, sp.Confidence = c.bidID, "matched", 1
					break
				}
			}
		}
		if sp.Name == "" {
			return nil, invalid(fmt.Sprintf("supplier_%d", i), fmt.Sprintf("Supplier %d has neither a name nor a directory organisation", i+1))
		}
		if sp.State == "unmatched" {
			best, bestBid := 0.0, int64(0)
			for _, c := range cands {
				if cf := NameConfidence(sp.Name, c.name); cf > best {
					best, bestBid = cf, c.bidID
				}
			}
			if best >= NameMatchThreshold {
				sp.BidID, sp.Match, sp.State, sp.Confidence = bestBid, "name", "proposed", best
			}
		}
		if sp.State == "unmatched" {
			unmatched = append(unmatched, sp.Name)
		}
		a.Suppliers = append(a.Suppliers, sp)
	}
	if len(unmatched) > 0 && !in.AllowUnmatched {
		return nil, invalid("suppliers", fmt.Sprintf("No bid for this opportunity here matches %s. Check the supplier, or tick \"Record the award anyway\" if they bid outside Partnerhub.", strings.Join(unmatched, ", ")))
	}
	var lot, val, by any
	if in.LotID != 0 {
		lot = in.LotID
	}
	if in.Value != nil {
		val = *in.Value
	}
	if userID != 0 {
		by = userID
	}
	if err := tx.QueryRowContext(ctx, `INSERT INTO bid_awards (opportunity_id, lot_id, value_pence, award_date, source, ocds_id, created_by, created_at) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
		o.ID, lot, val, a.Date, a.Source, a.OCDSID, by, now).Scan(&a.ID); err != nil {
		return nil, db.Err(err, "Award")
	}
	won := map[int64]bool{}
	for i := range a.Suppliers {
		sp := &a.Suppliers[i]
		sp.AwardID = a.ID
		var org, bid any
		if sp.OrgID != 0 {
			org = sp.OrgID
		}
		if sp.BidID != 0 {
			bid = sp.BidID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO bid_award_suppliers (award_id, organisation_id, name, identifier, bid_id, match, confidence, state) VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`,
			a.ID, org, sp.Name, sp.Identifier, bid, sp.Match, sp.Confidence, sp.State).Scan(&sp.ID); err != nil {
			return nil, db.Err(err, "Supplier")
		}
		if sp.State == "matched" {
			won[sp.BidID] = true
		}
	}
	if err := applyWins(ctx, tx, a, won, userID, now); err != nil {
		return nil, err
	}
	names := make([]string, len(a.Suppliers))
	for i, s := range a.Suppliers {
		names[i] = s.Name + " (" + s.State + ")"
	}
	// Each award adds its own release (tagged award): the whole
	// opportunity's by its change of status, a lot's (or a further
	// award's) through Store.Awarded.
	if st == nil {
		st = &opportunities.Store{}
	}
	if o.Status != opportunities.StatusAwarded && (len(o.Lots) == 0 || in.LotID == 0) {
		if err := st.SetStatus(ctx, tx, o.ID, userID, opportunities.StatusAwarded, "Awarded"); err != nil && !apperr.Is(err, apperr.ECONFLICT) {
			return nil, err
		}
	} else {
		what := "Awarded"
		for _, l := range o.Lots {
			if l.ID == in.LotID {
				what = fmt.Sprintf("Lot %d (%s) awarded", l.Position, l.Title)
			}
		}
		if err := st.Awarded(ctx, tx, o.ID, userID, what); err != nil && !apperr.Is(err, apperr.ECONFLICT) {
			return nil, err
		}
	}
	return a, audit.Record(ctx, tx, o.BuyerID, "award.create", "opportunity", o.ID, o.Title+": "+strings.Join(names, ", "))
}

// applyWins marks the bids won by an award won (with the award's value)
// and, once any is won, the other submitted bids for the lot lost.
func applyWins(ctx context.Context, tx *db.Tx, a *Award, won map[int64]bool, userID int64, now time.Time) error {
	if len(won) == 0 {
		return nil
	}
	for id := range won {
		b, err := Get(ctx, tx, id)
		if err != nil {
			return err
		}
		if b.Status != StatusSubmitted {
			continue
		}
		value := a.Value
		if len(won) > 1 {
			value = nil
		}
		if err := Decide(ctx, tx, id, Outcome{Won: true, Value: value}, userID, now); err != nil {
			return err
		}
	}
	others, err := db.Column[int64](ctx, tx, `SELECT id FROM bids WHERE opportunity_id = $1 AND lot_key = $2 AND status = 'submitted'`, a.OpportunityID, a.LotID)
	if err != nil {
		return err
	}
	for _, id := range others {
		if !won[id] {
			if err := Decide(ctx, tx, id, Outcome{}, userID, now); err != nil {
				return err
			}
		}
	}
	return nil
}

// ResolveSupplier confirms or rejects a proposed name match. Confirming
// marks the bid won as the award says.
func ResolveSupplier(ctx context.Context, tx *db.Tx, supplierID int64, confirm bool, userID int64, now time.Time) error {
	var s Supplier
	var bid sql.NullInt64
	if err := tx.QueryRowContext(ctx, `SELECT id, award_id, name, bid_id, state FROM bid_award_suppliers WHERE id = $1`, supplierID).Scan(&s.ID, &s.AwardID, &s.Name, &bid, &s.State); err == sql.ErrNoRows {
		return apperr.NotFound("Supplier")
	} else if err != nil {
		return err
	}
	if s.State != "proposed" {
		return apperr.Errorf(apperr.ECONFLICT, "%s is %s: only a proposed match is confirmed or rejected.", s.Name, strings.ToLower(Label(s.State)))
	}
	state := "rejected"
	if confirm {
		state = "matched"
	}
	q := `UPDATE bid_award_suppliers SET state = $1 WHERE id = $2`
	if !confirm {
		q = `UPDATE bid_award_suppliers SET state = $1, bid_id = NULL WHERE id = $2`
	}
	if _, err := tx.ExecContext(ctx, q, state, supplierID); err != nil {
		return err
	}
	a, err := GetAward(ctx, tx, s.AwardID)
	if err != nil {
		return err
	}
	if confirm {
		if err := applyWins(ctx, tx, a, map[int64]bool{bid.Int64: true}, userID, now); err != nil {
			return err
		}
	}
	return audit.Record(ctx, tx, 0, "award.supplier."+state, "award", s.AwardID, s.Name+" to bid "+strconv.FormatInt(bid.Int64, 10))
}

const supplierCols = `id, award_id, COALESCE(organisation_id, 0), name, identifier, COALESCE(bid_id, 0), match, confidence, state`

func scanSupplier(r interface{ Scan(...any) error }) (Supplier, error) {
	var s Supplier
	err := r.Scan(&s.ID, &s.AwardID, &s.OrgID, &s.Name, &s.Identifier, &s.BidID, &s.Match, &s.Confidence, &s.State)
	return s, err
}

// GetAward loads an award with its suppliers.
func GetAward(ctx context.Context, q db.Querier, id int64) (*Award, error) {
	as, err := awardsWhere(ctx, q, `id = $1`, id)
	if err != nil {
		return nil, err
	}
	if len(as) == 0 {
		return nil, apperr.NotFound("Award")
	}
	return as[0], nil
}

// Awards lists an opportunity's awards with their suppliers.
func Awards(ctx context.Context, q db.Querier, oppID int64) ([]*Award, error) {
	return awardsWhere(ctx, q, `opportunity_id = $1`, oppID)
}

func awardsWhere(ctx context.Context, q db.Querier, where string, arg any) ([]*Award, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, opportunity_id, COALESCE(lot_id, 0), value_pence, award_date, source, ocds_id, created_at FROM bid_awards WHERE `+where+` ORDER BY award_date, id`, arg)
	if err != nil {
		return nil, err
	}
	var out []*Award
	for rows.Next() {
		a := &Award{}
		var v sql.NullInt64
		if err := rows.Scan(&a.ID, &a.OpportunityID, &a.LotID, &v, &a.Date, &a.Source, &a.OCDSID, &a.CreatedAt); err != nil {
			rows.Close()
			return nil, err
		}
		a.Value = db.Int64Ptr(v)
		out = append(out, a)
	}
	rows.Close()
	for _, a := range out {
		rs, err := q.QueryContext(ctx, `SELECT `+supplierCols+` FROM bid_award_suppliers WHERE award_id = $1 ORDER BY id`, a.ID)
		if err != nil {
			return nil, err
		}
		for rs.Next() {
			s, err := scanSupplier(rs)
			if err != nil {
				rs.Close()
				return nil, err
			}
			a.Suppliers = append(a.Suppliers, s)
		}
		rs.Close()
	}
	return out, nil
}

// ProposedMatch is a name match waiting for an admin.
type ProposedMatch struct {
	Supplier
	OpportunityTitle string
	OpportunitySlug  string
	BidTitle         string
	BidLead          string
}

// Proposed lists the name matches waiting for an admin, and the unmatched
// suppliers.
func Proposed(ctx context.Context, q db.Querier) ([]ProposedMatch, error) {
	rows, err := q.QueryContext(ctx, `SELECT s.id, s.award_id, COALESCE(s.organisation_id, 0), s.name, s.identifier, COALESCE(s.bid_id, 0), s.match, s.confidence, s.state,
		o.title, o.slug, COALESCE(b.title, ''), COALESCE(lo.name, '')
		FROM bid_award_suppliers s JOIN bid_awards a ON a.id = s.award_id JOIN opportunities o ON o.id = a.opportunity_id
		LEFT JOIN bids b ON b.id = s.bid_id LEFT JOIN organisations lo ON lo.id = b.lead_org_id
		WHERE s.state IN ('proposed','unmatched') ORDER BY s.state, a.award_date DESC, s.id`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []ProposedMatch
	for rows.Next() {
		var p ProposedMatch
		if err := rows.Scan(&p.ID, &p.AwardID, &p.OrgID, &p.Name, &p.Identifier, &p.BidID, &p.Match, &p.Confidence, &p.State,
			&p.OpportunityTitle, &p.OpportunitySlug, &p.BidTitle, &p.BidLead); err != nil {
			return nil, err
		}
		out = append(out, p)
	}
	return out, rows.Err()
}

// ImportedAwards is the OCDS import's award hook (registered with
// ocds.Service.OnImportedAwards): each award of an imported process not
// yet recorded (by its OCDS award id) is recorded with source "ocds", its
// suppliers matched to bids by org-id identifier or proposed by name, and
// recorded even when nothing here matches (the bidder may have bid outside
// Partnerhub). An award Partnerhub cannot take (no supplier names) is left
// out; the release itself is still kept.
func ImportedAwards(ctx context.Context, tx *db.Tx, oppID int64, awards []ocds.NoticeAward) error {
	for _, a := range awards {
		id := clean.Line(a.ID)
		if id == "" || len(a.Suppliers) == 0 {
			continue
		}
		var n int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM bid_awards WHERE opportunity_id = $1 AND ocds_id = $2`, oppID, id).Scan(&n); err != nil {
			return err
		}
		if n > 0 {
			continue
		}
		in := AwardIn{OpportunityID: oppID, Value: a.Value, Source: "ocds", OCDSID: id, AllowUnmatched: true}
		if a.Date != nil {
			in.Date = *a.Date
		} else {
			in.Date = db.Now()
		}
		for _, s := range a.Suppliers {
			sp := SupplierIn{Name: s.Name}
			if len(s.Identifiers) > 0 {
				sp.Identifier = s.Identifiers[0]
			}
			in.Suppliers = append(in.Suppliers, sp)
		}
		_, err := RecordAward(ctx, tx, nil, in, 0, db.Now())
		if apperr.Is(err, apperr.EINVALID) {
			continue
		}
		if err != nil {
			return err
		}
	}
	return nil
}
