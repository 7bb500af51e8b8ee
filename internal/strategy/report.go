package strategy

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"encoding/json"
	"fmt"
	"sort"
	"strconv"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/grants"
	"partnerhub/internal/partnerships"
)

// Report is one year's State of the Sector report: every figure of every
// chapter, in one JSON document. A draft is built from the live records;
// publishing freezes the document (with the SHA-256 of its figures).
type Report struct {
	Year        int        `json:"year"`
	Period      string     `json:"period"`
	Title       string     `json:"title"`
	Status      string     `json:"status"` // "draft" or "published"
	BuiltAt     time.Time  `json:"built_at"`
	PublishedAt *time.Time `json:"published_at,omitempty"`
	Hash        string     `json:"hash,omitempty"`
	Chapters    []Chapter  `json:"chapters"`
}

// Chapter is one chapter: its figures, charts and the admins' commentary.
type Chapter struct {
	Key        string         `json:"key"`
	Title      string         `json:"title"`
	Intro      string         `json:"intro"`
	Figures    []Figure       `json:"figures"`
	Charts     []Chart        `json:"charts"`
	Outcomes   []OutcomeRow   `json:"outcomes,omitempty"`
	Milestones []MilestoneDoc `json:"milestones,omitempty"`
	Commentary string         `json:"commentary"`
}

// Figure is one headline figure with the year before.
type Figure struct {
	Key      string   `json:"key"`
	Label    string   `json:"label"`
	Value    *float64 `json:"value"`
	Previous *float64 `json:"previous"`
}

// Chart is one chart's figures; Suppressed charts hold nil for counts
// of 1 to 4 that could identify an organisation.
type Chart struct {
	Key        string        `json:"key"`
	Title      string        `json:"title"`
	Kind       string        `json:"kind"` // "bar" or "line"
	Category   string        `json:"category"`
	Labels     []string      `json:"labels"`
	Series     []ChartSeries `json:"series"`
	Suppressed bool          `json:"suppressed,omitempty"`
	// Codes: the labels are stored codes ("vcs", "charitable_company"),
	// shown in words on the page and in the PDF.
	Codes bool   `json:"codes,omitempty"`
	Note  string `json:"note,omitempty"`
}

// ChartSeries is one series of a chart.
type ChartSeries struct {
	Name   string     `json:"name"`
	Values []*float64 `json:"values"`
}

// OutcomeRow is an outcome's status in the report's year.
type OutcomeRow struct {
	Aim      string `json:"aim"`
	Outcome  string `json:"outcome"`
	Status   string `json:"status"`
	Measures string `json:"measures"`
}

// ReportYears is how many years a report's trend charts show.
const ReportYears = 6

// SuppressBelow: counts of organisations from 1 to SuppressBelow-1 are
// not shown where they could identify an organisation.
const SuppressBelow = 5

// SuppressNote is said under every chart with suppressed counts.
const SuppressNote = "Counts from 1 to 4 are shown as \u201cfewer than 5\u201d so that no organisation can be identified."

// Chapters in order, with their titles.
var chapterTitles = []struct{ Key, Title, Intro string }{
	{"size", "The sector's size and shape", "Organisations in the directory by sector, and the third sector (voluntary and community organisations, social enterprises and faith groups) by legal form, income and ward, with their staff and volunteers. The directory keeps no history, so these figures are those of the day the report was built (for a published report, the day it was published)."},
	{"partnership", "Partnership working", "The strategy's partnership measures for the year and their trends over the six years to it (from the year the strategy began, when that is later), and each outcome's status in the year."},
	{"consortia", "Consortia and their impact", "Consortia formed, active and dissolved, their life span, and their bids: submitted, won and the value won."},
	{"commissioning", "Commissioning", "Opportunities published, the share suitable for voluntary, community and social enterprise organisations, third-sector interest and involvement in service design, and the value won by consortia."},
	{"funding", "Funding from grants", "360Giving grants into the town awarded in the year, by funder, theme and ward."},
	{"events", "Events and workshops", "Events held in the year, their reach and the feedback of those who came."},
	{"quality", "Quality", "The Consortia Quality Mark, commissioning readiness, policies in date and the adoption of outcomes planning."},
	{"milestones", "Milestones of the year", "The strategy's milestones due in the year and their status."},
}

// ChapterKeys are the chapters' keys in order.
func ChapterKeys() []string {
	out := make([]string, len(chapterTitles))
	for i, c := range chapterTitles {
		out[i] = c.Key
	}
	return out
}

func fp(v float64) *float64 { return &v }

// suppress turns counts into chart values, hiding 1 to 4.
func suppress(counts []int) ([]*float64, bool) {
	out := make([]*float64, len(counts))
	hid := false
	for i, c := range counts {
		if c > 0 && c < SuppressBelow {
			hid = true
			continue
		}
		out[i] = fp(float64(c))
	}
	return out, hid
}

func plain(vals []float64) []*float64 {
	out := make([]*float64, len(vals))
	for i, v := range vals {
		out[i] = fp(v)
	}
	return out
}

// countChart is a bar chart of organisation counts by category, with
// counts from 1 to 4 suppressed.
func countChart(key, title, category string, labels []string, counts []int) Chart {
	vals, hid := suppress(counts)
	c := Chart{Key: key, Title: title, Kind: "bar", Category: category, Labels: labels, Series: []ChartSeries{{Name: "Organisations", Values: vals}}, Suppressed: hid}
	if hid {
		c.Note = SuppressNote
	}
	return c
}

// Builder builds reports from the live records.
type Builder struct {
	Q          db.Querier
	StartMonth time.Month
	Sources    []partnerships.MeasureSource
	Now        time.Time
}

// Build is year's report from the live records (a draft), with the
// commentary written so far.
func (b *Builder) Build(ctx context.Context, year int, st *Strategy, commentary map[string]string) (*Report, error) {
	// The report's trends cover the ReportYears years to its year, from
	// the year the strategy began when that is later (the strategy page
	// and each outcome's page show the whole history).
	from := year - (ReportYears - 1)
	if st != nil && st.StartsOn.Year() > from && st.StartsOn.Year() <= year {
		from = st.StartsOn.Year()
	}
	tr, err := ComputeTrends(ctx, b.Q, from, year, b.StartMonth, b.Sources)
	if err != nil {
		return nil, err
	}
	period := partnerships.PeriodOf(year, b.StartMonth)
	r := &Report{Year: year, Period: period.Label, Title: "State of the Sector " + period.Label, Status: "draft", BuiltAt: b.Now.UTC().Truncate(time.Second)}
	fig := func(keys ...string) []Figure {
		var out []Figure
		for _, k := range keys {
			t := tr.ByKey[k]
			if t == nil {
				continue
			}
			now, before := t.Last()
			out = append(out, Figure{Key: k, Label: t.Label, Value: now, Previous: before})
		}
		return out
	}
	line := func(key, title string, keys ...string) Chart {
		c := Chart{Key: key, Title: title, Kind: "line", Category: "Year", Labels: tr.Labels}
		for _, k := range keys {
			if t := tr.ByKey[k]; t != nil {
				c.Series = append(c.Series, ChartSeries{Name: t.Label, Values: t.Values})
			}
		}
		return c
	}
	bar := func(key, title string, keys ...string) Chart {
		c := line(key, title, keys...)
		c.Kind = "bar"
		return c
	}
	for _, ct := range chapterTitles {
		ch := Chapter{Key: ct.Key, Title: ct.Title, Intro: ct.Intro, Commentary: commentary[ct.Key], Figures: []Figure{}, Charts: []Chart{}}
		switch ct.Key {
		case "size":
			if err := b.size(ctx, &ch); err != nil {
				return nil, err
			}
		case "partnership":
			var keys []string
			for _, d := range partnerships.Definitions {
				keys = append(keys, d.Key)
			}
			ch.Figures = fig(keys...)
			ch.Charts = append(ch.Charts,
				line("organisations", "Organisations working in partnership, and first-time partners, by year", "organisations_in_partnership", "first_time_partners"),
				bar("partnerships", "Partnerships active and started by year", "partnerships_active", "partnerships_started"),
				line("cross-sector", "Cross-sector partnerships by year", "public_third_partnerships", "private_third_partnerships"))
			if st != nil {
				for _, a := range st.Aims {
					for _, o := range a.Outcomes {
						os := Assess(o, tr)
						ms := ""
						for i, m := range os.Measures {
							if i > 0 {
								ms += "; "
							}
							ms += m.Trend.Label + ": " + NumPtr(m.Now) + " (" + NumPtr(m.Before) + " the year before)"
						}
						ch.Outcomes = append(ch.Outcomes, OutcomeRow{Aim: a.Title, Outcome: o.Title, Status: os.Status, Measures: ms})
					}
				}
			}
		case "consortia":
			ch.Figures = fig("consortia_active", "consortia_formed", "consortia_dissolved", "median_consortium_lifespan_days", "bids_submitted", "bids_won", "bids_success_rate", "bids_value_won", "bids_consortia_delivering")
			ch.Charts = append(ch.Charts,
				bar("consortia", "Consortia active, formed and dissolved by year", "consortia_active", "consortia_formed", "consortia_dissolved"),
				bar("bids", "Consortium bids submitted and won by year", "bids_submitted", "bids_won"),
				line("value-won", "Value won by consortia by year (\u00a3)", "bids_value_won"))
		case "commissioning":
			ch.Figures = fig("opportunities_published", "opportunities_vcse_suitable_share", "opportunities_expressions_of_interest_third_sector", "opportunities_orgs_in_service_design", "bids_value_won")
			ch.Charts = append(ch.Charts,
				bar("opportunities", "Opportunities published by year", "opportunities_published"),
				line("vcse-share", "Share of opportunities suitable for VCSE organisations by year (%)", "opportunities_vcse_suitable_share"),
				line("involvement", "Third-sector interest and involvement in service design by year", "opportunities_expressions_of_interest_third_sector", "opportunities_orgs_in_service_design"))
		case "funding":
			ch.Figures = fig("grants_awarded_count", "grants_awarded_gbp", "grants_awarded_count_third_sector", "grants_awarded_gbp_third_sector", "grants_orgs_funded", "grants_funders")
			if err := b.funding(ctx, &ch, year); err != nil {
				return nil, err
			}
			ch.Charts = append(ch.Charts, line("grants-trend", "Value of grants into the town by year (\u00a3)", "grants_awarded_gbp", "grants_awarded_gbp_third_sector"))
		case "events":
			ch.Figures = fig("strategy_events_held", "strategy_event_attendances", "strategy_event_rating", "partnerships_from_events")
			if err := b.events(ctx, &ch, period); err != nil {
				return nil, err
			}
			ch.Charts = append(ch.Charts, bar("events-trend", "Events held and attendances by year", "strategy_events_held", "strategy_event_attendances"))
		case "quality":
			var keys []string
			for _, d := range tr.Defs {
				if len(d.Key) > len("library_policy_in_date_") && d.Key[:len("library_policy_in_date_")] == "library_policy_in_date_" {
					keys = append(keys, d.Key)
				}
			}
			ch.Figures = fig(append([]string{"quality_mark_applications", "quality_mark_awards", "outcomes_share_steps_3_4", "library_templates_used_share"}, keys...)...)
			var n, prev int
			if err := b.Q.QueryRowContext(ctx, `SELECT COALESCE(SUM(CASE WHEN awarded_on >= $1 AND awarded_on < $2 THEN 1 ELSE 0 END), 0),
				COALESCE(SUM(CASE WHEN awarded_on >= $3 AND awarded_on < $1 THEN 1 ELSE 0 END), 0) FROM assess_awards WHERE kind = 'readiness' AND revoked_at IS NULL`,
				period.Start, period.End, period.Start.AddDate(-1, 0, 0)).Scan(&n, &prev); err != nil {
				return nil, err
			}
			ch.Figures = append(ch.Figures, Figure{Key: "readiness_results", Label: "Commissioning readiness self-assessments completed", Value: fp(float64(n)), Previous: fp(float64(prev))})
			ch.Charts = append(ch.Charts,
				bar("quality-mark", "Consortia Quality Mark applications and awards by year", "quality_mark_applications", "quality_mark_awards"),
				line("outcomes", "Share of organisations measuring outcomes by year (%)", "outcomes_share_steps_3_4"))
			pc := Chart{Key: "policies", Title: "Share of third-sector organisations with each policy in date, " + period.Label + " (%)", Kind: "bar", Category: "Policy"}
			var vals []*float64
			any := false
			for _, k := range keys {
				now, _ := tr.ByKey[k].Last()
				pc.Labels = append(pc.Labels, tr.ByKey[k].Label)
				vals = append(vals, now)
				any = any || now != nil
			}
			pc.Series = []ChartSeries{{Name: "Share in date (%)", Values: vals}}
			if any { // the library counts policies in date from the year it started
				ch.Charts = append(ch.Charts, pc)
			}
		case "milestones":
			if st != nil {
				for _, m := range st.Milestones {
					if period.Contains(m.Due) {
						ch.Milestones = append(ch.Milestones, MilestoneDoc{Date: m.Due.Format(time.DateOnly), Aim: m.AimKey, Title: m.Title, Status: m.Status, Note: m.Note, Evidence: m.Evidence})
					}
				}
			}
			counts := map[string]int{}
			for _, m := range ch.Milestones {
				counts[m.Status]++
			}
			for _, s := range Statuses {
				ch.Figures = append(ch.Figures, Figure{Key: "milestones_" + s, Label: "Milestones " + StatusLabels[s], Value: fp(float64(counts[s]))})
			}
		}
		r.Chapters = append(r.Chapters, ch)
	}
	return r, nil
}

// incomeOrder is the income bands' order on the chart.
var incomeOrder = []string{"under_10k", "10k_100k", "100k_500k", "500k_1m", "1m_5m", "over_5m", "not_given"}

// size is the chapter on the sector's size and shape: one pass over the
// organisations (sector, legal form, income band, staff, volunteers) and
// one over the wards they serve.
func (b *Builder) size(ctx context.Context, ch *Chapter) error {
	rows, err := b.Q.QueryContext(ctx, `SELECT o.sector, o.legal_form, COALESCE(NULLIF(p.income_band, ''), 'not_given'), COUNT(*),
		COALESCE(SUM(p.staff), 0), COALESCE(SUM(p.volunteers), 0)
		FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id GROUP BY o.sector, o.legal_form, COALESCE(NULLIF(p.income_band, ''), 'not_given')`)
	if err != nil {
		return err
	}
	sectors, legal, income := map[string]int{}, map[string]int{}, map[string]int{}
	var orgs, thirdN, staff, vols int
	for rows.Next() {
		var sector, form, band string
		var n, st, vo int
		if err := rows.Scan(&sector, &form, &band, &n, &st, &vo); err != nil {
			rows.Close()
			return err
		}
		sectors[sector] += n
		orgs += n
		if accounts.IsThirdSector(sector) {
			legal[form] += n
			income[band] += n
			thirdN, staff, vols = thirdN+n, staff+st, vols+vo
		}
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return err
	}
	byCount := func(m map[string]int) ([]string, []int) {
		keys := make([]string, 0, len(m))
		for k := range m {
			keys = append(keys, k)
		}
		sort.Slice(keys, func(i, j int) bool {
			if m[keys[i]] != m[keys[j]] {
				return m[keys[i]] > m[keys[j]]
			}
			return keys[i] < keys[j]
		})
		ns := make([]int, len(keys))
		for i, k := range keys {
			ns[i] = m[k]
		}
		return keys, ns
	}
	var bands []string
	var bandN []int
	for _, k := range incomeOrder {
		if n, ok := income[k]; ok {
			bands, bandN = append(bands, k), append(bandN, n)
		}
	}
	sl, sn := byCount(sectors)
	ll, ln := byCount(legal)
	for _, c := range []Chart{
		countChart("sector", "Organisations by sector", "Sector", sl, sn),
		countChart("legal-form", "Third-sector organisations by legal form", "Legal form", ll, ln),
		countChart("income", "Third-sector organisations by income band", "Income band", bands, bandN),
	} {
		c.Codes = true
		ch.Charts = append(ch.Charts, c)
	}
	rows, err = b.Q.QueryContext(ctx, `SELECT a.code, COUNT(*) FROM org_areas a JOIN organisations o ON o.id = a.organisation_id
		WHERE a.kind = 'ward' AND o.sector IN ('vcs','social_enterprise','faith') GROUP BY a.code ORDER BY 1`)
	if err != nil {
		return err
	}
	defer rows.Close()
	var wards []string
	var wardN []int
	for rows.Next() {
		var w string
		var n int
		if err := rows.Scan(&w, &n); err != nil {
			return err
		}
		wards, wardN = append(wards, w), append(wardN, n)
	}
	ch.Charts = append(ch.Charts, countChart("ward", "Third-sector organisations by ward served", "Ward", wards, wardN))
	ch.Figures = append(ch.Figures,
		Figure{Key: "organisations", Label: "Organisations in the directory", Value: fp(float64(orgs))},
		Figure{Key: "third_sector_organisations", Label: "Third-sector organisations", Value: fp(float64(thirdN))},
		Figure{Key: "third_sector_staff", Label: "Paid staff of third-sector organisations (as they report)", Value: fp(float64(staff))},
		Figure{Key: "third_sector_volunteers", Label: "Volunteers of third-sector organisations (as they report)", Value: fp(float64(vols))})
	return rows.Err()
}

// funding adds the year's grants by funder, theme and ward.
func (b *Builder) funding(ctx context.Context, ch *Chapter, year int) error {
	rows, err := b.Q.QueryContext(ctx, `SELECT MAX(g.funder_name), COUNT(*), COALESCE(SUM(CASE WHEN g.currency = 'GBP' THEN g.amount_minor ELSE 0 END), 0)
		FROM grants g WHERE g.award_year = $1 AND (g.recipient_org_id IS NOT NULL OR g.beneficiary_ward <> '')
		GROUP BY g.funder_identifier ORDER BY 3 DESC, 1`, year)
	if err != nil {
		return err
	}
	fc := Chart{Key: "funders", Title: fmt.Sprintf("Value of grants into the town by funder, %d (\u00a3)", year), Kind: "bar", Category: "Funder"}
	var counts, values []float64
	for rows.Next() {
		var name string
		var n int
		var minor int64
		if err := rows.Scan(&name, &n, &minor); err != nil {
			rows.Close()
			return err
		}
		fc.Labels = append(fc.Labels, name)
		counts, values = append(counts, float64(n)), append(values, float64(minor)/100)
	}
	rows.Close()
	fc.Series = []ChartSeries{{Name: "Value (\u00a3, GBP grants)", Values: plain(values)}, {Name: "Grants", Values: plain(counts)}}
	fc.Note = "Funders publish their grants openly (360Giving), so these counts are not suppressed."
	ch.Charts = append(ch.Charts, fc)
	for _, x := range []struct {
		key, title, cat string
		fn              func(context.Context, db.Querier, grants.Filter) ([]grants.Totals, error)
	}{{"themes", "Grants into the town by theme, %d", "Theme", grants.ByTheme}, {"wards", "Grants into the town by ward, %d", "Ward", grants.ByWard}} {
		ts, err := x.fn(ctx, b.Q, grants.Filter{Year: year})
		if err != nil {
			return err
		}
		agg := map[string][2]float64{}
		var order []string
		for _, t := range ts {
			l := t.Label
			if l == "" {
				l = "Not known"
			}
			if _, ok := agg[l]; !ok {
				order = append(order, l)
			}
			a := agg[l]
			agg[l] = [2]float64{a[0] + float64(t.Grants), a[1] + t.GBP()}
		}
		sort.Strings(order)
		c := Chart{Key: x.key, Title: fmt.Sprintf(x.title, year), Kind: "bar", Category: x.cat, Labels: order}
		var ns []int
		var vs []*float64
		for _, l := range order {
			ns = append(ns, int(agg[l][0]))
			if n := agg[l][0]; n > 0 && n < SuppressBelow {
				vs = append(vs, nil)
			} else {
				vs = append(vs, fp(agg[l][1]))
			}
		}
		cv, hid := suppress(ns)
		c.Series = []ChartSeries{{Name: "Grants", Values: cv}, {Name: "Value (\u00a3, GBP grants)", Values: vs}}
		if hid {
			c.Suppressed, c.Note = true, "Where fewer than 5 grants went to a "+lower(x.cat)+", neither their number nor their value is shown, so that no organisation can be identified."
		}
		ch.Charts = append(ch.Charts, c)
	}
	return nil
}

func lower(s string) string {
	if s == "" {
		return s
	}
	return string(s[0]|0x20) + s[1:]
}

// events adds the year's events by type.
func (b *Builder) events(ctx context.Context, ch *Chapter, p partnerships.Period) error {
	rows, err := b.Q.QueryContext(ctx, `SELECT e.type, COUNT(DISTINCT e.id), COUNT(b.id) FROM events e
		LEFT JOIN event_bookings b ON b.event_id = e.id AND b.status = 'confirmed' AND (b.attended IS NULL OR b.attended)
		WHERE e.status IN ('published','finished') AND e.starts_at >= $1 AND e.starts_at < $2 GROUP BY e.type ORDER BY e.type`, p.Start, p.End)
	if err != nil {
		return err
	}
	defer rows.Close()
	c := Chart{Key: "event-types", Title: "Events held and attendances by type, " + p.Label, Kind: "bar", Category: "Type of event", Codes: true}
	var held, att []float64
	for rows.Next() {
		var t string
		var n, a int
		if err := rows.Scan(&t, &n, &a); err != nil {
			return err
		}
		c.Labels = append(c.Labels, t)
		held, att = append(held, float64(n)), append(att, float64(a))
	}
	c.Series = []ChartSeries{{Name: "Events held", Values: plain(held)}, {Name: "Attendances", Values: plain(att)}}
	ch.Charts = append(ch.Charts, c)
	return rows.Err()
}

// ComputeHash is the SHA-256 of the report's figures and words: the document
// with its status, dates and hash left out.
func (r *Report) ComputeHash() (string, error) {
	c := *r
	c.Status, c.PublishedAt, c.Hash, c.BuiltAt = "", nil, "", time.Time{}
	b, err := json.Marshal(c)
	if err != nil {
		return "", err
	}
	sum := sha256.Sum256(b)
	return hex.EncodeToString(sum[:]), nil
}

// Chapter finds a chapter by key.
func (r *Report) Chapter(key string) *Chapter {
	for i := range r.Chapters {
		if r.Chapters[i].Key == key {
			return &r.Chapters[i]
		}
	}
	return nil
}

// Chart finds a chart by chapter and key.
func (r *Report) Chart(chapter, key string) *Chart {
	if ch := r.Chapter(chapter); ch != nil {
		for i := range ch.Charts {
			if ch.Charts[i].Key == key {
				return &ch.Charts[i]
			}
		}
	}
	return nil
}

// Words are the chart's labels for people: stored codes in words.
func (c *Chart) Words(label func(string) string) []string {
	if !c.Codes || label == nil {
		return c.Labels
	}
	out := make([]string, len(c.Labels))
	for i, l := range c.Labels {
		out[i] = label(l)
	}
	return out
}

// CSV is a chart's figures as rows: the category then each series
// ("fewer than 5" for a suppressed count), labels in words.
func (c *Chart) CSV(label func(string) string) ([]string, [][]string) {
	words := c.Words(label)
	header := []string{c.Category}
	for _, s := range c.Series {
		header = append(header, s.Name)
	}
	var rows [][]string
	for i, l := range words {
		row := []string{l}
		for _, s := range c.Series {
			row = append(row, c.Cell(s, i, true))
		}
		rows = append(rows, row)
	}
	return header, rows
}

// Cell is one value for people (raw for CSV).
func (c *Chart) Cell(s ChartSeries, i int, raw bool) string {
	if i >= len(s.Values) || s.Values[i] == nil {
		if c.Suppressed {
			return "fewer than 5"
		}
		if raw {
			return ""
		}
		return "none"
	}
	if raw {
		return strconv.FormatFloat(*s.Values[i], 'f', -1, 64)
	}
	return Num(*s.Values[i])
}
