package db

import "strings"

var likeEscaper = strings.NewReplacer(`\`, `\\`, `%`, `\%`, `_`, `\_`)

// LikeEscape escapes s for a LIKE pattern written with ESCAPE '\', so that
// % and _ typed by users match themselves. Both dialects accept the clause.
func LikeEscape(s string) string { return likeEscaper.Replace(s) }

// LikeContains is a lower-cased LIKE pattern (use with ESCAPE '\') that
// matches s anywhere.
func LikeContains(s string) string { return "%" + LikeEscape(strings.ToLower(s)) + "%" }
