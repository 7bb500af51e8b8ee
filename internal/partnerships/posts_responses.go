package partnerships

// Expressions of interest in a post, and forming a partnership from them.

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// PostResponse is an organisation's expression of interest in a post.
type PostResponse struct {
	ID        int64
	PostID    int64
	OrgID     int64
	OrgName   string
	OrgSlug   string
	Sector    string
	UserName  string
	UserEmail string
	Message   string
	Status    string // active, withdrawn, accepted
	CreatedAt time.Time
	UpdatedAt time.Time
}

// Respond records orgID's expression of interest in post (one per
// organisation per post; a withdrawn response can be made again).
func Respond(ctx context.Context, tx db.Querier, post *PartnerPost, orgID, userID int64, message string, today time.Time) (*PostResponse, error) {
	v := &apperr.Validation{}
	message = strings.TrimSpace(message)
	if !post.IsOpen(today) {
		return nil, apperr.Errorf(apperr.EINVALID, "This post has closed: it no longer takes responses")
	}
	v.Check(orgID != 0, "organisation", "Select the organisation you are responding for")
	v.Check(orgID == 0 || orgID != post.OrgID, "organisation", "You cannot respond to your own organisation's post")
	v.Check(message != "", "message", "Tell the poster why your organisation is interested")
	v.Check(len(message) <= 3000, "message", "Your message must be 3,000 characters or fewer")
	if err := v.Err(); err != nil {
		return nil, err
	}
	r := &PostResponse{PostID: post.ID, OrgID: orgID, Message: message, Status: "active"}
	var id int64
	var status string
	err := tx.QueryRowContext(ctx, `SELECT id, status FROM partner_post_responses WHERE post_id = $1 AND organisation_id = $2`, post.ID, orgID).Scan(&id, &status)
	now := db.Now()
	r.CreatedAt, r.UpdatedAt = now, now
	switch {
	case err == nil && status != "withdrawn":
		return nil, fieldErr("organisation", "Your organisation has already responded to this post")
	case err == nil:
		r.ID = id
		_, err = tx.ExecContext(ctx, `UPDATE partner_post_responses SET status = 'active', message = $1, user_id = $2, updated_at = $3 WHERE id = $4`, message, userID, now, id)
		return r, err
	}
	err = tx.QueryRowContext(ctx, `INSERT INTO partner_post_responses (post_id, organisation_id, user_id, message, status, created_at, updated_at) VALUES ($1, $2, $3, $4, 'active', $5, $5) RETURNING id`,
		post.ID, orgID, userID, message, now).Scan(&r.ID)
	if apperr.Is(db.Err(err, "response"), apperr.ECONFLICT) {
		return nil, fieldErr("organisation", "Your organisation has already responded to this post")
	}
	return r, db.Err(err, "organisation")
}

// WithdrawResponse withdraws an active expression of interest.
func WithdrawResponse(ctx context.Context, tx db.Querier, id int64) error {
	res, err := tx.ExecContext(ctx, `UPDATE partner_post_responses SET status = 'withdrawn', updated_at = $1 WHERE id = $2 AND status = 'active'`, db.Now(), id)
	if err != nil {
		return err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return apperr.Errorf(apperr.ECONFLICT, "This response cannot be withdrawn: it has already been withdrawn or has joined a partnership")
	}
	return nil
}

// ResponsesFor lists a post's responses: active and accepted first, then
// withdrawn, oldest first.
func ResponsesFor(ctx context.Context, q db.Querier, postID int64) ([]PostResponse, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.post_id, r.organisation_id, o.name, o.slug, o.sector, COALESCE(u.name, ''), COALESCE(u.email, ''), r.message, r.status, r.created_at, r.updated_at
		FROM partner_post_responses r JOIN organisations o ON o.id = r.organisation_id LEFT JOIN users u ON u.id = r.user_id
		WHERE r.post_id = $1 ORDER BY CASE r.status WHEN 'withdrawn' THEN 1 ELSE 0 END, r.created_at, r.id`, postID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []PostResponse
	for rows.Next() {
		var r PostResponse
		if err := rows.Scan(&r.ID, &r.PostID, &r.OrgID, &r.OrgName, &r.OrgSlug, &r.Sector, &r.UserName, &r.UserEmail, &r.Message, &r.Status, &r.CreatedAt, &r.UpdatedAt); err != nil {
			return nil, err
		}
		out = append(out, r)
	}
	return out, rows.Err()
}

// FormInput is the one-step "form a partnership from these responses".
type FormInput struct {
	Name, Purpose, Model, Visibility string
	ResponseIDs                      []int64
}

// FormPartnership creates a forming partnership led by the poster with the
// chosen responders as members, marks those responses accepted and the
// post formed. Run it in one transaction; the caller audits.
func FormPartnership(ctx context.Context, tx db.Querier, post *PartnerPost, in FormInput, by int64) (*Partnership, []PostResponse, error) {
	if post.Status == PostFormed {
		return nil, nil, apperr.Errorf(apperr.ECONFLICT, "A partnership has already been formed from this post")
	}
	all, err := ResponsesFor(ctx, tx, post.ID)
	if err != nil {
		return nil, nil, err
	}
	active := map[int64]PostResponse{}
	for _, r := range all {
		if r.Status == "active" {
			active[r.ID] = r
		}
	}
	v := &apperr.Validation{}
	var chosen []PostResponse
	seen := map[int64]bool{}
	for _, id := range in.ResponseIDs {
		r, ok := active[id]
		if !ok {
			v.Add("responses", "Select responses from the list: one of them has been withdrawn")
			break
		}
		if !seen[id] {
			seen[id] = true
			chosen = append(chosen, r)
		}
	}
	v.Check(len(in.ResponseIDs) > 0, "responses", "Select at least one response to bring into the partnership")
	p := &Partnership{Name: in.Name, Purpose: in.Purpose, Model: in.Model, Status: "forming", Visibility: in.Visibility,
		Origin: "looking_for_partners", OriginPostID: &post.ID, Themes: post.Themes, Services: post.Services, Areas: post.Areas}
	if p.Visibility == "" {
		p.Visibility = "public"
	}
	if err := p.Validate(); err != nil {
		for _, fe := range apperr.Fields(err) {
			v.Add(fe.Field, fe.Message)
		}
	}
	if err := v.Err(); err != nil {
		return nil, nil, err
	}
	p.Members = []Member{{OrgID: post.OrgID, Role: "lead"}}
	for _, r := range chosen {
		p.Members = append(p.Members, Member{OrgID: r.OrgID, Role: "member"})
	}
	if err := Insert(ctx, tx, p, by); err != nil {
		return nil, nil, err
	}
	now := db.Now()
	for _, r := range chosen {
		if _, err := tx.ExecContext(ctx, `UPDATE partner_post_responses SET status = 'accepted', updated_at = $1 WHERE id = $2 AND status = 'active'`, now, r.ID); err != nil {
			return nil, nil, err
		}
	}
	res, err := tx.ExecContext(ctx, `UPDATE partner_posts SET status = 'formed', partnership_id = $1, closed_at = COALESCE(closed_at, $2), updated_at = $2 WHERE id = $3 AND status <> 'formed'`,
		p.ID, now, post.ID)
	if err != nil {
		return nil, nil, err
	}
	if n, _ := res.RowsAffected(); n != 1 {
		return nil, nil, apperr.Errorf(apperr.ECONFLICT, "A partnership has already been formed from this post")
	}
	post.Status, post.PartnershipID = PostFormed, &p.ID
	return p, chosen, nil
}

// responseSummary is a short audit detail.
func responseSummary(rs []PostResponse) string {
	names := make([]string, len(rs))
	for i, r := range rs {
		names[i] = r.OrgName
	}
	return fmt.Sprintf("%d responders: %s", len(rs), strings.Join(names, ", "))
}

// OrgResponse is one of an organisation's expressions of interest, with
// the post it answers.
type OrgResponse struct {
	PostResponse
	PostTitle  string
	PosterName string
	ClosesOn   time.Time
}

// ResponsesByOrg lists an organisation's expressions of interest, newest
// first.
func ResponsesByOrg(ctx context.Context, q db.Querier, orgID int64, limit int) ([]OrgResponse, error) {
	rows, err := q.QueryContext(ctx, `SELECT r.id, r.post_id, r.status, r.created_at, p.title, o.name, p.closes_on
		FROM partner_post_responses r JOIN partner_posts p ON p.id = r.post_id JOIN organisations o ON o.id = p.organisation_id
		WHERE r.organisation_id = $1 ORDER BY r.created_at DESC, r.id DESC LIMIT $2`, orgID, limit)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var out []OrgResponse
	for rows.Next() {
		x := OrgResponse{PostResponse: PostResponse{OrgID: orgID}}
		if err := rows.Scan(&x.ID, &x.PostID, &x.Status, &x.CreatedAt, &x.PostTitle, &x.PosterName, &x.ClosesOn); err != nil {
			return nil, err
		}
		x.ClosesOn = db.Day(x.ClosesOn)
		out = append(out, x)
	}
	return out, rows.Err()
}
