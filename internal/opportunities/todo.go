package opportunities

import (
	"context"
	"sort"
	"time"

	"partnerhub/internal/web"
)

// ClosingSoon is how near an opportunity's close must be to be a todo.
const ClosingSoon = 14 * 24 * time.Hour

// Todos is the opportunities feature's lines on a signed-in person's home:
// for each of their organisations outside the public sector, open
// opportunities that fit its profile (FitsFor, less those the person hid)
// and close within ClosingSoon (they are listed on the organisation's
// dashboard); for a public-sector buyer they edit for, what waits on the
// buyer (buyerTodos).
func (s *Service) Todos(ctx context.Context, id *web.Identity) ([]web.Todo, error) {
	ids := make([]int64, 0, len(id.Orgs))
	for org := range id.Orgs {
		ids = append(ids, org)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	now := s.Now()
	var out []web.Todo
	for _, org := range ids {
		var slug, name, sector string
		if err := s.DB.Q().QueryRowContext(ctx, `SELECT slug, name, sector FROM organisations WHERE id = $1`, org).Scan(&slug, &name, &sector); err != nil {
			return nil, err
		}
		if sector == "public" {
			if id.Orgs[org] >= web.RoleEditor {
				buy, err := s.buyerTodos(ctx, org, slug, name, now)
				if err != nil {
					return nil, err
				}
				out = append(out, buy...)
			}
			continue
		}
		fits, err := FitsFor(ctx, s.DB.Q(), s.DB.Dialect, org, now, 25)
		if err != nil {
			return nil, err
		}
		if fits, err = s.withoutHidden(ctx, fits, 25); err != nil {
			return nil, err
		}
		n := 0
		for _, f := range fits {
			if c := f.O.ClosesAt(); c != nil && c.After(now) && c.Sub(now) <= ClosingSoon {
				n++
			}
		}
		if n > 0 {
			out = append(out, web.Todo{Title: "Opportunities closing soon that fit " + name, Count: n, Href: "/orgs/" + slug,
				Hint: "Open, matching your profile, and closing within two weeks."})
		}
	}
	return out, nil
}

// buyerTodos is what waits on a buyer: clarification questions not yet
// answered, tenders and grant programmes closed without an award or a
// cancellation, and consultations closed without "you said, we did".
func (s *Service) buyerTodos(ctx context.Context, org int64, slug, name string, now time.Time) ([]web.Todo, error) {
	var out []web.Todo
	q := s.DB.Q()
	count := func(query string, args ...any) (int, error) {
		var n int
		err := q.QueryRowContext(ctx, query, args...).Scan(&n)
		return n, err
	}
	href := "/orgs/" + slug + "/opportunities"
	n, err := count(`SELECT COUNT(*) FROM opportunity_questions x JOIN opportunities p ON p.id = x.opportunity_id
		WHERE p.buyer_org_id = $1 AND x.answered_at IS NULL AND p.status <> 'cancelled'`, org)
	if err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, web.Todo{Title: "Clarification questions waiting for " + name + "'s answer", Count: n, Href: href,
			Hint: "Answer them to the organisation that asked, or publish the answer for every bidder."})
	}
	if n, err = count(`SELECT COUNT(*) FROM opportunities WHERE buyer_org_id = $1 AND kind IN ('tender', 'grant')
		AND (status = 'closed' OR (status = 'open' AND closes_at <= $2))`, org, now); err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, web.Todo{Title: "Closed opportunities of " + name + " waiting for an award", Count: n, Href: href,
			Hint: "Record the award, or cancel the opportunity, so bidders and the open data know."})
	}
	if n, err = count(`SELECT COUNT(*) FROM opportunities p LEFT JOIN consultation_settings c ON c.opportunity_id = p.id
		WHERE p.buyer_org_id = $1 AND p.kind = 'consultation' AND p.published_at IS NOT NULL AND p.status <> 'cancelled'
		AND p.closes_at <= $2 AND COALESCE(c.you_said, '') = ''`, org, now); err != nil {
		return nil, err
	}
	if n > 0 {
		out = append(out, web.Todo{Title: "Closed consultations of " + name + " without “you said, we did”", Count: n, Href: href,
			Hint: "Tell the organisations that responded what changed because of what they said."})
	}
	return out, nil
}
