package partnerships

// "Looking for partners" posts: the model, its validation and its SQL.
// An organisation posts what it is looking for; other organisations
// respond with an expression of interest (posts_responses.go); the poster
// can form a partnership from the responses in one step.

import (
	"context"
	"database/sql"
	"net/url"
	"partnerhub/internal/clean"
	"sort"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/web"
)

// Post statuses as stored. An open post whose closing date has passed is
// shown and treated as closed (PartnerPost.State) until the close job
// marks it.
const (
	PostOpen   = "open"
	PostClosed = "closed"
	PostFormed = "formed"
)

// PartnerPost is an organisation's "looking for partners" post.
type PartnerPost struct {
	ID             int64
	OrgID          int64
	OrgName        string
	OrgSlug        string
	Title          string
	Description    string
	Opportunity    string
	OpportunityURL string
	NeededBy       *time.Time
	ClosesOn       time.Time
	Status         string
	PartnershipID  *int64
	CreatedBy      int64
	CreatedAt      time.Time
	UpdatedAt      time.Time
	ClosedAt       *time.Time
	Responses      int // active or accepted expressions of interest

	Themes, Services, ClientGroups []int64
	Areas                          []string
}

// postToday is the calendar day in Blackpool at now, as UTC midnight (how
// dates are stored).
func postToday(now time.Time) time.Time {
	l := now.In(web.London())
	return Date(l.Year(), l.Month(), l.Day())
}

// State is the post's status as people see it on day today: an open post
// past its closing date is closed.
func (p *PartnerPost) State(today time.Time) string {
	if p.Status == PostOpen && p.ClosesOn.Before(today) {
		return PostClosed
	}
	return p.Status
}

// IsOpen reports whether the post takes responses on day today.
func (p *PartnerPost) IsOpen(today time.Time) bool { return p.State(today) == PostOpen }

// Needs are all the post's taxonomy terms.
func (p *PartnerPost) Needs() []int64 {
	return append(append(append([]int64{}, p.Services...), p.Themes...), p.ClientGroups...)
}

// FinderQuery is the partner finder's question for the post: its needs
// and areas, not the poster itself.
func (p *PartnerPost) FinderQuery(limit int) directory.FinderQuery {
	return directory.FinderQuery{Services: p.Services, Themes: p.Themes, ClientGroups: p.ClientGroups,
		Wards: p.Areas, ExcludeOrgs: []int64{p.OrgID}, Limit: limit}
}

// Validate checks and cleans the post's own fields. A new post (or one
// whose closing date changes) must not close in the past.
func (p *PartnerPost) Validate(today time.Time, checkClosing bool) error {
	v := &apperr.Validation{}
	p.Title = clean.Text(p.Title)
	p.Description = strings.TrimSpace(p.Description)
	p.Opportunity = clean.Text(p.Opportunity)
	p.OpportunityURL = strings.TrimSpace(p.OpportunityURL)
	v.Check(p.Title != "", "title", "Enter what you are looking for, in a few words")
	v.Check(len(p.Title) <= 200, "title", "The title must be 200 characters or fewer")
	v.Check(len(p.Description) <= 5000, "description", "The description must be 5,000 characters or fewer")
	v.Check(len(p.Opportunity) <= 300, "opportunity", "The opportunity must be 300 characters or fewer")
	if p.OpportunityURL != "" {
		u, err := url.Parse(p.OpportunityURL)
		v.Check(err == nil && (u.Scheme == "http" || u.Scheme == "https") && u.Host != "" && len(p.OpportunityURL) <= 500,
			"opportunity_url", "Enter the opportunity's web address, starting https://")
	}
	v.Check(len(p.Services)+len(p.Themes)+len(p.ClientGroups) > 0, "needs", "Select at least one service, theme or client group you are looking for")
	for _, a := range p.Areas {
		if _, ok := directory.CanonicalWard(a); !ok {
			v.Add("areas", "Select areas from the list of wards")
			break
		}
	}
	if p.ClosesOn.IsZero() {
		if !v.Has("closes_on") {
			v.Add("closes_on", "Enter the closing date for responses")
		}
	} else if checkClosing {
		v.Check(!p.ClosesOn.Before(today), "closes_on", "The closing date must be today or in the future")
		v.Check(!p.ClosesOn.After(today.AddDate(2, 0, 0)), "closes_on", "The closing date must be within two years")
	}
	if p.NeededBy != nil && !p.ClosesOn.IsZero() {
		v.Check(!p.NeededBy.Before(p.ClosesOn), "needed_by", "The date you need partners by must be the same as or after the closing date")
	}
	return v.Err()
}

// InsertPost stores a new open post with its needs and areas (no audit:
// callers audit).
func InsertPost(ctx context.Context, tx db.Querier, p *PartnerPost, today time.Time) error {
	if err := p.Validate(today, true); err != nil {
		return err
	}
	now := db.Now()
	p.Status, p.CreatedAt, p.UpdatedAt = PostOpen, now, now
	var by any
	if p.CreatedBy != 0 {
		by = p.CreatedBy
	}
	err := tx.QueryRowContext(ctx, `INSERT INTO partner_posts (organisation_id, title, description, opportunity, opportunity_url, needed_by, closes_on, status, created_by, created_at, updated_at)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $10) RETURNING id`,
		p.OrgID, p.Title, p.Description, p.Opportunity, p.OpportunityURL, db.NullDay(p.NeededBy), db.Day(p.ClosesOn), p.Status, by, now).Scan(&p.ID)
	if err != nil {
		return db.Err(err, "organisation")
	}
	return setPostLinks(ctx, tx, p)
}

// UpdatePost saves an open post's fields, needs and areas.
func UpdatePost(ctx context.Context, tx db.Querier, p *PartnerPost, today time.Time, closingChanged bool) error {
	if err := p.Validate(today, closingChanged); err != nil {
		return err
	}
	p.UpdatedAt = db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE partner_posts SET title = $1, description = $2, opportunity = $3, opportunity_url = $4, needed_by = $5, closes_on = $6, updated_at = $7
		WHERE id = $8 AND status = 'open'`,
		p.Title, p.Description, p.Opportunity, p.OpportunityURL, db.NullDay(p.NeededBy), db.Day(p.ClosesOn), p.UpdatedAt, p.ID)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.Errorf(apperr.ECONFLICT, "This post is closed: it can no longer be changed")
	}
	return setPostLinks(ctx, tx, p)
}

func setPostLinks(ctx context.Context, tx db.Querier, p *PartnerPost) error {
	for _, t := range []string{"partner_post_terms", "partner_post_areas"} {
		if _, err := tx.ExecContext(ctx, `DELETE FROM `+t+` WHERE post_id = $1`, p.ID); err != nil {
			return err
		}
	}
	seen := map[int64]bool{}
	for _, id := range p.Needs() {
		if seen[id] {
			continue
		}
		seen[id] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_post_terms (post_id, term_id) VALUES ($1, $2)`, p.ID, id); err != nil {
			return db.Err(err, "term")
		}
	}
	areas := map[string]bool{}
	for _, a := range p.Areas {
		w, ok := directory.CanonicalWard(a)
		if !ok || areas[w] {
			continue
		}
		areas[w] = true
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_post_areas (post_id, area) VALUES ($1, $2)`, p.ID, w); err != nil {
			return err
		}
	}
	return nil
}

// ClosePost closes an open post (by its poster or the close job).
func ClosePost(ctx context.Context, tx db.Querier, id int64) error {
	now := db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE partner_posts SET status = 'closed', closed_at = $1, updated_at = $1 WHERE id = $2 AND status = 'open'`, now, id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.Errorf(apperr.ECONFLICT, "This post is already closed")
	}
	return nil
}

const postCols = `p.id, p.organisation_id, o.name, o.slug, p.title, p.description, p.opportunity, p.opportunity_url, p.needed_by, p.closes_on, p.status,
	p.partnership_id, COALESCE(p.created_by, 0), p.created_at, p.updated_at, p.closed_at,
	(SELECT COUNT(*) FROM partner_post_responses r WHERE r.post_id = p.id AND r.status <> 'withdrawn')`

func scanPost(row interface{ Scan(...any) error }) (*PartnerPost, error) {
	p := &PartnerPost{}
	var need, closes, closedAt sql.NullTime
	var pid sql.NullInt64
	if err := row.Scan(&p.ID, &p.OrgID, &p.OrgName, &p.OrgSlug, &p.Title, &p.Description, &p.Opportunity, &p.OpportunityURL, &need, &closes, &p.Status,
		&pid, &p.CreatedBy, &p.CreatedAt, &p.UpdatedAt, &closedAt, &p.Responses); err != nil {
		return nil, err
	}
	p.NeededBy = db.DayPtr(need)
	if closes.Valid {
		p.ClosesOn = db.Day(closes.Time)
	}
	if pid.Valid {
		p.PartnershipID = &pid.Int64
	}
	if closedAt.Valid {
		t := closedAt.Time
		p.ClosedAt = &t
	}
	return p, nil
}

// PostByID loads a post with its needs and areas.
func PostByID(ctx context.Context, q db.Querier, id int64) (*PartnerPost, error) {
	p, err := scanPost(q.QueryRowContext(ctx, `SELECT `+postCols+` FROM partner_posts p JOIN organisations o ON o.id = p.organisation_id WHERE p.id = $1`, id))
	if err != nil {
		return nil, db.Err(err, "post")
	}
	if err := loadPostLinks(ctx, q, []*PartnerPost{p}); err != nil {
		return nil, err
	}
	return p, nil
}

// loadPostLinks fills needs (split by vocabulary) and areas of posts.
func loadPostLinks(ctx context.Context, q db.Querier, ps []*PartnerPost) error {
	if len(ps) == 0 {
		return nil
	}
	byID := map[int64]*PartnerPost{}
	args := make([]any, len(ps))
	for i, p := range ps {
		byID[p.ID] = p
		p.Themes, p.Services, p.ClientGroups, p.Areas = nil, nil, nil, nil
		args[i] = p.ID
	}
	// The vocabulary and order of every term (a few dozen rows), so that
	// the links are read by post id alone whatever plan the join would get.
	type termInfo struct {
		voc      string
		position int
		name     string
	}
	info := map[int64]termInfo{}
	rows, err := q.QueryContext(ctx, `SELECT id, vocabulary, position, name FROM taxonomy_terms`)
	if err != nil {
		return err
	}
	for rows.Next() {
		var id int64
		var ti termInfo
		if err := rows.Scan(&id, &ti.voc, &ti.position, &ti.name); err != nil {
			rows.Close()
			return err
		}
		info[id] = ti
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	in := db.Marks(1, len(ps))
	rows, err = q.QueryContext(ctx, `SELECT post_id, term_id FROM partner_post_terms WHERE post_id IN (`+in+`)`, args...)
	if err != nil {
		return err
	}
	links := map[int64][]int64{}
	for rows.Next() {
		var pid, tid int64
		if err := rows.Scan(&pid, &tid); err != nil {
			rows.Close()
			return err
		}
		links[pid] = append(links[pid], tid)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	for pid, tids := range links {
		sort.Slice(tids, func(i, j int) bool {
			a, b := info[tids[i]], info[tids[j]]
			if a.position != b.position {
				return a.position < b.position
			}
			return a.name < b.name
		})
		p := byID[pid]
		for _, tid := range tids {
			switch info[tid].voc {
			case "theme":
				p.Themes = append(p.Themes, tid)
			case "service":
				p.Services = append(p.Services, tid)
			default:
				p.ClientGroups = append(p.ClientGroups, tid)
			}
		}
	}
	rows, err = q.QueryContext(ctx, `SELECT post_id, area FROM partner_post_areas WHERE post_id IN (`+in+`) ORDER BY area`, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		var pid int64
		var a string
		if err := rows.Scan(&pid, &a); err != nil {
			return err
		}
		byID[pid].Areas = append(byID[pid].Areas, a)
	}
	return rows.Err()
}

// PostFilter selects posts for a listing.
type PostFilter struct {
	Today      time.Time // the day "open" is judged on
	OpenOnly   bool      // open and not past the closing date
	OrgID      int64     // one organisation's posts (any state)
	Term       []int64   // each of these needs (theme, service, client group)
	Area       string
	Q          string
	Limit      int
	Offset     int
	WithDetail bool // load needs and areas
}

// ListPosts returns one page of posts, soonest closing first for open
// listings and newest first otherwise, and the total.
func ListPosts(ctx context.Context, q db.Querier, f PostFilter) ([]*PartnerPost, int, error) {
	var where []string
	var args []any
	arg := func(v any) string {
		args = append(args, v)
		return "$" + strconv.Itoa(len(args))
	}
	if f.OpenOnly {
		where = append(where, "p.status = 'open' AND p.closes_on >= "+arg(db.Day(f.Today)))
	}
	if f.OrgID != 0 {
		where = append(where, "p.organisation_id = "+arg(f.OrgID))
	}
	for _, t := range f.Term {
		where = append(where, "p.id IN (SELECT pt.post_id FROM partner_post_terms pt WHERE pt.term_id = "+arg(t)+")")
	}
	if f.Area != "" {
		where = append(where, "p.id IN (SELECT pa.post_id FROM partner_post_areas pa WHERE pa.area = "+arg(f.Area)+")")
	}
	if m := db.MatchWords(f.Q, []string{"p.title", "p.description", "o.name"}, arg); m != "" {
		where = append(where, m)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	from := ` FROM partner_posts p JOIN organisations o ON o.id = p.organisation_id` + w
	count := `SELECT COUNT(*)` + from
	if strings.TrimSpace(f.Q) == "" { // no need to join the organisations to count
		count = `SELECT COUNT(*) FROM partner_posts p` + w
	}
	var total int
	if err := q.QueryRowContext(ctx, count, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	order := " ORDER BY p.created_at DESC, p.id DESC"
	if f.OpenOnly {
		order = " ORDER BY p.closes_on, p.id"
	}
	if f.Limit <= 0 {
		f.Limit = 25
	}
	query := `SELECT ` + postCols + from + order + ` LIMIT ` + arg(f.Limit) + ` OFFSET ` + arg(f.Offset)
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []*PartnerPost
	for rows.Next() {
		p, err := scanPost(rows)
		if err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	if f.WithDetail {
		if err := loadPostLinks(ctx, q, out); err != nil {
			return nil, 0, err
		}
	}
	return out, total, nil
}

// postTermNames maps term ids to names (one query).
func postTermNames(ctx context.Context, q db.Querier) (map[int64]string, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, name FROM taxonomy_terms`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]string{}
	for rows.Next() {
		var id int64
		var n string
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}

func namesOf(names map[int64]string, ids []int64) []string {
	out := make([]string, 0, len(ids))
	for _, id := range ids {
		out = append(out, names[id])
	}
	return out
}

// NotifyPartnerRequests reports whether an organisation wants emails about
// posts it matches (yes unless it opted out).
func NotifyPartnerRequests(ctx context.Context, q db.Querier, org int64) (bool, error) {
	var on bool
	err := q.QueryRowContext(ctx, `SELECT notify_partner_requests FROM partner_request_prefs WHERE organisation_id = $1`, org).Scan(&on)
	if err == sql.ErrNoRows {
		return true, nil
	}
	return on, err
}

// SetNotifyPartnerRequests records the organisation's choice.
func SetNotifyPartnerRequests(ctx context.Context, tx db.Querier, org int64, on bool) error {
	now := db.Now()
	res, err := tx.ExecContext(ctx, `UPDATE partner_request_prefs SET notify_partner_requests = $1, updated_at = $2 WHERE organisation_id = $3`, on, now, org)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n == 1 {
		return nil
	}
	_, err = tx.ExecContext(ctx, `INSERT INTO partner_request_prefs (organisation_id, notify_partner_requests, updated_at) VALUES ($1, $2, $3)`, org, on, now)
	return db.Err(err, "organisation")
}

// postNoticeCount is how many organisations were told about a post.
func postNoticeCount(ctx context.Context, q db.Querier, postID int64) (int, error) {
	var n int
	err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_post_notices WHERE post_id = $1`, postID).Scan(&n)
	return n, err
}
