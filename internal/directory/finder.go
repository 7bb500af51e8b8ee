package directory

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"sync"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// FinderQuery is "we need partners who can deliver <services/themes> for
// <client groups> in <areas>", optionally "to complement <organisation>".
type FinderQuery struct {
	Services, Themes, ClientGroups []int64 // taxonomy term ids
	Wards                          []string
	LocalAuthorities               []string
	Complement                     int64 // organisation id whose gaps to fill, 0 for none
	ExcludeOrgs                    []int64
	Limit                          int
	// Pool is how many coarse candidates are scored (1 to 200; 0 or more
	// than 200: 200, the finder's own). A caller that wants a handful of
	// suggestions for many needs at once (the bid builder's gaps) scores
	// fewer; the search tiers still pick them.
	Pool int
}

// Match is one ranked organisation with the reasons it was chosen.
type Match struct {
	Org     accounts.Organisation
	Score   float64 // 0 to 100
	Reasons []string
}

// Weights of a need by vocabulary: services matter most.
const (
	wService     = 3.0
	wClientGroup = 2.0
	wTheme       = 1.0
	// candidatePool is how many coarse candidates the SQL step returns for
	// the detailed scoring in Go.
	candidatePool = 200
)

// candInfo is what scoring reads of one candidate. Its terms (about ten)
// and areas (one to three) are short lists searched in turn: as maps,
// three per candidate, they were most of the finder's allocations.
type candInfo struct {
	terms       []int64 // distinct
	wards       []string
	las         []string
	policies    int
	policiesDue int
	marks       []string
	partners    int
	ready       bool
}

// finderPlan is a finder query resolved against the asker's profile.
type finderPlan struct {
	need            map[int64]float64
	wards, las      []string
	asker, askerSvc map[int64]bool
	exclude         map[int64]bool
	pool            int
}

// planFinder weighs the needs, canonicalises the areas and, in
// complement mode, loads the asking organisation's terms.
func planFinder(ctx context.Context, q db.Querier, fq FinderQuery) (*finderPlan, error) {
	need := map[int64]float64{}
	for _, id := range fq.Themes {
		need[id] = wTheme
	}
	for _, id := range fq.ClientGroups {
		need[id] = wClientGroup
	}
	for _, id := range fq.Services {
		need[id] = wService
	}
	var wards, lasq []string
	for _, w := range fq.Wards {
		if cw, ok := CanonicalWard(w); ok {
			wards = append(wards, cw)
		}
	}
	for _, c := range fq.LocalAuthorities {
		if la, ok := LocalAuthorityByCode(c); ok {
			lasq = append(lasq, la.Code)
		}
	}
	asker := map[int64]bool{}
	askerSvc := map[int64]bool{}
	exclude := map[int64]bool{}
	for _, id := range fq.ExcludeOrgs {
		exclude[id] = true
	}
	if fq.Complement != 0 {
		exclude[fq.Complement] = true
		rows, err := q.QueryContext(ctx, `SELECT ot.term_id, t.vocabulary FROM org_terms ot JOIN taxonomy_terms t ON t.id = ot.term_id WHERE ot.organisation_id = $1`, fq.Complement)
		if err != nil {
			return nil, err
		}
		for rows.Next() {
			var id int64
			var voc string
			if err := rows.Scan(&id, &voc); err != nil {
				rows.Close()
				return nil, err
			}
			asker[id] = true
			if voc == "service" {
				askerSvc[id] = true
			} else if len(fq.Services)+len(fq.Themes)+len(fq.ClientGroups) == 0 {
				// No needs given: look among organisations working in the
				// same themes and with the same client groups.
				if voc == "theme" {
					need[id] = wTheme
				} else {
					need[id] = wClientGroup
				}
			}
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return nil, err
		}
	}
	if len(need) == 0 && len(wards) == 0 && len(lasq) == 0 {
		return nil, apperr.Errorf(apperr.EINVALID, "Choose at least one service, theme, client group or area to find partners")
	}
	pool := candidatePool
	if fq.Pool > 0 && fq.Pool < candidatePool {
		pool = fq.Pool
	}
	return &finderPlan{need: need, wards: wards, las: lasq, asker: asker, askerSvc: askerSvc, exclude: exclude, pool: pool}, nil
}

// FindPartners ranks organisations for a partner search and explains each
// match: the needs it covers, area overlap, policies and quality marks
// held, partnerships it already has. With Complement set it favours
// organisations that cover what that organisation lacks and marks down
// its twins (organisations offering the same things).
func FindPartners(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery) ([]Match, error) {
	pl, err := planFinder(ctx, q, fq)
	if err != nil {
		return nil, err
	}
	need, wards, lasq, exclude := pl.need, pl.wards, pl.las, pl.exclude
	if fq.Limit <= 0 || fq.Limit > 100 {
		fq.Limit = 20
	}

	// Coarse step in SQL: organisations with any needed term or in any
	// area, summed by weight.
	var ids []int64
	if !relationalOnly {
		ids, err = finderCandidatesFTS(ctx, q, d, pl)
	} else {
		ids, err = finderCandidates(ctx, q, d, need, wards, lasq, exclude)
	}
	if err != nil {
		return nil, err
	}
	if len(ids) == 0 {
		return nil, nil
	}
	out, err := pl.score(ctx, q, d, fq, ids)
	if err != nil {
		return nil, err
	}
	return out, nil
}

// FindPartnersEach answers several partner-finder queries at once (the
// bid builder's gaps): each query's coarse candidates come from its own
// search-token tiers as in FindPartners, then what scoring needs is loaded
// once for the union of every query's candidates (a query per table, not
// a query per table per query), and each query is scored and ranked in Go
// exactly as FindPartners ranks it. out[i] answers qs[i]; a query with no
// needs or areas answers nil.
func FindPartnersEach(ctx context.Context, q db.Querier, d db.Dialect, qs []FinderQuery) ([][]Match, error) {
	out := make([][]Match, len(qs))
	plans := make([]*finderPlan, len(qs))
	cands := make([][]int64, len(qs))
	seen := map[int64]bool{}
	var union []int64
	for i, fq := range qs {
		pl, err := planFinder(ctx, q, fq)
		if apperr.Is(err, apperr.EINVALID) {
			continue
		}
		if err != nil {
			return nil, err
		}
		var ids []int64
		if !relationalOnly {
			ids, err = finderCandidatesFTS(ctx, q, d, pl)
		} else {
			ids, err = finderCandidates(ctx, q, d, pl.need, pl.wards, pl.las, pl.exclude)
		}
		if err != nil {
			return nil, err
		}
		plans[i], cands[i] = pl, ids
		for _, id := range ids {
			if !seen[id] {
				seen[id] = true
				union = append(union, id)
			}
		}
	}
	if len(union) == 0 {
		return out, nil
	}
	cd, err := loadCandidates(ctx, q, d, union)
	if err != nil {
		return nil, err
	}
	for i, fq := range qs {
		if plans[i] == nil || len(cands[i]) == 0 {
			continue
		}
		out[i] = plans[i].rank(fq, cands[i], cd)
	}
	return out, nil
}

// ranked is a scored candidate, sorted by rankOrder.
type ranked struct {
	org   *accounts.Organisation
	score float64
}

// rankOrder sorts candidates best first, then by name, keeping the
// candidates' order among equals (a stable sort), and keeps limit (20
// when out of 1 to 100). It sorts small entries: the matches (an
// organisation each) are made for the kept ones only.
func rankOrder(all []ranked, limit int) []ranked {
	if limit <= 0 || limit > 100 {
		limit = 20
	}
	slices.SortStableFunc(all, func(a, b ranked) int {
		if a.score != b.score {
			return cmp.Compare(b.score, a.score)
		}
		return strings.Compare(a.org.Name, b.org.Name)
	})
	if len(all) > limit {
		all = all[:limit]
	}
	return all
}

// candidates is what scoring reads of a set of organisations.
type candidates struct {
	infos map[int64]*candInfo
	orgs  map[int64]*accounts.Organisation
	names map[int64]string
	svcs  map[int64]bool
}

func loadCandidates(ctx context.Context, q db.Querier, d db.Dialect, ids []int64) (*candidates, error) {
	infos, orgs, err := candidateDetails(ctx, q, d, ids)
	if err != nil {
		return nil, err
	}
	names, svcs, err := cachedTermNames(ctx, q)
	if err != nil {
		return nil, err
	}
	return &candidates{infos, orgs, names, svcs}, nil
}

// score ranks the candidates ids against the plan (rank).
func (pl *finderPlan) score(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery, ids []int64) ([]Match, error) {
	cd, err := loadCandidates(ctx, q, d, ids)
	if err != nil {
		return nil, err
	}
	return pl.rank(fq, ids, cd), nil
}

// rank scores the candidates ids (loaded in cd) against the plan: the
// needs each covers, area overlap, complement, policies, quality marks,
// partnerships and readiness. It keeps the best fq.Limit (rankMatches'
// order and limit), each with its reasons in words; the reasons, most of
// the scoring's work in Go, are written only for the matches kept (every
// candidate is scored by the same code, assess, without them).
func (pl *finderPlan) rank(fq FinderQuery, ids []int64, cd *candidates) []Match {
	var totalNeed float64
	for id, w := range pl.need {
		totalNeed += pl.weight(fq, id, w)
	}
	all := make([]ranked, 0, len(ids))
	for _, id := range ids {
		ci, o := cd.infos[id], cd.orgs[id]
		if ci == nil || o == nil {
			continue
		}
		score, _ := pl.assess(fq, ci, cd, totalNeed, false)
		all = append(all, ranked{o, score})
	}
	kept := rankOrder(all, fq.Limit)
	out := make([]Match, len(kept))
	for i, r := range kept {
		out[i] = Match{Org: *r.org, Score: r.score}
		_, out[i].Reasons = pl.assess(fq, cd.infos[r.org.ID], cd, totalNeed, true)
	}
	return out
}

// weight is need w of term t as this query counts it: a quarter in
// complement mode for what the asker offers already, when needs are given.
func (pl *finderPlan) weight(fq FinderQuery, t int64, w float64) float64 {
	if fq.Complement != 0 && pl.asker[t] && len(fq.Services)+len(fq.Themes)+len(fq.ClientGroups) > 0 {
		return w * 0.25
	}
	return w
}

// assess is one candidate's score (0 to 100, to a tenth) and, when why is
// set, the reasons for it in words.
func (pl *finderPlan) assess(fq FinderQuery, ci *candInfo, cd *candidates, totalNeed float64, why bool) (float64, []string) {
	need, wards, lasq, asker, askerSvc := pl.need, pl.wards, pl.las, pl.asker, pl.askerSvc
	names, svcs := cd.names, cd.svcs
	var reasons []string
	var got float64
	var covered []string
	for t, w := range need {
		if slices.Contains(ci.terms, t) {
			got += pl.weight(fq, t, w)
			if why {
				covered = append(covered, names[t])
			}
		}
	}
	score := 0.0
	if totalNeed > 0 {
		score += 60 * got / totalNeed
		if len(covered) > 0 {
			sort.Strings(covered)
			reasons = append(reasons, fmt.Sprintf("Covers %d of %d needs: %s", len(covered), len(need), strings.Join(covered, ", ")))
		}
	}
	if len(wards)+len(lasq) > 0 {
		var hit []string
		nhit := 0
		for _, w := range wards {
			if slices.Contains(ci.wards, w) {
				nhit++
				if why {
					hit = append(hit, w)
				}
			}
		}
		for _, c := range lasq {
			if slices.Contains(ci.las, c) {
				nhit++
				if why {
					la, _ := LocalAuthorityByCode(c)
					hit = append(hit, la.Name)
				}
			}
		}
		frac := float64(nhit) / float64(len(wards)+len(lasq))
		if nhit == 0 && len(wards) > 0 && slices.Contains(ci.las, "BPL") {
			frac = 0.5 // works across Blackpool, not ward by ward
			nhit, hit = 1, append(hit, "all of Blackpool")
		}
		score += 20 * frac
		if why {
			if nhit > 0 {
				reasons = append(reasons, "Works in "+strings.Join(hit, ", "))
			} else {
				reasons = append(reasons, "Does not list the areas you asked for")
			}
		}
	}
	if fq.Complement != 0 {
		var fills []string
		nfill := 0
		for _, t := range ci.terms {
			if !asker[t] && svcs[t] && !askerSvc[t] {
				nfill++
				if why {
					fills = append(fills, names[t])
				}
			}
		}
		score += 5 * float64(min(nfill, 3))
		if nfill > 0 && why {
			sort.Strings(fills)
			reasons = append(reasons, "Offers what you do not: "+strings.Join(fills, ", "))
		}
		if j := jaccard(asker, ci.terms); j > 0.5 {
			score -= 25 * j
			if why {
				reasons = append(reasons, fmt.Sprintf("Similar to you (%d%% of themes, services and client groups in common)", int(j*100+0.5)))
			}
		}
	}
	if ci.policies > 0 {
		score += 8 * float64(ci.policies-ci.policiesDue) / float64(len(PolicyKinds))
		if why {
			r := fmt.Sprintf("Holds %d of %d key policies", ci.policies, len(PolicyKinds))
			if ci.policiesDue > 0 {
				r += fmt.Sprintf(" (%d due for review)", ci.policiesDue)
			}
			reasons = append(reasons, r)
		}
	}
	if len(ci.marks) > 0 {
		score += 4
		if why {
			reasons = append(reasons, "Quality marks: "+strings.Join(ci.marks, ", "))
		}
	}
	if ci.partners > 0 {
		score += 3
		if why {
			reasons = append(reasons, fmt.Sprintf("Already in %d partnership%s", ci.partners, plural(ci.partners)))
		}
	}
	if ci.ready {
		score += 5
		if why {
			reasons = append(reasons, "Commissioning ready")
		}
	}
	score = max(0, min(score, 100))
	return float64(int(score*10+0.5)) / 10, reasons
}

// ScoreOrganisation scores one organisation against a partner-finder
// query, with the same weights and reasons as FindPartners (the
// opportunities feature ranks opportunities for an organisation by it).
// ok is false when the query has no needs or areas.
func ScoreOrganisation(ctx context.Context, q db.Querier, d db.Dialect, fq FinderQuery, orgID int64) (m Match, ok bool, err error) {
	ms, err := ScoreOrganisationEach(ctx, q, d, []FinderQuery{fq}, orgID)
	if err != nil || ms[0] == nil {
		return Match{}, false, err
	}
	return *ms[0], true, nil
}

// ScoreOrganisationEach scores one organisation against several
// partner-finder queries (an organisation's fit to every open
// opportunity) as ScoreOrganisation scores each, reading the
// organisation's details once rather than once per query. out[i] answers
// qs[i]: nil when that query has no needs or areas, or the organisation
// is not found.
func ScoreOrganisationEach(ctx context.Context, q db.Querier, d db.Dialect, qs []FinderQuery, orgID int64) ([]*Match, error) {
	out := make([]*Match, len(qs))
	plans := make([]*finderPlan, len(qs))
	some := false
	for i := range qs {
		qs[i].Complement = 0
		pl, err := planFinder(ctx, q, qs[i])
		if apperr.Is(err, apperr.EINVALID) {
			continue
		}
		if err != nil {
			return nil, err
		}
		plans[i], some = pl, true
	}
	if !some {
		return out, nil
	}
	ids := []int64{orgID}
	cd, err := loadCandidates(ctx, q, d, ids)
	if err != nil {
		return nil, err
	}
	for i, pl := range plans {
		if pl == nil {
			continue
		}
		if ms := pl.rank(qs[i], ids, cd); len(ms) > 0 {
			out[i] = &ms[0]
		}
	}
	return out, nil
}

func plural(n int) string {
	if n == 1 {
		return ""
	}
	return "s"
}

// jaccard is the Jaccard index of the set a and the distinct ids b.
func jaccard(a map[int64]bool, b []int64) float64 {
	if len(a) == 0 || len(b) == 0 {
		return 0
	}
	inter := 0
	for _, k := range b {
		if a[k] {
			inter++
		}
	}
	return float64(inter) / float64(len(a)+len(b)-inter)
}

// finderSQL builds the coarse candidate query; exported to benchmarks as
// the "bare SQL" the finder runs.
func finderSQL(need map[int64]float64, wards, las []string, exclude map[int64]bool) (string, []any) {
	var args []any
	var parts []string
	if len(need) > 0 {
		var ids []int64
		for id := range need {
			ids = append(ids, id)
		}
		sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
		var cases []string
		for _, id := range ids {
			args = append(args, id)
			cases = append(cases, fmt.Sprintf("WHEN $%d THEN %g", len(args), need[id]))
		}
		parts = append(parts, `SELECT organisation_id, CASE term_id `+strings.Join(cases, " ")+` ELSE 0 END AS w FROM org_terms WHERE term_id IN (`+db.Placeholders(&args, ids)+`)`)
	}
	if len(wards) > 0 {
		parts = append(parts, `SELECT organisation_id, 2 AS w FROM org_areas WHERE kind = 'ward' AND code IN (`+db.Placeholders(&args, wards)+`)`)
	}
	if len(las) > 0 {
		parts = append(parts, `SELECT organisation_id, 2 AS w FROM org_areas WHERE kind = 'la' AND code IN (`+db.Placeholders(&args, las)+`)`)
	}
	where := ""
	if len(exclude) > 0 {
		var ex []int64
		for id := range exclude {
			ex = append(ex, id)
		}
		where = ` WHERE c.organisation_id NOT IN (` + db.Placeholders(&args, ex) + `)`
	}
	args = append(args, candidatePool)
	return `SELECT c.organisation_id, SUM(c.w) AS score FROM (` + strings.Join(parts, " UNION ALL ") + `) c` + where +
		` GROUP BY c.organisation_id ORDER BY score DESC, c.organisation_id LIMIT $` + fmt.Sprint(len(args)), args
}

func finderCandidates(ctx context.Context, q db.Querier, d db.Dialect, need map[int64]float64, wards, las []string, exclude map[int64]bool) ([]int64, error) {
	query, args := finderSQL(need, wards, las, exclude)
	// Unkept: the text holds the search's weights and a CASE arm per
	// needed term, so each search is a new text that a page's kept
	// statements would keep until their cache is full.
	rows, err := db.Unkept(q).QueryContext(ctx, query, args...)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	var ids []int64
	for rows.Next() {
		var id int64
		var s float64
		if err := rows.Scan(&id, &s); err != nil {
			return nil, err
		}
		ids = append(ids, id)
	}
	if err := rows.Err(); err != nil {
		return nil, err
	}
	// Hide organisations whose profile is not listed.
	if len(ids) == 0 {
		return nil, nil
	}
	var args2 []any
	hidden, err := db.Column[int64](ctx, q, `SELECT organisation_id FROM org_profiles WHERE NOT published AND organisation_id IN (`+db.InList(d, &args2, ids)+`)`, args2...)
	if err != nil {
		return nil, err
	}
	if len(hidden) == 0 {
		return ids, nil
	}
	h := map[int64]bool{}
	for _, id := range hidden {
		h[id] = true
	}
	var keep []int64
	for _, id := range ids {
		if !h[id] {
			keep = append(keep, id)
		}
	}
	return keep, nil
}

// candidateDetails loads what scoring needs for the candidates: one row
// per organisation with its terms and areas aggregated and its policies,
// partnerships and readiness counted in correlated subqueries (each an
// index seek per organisation), then the current quality marks. Seven
// queries, one per table, sent every organisation's terms and areas as a
// row each (about 2,000 rows for the 200 candidates at N=200,000): the
// driver's per-row and per-column work was most of the finder's CPU.
func candidateDetails(ctx context.Context, q db.Querier, d db.Dialect, ids []int64) (map[int64]*candInfo, map[int64]*accounts.Organisation, error) {
	infos := make(map[int64]*candInfo, len(ids))
	orgs := make(map[int64]*accounts.Organisation, len(ids))
	now := time.Now()
	t := today(now)
	// Terms as "id,id,..." and areas as "kind:code" joined by the unit
	// separator (ward names are free text from the register).
	terms := `(SELECT group_concat(term_id, ',') FROM org_terms ot WHERE ot.organisation_id = o.id)`
	areas := `(SELECT group_concat(kind || ':' || code, char(31)) FROM org_areas oa WHERE oa.organisation_id = o.id)`
	if d == db.Postgres {
		terms = `(SELECT string_agg(term_id::text, ',') FROM org_terms ot WHERE ot.organisation_id = o.id)`
		areas = `(SELECT string_agg(kind || ':' || code, chr(31)) FROM org_areas oa WHERE oa.organisation_id = o.id)`
	}
	// Policies counted as before (the due date as policyDue has it) in one
	// pass over index org_policies_org_review (migration 0121), as one
	// column: held*policyPack + due (policyCountsSQL).
	query := `SELECT o.id, o.uuid, o.slug, o.name, o.sector, o.legal_form, o.created_at, o.updated_at, ` +
		`COALESCE(` + terms + `, ''), COALESCE(` + areas + `, ''), ` +
		`(` + policyCountsSQL(`op.review_date IS NULL OR op.review_date <= $1`, `org_policies op WHERE op.organisation_id = o.id`) + `), ` +
		`(SELECT COUNT(DISTINCT partnership_id) FROM partnership_members pm WHERE pm.organisation_id = o.id), ` +
		`EXISTS (SELECT 1 FROM org_badges b WHERE b.organisation_id = o.id AND b.kind = 'commissioning_ready' AND b.revoked_at IS NULL AND (b.valid_until IS NULL OR b.valid_until >= $2)) ` +
		`FROM organisations o WHERE o.id `
	// The ids as one parameter: the text is the same for any number of
	// candidates, so it is parsed once and kept prepared (Service.q); a
	// list of placeholders made a new text per length, parsed each time.
	args := []any{t.Add(ReviewWarning), t}
	query += db.InIDs(d, &args, ids)
	err := db.EachRow(ctx, q, query, args, func(r *sql.Rows) error {
		var o accounts.Organisation
		var ts, as string
		var pol int64
		ci := &candInfo{}
		if err := r.Scan(&o.ID, &o.UUID, &o.Slug, &o.Name, &o.Sector, &o.LegalForm, &o.CreatedAt, &o.UpdatedAt,
			&ts, &as, &pol, &ci.partners, &ci.ready); err != nil {
			return err
		}
		ci.policies, ci.policiesDue = unpackPolicies(pol)
		if ts != "" {
			ci.terms = make([]int64, 0, strings.Count(ts, ",")+1)
		}
		for f := range strings.SplitSeq(ts, ",") {
			if f == "" {
				continue
			}
			id, err := strconv.ParseInt(f, 10, 64)
			if err != nil {
				return fmt.Errorf("organisation %d: term %q: %w", o.ID, f, err)
			}
			if !slices.Contains(ci.terms, id) { // org_terms has one row per term: never, but a set
				ci.terms = append(ci.terms, id)
			}
		}
		for f := range strings.SplitSeq(as, "\x1f") {
			kind, code, ok := strings.Cut(f, ":")
			if !ok {
				continue
			}
			if kind == "ward" {
				ci.wards = append(ci.wards, code)
			} else {
				ci.las = append(ci.las, code)
			}
		}
		orgs[o.ID], infos[o.ID] = &o, ci
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	marks, err := CurrentQualityMarks(ctx, q, d, ids, t)
	if err != nil {
		return nil, nil, err
	}
	for o, m := range marks {
		if ci := infos[o]; ci != nil {
			ci.marks = m
		}
	}
	return infos, orgs, nil
}

// termNames maps every term id to its name, and says which are services.
func termNames(ctx context.Context, q db.Querier) (map[int64]string, map[int64]bool, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, vocabulary, name FROM taxonomy_terms`)
	if err != nil {
		return nil, nil, err
	}
	defer rows.Close()
	names, svcs := map[int64]string{}, map[int64]bool{}
	for rows.Next() {
		var id int64
		var voc, name string
		if err := rows.Scan(&id, &voc, &name); err != nil {
			return nil, nil, err
		}
		names[id] = name
		svcs[id] = voc == "service"
	}
	return names, svcs, rows.Err()
}

// finderCandidatesFTS is the coarse step at scale: instead of summing
// every matching org_terms and org_areas row (all organisations offering a
// common service: tens of thousands at N=200,000), it asks the search
// documents' filter tokens (SQLite: org_fts, migration 0120; PostgreSQL:
// org_search, 0126) for tiers of decreasing coverage, each stopping at the
// pool size (SQLite reads in rowid order, PostgreSQL in storage order):
//
//  1. every need and at least one of the areas
//  2. every need
//  3. every service (or, with no services, every need) and an area
//  4. any service and an area; then any service
//  5. any need or area
//
// Listed organisations only; excluded ones are skipped. The rich scoring
// in Go then ranks the pool, as before.
func finderCandidatesFTS(ctx context.Context, q db.Querier, d db.Dialect, pl *finderPlan) ([]int64, error) {
	quote := func(t string) string { return `"` + t + `"` }
	andOp, orOp := " AND ", " OR "
	stmt := `SELECT rowid AS id FROM org_fts WHERE org_fts MATCH $1 ORDER BY rowid LIMIT $2`
	if d == db.Postgres {
		quote = func(t string) string { return pgFacets([]string{t}, "") }
		andOp, orOp = " & ", " | "
		stmt = `SELECT organisation_id FROM org_search WHERE doc @@ $1::tsquery AND listed LIMIT $2`
	}
	var all, svcs []string
	ids := make([]int64, 0, len(pl.need))
	for id := range pl.need {
		ids = append(ids, id)
	}
	sort.Slice(ids, func(i, j int) bool { return ids[i] < ids[j] })
	for _, id := range ids {
		t := quote(fmt.Sprintf(`zzt%d`, id))
		all = append(all, t)
		if pl.need[id] == wService {
			svcs = append(svcs, t)
		}
	}
	var areas []string
	for _, w := range pl.wards {
		areas = append(areas, quote(facetToken("zzw", w)))
	}
	for _, c := range pl.las {
		areas = append(areas, quote(facetToken("zzl", c)))
	}
	and := func(xs []string) string { return "(" + strings.Join(xs, andOp) + ")" }
	or := func(xs []string) string { return "(" + strings.Join(xs, orOp) + ")" }
	seen := map[int64]bool{}
	var out []int64
	// read runs one tier's expression for up to limit ids. On SQLite the
	// ids come back as one row (db.IDSet), in no order: sorted, they are
	// its rowid order again.
	read := func(expr string, limit int) ([]int64, error) {
		if d != db.Postgres {
			expr += ` NOT "zzunlisted"`
		}
		got, err := db.IDSet(ctx, q, d, stmt, expr, limit)
		if err == nil && d != db.Postgres {
			slices.Sort(got)
		}
		return got, err
	}
	take := func(got []int64) {
		for _, id := range got {
			if !seen[id] && !pl.exclude[id] && len(out) < pl.pool {
				seen[id] = true
				out = append(out, id)
			}
		}
	}
	// done holds the expressions already run. A tier whose expression
	// was run before adds nothing: that run either found all its
	// matches or filled the pool.
	done := map[string]bool{}
	tier := func(expr string) error {
		if len(out) >= pl.pool || (tierShortcuts && done[expr]) {
			return nil
		}
		done[expr] = true
		got, err := read(expr, pl.pool+len(out)+len(pl.exclude))
		take(got)
		return err
	}
	// Tiers 1 and 2. Tier 1 is tier 2's organisations in the areas, so
	// tier 2 is read first: when no listed organisation has every need,
	// tier 1 (an AND with the areas' OR, the dearest expression, read
	// whole when it finds fewer than the pool) is not run at all. Read
	// before tier 1, tier 2 asks for pool + excluded ids rather than
	// pool + tier 1's + excluded: in its order (SQLite's rowids,
	// PostgreSQL's blocks, whether scanned or from a bitmap) those are the
	// first ids of the longer list, and after tier 1's k ids at most k of
	// them are taken already, so the pool fills from them as it would
	// have. When tier 1 alone would have filled the pool, tier 2 has at
	// least the pool's matches, and its read stops there.
	allNone := false // no listed organisation has every need
	if len(all) > 0 {
		t2 := and(all)
		if len(areas) > 0 && tierShortcuts {
			first, err := read(t2, pl.pool+len(pl.exclude))
			if err != nil {
				return nil, err
			}
			allNone = len(first) == 0
			if allNone {
				// Known empty: with services only, tier 3 is this
				// expression again.
				done[t2+andOp+or(areas)] = true
			} else if err := tier(t2 + andOp + or(areas)); err != nil {
				return nil, err
			}
			done[t2] = true
			take(first)
		} else {
			if len(areas) > 0 {
				if err := tier(t2 + andOp + or(areas)); err != nil {
					return nil, err
				}
			}
			if err := tier(t2); err != nil {
				return nil, err
			}
		}
	}
	if len(svcs) > 0 && len(areas) > 0 {
		// Tier 3, every service in an area, is within "every service":
		// when no one has every need, with two or more services and other
		// needs too, one id of that says whether tier 3 can find
		// anything. (With one service it is tier 4's expression, with
		// services only tier 1's: done.) Not on PostgreSQL: there a
		// LIMIT 1 read of a rare expression may be planned as a
		// sequential scan that, finding nothing, reads the whole of
		// org_search (the finder's server CPU doubled at 200,000, p99 20
		// -> 91-124 ms).
		t3 := and(svcs) + andOp + or(areas)
		run := true
		if tierShortcuts && d != db.Postgres && allNone && len(svcs) > 1 && len(svcs) < len(all) && len(out) < pl.pool {
			probe, err := read(and(svcs), 1)
			if err != nil {
				return nil, err
			}
			run = len(probe) > 0
		}
		if run || !tierShortcuts {
			if err := tier(t3); err != nil {
				return nil, err
			}
		}
		if err := tier(or(svcs) + andOp + or(areas)); err != nil {
			return nil, err
		}
		if err := tier(or(svcs)); err != nil {
			return nil, err
		}
	}
	if err := tier(or(append(append([]string(nil), all...), areas...))); err != nil {
		return nil, err
	}
	return out, nil
}

// tierShortcuts lets finderCandidatesFTS skip the tiers that must be
// empty; the tests turn it off to check that the candidates are the same.
var tierShortcuts = true

// termCache keeps every term's name and vocabulary for the finder's
// explanations, per database pool, for termCacheTTL: the taxonomy changes
// rarely (admins curate it) and a renamed term shows within seconds.
var termCache struct {
	sync.Mutex
	m map[db.Querier]termEntry
}

type termEntry struct {
	at    time.Time
	names map[int64]string
	svcs  map[int64]bool
}

const termCacheTTL = 5 * time.Second

func cachedTermNames(ctx context.Context, q db.Querier) (map[int64]string, map[int64]bool, error) {
	if _, isTx := q.(*db.Tx); isTx {
		return termNames(ctx, q) // a transaction may see its own changes
	}
	termCache.Lock()
	e, ok := termCache.m[q]
	termCache.Unlock()
	if ok && time.Since(e.at) < termCacheTTL {
		return e.names, e.svcs, nil
	}
	names, svcs, err := termNames(ctx, q)
	if err != nil {
		return nil, nil, err
	}
	termCache.Lock()
	if termCache.m == nil || len(termCache.m) > 16 {
		termCache.m = map[db.Querier]termEntry{}
	}
	termCache.m[q] = termEntry{time.Now(), names, svcs}
	termCache.Unlock()
	return names, svcs, nil
}

// policyPack packs an organisation's count of policies held and of those
// due for review into one column (held*policyPack + due; due <= held).
// It was 8, right only while there are at most seven policy kinds (UNIQUE
// (organisation_id, kind) bounds held by their number): an eighth kind
// would have read eight due policies as one more held and none due.
// 2^32 is past any count of rows.
const policyPack = 1 << 32

// policyCountsSQL counts the rows of from (a FROM clause, WHERE included)
// as held*policyPack + the rows where due holds.
func policyCountsSQL(due, from string) string {
	return `SELECT COUNT(*) * ` + strconv.FormatInt(policyPack, 10) + ` + COALESCE(SUM(CASE WHEN ` + due + ` THEN 1 ELSE 0 END), 0) FROM ` + from
}

// unpackPolicies is policyCountsSQL's count as held and due.
func unpackPolicies(pol int64) (held, due int) {
	return int(pol / policyPack), int(pol % policyPack)
}
