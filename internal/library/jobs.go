package library

import (
	"context"
	"fmt"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/notify"
)

// ReviewReminderDays is how long before a document's review date its owner is reminded.
const ReviewReminderDays = 30

// Jobs are the library's background jobs.
func (s *Service) Jobs() []jobs.Job {
	return []jobs.Job{
		{Name: "library-reminders", Every: time.Hour, Run: func(ctx context.Context) error { _, err := s.RunReminders(ctx); return err }},
		{Name: "news-digest", Every: time.Hour, Run: func(ctx context.Context) error { _, err := s.RunDigest(ctx); return err }},
	}
}

// RunReminders emails document owners before their review date, the
// administrators once it has passed, and the administrators about dispute
// stages open longer than the setting. Each is told once (notify's keys).
// It returns how many messages were queued.
func (s *Service) RunReminders(ctx context.Context) (int, error) {
	docs, _, err := ListDocuments(ctx, s.DB.Q(), DocFilter{Public: true, Sort: "review"}, 10000, 0)
	if err != nil {
		return 0, err
	}
	t := today()
	sent := 0
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		adm, err := admins(ctx, tx)
		if err != nil {
			return err
		}
		for _, d := range docs {
			if d.NextReviewOn == nil || d.Status == "withdrawn" {
				continue
			}
			due := d.NextReviewOn.Format("2 January 2006")
			link := s.baseURL() + "/library/" + d.Slug
			switch {
			case d.Overdue(t) && d.IsDefinition():
				// partnerships' RemindDefinitionReview tells the administrators.
			case d.Overdue(t):
				for _, a := range adm {
					ok, err := notify.Send(ctx, tx, s.baseURL(), notify.Notice{To: a, Kind: "library_review", Key: fmt.Sprintf("doc-%d-review-%s-admin", d.ID, d.NextReviewOn.Format(time.DateOnly)),
						Subject: "Overdue for review: " + d.Title,
						Text:    fmt.Sprintf("Hello,\n\n%s was due for review on %s and has not been reviewed. Its owner is %s.\n\n%s\n", d.Title, due, orNobody(d.OwnerName), link),
						Why:     "You get these emails as a Partnerhub administrator."})
					if err != nil {
						return err
					}
					if ok {
						sent++
					}
				}
			case !d.NextReviewOn.After(t.AddDate(0, 0, ReviewReminderDays)) && d.OwnerEmail != "":
				ok, err := notify.Send(ctx, tx, s.baseURL(), notify.Notice{To: d.OwnerEmail, Kind: "library_review", Key: fmt.Sprintf("doc-%d-review-%s-owner", d.ID, d.NextReviewOn.Format(time.DateOnly)),
					Subject: "Due for review on " + due + ": " + d.Title,
					Text:    fmt.Sprintf("Hello,\n\n%s, which you own, is due for review on %s. Review it and publish a new version, or set a new review date:\n%s/edit\n", d.Title, due, link),
					Why:     "You get these emails as the owner of " + d.Title + "."})
				if err != nil {
					return err
				}
				if ok {
					sent++
				}
			}
		}
		days := stageDays(ctx, tx)
		open, err := db.Column[int64](ctx, tx, `SELECT id FROM compact_disputes WHERE stage IN ('raised','informal','mediation') AND stage_since < $1 ORDER BY id`, t.AddDate(0, 0, -days))
		if err != nil {
			return err
		}
		for _, id := range open {
			d, err := disputeByID(ctx, tx, id)
			if err != nil {
				return err
			}
			for _, a := range adm {
				ok, err := notify.Send(ctx, tx, s.baseURL(), notify.Notice{To: a, Kind: "library_dispute", Key: fmt.Sprintf("dispute-%d-%s-%s-open", d.ID, d.Stage, d.StageSince.Format(time.DateOnly)),
					Subject: fmt.Sprintf("Compact dispute %d has been at %q for more than %d days", d.ID, d.Stage, days),
					Text:    fmt.Sprintf("Hello,\n\nThe concern %s raised about %s has been at the stage %q since %s.\n\n%s/compact/disputes/%d\n", d.RaisedByName, d.AgainstName, d.Stage, d.StageSince.Format("2 January 2006"), s.baseURL(), d.ID),
					Why:     "You get these emails as a Partnerhub administrator."})
				if err != nil {
					return err
				}
				if ok {
					sent++
				}
			}
		}
		return nil
	})
	return sent, err
}

func orNobody(s string) string {
	if s == "" {
		return "nobody"
	}
	return s
}

// RunDigest sends last month's news to each confirmed subscriber, once a
// month (from the first of the month); it returns how many were queued.
func (s *Service) RunDigest(ctx context.Context) (int, error) {
	now := timeNow().In(london)
	to := time.Date(now.Year(), now.Month(), 1, 0, 0, 0, 0, london)
	from := to.AddDate(0, -1, 0)
	arts, _, err := ListArticles(ctx, s.DB.Q(), NewsFilter{From: from.UTC(), To: to.UTC()}, 200, 0)
	if err != nil || len(arts) == 0 {
		return 0, err
	}
	subs, err := confirmedSubscribers(ctx, s.DB.Q())
	if err != nil {
		return 0, err
	}
	body := fmt.Sprintf("Hello,\n\nNews from Partnerhub in %s:\n\n", from.Format("January 2006"))
	for _, a := range arts {
		body += a.Title + "\n" + a.Summary + "\n" + s.baseURL() + "/news/" + a.Slug + "\n\n"
	}
	sent := 0
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		n, err := notify.TellEach(ctx, tx, s.baseURL(), recipients(subs), notify.Notice{Kind: "news_digest", Key: "digest-" + from.Format("2006-01"),
			Subject: "Partnerhub news: " + from.Format("January 2006"), Text: body,
			Why: "You get this monthly digest because you subscribed to Partnerhub news and confirmed your address."})
		sent = n
		return err
	})
	return sent, err
}

func recipients(emails []string) []notify.Recipient {
	out := make([]notify.Recipient, len(emails))
	for i, e := range emails {
		out[i] = notify.Recipient{Email: e}
	}
	return out
}
