package bids

import (
	"context"
	"fmt"
	"strconv"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/notify"
	"partnerhub/internal/web"
)

// Jobs are the feature's background jobs: key-date reminders, hourly.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{{Name: "bid_key_dates", Every: time.Hour, Run: func(ctx context.Context) error {
		_, err := RemindKeyDates(ctx, s.DB, s.baseURL(), s.Now())
		return err
	}}}
}

// keyDate is one of an opportunity's dates a bid works towards.
type keyDate struct {
	code, label string
}

var keyDates = []keyDate{
	{"questions_close_at", "Clarification questions close"},
	{"eoi_deadline", "Expressions of interest close"},
	{"submission_deadline", "The submission deadline"},
}

// RemindKeyDates tells the owners and editors of the lead organisation of
// every bid still being drafted, a week and again a day before, of each
// of its opportunity's key dates (clarification questions close,
// expressions of interest close, submission deadline). Each reminder is
// sent once per date and window; a date moved by an amendment is
// reminded of again. It returns how many emails were queued.
func RemindKeyDates(ctx context.Context, d *db.DB, baseURL string, now time.Time) (int, error) {
	type due struct {
		bid, org      int64
		slug, title   string
		which, window string
		at            time.Time
	}
	var todo []due
	week := now.Add(7 * 24 * time.Hour)
	for _, k := range keyDates {
		rows, err := d.Q().QueryContext(ctx, `SELECT b.id, b.lead_org_id, org.slug, b.title, p.`+k.code+` FROM bids b
			JOIN opportunities p ON p.id = b.opportunity_id JOIN organisations org ON org.id = b.lead_org_id
			WHERE b.status = 'drafting' AND p.`+k.code+` > $1 AND p.`+k.code+` <= $2 ORDER BY b.id`, now, week)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			x := due{which: k.label}
			if err := rows.Scan(&x.bid, &x.org, &x.slug, &x.title, &x.at); err != nil {
				rows.Close()
				return 0, err
			}
			x.window = "week"
			if !x.at.After(now.Add(24 * time.Hour)) {
				x.window = "day"
			}
			todo = append(todo, x)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	sent := 0
	for _, x := range todo {
		when := "in less than a week"
		if x.window == "day" {
			when = "within a day"
		}
		at := x.at.In(web.London()).Format("Monday 2 January 2006 at 15:04")
		link := baseURL + "/orgs/" + x.slug + "/bids/" + strconv.FormatInt(x.bid, 10)
		n := notify.Notice{Kind: "bid_key_dates",
			Key:     fmt.Sprintf("bid:%d:%s:%s:%s", x.bid, x.which, x.at.UTC().Format(time.RFC3339), x.window),
			Subject: x.which + " " + when + ": " + x.title,
			Text:    fmt.Sprintf("%s for the bid %s: %s.\n\nThe bid is still being drafted. See what is left to do:\n%s", x.which, x.title, at, link),
			Why:     "You get these emails as an owner or editor of the organisation leading the bid."}
		err := d.Write(ctx, func(tx *db.Tx) error {
			k, err := notify.TellOrgEditors(ctx, tx, baseURL, x.org, n)
			sent += k
			return err
		})
		if err != nil {
			return sent, err
		}
	}
	return sent, nil
}
