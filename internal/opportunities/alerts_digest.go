package opportunities

// The alert digest job: one email per person per period with the new and
// changed opportunities matching their due alerts and the matching
// deadlines that came within seven days since the alert last ran.

import (
	"context"
	"database/sql"
	"fmt"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/notify"
)

// AlertKind is the notice kind of alert digests (notify preferences and
// the one-click unsubscribe turn every alert email off at once).
const AlertKind = "opportunity_alert"

// digestBatch is how many alerts one transaction claims.
const digestBatch = 2000

// candidate is an opportunity an alert run may tell of.
type candidate struct {
	ID          int64
	Slug        string
	Title       string
	Kind        string
	Status      string
	BuyerName   string
	PublishedAt time.Time
	UpdatedAt   time.Time
	ClosesAt    *time.Time
}

// dueAlert is a claimed alert with its owner's address.
type dueAlert struct {
	Alert
	Email string
}

// DigestStats says what a digest run did.
type DigestStats struct {
	Alerts, Queries, Emails int
}

func dueCond() string {
	return `(a.frequency = 'immediately' OR (a.frequency = 'daily' AND a.last_run_at <= $1) OR (a.frequency = 'weekly' AND a.last_run_at <= $2))`
}

// RunAlertDigest sends every due alert's digest at now. Each batch of
// alerts is claimed (db.SkipLocked), told and marked run in one
// transaction, so a crash sends nothing twice and loses nothing.
func RunAlertDigest(ctx context.Context, d *db.DB, baseURL string, now time.Time) (DigestStats, error) {
	var st DigestStats
	dayAgo, weekAgo := now.Add(-period(AlertDaily)), now.Add(-period(AlertWeekly))
	ts, err := db.Column[time.Time](ctx, d.Q(), `SELECT a.last_run_at FROM opportunity_alerts a JOIN users u ON u.id = a.user_id
		WHERE u.disabled_at IS NULL AND `+dueCond()+` ORDER BY a.last_run_at LIMIT 1`, dayAgo, weekAgo)
	if err != nil || len(ts) == 0 {
		return st, err
	}
	cands, err := loadCandidates(ctx, d.Q(), ts[0].UTC(), now)
	if err != nil {
		return st, err
	}
	matches := map[string]map[int64]bool{} // by query string
	var cursor int64
	for {
		var n int
		err := d.Write(ctx, func(tx *db.Tx) error {
			rows, err := tx.QueryContext(ctx, `SELECT a.id, a.user_id, a.name, a.query, a.frequency, a.last_run_at, a.created_at, u.email
				FROM opportunity_alerts a JOIN users u ON u.id = a.user_id
				WHERE u.disabled_at IS NULL AND a.user_id > $3 AND `+dueCond()+` ORDER BY a.user_id, a.id LIMIT `+strconv.Itoa(digestBatch)+d.SkipLocked("a"),
				dayAgo, weekAgo, cursor)
			if err != nil {
				return err
			}
			var batch []dueAlert
			for rows.Next() {
				var a dueAlert
				if err := rows.Scan(&a.ID, &a.UserID, &a.Name, &a.Query, &a.Frequency, &a.LastRunAt, &a.CreatedAt, &a.Email); err != nil {
					rows.Close()
					return err
				}
				a.LastRunAt = a.LastRunAt.UTC()
				batch = append(batch, a)
			}
			rows.Close()
			if err := rows.Err(); err != nil {
				return err
			}
			// A full batch may end part-way through a person's alerts:
			// leave that person to the next batch, so they get one email.
			if len(batch) == digestBatch && batch[0].UserID != batch[len(batch)-1].UserID {
				last := batch[len(batch)-1].UserID
				for len(batch) > 0 && batch[len(batch)-1].UserID == last {
					batch = batch[:len(batch)-1]
				}
			}
			n = len(batch)
			if n == 0 {
				return nil
			}
			cursor = batch[n-1].UserID
			for i := 0; i < n; {
				j := i
				for j < n && batch[j].UserID == batch[i].UserID {
					j++
				}
				sent, err := digestFor(ctx, tx, d, baseURL, now, batch[i:j], cands, matches, &st)
				if err != nil {
					return err
				}
				if sent {
					st.Emails++
				}
				i = j
			}
			ids := make([]int64, n)
			for i, a := range batch {
				ids[i] = a.ID
			}
			return db.Chunks(ids, 500, func(part []int64) error {
				args := []any{now}
				in := db.Placeholders(&args, part)
				_, err := tx.ExecContext(ctx, `UPDATE opportunity_alerts SET last_run_at = $1 WHERE id IN (`+in+`)`, args...)
				return err
			})
		})
		if err != nil {
			return st, err
		}
		st.Alerts += n
		if n == 0 {
			return st, nil
		}
	}
}

// loadCandidates reads the published opportunities changed since since,
// or whose closing date came within the deadline window since then.
func loadCandidates(ctx context.Context, q db.Querier, since, now time.Time) (map[int64]*candidate, error) {
	rows, err := q.QueryContext(ctx, `SELECT p.id, p.slug, p.title, p.kind, p.status, o.name, p.published_at, p.updated_at, p.closes_at
		FROM opportunities p JOIN organisations o ON o.id = p.buyer_org_id
		WHERE p.published_at IS NOT NULL AND (p.updated_at > $1 OR p.published_at > $1 OR (p.closes_at > $2 AND p.closes_at > $3 AND p.closes_at <= $4))`,
		since, since.Add(DeadlineWindow), now, now.Add(DeadlineWindow))
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	out := map[int64]*candidate{}
	for rows.Next() {
		var c candidate
		var closes sql.NullTime
		if err := rows.Scan(&c.ID, &c.Slug, &c.Title, &c.Kind, &c.Status, &c.BuyerName, &c.PublishedAt, &c.UpdatedAt, &closes); err != nil {
			return nil, err
		}
		c.PublishedAt, c.UpdatedAt = c.PublishedAt.UTC(), c.UpdatedAt.UTC()
		c.ClosesAt = db.TimePtr(closes)
		out[c.ID] = &c
	}
	return out, rows.Err()
}

// matching runs a saved query over the candidates (once per distinct
// query in a run).
func matching(ctx context.Context, q db.Querier, query string, now time.Time, cands map[int64]*candidate, cache map[string]map[int64]bool, st *DigestStats) (map[int64]bool, error) {
	if m, ok := cache[query]; ok {
		return m, nil
	}
	m := map[int64]bool{}
	cache[query] = m
	if len(cands) == 0 {
		return m, nil
	}
	st.Queries++
	vals, _ := url.ParseQuery(query)
	qq, _ := ParseQuery(vals) // a filter that no longer parses is dropped, as the page drops it
	where, args := qq.where(now)
	ids := make([]int64, 0, len(cands))
	for id := range cands {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	return m, db.Chunks(ids, 500, func(part []int64) error {
		a := append([]any(nil), args...)
		in := db.Placeholders(&a, part)
		rows, err := q.QueryContext(ctx, `SELECT p.id`+oppFrom+` WHERE `+where+` AND p.id IN (`+in+`)`, a...)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			if err := rows.Scan(&id); err != nil {
				return err
			}
			m[id] = true
		}
		return rows.Err()
	})
}

// digestItem is one opportunity in an email and the alerts it matched.
type digestItem struct {
	C      *candidate
	New    bool
	Alerts []string
}

// digestFor builds and queues one person's email from their due alerts
// (all of one user). It reports whether an email was queued.
func digestFor(ctx context.Context, tx *db.Tx, d *db.DB, baseURL string, now time.Time, alerts []dueAlert, cands map[int64]*candidate,
	cache map[string]map[int64]bool, st *DigestStats) (bool, error) {
	var hidden map[int64]bool
	changed, closing := map[int64]*digestItem{}, map[int64]*digestItem{}
	for _, a := range alerts {
		m, err := matching(ctx, d.Q(), a.Query, now, cands, cache, st)
		if err != nil {
			return false, err
		}
		for id := range m {
			c := cands[id]
			add := func(into map[int64]*digestItem, isNew bool) {
				it := into[id]
				if it == nil {
					it = &digestItem{C: c, New: isNew}
					into[id] = it
				}
				it.Alerts = append(it.Alerts, a.Name)
			}
			if c.UpdatedAt.After(a.LastRunAt) || c.PublishedAt.After(a.LastRunAt) {
				add(changed, c.PublishedAt.After(a.LastRunAt))
			}
			if c.ClosesAt != nil && c.ClosesAt.After(now) && !c.ClosesAt.After(now.Add(DeadlineWindow)) && c.ClosesAt.After(a.LastRunAt.Add(DeadlineWindow)) {
				add(closing, false)
			}
		}
	}
	if len(changed) == 0 && len(closing) == 0 {
		return false, nil
	}
	var err error
	if hidden, err = Hidden(ctx, tx, alerts[0].UserID); err != nil {
		return false, err
	}
	list := func(m map[int64]*digestItem) []*digestItem {
		var out []*digestItem
		for id, it := range m {
			if !hidden[id] {
				out = append(out, it)
			}
		}
		sort.Slice(out, func(i, j int) bool {
			a, b := out[i].C, out[j].C
			if (a.ClosesAt == nil) != (b.ClosesAt == nil) {
				return a.ClosesAt != nil
			}
			if a.ClosesAt != nil && !a.ClosesAt.Equal(*b.ClosesAt) {
				return a.ClosesAt.Before(*b.ClosesAt)
			}
			return a.ID < b.ID
		})
		return out
	}
	ch, cl := list(changed), list(closing)
	if len(ch) == 0 && len(cl) == 0 {
		return false, nil
	}
	base := strings.TrimRight(baseURL, "/")
	var b strings.Builder
	item := func(it *digestItem, tag string) {
		b.WriteString(it.C.Title)
		if tag != "" {
			b.WriteString(" (" + tag + ")")
		}
		b.WriteString("\n" + Label(it.C.Kind) + " from " + it.C.BuyerName)
		if it.C.ClosesAt != nil {
			b.WriteString(", closes " + it.C.ClosesAt.In(london).Format("2 January 2006 at 3:04pm"))
		}
		b.WriteString("\n" + base + "/opportunities/" + it.C.Slug + "\n")
		b.WriteString("Matches your alert " + quoteList(it.Alerts) + ".\n\n")
	}
	if len(ch) > 0 {
		b.WriteString("New and changed opportunities that match your alerts:\n\n")
		for _, it := range ch {
			tag := "changed"
			if it.New {
				tag = "new"
			}
			item(it, tag)
		}
	}
	if len(cl) > 0 {
		b.WriteString("Closing in the next 7 days:\n\n")
		for _, it := range cl {
			item(it, "")
		}
	}
	b.WriteString("If one is not relevant to you, open it and choose \"Not relevant\": it will not appear in your alerts again.\n\n")
	b.WriteString("Change or delete your alerts: " + base + "/alerts\n")
	var names []string
	for _, a := range alerts {
		names = append(names, "“"+a.Name+"” ("+strings.ToLower(AlertFrequencyLabels[a.Frequency])+")")
	}
	subject := fmt.Sprintf("%d new or changed %s", len(ch), plural(len(ch), "opportunity", "opportunities"))
	if len(ch) == 0 {
		subject = fmt.Sprintf("%d %s closing in the next 7 days", len(cl), plural(len(cl), "opportunity", "opportunities"))
	} else if len(cl) > 0 {
		subject += fmt.Sprintf(", %d closing soon", len(cl))
	}
	return notify.Send(ctx, tx, baseURL, notify.Notice{To: alerts[0].Email, Kind: AlertKind, Subject: "Opportunity alert: " + subject, Text: b.String(),
		Why: "You get this email because you saved " + plural(len(names), "this alert", "these alerts") + " on Partnerhub: " + strings.Join(names, ", ") + "."})
}

func quoteList(xs []string) string {
	q := make([]string, len(xs))
	for i, x := range xs {
		q[i] = "“" + x + "”"
	}
	return strings.Join(q, " and ")
}

func plural(n int, one, many string) string {
	if n == 1 {
		return one
	}
	return many
}

func itoa(n int) string { return strconv.Itoa(n) }
