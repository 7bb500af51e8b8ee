package db

import (
	"strings"

	"partnerhub/internal/clean"
)

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// LikeEscape escapes s for a LIKE pattern written with ESCAPE '\', so that
// % and _ typed by users match themselves. Both dialects accept the clause.
func LikeEscape(s string) string { return likeEscaper.Replace(s) }

// LikeContains is a lower-cased LIKE pattern (use with ESCAPE '\') that
// matches s anywhere.
func LikeContains(s string) string { return "%" + LikeEscape(strings.ToLower(s)) + "%" }

// MatchWords is the condition that every word of what someone typed into a
// search box (clean.SearchWords: stop words dropped, endings cut) occurs in
// one of the text expressions, as a search engine reads a query: word
// order does not matter, and each word is looked for in the text with its
// spaces removed, so "foodbank" finds "Food Bank" and "food bank" finds
// "Foodbank". arg adds a query argument and returns its placeholder.
// It returns "" for a blank query (no condition) and a condition that
// matches nothing for one without words ("%", "_").
func MatchWords(q string, exprs []string, arg func(any) string) string {
	if strings.TrimSpace(q) == "" {
		return ""
	}
	words := clean.SearchWords(q)
	if len(words) == 0 {
		return "1 = 0"
	}
	var all []string
	for _, w := range words {
		p := arg("%"+LikeEscape(w)+"%") + ` ESCAPE '\'`
		var any []string
		for _, e := range exprs {
			any = append(any, `REPLACE(LOWER(`+e+`), ' ', '') LIKE `+p)
		}
		all = append(all, "("+strings.Join(any, " OR ")+")")
	}
	return strings.Join(all, " AND ")
}
