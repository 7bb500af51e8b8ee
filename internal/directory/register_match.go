package directory

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// Organisations typed in by hand have no identifier, so a register import
// cannot know one is the charity or company a row describes. Rather than
// create a second organisation, the import proposes the match (name and
// postcode, with a confidence score: directory.MatchScore, as grant
// recipients are matched) for an administrator to confirm at
// /admin/directory/register-matches. Confirming gives the organisation
// the entry's identifier (the next refresh then updates it, filling only
// empty fields the first time); rejecting lets the next refresh create
// the entry as an organisation of its own.

// noApostrophes makes "Men's" and "Mens" one word.
var noApostrophes = strings.NewReplacer("'", "", "’", "")

// minProposal is the lowest confidence proposed.
const minProposal = 50

// handMatcher holds the organisations without an identifier.
type handMatcher struct {
	register string
	orgs     []handOrg
	byWord   map[string][]int
	// byPostcode: the organisations at each (normalised) postcode.
	byPostcode map[string][]int
	rejected   map[string]bool // number \x00 org id
	// scored counts the organisations best has scored (for tests).
	scored int
}

type handOrg struct {
	id             int64
	name, postcode string
	tokens         []string
}

func loadHandMatcher(ctx context.Context, q db.Querier, register string) (*handMatcher, error) {
	m := &handMatcher{register: register, byWord: map[string][]int{}, byPostcode: map[string][]int{}, rejected: map[string]bool{}}
	rows, err := q.QueryContext(ctx, `SELECT o.id, o.name, COALESCE(p.postcode, '') FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id
		WHERE NOT EXISTS (SELECT 1 FROM org_identifiers i WHERE i.organisation_id = o.id) ORDER BY o.id`)
	if err != nil {
		return nil, err
	}
	for rows.Next() {
		var o handOrg
		if err := rows.Scan(&o.id, &o.name, &o.postcode); err != nil {
			rows.Close()
			return nil, err
		}
		m.add(o)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return nil, err
	}
	rows, err = q.QueryContext(ctx, `SELECT number, organisation_id FROM register_match_proposals WHERE register = $1 AND status = 'rejected'`, register)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var n string
		var id int64
		if err := rows.Scan(&n, &id); err != nil {
			return nil, err
		}
		m.rejected[n+"\x00"+strconv.FormatInt(id, 10)] = true
	}
	return m, rows.Err()
}

// add indexes an organisation typed in by hand by its name's words and
// its postcode.
func (m *handMatcher) add(o handOrg) {
	o.postcode = normPostcode(o.postcode)
	o.tokens = NameTokens(noApostrophes.Replace(o.name))
	for _, w := range o.tokens {
		m.byWord[w] = append(m.byWord[w], len(m.orgs))
	}
	if o.postcode != "" {
		m.byPostcode[o.postcode] = append(m.byPostcode[o.postcode], len(m.orgs))
	}
	m.orgs = append(m.orgs, o)
}

// propose records the likely matches of a new register row among the
// organisations typed in by hand (the best three of minProposal or more)
// and says whether there were any (then the row is not created).
func (m *handMatcher) propose(ctx context.Context, tx *db.Tx, row *regRow) (bool, error) {
	pc := normPostcode(row.postcode)
	best := m.best(noApostrophes.Replace(row.name), pc, row.number)
	if len(best) == 0 {
		return false, nil
	}
	now := db.Now()
	for _, b := range best {
		if _, err := tx.ExecContext(ctx, `INSERT INTO register_match_proposals (register, number, identifier, register_name, register_postcode, organisation_id, confidence, reason, created_at)
			VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) ON CONFLICT (register, number, organisation_id) DO NOTHING`,
			m.register, row.number, row.identifier, row.name, pc, m.orgs[b.i].id, b.c, b.why, now); err != nil {
			return false, err
		}
	}
	return true, nil
}

// commonWord is how many names a word may be in and still pick
// candidates: a word most names have says little.
const commonWord = 500

type scored struct {
	i, c int
	why  string
}

// best scores the organisations typed in by hand that share the row's
// postcode or a word of its name, and returns the best three of
// minProposal or more. Words in more than commonWord names are passed
// over, except that a name made only of such words (at national scale
// "Blackpool Community Trust" is) still looks among the names that have
// all of its words (fallback), so a row is never created beside its
// hand-typed twin only because its words are common.
func (m *handMatcher) best(name, pc, number string) []scored {
	if len(m.orgs) == 0 {
		return nil
	}
	seen := map[int]bool{}
	var best []scored
	consider := func(is []int) {
		for _, i := range is {
			if seen[i] {
				continue
			}
			seen[i] = true
			m.scored++
			o := m.orgs[i]
			if m.rejected[number+"\x00"+strconv.FormatInt(o.id, 10)] {
				continue
			}
			if c, why := MatchScore(name, pc, o.tokens, o.postcode); c >= minProposal {
				best = append(best, scored{i, c, why})
			}
		}
	}
	if pc != "" && len(m.byPostcode[pc]) <= commonWord {
		consider(m.byPostcode[pc])
	}
	var rarest string
	used := false
	for _, w := range NameTokens(name) {
		switch n := len(m.byWord[w]); {
		case n == 0:
		case n > commonWord:
			if rarest == "" || n < len(m.byWord[rarest]) {
				rarest = w
			}
		default:
			used = true
			consider(m.byWord[w])
		}
	}
	if !used && rarest != "" {
		consider(m.fallback(NameTokens(name)))
	}
	slices.SortFunc(best, func(a, b scored) int { return b.c - a.c })
	return best[:min(3, len(best))]
}

// fallbackLimit is the most organisations the common-words fallback
// scores for one register row. It scored every name with the rarest of
// the row's words: at national scale tens of thousands for each such row.
const fallbackLimit = 1000

// fallback is the organisations whose names have every one of tokens
// (those in no name aside): the intersection of the words' lists, walked
// from the shortest (integer merges, nothing scored), with the names
// made of exactly those words (twins) first, at most fallbackLimit of
// them. A row whose words are all shared by more names than that is
// compared with the twins and the first others only.
func (m *handMatcher) fallback(tokens []string) []int {
	var lists [][]int
	for _, w := range tokens {
		if l := m.byWord[w]; len(l) > 0 {
			lists = append(lists, l)
		}
	}
	if len(lists) == 0 {
		return nil
	}
	slices.SortFunc(lists, func(a, b []int) int { return len(a) - len(b) })
	var twins, others []int
	pos := make([]int, len(lists))
	for _, i := range lists[0] { // each list is ascending (add appends)
		all := true
		for k := 1; k < len(lists) && all; k++ {
			l := lists[k]
			for pos[k] < len(l) && l[pos[k]] < i {
				pos[k]++
			}
			all = pos[k] < len(l) && l[pos[k]] == i
		}
		if !all {
			continue
		}
		if slices.Equal(m.orgs[i].tokens, tokens) {
			twins = append(twins, i)
		} else if len(others) < fallbackLimit {
			others = append(others, i)
		}
	}
	out := append(twins, others...)
	return out[:min(len(out), fallbackLimit)]
}

// MatchProposal is a register entry proposed as an organisation typed in
// by hand.
type MatchProposal struct {
	ID               int64
	Register         string
	Number           string
	Identifier       string
	RegisterName     string
	RegisterPostcode string
	OrgID            int64
	OrgName, OrgSlug string
	OrgPostcode      string
	Confidence       int
	Reason           string
	Status           string
	CreatedAt        time.Time
}

// MatchProposals lists proposals in a status, the surest first.
func MatchProposals(ctx context.Context, q db.Querier, status string, limit, offset int) ([]MatchProposal, int, error) {
	var total int
	if err := q.QueryRowContext(ctx, `SELECT COUNT(*) FROM register_match_proposals WHERE status = $1`, status).Scan(&total); err != nil {
		return nil, 0, err
	}
	rows, err := q.QueryContext(ctx, `SELECT m.id, m.register, m.number, m.identifier, m.register_name, m.register_postcode, m.organisation_id, o.name, o.slug, COALESCE(p.postcode, ''),
		m.confidence, m.reason, m.status, m.created_at
		FROM register_match_proposals m JOIN organisations o ON o.id = m.organisation_id LEFT JOIN org_profiles p ON p.organisation_id = o.id
		WHERE m.status = $1 ORDER BY m.confidence DESC, m.id LIMIT $2 OFFSET $3`, status, limit, offset)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []MatchProposal
	for rows.Next() {
		var p MatchProposal
		if err := rows.Scan(&p.ID, &p.Register, &p.Number, &p.Identifier, &p.RegisterName, &p.RegisterPostcode, &p.OrgID, &p.OrgName, &p.OrgSlug, &p.OrgPostcode,
			&p.Confidence, &p.Reason, &p.Status, &p.CreatedAt); err != nil {
			return nil, 0, err
		}
		out = append(out, p)
	}
	return out, total, rows.Err()
}

// DecideMatch confirms (the organisation gets the entry's identifier; the
// entry's other proposals are rejected) or rejects a proposal.
func DecideMatch(ctx context.Context, tx *db.Tx, id int64, confirm bool, userID int64) (MatchProposal, error) {
	var p MatchProposal
	err := tx.QueryRowContext(ctx, `SELECT m.register, m.number, m.identifier, m.register_name, m.organisation_id, o.name, m.status
		FROM register_match_proposals m JOIN organisations o ON o.id = m.organisation_id WHERE m.id = $1`, id).
		Scan(&p.Register, &p.Number, &p.Identifier, &p.RegisterName, &p.OrgID, &p.OrgName, &p.Status)
	if err == sql.ErrNoRows {
		return p, apperr.NotFound("Proposed match")
	}
	if err != nil {
		return p, err
	}
	if p.Status != "proposed" {
		return p, apperr.Errorf(apperr.EINVALID, "This match was already %s", p.Status)
	}
	var uid any
	if userID != 0 {
		uid = userID
	}
	now := db.Now()
	status := "rejected"
	if confirm {
		status = "confirmed"
		prof, err := LoadProfile(ctx, tx, p.OrgID)
		if err != nil {
			return p, err
		}
		prof.Identifiers = append(prof.Identifiers, p.Identifier)
		if _, err := SaveProfile(ctx, tx, prof); err != nil {
			return p, err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE register_match_proposals SET status = 'rejected', decided_by = $1, decided_at = $2
			WHERE register = $3 AND number = $4 AND status = 'proposed' AND id <> $5`, uid, now, p.Register, p.Number, id); err != nil {
			return p, err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE register_match_proposals SET status = $1, decided_by = $2, decided_at = $3 WHERE id = $4`, status, uid, now, id); err != nil {
		return p, err
	}
	p.Status = status
	return p, audit.Record(ctx, tx, p.OrgID, "directory.register_match_"+status, "register_match", id, fmt.Sprintf("%s (%s) %s as %s", p.RegisterName, p.Identifier, status, p.OrgName))
}
