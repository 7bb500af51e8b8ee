package grants

import (
	"context"
	"fmt"
	"slices"
	"strings"

	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// matcher finds the directory organisation a recipient is.
type matcher struct {
	q db.Querier
	// ids are the directory's identifiers (normalised; see NormOrgID).
	ids map[string]int64
	// confirmed are recipients an admin matched; rejected are proposals
	// an admin turned down (never proposed again).
	confirmed map[string]int64
	rejected  map[string]bool
	orgs      []orgRow // loaded when a recipient is not matched
}

type orgRow struct {
	id             int64
	name, postcode string
	tokens         []string
}

func loadMatcher(ctx context.Context, q db.Querier) (*matcher, error) {
	m := &matcher{q: q, ids: map[string]int64{}, confirmed: map[string]int64{}, rejected: map[string]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT identifier, organisation_id FROM org_identifiers`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var ident string
		var id int64
		if err := rows.Scan(&ident, &id); err != nil {
			rows.Close()
			return nil, err
		}
		m.ids[NormOrgID(ident)] = id
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT recipient_key, organisation_id, status FROM grant_match_proposals WHERE status <> 'proposed'`)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var key, status string
		var id int64
		if err := rows.Scan(&key, &id, &status); err != nil {
			return nil, err
		}
		if status == "confirmed" {
			m.confirmed[key] = id
		} else {
			m.rejected[fmt.Sprint(key, "\x00", id)] = true
		}
	}
	return m, rows.Err()
}

// candidates are the org-ids a recipient may be known by in the
// directory: its own identifier, and its charity and company numbers
// crosswalked to GB-CHC / GB-SC / GB-NIC and GB-COH (a 360G- identifier
// is the funder's own, so only the numbers can match it).
func candidates(g *Grant) []string {
	var out []string
	if g.RecipientIdentifier != "" {
		out = append(out, g.RecipientIdentifier)
		// GB-CHC-1234567-1 (a subsidiary) is also the main charity.
		if rest, ok := strings.CutPrefix(g.RecipientIdentifier, "GB-CHC-"); ok {
			if i := strings.IndexByte(rest, '-'); i > 0 {
				out = append(out, "GB-CHC-"+rest[:i])
			}
		}
	}
	if c := g.RecipientCharityNumber; c != "" {
		switch {
		case strings.HasPrefix(c, "SC"):
			out = append(out, "GB-SC-"+c)
		case strings.HasPrefix(c, "NIC"):
			out = append(out, "GB-NIC-"+c)
		default:
			out = append(out, "GB-CHC-"+c, "GB-NIC-"+c)
		}
	}
	if c := g.RecipientCompanyNumber; c != "" {
		out = append(out, "GB-COH-"+c)
	}
	return out
}

// match returns the organisation a grant's recipient is and how it was
// found ("identifier" or "confirmed"), or 0.
func (m *matcher) match(g *Grant) (int64, string) {
	for _, c := range candidates(g) {
		if id, ok := m.ids[NormOrgID(c)]; ok {
			return id, "identifier"
		}
	}
	if id, ok := m.confirmed[g.RecipientKey]; ok {
		return id, "confirmed"
	}
	return 0, ""
}

// Proposal is a suggested match of a recipient to an organisation.
type Proposal struct {
	ID                int64
	RecipientKey      string
	RecipientName     string
	RecipientPostcode string
	OrgID             int64
	OrgName, OrgSlug  string
	OrgPostcode       string
	Confidence        int
	Reason            string
	Status            string
	Grants            int
	GBP               int64 // pence
}

func tokens(name string) []string { return directory.NameTokens(name) }

// score is how sure a match of a recipient to an organisation is (see
// directory.MatchScore). Only proposals of 50 or more are made.
func score(name, postcode string, o orgRow) (int, string) {
	return directory.MatchScore(name, postcode, o.tokens, o.postcode)
}

// propose records, for each recipient not matched, the organisations
// whose name and postcode make a likely match (the best three of 50 or
// more), for an administrator to confirm or reject. Proposals already
// made or rejected are not made again. It returns how many it added.
func propose(ctx context.Context, tx *db.Tx, m *matcher, unmatched map[string]*Grant) (int, error) {
	if m.orgs == nil {
		rows, err := tx.QueryContext(ctx, `SELECT o.id, o.name, COALESCE(p.postcode, '') FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id`)
		if err != nil {
			return 0, err
		}
		for rows.Next() {
			var o orgRow
			if err := rows.Scan(&o.id, &o.name, &o.postcode); err != nil {
				rows.Close()
				return 0, err
			}
			if pc, ok := directory.NormalisePostcode(o.postcode); ok {
				o.postcode = pc
			}
			o.tokens = tokens(o.name)
			m.orgs = append(m.orgs, o)
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return 0, err
		}
	}
	// Organisations by word and by postcode, so a recipient is compared
	// only with organisations that share one of them.
	byWord, byPC := map[string][]int{}, map[string][]int{}
	for i, o := range m.orgs {
		for _, w := range o.tokens {
			byWord[w] = append(byWord[w], i)
		}
		if o.postcode != "" {
			byPC[o.postcode] = append(byPC[o.postcode], i)
		}
	}
	added := 0
	now := db.Now()
	for _, key := range sortedGrantKeys(unmatched) {
		g := unmatched[key]
		seen := map[int]bool{}
		var cands []int
		for _, w := range tokens(g.RecipientName) {
			if len(byWord[w]) > 500 { // a word most names have says nothing
				continue
			}
			for _, i := range byWord[w] {
				if !seen[i] {
					seen[i] = true
					cands = append(cands, i)
				}
			}
		}
		type scored struct {
			i, c int
			why  string
		}
		var best []scored
		for _, i := range cands {
			c, why := score(g.RecipientName, g.RecipientPostcode, m.orgs[i])
			if c >= 50 && !m.rejected[fmt.Sprint(key, "\x00", m.orgs[i].id)] {
				best = append(best, scored{i, c, why})
			}
		}
		slices.SortFunc(best, func(a, b scored) int { return b.c - a.c })
		for _, b := range best[:min(3, len(best))] {
			r, err := tx.ExecContext(ctx, `INSERT INTO grant_match_proposals (recipient_key, recipient_name, recipient_postcode, organisation_id, confidence, reason, created_at)
				VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT (recipient_key, organisation_id) DO NOTHING`,
				key, g.RecipientName, g.RecipientPostcode, m.orgs[b.i].id, b.c, b.why, now)
			if err != nil {
				return 0, err
			}
			if n, _ := r.RowsAffected(); n > 0 {
				added++
			}
		}
	}
	return added, nil
}

func sortedGrantKeys(m map[string]*Grant) []string {
	out := make([]string, 0, len(m))
	for k := range m {
		out = append(out, k)
	}
	slices.Sort(out)
	return out
}
