package partnerships

// Emails of the "looking for partners" feature: matching organisations are
// told about a new post (unless they opted out), and a job closes posts
// past their closing date and tells the poster.

import (
	"context"
	"fmt"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/jobs"
	"partnerhub/internal/notify"
)

// NotifyTop is how many of the best-matching organisations are emailed
// about a new post.
const NotifyTop = 10

// Jobs are the feature's scheduled jobs.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{
		{Name: "partner-posts-close", Every: time.Hour, Run: func(ctx context.Context) error {
			_, err := ClosePastPosts(ctx, s.DB, postToday(timeNow()), s.baseURL())
			return err
		}},
		{Name: "consortium-definition-review", Every: 6 * time.Hour, Run: func(ctx context.Context) error {
			_, err := RemindDefinitionReview(ctx, s.DB, londonDay(timeNow()), s.baseURL())
			return err
		}},
	}
}

func (s *Service) baseURL() string {
	if s.Web == nil {
		return ""
	}
	return strings.TrimRight(s.Web.Config.BaseURL, "/")
}

// NotifyMatches emails the owners and editors of the best matches (at most
// NotifyTop organisations, skipping those that opted out and those already
// told) and records who was told. It returns the number of organisations
// emailed. Run it in the transaction that publishes the post.
func NotifyMatches(ctx context.Context, tx db.Querier, post *PartnerPost, matches []directory.Match, baseURL string) (int, error) {
	var orgs []int64
	byOrg := map[int64]directory.Match{}
	for _, m := range matches {
		if m.Org.ID == post.OrgID || m.Score <= 0 {
			continue
		}
		on, err := NotifyPartnerRequests(ctx, tx, m.Org.ID)
		if err != nil {
			return 0, err
		}
		var told int
		if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partner_post_notices WHERE post_id = $1 AND organisation_id = $2`, post.ID, m.Org.ID).Scan(&told); err != nil {
			return 0, err
		}
		if !on || told > 0 {
			continue
		}
		orgs = append(orgs, m.Org.ID)
		byOrg[m.Org.ID] = m
		if len(orgs) == NotifyTop {
			break
		}
	}
	n := 0
	now := db.Now()
	for _, id := range orgs {
		m := byOrg[id]
		body := fmt.Sprintf("Hello,\n\n%s is looking for partners on Partnerhub:\n\n  %s\n\n", post.OrgName, post.Title)
		if post.Opportunity != "" {
			body += "For: " + post.Opportunity + "\n"
		}
		body += "Responses close on " + post.ClosesOn.Format("2 January 2006") + ".\n\n"
		if len(m.Reasons) > 0 {
			body += "Why " + m.Org.Name + " matches:\n  - " + strings.Join(m.Reasons, "\n  - ") + "\n\n"
		}
		body += "Read the post and express your interest: " + baseURL + "/looking-for-partners/" + strconv.FormatInt(post.ID, 10) + "\n"
		told, err := notify.TellOrgEditors(ctx, tx, baseURL, id, notify.Notice{Kind: "partner_request", Key: "post-" + strconv.FormatInt(post.ID, 10),
			Subject: "Looking for partners: " + oneLine(post.Title), Text: body,
			Why: "You get these emails as an owner or editor of " + m.Org.Name + ". Its owners can turn them off for everyone at " +
				baseURL + "/orgs/" + m.Org.Slug + "/partner-request-settings"})
		if err != nil {
			return 0, err
		}
		if told == 0 {
			continue
		}
		if _, err := tx.ExecContext(ctx, `INSERT INTO partner_post_notices (post_id, organisation_id, score, sent_at) VALUES ($1, $2, $3, $4)`, post.ID, id, m.Score, now); err != nil {
			return 0, err
		}
		n++
	}
	return n, nil
}

func oneLine(s string) string {
	s = strings.Join(strings.Fields(s), " ")
	if len(s) > 120 {
		s = s[:120]
	}
	return s
}

// closeBatch is how many posts one close transaction claims.
const closeBatch = 100

// ClosePastPosts marks open posts whose closing date is before today as
// closed and emails each poster's owners and editors, once. Safe with
// several processes: each batch claims its rows (FOR UPDATE SKIP LOCKED on
// PostgreSQL; the single writer on SQLite) and closes them with a
// conditional update.
func ClosePastPosts(ctx context.Context, d *db.DB, today time.Time, baseURL string) (int, error) {
	total := 0
	for {
		n := 0
		claimed := 0
		err := d.Write(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT id FROM partner_posts WHERE status = 'open' AND closes_on < $1 ORDER BY id LIMIT `+strconv.Itoa(closeBatch)+d.SkipLocked(), db.Day(today))
			if err != nil {
				return err
			}
			var ids []int64
			for rows.Next() {
				var id int64
				if err := rows.Scan(&id); err != nil {
					rows.Close()
					return err
				}
				ids = append(ids, id)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			claimed = len(ids)
			now := db.Now()
			for _, id := range ids {
				res, err := tx.ExecContext(ctx, `UPDATE partner_posts SET status = 'closed', closed_at = $1, close_notified_at = $1, updated_at = $1 WHERE id = $2 AND status = 'open'`, now, id)
				if err != nil {
					return err
				}
				if k, _ := res.RowsAffected(); k != 1 {
					continue
				}
				p, err := PostByID(ctx, tx, id)
				if err != nil {
					return err
				}
				if err := audit.Record(ctx, tx, p.OrgID, "partner_post.close", "partner_post", p.ID, "closing date passed"); err != nil {
					return err
				}
				link := baseURL + "/looking-for-partners/" + strconv.FormatInt(p.ID, 10)
				body := fmt.Sprintf("Hello,\n\nYour post \"%s\" closed on %s with %d expression%s of interest.\n\n", p.Title, p.ClosesOn.Format("2 January 2006"), p.Responses, plural(p.Responses))
				if p.Responses > 0 {
					body += "Read them and form a partnership in one step: " + link + "\n"
				} else {
					body += "No organisation responded this time. You can post again, or look for partners yourself with the partner finder: " + baseURL + "/partners/find\n"
				}
				if _, err := notify.TellOrgEditors(ctx, tx, baseURL, p.OrgID, notify.Notice{Kind: "partner_post_closed", Key: "post-" + strconv.FormatInt(p.ID, 10),
					Subject: "Your post has closed: " + oneLine(p.Title), Text: body, Why: "You get these emails as an owner or editor of " + p.OrgName + "."}); err != nil {
					return err
				}
				n++
			}
			return nil
		})
		if err != nil {
			return total, err
		}
		total += n
		if claimed < closeBatch {
			return total, nil
		}
	}
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}
