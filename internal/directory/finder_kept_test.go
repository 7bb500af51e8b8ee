package directory

import (
	"context"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestFinderKeepsFewStatements: the finder's candidate SQL writes each
// search's weights and list lengths into its text, so run through the
// page's kept statements (s.q()) every search was a new kept statement
// until the cache's places were full and the page's fixed statements ran
// unprepared. Searches with different lists and weights keep few.
func TestFinderKeepsFewStatements(t *testing.T) {
	d := dbtest.SQLite(t) // statements are kept on SQLite only
	ctx := context.Background()
	q := db.NewReadStatements(d)
	rs, ok := q.(*db.ReadStatements)
	if !ok {
		t.Fatalf("NewReadStatements on SQLite is a %T", q)
	}
	for i := 1; i <= 40; i++ {
		need := map[int64]float64{}
		for j := 0; j <= i%7; j++ {
			need[int64(j+1)] = float64(i) + float64(j)/10
		}
		wards := []string{"Talbot", "Central", "Eastgate"}[:1+i%3]
		exclude := map[int64]bool{}
		for j := 0; j < i%5; j++ {
			exclude[int64(1000+j)] = true
		}
		if _, err := finderCandidates(ctx, q, d.Dialect, need, wards, []string{"E06000058"}, exclude); err != nil {
			t.Fatal(err)
		}
	}
	if n := rs.Kept(); n > 4 {
		t.Errorf("40 finder searches kept %d statements", n)
	}
}
