package opportunities

import (
	"context"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// Query is a search of published opportunities, as /opportunities takes
// it in its URL. A saved search stores Encode() and runs Parse(...) and
// List again; codes (taxonomy codes, ward names, the buyer's slug) are
// used rather than ids so a stored query reads the same everywhere.
type Query struct {
	Words       string
	Kind        string // one of Kinds, or ""
	Status      string // "" (current: open or planned), open, planned, closed, awarded, cancelled, all
	Theme       string // taxonomy code
	Service     string // taxonomy code
	ClientGroup string // taxonomy code
	Ward        string // ward name
	Buyer       string // buying organisation's slug
	ValueBand   string // one of ValueBands' codes
	ClosingDays int    // closing within N days (0: any)
	VCSE        bool   // suitable for or reserved to VCSE organisations
	Sort        string // closing (default), newest, value
}

// QueryStatuses are the Status values a query takes, "" first.
var QueryStatuses = []string{"", StatusOpen, StatusPlanned, StatusClosed, StatusAwarded, StatusCancelled, "all"}

// Sorts are the orders of a listing, the default first.
var Sorts = []string{"closing", "newest", "value"}

// ValueBand is a range of values in pence: [Min, Max), Max 0 for no top.
type ValueBand struct {
	Code, Label string
	Min, Max    int64
}

// ValueBands are the bands a listing filters on.
var ValueBands = []ValueBand{
	{"under_25k", "Under £25,000", 0, 25_000_00},
	{"25k_100k", "£25,000 to £100,000", 25_000_00, 100_000_00},
	{"100k_500k", "£100,000 to £500,000", 100_000_00, 500_000_00},
	{"500k_2m", "£500,000 to £2 million", 500_000_00, 2_000_000_00},
	{"over_2m", "Over £2 million", 2_000_000_00, 0},
}

func band(code string) (ValueBand, bool) {
	for _, b := range ValueBands {
		if b.Code == code {
			return b, true
		}
	}
	return ValueBand{}, false
}

// ParseQuery reads a query from URL values (the listing's, or a saved
// search's). Values it cannot use are dropped and named in the error
// (EINVALID with field errors); the rest of the query stands.
func ParseQuery(v url.Values) (Query, error) {
	var ve apperr.Validation
	q := Query{
		Words:       strings.TrimSpace(v.Get("q")),
		Kind:        v.Get("kind"),
		Status:      v.Get("status"),
		Theme:       strings.TrimSpace(v.Get("theme")),
		Service:     strings.TrimSpace(v.Get("service")),
		ClientGroup: strings.TrimSpace(v.Get("client_group")),
		Ward:        strings.TrimSpace(v.Get("ward")),
		Buyer:       strings.TrimSpace(v.Get("buyer")),
		ValueBand:   v.Get("value"),
		VCSE:        v.Get("vcse") == "yes" || v.Get("vcse") == "1" || v.Get("vcse") == "true",
		Sort:        v.Get("sort"),
	}
	if len(q.Words) > 200 {
		q.Words = q.Words[:200]
	}
	if q.Kind != "" && !valid(Kinds, q.Kind) {
		ve.Add("kind", "Choose a kind of opportunity from the list")
		q.Kind = ""
	}
	if !valid(QueryStatuses, q.Status) {
		ve.Add("status", "Choose a status from the list")
		q.Status = ""
	}
	if _, ok := band(q.ValueBand); q.ValueBand != "" && !ok {
		ve.Add("value", "Choose a value band from the list")
		q.ValueBand = ""
	}
	if s := strings.TrimSpace(v.Get("closing")); s != "" {
		n, err := strconv.Atoi(s)
		if err != nil || n < 1 || n > 3660 {
			ve.Add("closing", "Enter the number of days as a whole number from 1 to 3660")
		} else {
			q.ClosingDays = n
		}
	}
	if q.Sort != "" && !valid(Sorts, q.Sort) {
		ve.Add("sort", "Choose an order from the list")
		q.Sort = ""
	}
	if q.Sort == Sorts[0] {
		q.Sort = ""
	}
	return q, ve.Err()
}

// Encode writes the query as URL values in ParseQuery's names, leaving
// out what is not set; ParseQuery(q.Encode()) gives q back.
func (q Query) Encode() url.Values {
	v := url.Values{}
	set := func(k, s string) {
		if s != "" {
			v.Set(k, s)
		}
	}
	set("q", q.Words)
	set("kind", q.Kind)
	set("status", q.Status)
	set("theme", q.Theme)
	set("service", q.Service)
	set("client_group", q.ClientGroup)
	set("ward", q.Ward)
	set("buyer", q.Buyer)
	set("value", q.ValueBand)
	if q.ClosingDays > 0 {
		v.Set("closing", strconv.Itoa(q.ClosingDays))
	}
	if q.VCSE {
		v.Set("vcse", "yes")
	}
	if q.Sort != "" && q.Sort != Sorts[0] {
		v.Set("sort", q.Sort)
	}
	return v
}

// String is the encoded query ("" for everything current).
func (q Query) String() string { return q.Encode().Encode() }

// Empty reports whether the query narrows nothing.
func (q Query) Empty() bool {
	q.Sort = ""
	return q.String() == ""
}

// where builds the query's conditions at now (placeholders from $1).
// Only published opportunities are listed.
func (q Query) where(now time.Time) (string, []any) {
	var conds []string
	var args []any
	arg := func(v any) string { args = append(args, v); return "$" + strconv.Itoa(len(args)) }
	conds = append(conds, "p.published_at IS NOT NULL")
	switch q.Status {
	case "":
		n := arg(now)
		conds = append(conds, "(p.status = 'planned' OR (p.status = 'open' AND (p.closes_at IS NULL OR p.closes_at > "+n+")))")
	case StatusOpen:
		conds = append(conds, "p.status = 'open' AND (p.closes_at IS NULL OR p.closes_at > "+arg(now)+")")
	case StatusClosed:
		conds = append(conds, "(p.status = 'closed' OR (p.status = 'open' AND p.closes_at <= "+arg(now)+"))")
	case "all":
	default:
		conds = append(conds, "p.status = "+arg(q.Status))
	}
	if q.Kind != "" {
		conds = append(conds, "p.kind = "+arg(q.Kind))
	}
	for _, w := range strings.Fields(q.Words) {
		conds = append(conds, "p.search_text LIKE "+arg(db.LikeContains(w))+` ESCAPE '\'`)
	}
	for _, r := range []struct{ kind, code string }{{ReqTheme, q.Theme}, {ReqService, q.Service}, {ReqClientGroup, q.ClientGroup}, {ReqWard, q.Ward}} {
		if r.code != "" {
			conds = append(conds, "EXISTS (SELECT 1 FROM opportunity_requirements r WHERE r.opportunity_id = p.id AND r.kind = "+arg(r.kind)+" AND r.code = "+arg(r.code)+")")
		}
	}
	if q.Buyer != "" {
		conds = append(conds, "o.slug = "+arg(q.Buyer))
	}
	if b, ok := band(q.ValueBand); ok {
		conds = append(conds, "COALESCE(p.value_max_pence, p.value_min_pence) >= "+arg(b.Min))
		if b.Max > 0 {
			conds = append(conds, "COALESCE(p.value_min_pence, p.value_max_pence) < "+arg(b.Max))
		}
	}
	if q.ClosingDays > 0 {
		conds = append(conds, "p.closes_at > "+arg(now)+" AND p.closes_at <= "+arg(now.AddDate(0, 0, q.ClosingDays)))
	}
	if q.VCSE {
		conds = append(conds, "(p.suitable_vcse OR p.reserved_vcse)")
	}
	return strings.Join(conds, " AND "), args
}

func (q Query) order() string {
	switch q.Sort {
	case "newest":
		return " ORDER BY p.published_at DESC, p.id DESC"
	case "value":
		return " ORDER BY COALESCE(p.value_max_pence, p.value_min_pence) DESC NULLS LAST, p.closes_at, p.id"
	}
	return " ORDER BY p.closes_at NULLS LAST, p.id"
}

// ListSQL is the plain SQL of q's page at now with its arguments: the
// opportunities' rows joined to their buyers, filtered, sorted and cut,
// without the count or the interest counts. Benchmarks set List beside
// it.
func ListSQL(q Query, now time.Time, limit, offset int) (string, []any) {
	where, args := q.where(now)
	args = append(args, limit, offset)
	n := len(args)
	return `SELECT ` + oppCols + oppFrom + ` WHERE ` + where + q.order() +
		` LIMIT $` + strconv.Itoa(n-1) + ` OFFSET $` + strconv.Itoa(n), args
}

// listSQL is the one statement List runs: the page's ids picked from
// the narrow rows (id and sort keys, with the count of every match as a
// window over them), then only those rows read whole with their buyers
// and interest counts. Sorting ids rather than whole rows, and counting
// in the same pass, costs less than the plain page query alone once
// hundreds match (BenchmarkList).
func listSQL(q Query, now time.Time, limit, offset int) (string, []any) {
	where, args := q.where(now)
	args = append(args, limit, offset)
	n := len(args)
	// The buyers are joined in the inner query only to filter on one.
	from := ` FROM opportunities p`
	if q.Buyer != "" {
		from = oppFrom
	}
	return `SELECT ` + oppCols + `, pg.total, (SELECT COUNT(*) FROM opportunity_interests i WHERE i.opportunity_id = p.id)
	FROM (SELECT p.id, COUNT(*) OVER () AS total` + from + ` WHERE ` + where + q.order() +
		` LIMIT $` + strconv.Itoa(n-1) + ` OFFSET $` + strconv.Itoa(n) + `) pg
	JOIN opportunities p ON p.id = pg.id JOIN organisations o ON o.id = p.buyer_org_id` + q.order(), args
}

// List runs q at now: up to limit opportunities from offset, and how many
// match. Lots and requirements are not loaded (Get them); Interests holds
// the number of expressions of interest.
func List(ctx context.Context, qr db.Querier, q Query, now time.Time, limit, offset int) ([]*Opportunity, int, error) {
	query, args := listSQL(q, now, limit, offset)
	rows, err := qr.QueryContext(ctx, query, args...)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Opportunity
	total := 0
	for rows.Next() {
		var interests int
		o, err := scanOpp(rows, &total, &interests)
		if err != nil {
			return nil, 0, db.Err(err, "")
		}
		o.Interests = interests
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, db.Err(err, "")
	}
	if len(out) == 0 && offset > 0 {
		// A page past the end has no rows to carry the count.
		where, args := q.where(now)
		from := ` FROM opportunities p`
		if q.Buyer != "" {
			from = oppFrom
		}
		if err := qr.QueryRowContext(ctx, `SELECT COUNT(*)`+from+` WHERE `+where, args...).Scan(&total); err != nil {
			return nil, 0, db.Err(err, "")
		}
	}
	return out, total, nil
}

// ListBuyer lists the opportunities of buyer orgIDs, drafts included,
// newest first.
func ListBuyer(ctx context.Context, qr db.Querier, orgIDs []int64, limit, offset int) ([]*Opportunity, int, error) {
	if len(orgIDs) == 0 {
		return nil, 0, nil
	}
	var args []any
	in := db.Placeholders(&args, orgIDs)
	var total int
	if err := qr.QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities p WHERE p.buyer_org_id IN (`+in+`)`, args...).Scan(&total); err != nil {
		return nil, 0, db.Err(err, "")
	}
	args = append(args, limit, offset)
	rows, err := qr.QueryContext(ctx, `SELECT `+oppCols+oppFrom+` WHERE p.buyer_org_id IN (`+in+`) ORDER BY p.updated_at DESC, p.id DESC LIMIT $`+
		strconv.Itoa(len(args)-1)+` OFFSET $`+strconv.Itoa(len(args)), args...)
	if err != nil {
		return nil, 0, db.Err(err, "")
	}
	defer rows.Close()
	var out []*Opportunity
	for rows.Next() {
		o, err := scanOpp(rows)
		if err != nil {
			return nil, 0, db.Err(err, "")
		}
		out = append(out, o)
	}
	if err := rows.Err(); err != nil {
		return nil, 0, db.Err(err, "")
	}
	return out, total, countInterests(ctx, qr, out)
}

func countInterests(ctx context.Context, q db.Querier, os []*Opportunity) error {
	if len(os) == 0 {
		return nil
	}
	byID := map[int64]*Opportunity{}
	ids := make([]int64, len(os))
	for i, o := range os {
		byID[o.ID], ids[i] = o, o.ID
	}
	var args []any
	in := db.Placeholders(&args, ids)
	rows, err := q.QueryContext(ctx, `SELECT opportunity_id, COUNT(*) FROM opportunity_interests WHERE opportunity_id IN (`+in+`) GROUP BY opportunity_id`, args...)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return db.Err(err, "")
		}
		byID[id].Interests = n
	}
	return db.Err(rows.Err(), "")
}
