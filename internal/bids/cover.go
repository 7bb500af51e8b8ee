package bids

import (
	"context"
	"database/sql"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/partnerships"
)

// Cover states of a requirement for one member or for the bid.
const (
	Covered    = "covered"
	Partly     = "partly"
	NotCovered = "not"
)

// Cell is one requirement against one member.
type Cell struct {
	State string
	Why   string
}

// Row is one requirement against every member (Cells in Members order)
// and the bid as a whole.
type Row struct {
	Req   opportunities.Requirement
	Cells []Cell
	State string // the bid's
	Why   string
	// Every says the requirement applies to every member that delivers
	// (policies, quality marks, readiness); otherwise one member covering
	// it covers the bid (services, client groups, themes, areas).
	Every bool
}

// Gap is a requirement the bid does not (fully) cover, with suggestions.
type Gap struct {
	Row         *Row
	Suggestions []directory.Match
	// Fix says how members could close a gap suggestions cannot (an
	// overdue policy review, a lapsed quality mark).
	Fix string
}

// Cover is the cover matrix of a bid.
type Cover struct {
	Members []Member
	Rows    []Row
	Gaps    []Gap
	// Eligibility problems (consortium rules, reserved for VCSE).
	Eligibility []string
}

// MandatoryGaps names the mandatory requirements not covered.
func (c *Cover) MandatoryGaps() []string {
	var out []string
	for _, r := range c.Rows {
		if r.Req.Mandatory && r.State != Covered {
			out = append(out, r.Req.KindLabel()+": "+r.Req.Label())
		}
	}
	return out
}

type profile struct {
	sector   string
	terms    map[int64]bool
	wards    map[string]bool
	las      map[string]bool
	policies map[string]*time.Time // kind -> review date (nil: none set)
	marks    map[string]*time.Time // lower-case name -> expiry (nil: none)
	ready    int                   // 0 none, 1 lapsed, 2 current
	readyTo  *time.Time
}

// delivering reports whether a member delivers the service itself (lead
// and members do; subcontractors are checked for what they offer only).
func delivering(m Member) bool { return m.Role != RoleSubcontractor }

// Requirements are the opportunity's requirements that apply to the bid:
// the opportunity's own and its lot's, with commissioning readiness added
// when the opportunity requires it and lists no readiness requirement.
func Requirements(o *opportunities.Opportunity, lotID int64) []opportunities.Requirement {
	lotPos := 0
	for _, l := range o.Lots {
		if l.ID == lotID {
			lotPos = l.Position
		}
	}
	var out []opportunities.Requirement
	hasReady := false
	for _, r := range o.Requirements {
		if r.LotPosition == 0 || (lotPos != 0 && r.LotPosition == lotPos) {
			out = append(out, r)
			hasReady = hasReady || r.Kind == opportunities.ReqReadiness
		}
	}
	if o.CommissioningReadyRequired && !hasReady {
		out = append(out, opportunities.Requirement{Kind: opportunities.ReqReadiness, Code: opportunities.ReadinessCode, Mandatory: true})
	}
	return out
}

// ComputeCover works out the cover matrix of a bid at now: each
// requirement against each member's profile (services, client groups and
// themes; wards and local authorities served; policies with review dates;
// quality marks with expiry; commissioning readiness), the bid's gaps
// (without suggestions: see Suggest) and its eligibility.
func ComputeCover(ctx context.Context, q db.Querier, b *Bid, o *opportunities.Opportunity, now time.Time) (*Cover, error) {
	ms := b.Members
	c := &Cover{Members: ms}
	ids := make([]int64, len(ms))
	for i, m := range ms {
		ids[i] = m.OrgID
	}
	profs, err := loadProfiles(ctx, q, ids, now)
	if err != nil {
		return nil, err
	}
	today := db.Day(now)
	for _, rq := range Requirements(o, b.LotID) {
		row := Row{Req: rq}
		switch rq.Kind {
		case opportunities.ReqPolicy, opportunities.ReqQualityMark, opportunities.ReqReadiness:
			row.Every = true
		}
		for _, m := range ms {
			row.Cells = append(row.Cells, cell(rq, profs[m.OrgID], today))
		}
		bidState(&row, ms)
		c.Rows = append(c.Rows, row)
	}
	for i := range c.Rows {
		if c.Rows[i].State != Covered {
			c.Gaps = append(c.Gaps, Gap{Row: &c.Rows[i], Fix: fixOf(&c.Rows[i], ms)})
		}
	}
	// Eligibility.
	if o.ReservedVCSE {
		for _, m := range ms {
			if !thirdSector(profs[m.OrgID].sector) {
				c.Eligibility = append(c.Eligibility, fmt.Sprintf("This opportunity is reserved for VCSE organisations, and %s is listed as %s sector.", m.OrgName, profs[m.OrgID].sector))
			}
		}
	}
	if b.PartnershipID != 0 {
		d, err := partnerships.DetailsOf(ctx, q, b.PartnershipID)
		if err != nil && err != sql.ErrNoRows {
			return nil, err
		}
		if d.RequiresReadiness {
			for _, m := range ms {
				if m.Role != RoleSubcontractor && profs[m.OrgID].ready != 2 {
					c.Eligibility = append(c.Eligibility, fmt.Sprintf("The consortium's rules say full members are commissioning ready, and %s is not.", m.OrgName))
				}
			}
		}
	}
	return c, nil
}

func thirdSector(s string) bool { return s == "vcs" || s == "social_enterprise" || s == "faith" }

func dateText(t time.Time) string { return t.Format("2 January 2006") }

func cell(rq opportunities.Requirement, p *profile, today time.Time) Cell {
	if p == nil {
		return Cell{NotCovered, "no profile in the directory"}
	}
	switch rq.Kind {
	case opportunities.ReqService, opportunities.ReqClientGroup, opportunities.ReqTheme:
		if p.terms[rq.TermID] {
			return Cell{Covered, "listed on its profile"}
		}
		return Cell{NotCovered, "not listed on its profile"}
	case opportunities.ReqWard:
		if p.wards[strings.ToLower(rq.Code)] {
			return Cell{Covered, "serves " + rq.Code}
		}
		if p.las["BPL"] {
			return Cell{Partly, "serves Blackpool but does not list " + rq.Code + " ward"}
		}
		return Cell{NotCovered, "does not serve " + rq.Code}
	case opportunities.ReqLocalAuthority:
		if p.las[strings.ToUpper(rq.Code)] {
			return Cell{Covered, "serves " + rq.Label()}
		}
		if len(p.wards) > 0 && strings.EqualFold(rq.Code, "BPL") {
			return Cell{Partly, fmt.Sprintf("serves %d Blackpool ward(s), not the whole authority", len(p.wards))}
		}
		return Cell{NotCovered, "does not serve " + rq.Label()}
	case opportunities.ReqPolicy:
		rd, ok := p.policies[rq.Code]
		if !ok {
			return Cell{NotCovered, "no " + strings.ToLower(rq.Label()) + " policy recorded"}
		}
		if rd == nil {
			return Cell{Partly, "policy held but no review date recorded"}
		}
		if rd.Before(today) {
			return Cell{Partly, upperFirst(rq.Label()) + " policy review overdue since " + rd.Format(time.DateOnly)}
		}
		return Cell{Covered, "policy held, next review " + rd.Format(time.DateOnly)}
	case opportunities.ReqQualityMark:
		exp, ok := p.marks[strings.ToLower(rq.Code)]
		if !ok {
			return Cell{NotCovered, "does not hold " + rq.Code}
		}
		if exp != nil && exp.Before(today) {
			return Cell{Partly, rq.Code + " expired on " + dateText(*exp)}
		}
		return Cell{Covered, "holds " + rq.Code}
	case opportunities.ReqReadiness:
		switch p.ready {
		case 2:
			return Cell{Covered, "commissioning ready"}
		case 1:
			why := "commissioning readiness has lapsed"
			if p.readyTo != nil {
				why += " (valid until " + dateText(*p.readyTo) + ")"
			}
			return Cell{Partly, why}
		}
		return Cell{NotCovered, "not assessed as commissioning ready"}
	}
	return Cell{NotCovered, ""}
}

// bidState combines the members' cells: any member for what the bid
// offers, every delivering member for what each must hold.
func bidState(row *Row, ms []Member) {
	if len(ms) == 0 {
		row.State, row.Why = NotCovered, "no members"
		return
	}
	if !row.Every {
		best, who := NotCovered, ""
		for i, c := range row.Cells {
			if c.State == Covered {
				best, who = Covered, ms[i].OrgName
				break
			}
			if c.State == Partly && best == NotCovered {
				best, who = Partly, ms[i].OrgName+": "+c.Why
			}
		}
		row.State = best
		switch best {
		case Covered:
			row.Why = "covered by " + who
		case Partly:
			row.Why = "partly: " + who
		default:
			row.Why = "no member covers it"
		}
		return
	}
	var missing, partly []string
	for i, c := range row.Cells {
		if !delivering(ms[i]) {
			continue
		}
		switch c.State {
		case NotCovered:
			missing = append(missing, ms[i].OrgName)
		case Partly:
			partly = append(partly, ms[i].OrgName+" ("+c.Why+")")
		}
	}
	switch {
	case len(missing) == 0 && len(partly) == 0:
		row.State, row.Why = Covered, "every delivering member holds it"
	case len(missing) == 0:
		row.State, row.Why = Partly, "partly: "+strings.Join(partly, "; ")
	default:
		row.State, row.Why = NotCovered, "missing for "+strings.Join(missing, ", ")
		if len(partly) > 0 {
			row.Why += "; partly for " + strings.Join(partly, "; ")
		}
	}
}

func fixOf(row *Row, ms []Member) string {
	if !row.Every {
		return ""
	}
	var who []string
	for i, c := range row.Cells {
		if delivering(ms[i]) && c.State != Covered {
			who = append(who, ms[i].OrgName+": "+c.Why)
		}
	}
	return strings.Join(who, "; ")
}

// gapPool times the suggestions wanted is how many of the partner
// finder's candidates each gap scores (the finder's own 200 for every one
// of 16 gaps was most of the cover matrix's time at 200,000
// organisations): every candidate of a gap's first search tier covers
// the gap, so the ranking among them is by policies, quality marks,
// partnerships and readiness, and 30 leave enough to choose from.
const gapPool = 10

// Suggest fills each capability gap (services, client groups, themes,
// wards, local authorities) with up to limit organisations from the
// partner finder (the same ranking and reasons as directory.FindPartners),
// leaving out the bid's members, the buyer and public bodies, and, when
// vcseOnly, every organisation outside the third sector. Every gap is
// answered by one directory.FindPartnersEach: each gap's candidates from
// its own search (gapPool of them), then the candidates' details loaded
// once for all gaps.
func Suggest(ctx context.Context, q db.Querier, d db.Dialect, c *Cover, exclude []int64, limit int, vcseOnly bool) error {
	for _, m := range c.Members {
		exclude = append(exclude, m.OrgID)
	}
	var qs []directory.FinderQuery
	var gaps []*Gap
	for i := range c.Gaps {
		g := &c.Gaps[i]
		fq := directory.FinderQuery{ExcludeOrgs: exclude, Limit: limit * 3, Pool: limit * gapPool}
		r := g.Row.Req
		switch r.Kind {
		case opportunities.ReqService:
			fq.Services = []int64{r.TermID}
		case opportunities.ReqClientGroup:
			fq.ClientGroups = []int64{r.TermID}
		case opportunities.ReqTheme:
			fq.Themes = []int64{r.TermID}
		case opportunities.ReqWard:
			fq.Wards = []string{r.Code}
		case opportunities.ReqLocalAuthority:
			fq.LocalAuthorities = []string{r.Code}
		default:
			continue
		}
		qs, gaps = append(qs, fq), append(gaps, g)
	}
	if len(qs) == 0 {
		return nil
	}
	found, err := directory.FindPartnersEach(ctx, q, d, qs)
	if err != nil {
		return err
	}
	for i, g := range gaps {
		for _, m := range found[i] {
			if len(g.Suggestions) == limit {
				break
			}
			if m.Org.Sector == "public" || (vcseOnly && !thirdSector(m.Org.Sector)) {
				continue
			}
			g.Suggestions = append(g.Suggestions, m)
		}
	}
	return nil
}

func loadProfiles(ctx context.Context, q db.Querier, ids []int64, now time.Time) (map[int64]*profile, error) {
	out := map[int64]*profile{}
	if len(ids) == 0 {
		return out, nil
	}
	for _, id := range ids {
		out[id] = &profile{terms: map[int64]bool{}, wards: map[string]bool{}, las: map[string]bool{}, policies: map[string]*time.Time{}, marks: map[string]*time.Time{}}
	}
	each := func(query string, scan func(rows *sql.Rows) error) error {
		var args []any
		in := db.Placeholders(&args, ids)
		rows, err := q.QueryContext(ctx, strings.ReplaceAll(query, "(?)", "("+in+")"), args...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			if err := scan(rows); err != nil {
				return err
			}
		}
		return rows.Err()
	}
	var id int64
	if err := each(`SELECT id, sector FROM organisations WHERE id IN (?)`, func(r *sql.Rows) error {
		var s string
		if err := r.Scan(&id, &s); err != nil {
			return err
		}
		out[id].sector = s
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT organisation_id, term_id FROM org_terms WHERE organisation_id IN (?)`, func(r *sql.Rows) error {
		var t int64
		if err := r.Scan(&id, &t); err != nil {
			return err
		}
		out[id].terms[t] = true
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT organisation_id, kind, code FROM org_areas WHERE organisation_id IN (?)`, func(r *sql.Rows) error {
		var k, c string
		if err := r.Scan(&id, &k, &c); err != nil {
			return err
		}
		if k == "ward" {
			out[id].wards[strings.ToLower(c)] = true
		} else {
			out[id].las[strings.ToUpper(c)] = true
		}
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT organisation_id, kind, review_date FROM org_policies WHERE organisation_id IN (?)`, func(r *sql.Rows) error {
		var k string
		var rd sql.NullTime
		if err := r.Scan(&id, &k, &rd); err != nil {
			return err
		}
		out[id].policies[k] = db.TimePtr(rd)
		return nil
	}); err != nil {
		return nil, err
	}
	if err := each(`SELECT organisation_id, name, expires_on FROM org_quality_marks WHERE organisation_id IN (?)`, func(r *sql.Rows) error {
		var n string
		var ex sql.NullTime
		if err := r.Scan(&id, &n, &ex); err != nil {
			return err
		}
		k := strings.ToLower(strings.TrimSpace(n))
		// Keep the latest expiry when a mark was held more than once.
		if cur, ok := out[id].marks[k]; ok && (cur == nil || (ex.Valid && cur.After(ex.Time))) {
			return nil
		}
		out[id].marks[k] = db.TimePtr(ex)
		return nil
	}); err != nil {
		return nil, err
	}
	today := db.Day(now)
	if err := each(`SELECT organisation_id, valid_until, revoked_at FROM org_badges WHERE kind = 'commissioning_ready' AND organisation_id IN (?)`, func(r *sql.Rows) error {
		var vu, rv sql.NullTime
		if err := r.Scan(&id, &vu, &rv); err != nil {
			return err
		}
		p := out[id]
		if !rv.Valid && (!vu.Valid || !vu.Time.Before(today)) {
			p.ready = 2
		} else if p.ready == 0 && !rv.Valid {
			p.ready, p.readyTo = 1, db.TimePtr(vu)
		}
		return nil
	}); err != nil {
		return nil, err
	}
	return out, nil
}

func upperFirst(s string) string {
	if s == "" {
		return s
	}
	return strings.ToUpper(s[:1]) + s[1:]
}
