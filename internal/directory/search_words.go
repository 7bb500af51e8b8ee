package directory

import (
	"context"
	"sort"
	"strings"
	"sync"
	"sync/atomic"
	"time"

	"partnerhub/internal/clean"
	"partnerhub/internal/db"
)

// Search words as people type them into a search engine.
//
// The databases stem English (porter on SQLite, 'english' on PostgreSQL),
// so plurals and endings already match. On top of that, every search:
//
//   - drops small words that carry no meaning ("help with debt" is "debt
//     help"), the same list on both databases, unless every word is one;
//   - matches compounds joined and split: "foodbank" also finds "food
//     bank", and "food bank" also finds "foodbank", when the parts or the
//     joined word are words of the directory (its vocabulary);
//   - when every word is required and few organisations match, the page
//     shows closer matches that lack a word, ranked lower, and a "did you
//     mean" for words the directory does not hold but nearly does.
//
// A concept is one thing the searcher asked for: its alternatives are
// separated by "|" and an alternative's words by "+" ("foodbank|food+bank").
// Search words are letters and digits only (ftsTerms), so the two marks
// never occur in a word.

// searchTerms are the concepts of a query: its words less the stop words
// (all of them when every word is one).
func searchTerms(q string) []string {
	words := ftsTerms(q)
	var out []string
	for _, w := range words {
		if !clean.StopWord(w) {
			out = append(out, w)
		}
	}
	if len(out) == 0 {
		return words
	}
	return out
}

// terms are the filter's concepts: expanded by the vocabulary when the
// service prepared them (expandFilter), else the words less stop words.
func (f Filter) terms() []string {
	if f.concepts != nil {
		return f.concepts
	}
	return searchTerms(f.Q)
}

// conceptAlternatives splits a concept into its alternatives' words.
func conceptAlternatives(c string) [][]string {
	var out [][]string
	for _, alt := range strings.Split(c, "|") {
		out = append(out, strings.Split(alt, "+"))
	}
	return out
}

// lastWord is the word of a concept a prefix applies to.
func lastWord(c string) string {
	alts := conceptAlternatives(c)
	ws := alts[0]
	return ws[len(ws)-1]
}

// vocabulary is how many listed organisations use each word.
type vocabulary struct {
	df    map[string]int
	built time.Time
	gen   int64
}

// searchGen counts writes to search documents in this process; the
// vocabulary is rebuilt when it has moved (and at least every vocabTTL,
// for writes by other processes on a shared PostgreSQL).
var searchGen atomic.Int64

const vocabTTL = 10 * time.Minute

// vocabSyncLimit: a vocabulary of up to this many organisations is rebuilt
// before the search that finds it stale; a larger one is rebuilt in the
// background while searches use the old one.
const vocabSyncLimit = 20000

type vocabCache struct {
	mu       sync.Mutex
	v        *vocabulary
	docs     int
	building bool
}

// get returns a vocabulary fresh enough for a search.
func (c *vocabCache) get(ctx context.Context, q db.Querier) (*vocabulary, error) {
	c.mu.Lock()
	v, docs, building := c.v, c.docs, c.building
	stale := v == nil || v.gen != searchGen.Load() || time.Since(v.built) > vocabTTL
	if !stale || (v != nil && (building || docs > vocabSyncLimit)) {
		if stale && !building {
			c.building = true
			go c.rebuild(q)
		}
		c.mu.Unlock()
		return v, nil
	}
	c.mu.Unlock()
	nv, n, err := buildVocabulary(ctx, q)
	if err != nil {
		return nil, err
	}
	c.mu.Lock()
	c.v, c.docs = nv, n
	c.mu.Unlock()
	return nv, nil
}

func (c *vocabCache) rebuild(q db.Querier) {
	ctx, cancel := context.WithTimeout(context.Background(), 5*time.Minute)
	defer cancel()
	nv, n, err := buildVocabulary(ctx, q)
	c.mu.Lock()
	defer c.mu.Unlock()
	c.building = false
	if err == nil {
		c.v, c.docs = nv, n
	}
}

// buildVocabulary reads the words of every listed organisation's names,
// description, mission and services.
func buildVocabulary(ctx context.Context, q db.Querier) (*vocabulary, int, error) {
	gen := searchGen.Load()
	v := &vocabulary{df: map[string]int{}, built: time.Now(), gen: gen}
	seen := map[string]bool{}
	count := func(text string) {
		for _, w := range ftsTerms1(text) {
			if !seen[w] {
				seen[w] = true
				v.df[w]++
			}
		}
	}
	rows, err := q.QueryContext(ctx, `SELECT o.name, COALESCE(p.other_names, ''), COALESCE(p.description, ''), COALESCE(p.mission, '')
		FROM organisations o LEFT JOIN org_profiles p ON p.organisation_id = o.id WHERE COALESCE(p.published, TRUE)`)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	n := 0
	for rows.Next() {
		var name, other, desc, mission string
		if err := rows.Scan(&name, &other, &desc, &mission); err != nil {
			return nil, 0, err
		}
		clear(seen)
		count(name + " " + other + " " + desc + " " + mission)
		n++
	}
	if err := rows.Err(); err != nil {
		return nil, 0, err
	}
	rows.Close()
	// Service names are words of the documents too.
	srows, err := q.QueryContext(ctx, `SELECT name FROM taxonomy_terms WHERE vocabulary = 'service'`)
	if err != nil {
		return nil, 0, err
	}
	defer srows.Close()
	for srows.Next() {
		var s string
		if err := srows.Scan(&s); err != nil {
			return nil, 0, err
		}
		clear(seen)
		count(s)
	}
	return v, n, srows.Err()
}

// ftsTerms1 splits any length of text into words (ftsTerms stops at 12).
func ftsTerms1(s string) []string {
	return strings.FieldsFunc(strings.ToLower(s), func(r rune) bool { return !isWordRune(r) })
}

// has says whether the directory uses the word, or its plural or
// singular ("banks" for "bank"): the databases stem both alike.
func (v *vocabulary) has(w string) bool {
	if v.df[w] > 0 || v.df[w+"s"] > 0 {
		return true
	}
	return strings.HasSuffix(w, "s") && v.df[strings.TrimSuffix(w, "s")] > 0
}

// expand turns words into concepts with their joined and split forms.
func (v *vocabulary) expand(words []string) []string {
	var out []string
	for i := 0; i < len(words); i++ {
		w := words[i]
		if i+1 < len(words) && !clean.StopWord(words[i+1]) {
			joined := w + words[i+1]
			if v.has(joined) {
				out = append(out, w+"+"+words[i+1]+"|"+joined)
				i++
				continue
			}
		}
		c := w
		for _, split := range v.splits(w) {
			c += "|" + split
		}
		out = append(out, c)
	}
	return out
}

// splits are the ways a word is two words of the directory, each of at
// least three letters and not a stop word ("foodbank": "food+bank").
func (v *vocabulary) splits(w string) []string {
	r := []rune(w)
	if len(r) < 6 {
		return nil
	}
	var out []string
	for i := 3; i <= len(r)-3; i++ {
		a, b := string(r[:i]), string(r[i:])
		if clean.StopWord(a) || clean.StopWord(b) {
			continue
		}
		if v.has(a) && v.has(b) {
			out = append(out, a+"+"+b)
		}
	}
	if len(out) > 3 {
		out = out[:3]
	}
	return out
}

// suggest is a "did you mean" for words the directory does not use: the
// most used word within one edit (two for words of eight letters or more).
// It returns the corrected query, or "" when nothing needs correcting.
func (v *vocabulary) suggest(words []string) string {
	changed := false
	out := make([]string, len(words))
	for i, w := range words {
		out[i] = w
		if clean.StopWord(w) || v.has(w) || len([]rune(w)) < 4 || len(v.splits(w)) > 0 {
			continue
		}
		limit := 1
		if len([]rune(w)) >= 8 {
			limit = 2
		}
		best, bestDF, bestD := "", 0, limit+1
		for cand, df := range v.df {
			if d := absInt(len(cand) - len(w)); d > limit {
				continue
			}
			d := editDistance(w, cand, limit)
			if d < bestD || (d == bestD && (df > bestDF || (df == bestDF && cand < best))) {
				best, bestDF, bestD = cand, df, d
			}
		}
		if best != "" && bestD <= limit {
			out[i] = best
			changed = true
		}
	}
	if !changed {
		return ""
	}
	return strings.Join(out, " ")
}

func absInt(x int) int {
	if x < 0 {
		return -x
	}
	return x
}

// editDistance is the Damerau-Levenshtein (optimal string alignment)
// distance of a and b, or limit+1 as soon as it must exceed limit.
func editDistance(a, b string, limit int) int {
	ra, rb := []rune(a), []rune(b)
	prev2 := make([]int, len(rb)+1)
	prev := make([]int, len(rb)+1)
	cur := make([]int, len(rb)+1)
	for j := range prev {
		prev[j] = j
	}
	for i := 1; i <= len(ra); i++ {
		cur[0] = i
		rowMin := cur[0]
		for j := 1; j <= len(rb); j++ {
			cost := 1
			if ra[i-1] == rb[j-1] {
				cost = 0
			}
			cur[j] = min(prev[j]+1, cur[j-1]+1, prev[j-1]+cost)
			if i > 1 && j > 1 && ra[i-1] == rb[j-2] && ra[i-2] == rb[j-1] {
				cur[j] = min(cur[j], prev2[j-2]+1)
			}
			rowMin = min(rowMin, cur[j])
		}
		if rowMin > limit {
			return limit + 1
		}
		prev2, prev, cur = prev, cur, prev2
	}
	return prev[len(rb)]
}

// SearchHelp is what a search page shows beside its results.
type SearchHelp struct {
	DidYouMean string // a corrected query, or ""
	Closer     []Item // organisations that lack one or more of the words, best first
}

// fewMatches: with fewer full matches than this, a search offers closer
// matches and a "did you mean".
const fewMatches = 5

// expandFilter prepares a filter's words with the directory's vocabulary.
func (s *Service) expandFilter(ctx context.Context, f Filter) (Filter, *vocabulary, error) {
	words := searchTerms(f.Q)
	if len(words) == 0 {
		return f, nil, nil
	}
	v, err := s.vocab.get(ctx, s.DB.Q())
	if err != nil || v == nil {
		return f, v, err
	}
	f.concepts = v.expand(words)
	return f, v, nil
}

// help finds closer matches and a spelling suggestion for a search that
// found few organisations.
func (s *Service) help(ctx context.Context, f Filter, v *vocabulary, res Result) (SearchHelp, error) {
	var h SearchHelp
	if v == nil || res.Total >= fewMatches || f.Offset > 0 {
		return h, nil
	}
	words := searchTerms(f.Q)
	h.DidYouMean = v.suggest(words)
	if len(f.concepts) < 2 {
		return h, nil
	}
	any := f
	any.anyWord = true
	any.Limit, any.Offset = 50, 0
	if any.Sort == "updated" || any.Sort == "name" {
		any.Sort = "relevance"
	}
	more, err := Search(ctx, s.q(), s.DB.Dialect, any)
	if err != nil {
		return h, err
	}
	have := map[int64]bool{}
	for _, it := range res.Items {
		have[it.ID] = true
	}
	type scored struct {
		it    Item
		score int
		pos   int
	}
	var cands []scored
	for i, it := range more.Items {
		if have[it.ID] {
			continue
		}
		text := strings.ToLower(it.Name + " " + it.Description + " " + strings.Join(it.Services, " "))
		n := 0
		for _, c := range f.concepts {
			for _, alt := range conceptAlternatives(c) {
				all := true
				for _, w := range alt {
					if !strings.Contains(text, stemPrefix(w)) {
						all = false
						break
					}
				}
				if all {
					n++
					break
				}
			}
		}
		cands = append(cands, scored{it, n, i})
	}
	sort.SliceStable(cands, func(i, j int) bool { return cands[i].score > cands[j].score })
	for i, c := range cands {
		if i == 10 {
			break
		}
		h.Closer = append(h.Closer, c.it)
	}
	return h, nil
}

// stemPrefix is a word cut to a rough stem for finding it in text.
func stemPrefix(w string) string {
	r := []rune(w)
	if len(r) > 5 {
		return string(r[:len(r)-2])
	}
	return w
}
