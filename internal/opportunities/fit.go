package opportunities

import (
	"context"
	"database/sql"
	"fmt"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// Fit is an open opportunity ranked for an organisation: the partner
// finder's score and reasons for the organisation against the
// opportunity's services, themes, client groups and areas, and the
// mandatory requirements it does not meet yet.
type Fit struct {
	O       *Opportunity
	Score   float64
	Reasons []string
	Unmet   []string
}

// fitPool is how many open opportunities, soonest closing first, are
// scored for an organisation.
const fitPool = 100

// FitsFor ranks the open opportunities (not the organisation's own) for
// orgID at now, best first, up to limit, leaving out those that share no
// service, theme, client group or area with it.
func FitsFor(ctx context.Context, q db.Querier, d db.Dialect, orgID int64, now time.Time, limit int) ([]Fit, error) {
	os, _, err := List(ctx, q, Query{Status: StatusOpen}, now, fitPool, 0)
	if err != nil {
		return nil, err
	}
	if err := loadRequirements(ctx, q, os); err != nil {
		return nil, err
	}
	facts, err := orgFacts(ctx, q, orgID, now)
	if err != nil {
		return nil, err
	}
	// The organisation is scored against every opportunity's
	// requirements at once: its details are read once, not per opportunity.
	var cands []*Opportunity
	var fqs []directory.FinderQuery
	for _, o := range os {
		if o.BuyerID == orgID {
			continue
		}
		fq := directory.FinderQuery{}
		for _, r := range o.Requirements {
			switch r.Kind {
			case ReqService:
				fq.Services = append(fq.Services, r.TermID)
			case ReqTheme:
				fq.Themes = append(fq.Themes, r.TermID)
			case ReqClientGroup:
				fq.ClientGroups = append(fq.ClientGroups, r.TermID)
			case ReqWard:
				fq.Wards = append(fq.Wards, r.Code)
			case ReqLocalAuthority:
				fq.LocalAuthorities = append(fq.LocalAuthorities, r.Code)
			}
		}
		cands = append(cands, o)
		fqs = append(fqs, fq)
	}
	ms, err := directory.ScoreOrganisationEach(ctx, q, d, fqs, orgID)
	if err != nil {
		return nil, err
	}
	var out []Fit
	for i, o := range cands {
		m := ms[i]
		if m == nil || !facts.sharesAny(o.Requirements) {
			continue
		}
		out = append(out, Fit{O: o, Score: m.Score, Reasons: m.Reasons, Unmet: facts.unmet(o)})
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Score > out[j].Score })
	if len(out) > limit {
		out = out[:limit]
	}
	return out, nil
}

// facts is what an organisation holds, for checking requirements.
type facts struct {
	terms    map[int64]bool
	wards    map[string]bool
	las      map[string]bool
	policies map[string]*time.Time // kind -> review date
	marks    map[string]bool       // lower-cased names
	ready    bool
	today    time.Time
}

func (f *facts) sharesAny(reqs []Requirement) bool {
	for _, r := range reqs {
		switch r.Kind {
		case ReqService, ReqTheme, ReqClientGroup:
			if f.terms[r.TermID] {
				return true
			}
		case ReqWard:
			if f.wards[r.Code] {
				return true
			}
		}
	}
	return false
}

// unmet words the mandatory requirements (the opportunity's own and its
// lots') the organisation does not meet.
func (f *facts) unmet(o *Opportunity) []string {
	var out []string
	seen := map[string]bool{}
	add := func(s string) {
		if !seen[s] {
			seen[s] = true
			out = append(out, s)
		}
	}
	if o.CommissioningReadyRequired && !f.ready {
		add("Not commissioning ready: the buyer asks for a current Commissioning ready result")
	}
	for _, r := range o.Requirements {
		if !r.Mandatory {
			continue
		}
		lot := ""
		if r.LotPosition > 0 {
			lot = fmt.Sprintf(" (lot %d)", r.LotPosition)
		}
		switch r.Kind {
		case ReqService, ReqTheme, ReqClientGroup:
			if !f.terms[r.TermID] {
				add("Your profile does not list " + r.Label() + lot)
			}
		case ReqWard:
			if !f.wards[r.Code] && !f.las["BPL"] {
				add("Your profile does not say you work in " + r.Code + lot)
			}
		case ReqLocalAuthority:
			if !f.las[r.Code] {
				add("Your profile does not say you work in " + r.Label() + lot)
			}
		case ReqPolicy:
			rd, held := f.policies[r.Code]
			switch {
			case !held:
				add("No " + strings.ToLower(Label(r.Code)) + " policy on your profile" + lot)
			case rd != nil && rd.Before(f.today):
				add(Label(r.Code) + " policy out of date (review was due " + rd.Format("2 January 2006") + ")" + lot)
			}
		case ReqQualityMark:
			if !f.marks[strings.ToLower(r.Code)] {
				add("No current " + r.Code + lot)
			}
		case ReqReadiness:
			if !f.ready {
				add("Not commissioning ready" + lot)
			}
		}
	}
	return out
}

func orgFacts(ctx context.Context, q db.Querier, orgID int64, now time.Time) (*facts, error) {
	today := time.Date(now.Year(), now.Month(), now.Day(), 0, 0, 0, 0, time.UTC)
	f := &facts{terms: map[int64]bool{}, wards: map[string]bool{}, las: map[string]bool{}, policies: map[string]*time.Time{}, marks: map[string]bool{}, today: today}
	each := func(query string, args []any, fn func(*sql.Rows) error) error {
		rows, err := q.QueryContext(ctx, query, args...)
		if err != nil {
			return db.Err(err, "")
		}
		defer rows.Close()
		for rows.Next() {
			if err := fn(rows); err != nil {
				return db.Err(err, "")
			}
		}
		return db.Err(rows.Err(), "")
	}
	if err := each(`SELECT term_id FROM org_terms WHERE organisation_id = $1`, []any{orgID}, func(r *sql.Rows) error {
		var id int64
		err := r.Scan(&id)
		f.terms[id] = true
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT kind, code FROM org_areas WHERE organisation_id = $1`, []any{orgID}, func(r *sql.Rows) error {
		var kind, code string
		err := r.Scan(&kind, &code)
		if kind == "ward" {
			f.wards[code] = true
		} else {
			f.las[code] = true
		}
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT kind, review_date FROM org_policies WHERE organisation_id = $1`, []any{orgID}, func(r *sql.Rows) error {
		var kind string
		var rd sql.NullTime
		err := r.Scan(&kind, &rd)
		f.policies[kind] = db.TimePtr(rd)
		return err
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT name FROM org_quality_marks WHERE organisation_id = $1 AND (expires_on IS NULL OR expires_on >= $2)`, []any{orgID, today}, func(r *sql.Rows) error {
		var n string
		err := r.Scan(&n)
		f.marks[strings.ToLower(n)] = true
		return err
	}); err != nil {
		return nil, err
	}
	var n int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM org_badges WHERE organisation_id = $1 AND kind = 'commissioning_ready' AND revoked_at IS NULL
		AND (valid_until IS NULL OR valid_until >= $2)`, orgID, today).Scan(&n); err != nil {
		return nil, db.Err(err, "")
	}
	f.ready = n > 0
	return f, nil
}

// loadRequirements loads the requirements of listed opportunities (lot
// positions included) in two queries.
func loadRequirements(ctx context.Context, q db.Querier, os []*Opportunity) error {
	if len(os) == 0 {
		return nil
	}
	byID := map[int64]*Opportunity{}
	ids := make([]int64, len(os))
	for i, o := range os {
		byID[o.ID], ids[i] = o, o.ID
		o.Requirements = nil
	}
	var args []any
	in := db.Placeholders(&args, ids)
	rows, err := q.QueryContext(ctx, `SELECT r.opportunity_id, r.id, COALESCE(l.position, 0), r.kind, r.code, COALESCE(r.term_id, 0), COALESCE(t.name, ''), r.mandatory
		FROM opportunity_requirements r LEFT JOIN opportunity_lots l ON l.id = r.lot_id LEFT JOIN taxonomy_terms t ON t.id = r.term_id
		WHERE r.opportunity_id IN (`+in+`) ORDER BY r.id`, args...)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var oid int64
		var r Requirement
		if err := rows.Scan(&oid, &r.ID, &r.LotPosition, &r.Kind, &r.Code, &r.TermID, &r.Name, &r.Mandatory); err != nil {
			return db.Err(err, "")
		}
		if r.Kind == ReqLocalAuthority {
			if la, ok := directory.LocalAuthorityByCode(r.Code); ok {
				r.Name = la.Name
			}
		}
		byID[oid].Requirements = append(byID[oid].Requirements, r)
	}
	return db.Err(rows.Err(), "")
}
