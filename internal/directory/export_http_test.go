package directory_test

import (
	"encoding/csv"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
)

// TestDirectoryCSVHasEveryResult: the page promises that its CSV holds
// every result; it held the first 20 whatever page and per_page said.
func TestDirectoryCSVHasEveryResult(t *testing.T) {
	eachTown3(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		var js struct{ Total int }
		env.Anon().Get("/directory?format=json").Status(t, 200).JSON(t, &js)
		if js.Total <= 20 {
			t.Fatalf("only %d organisations", js.Total)
		}
		env.Anon().Get("/directory?per_page=5").Status(t, 200).Contains(t, fmt.Sprintf("%d organisations found.", js.Total))
		for _, q := range []string{"", "&page=2&per_page=5", "&page=3"} {
			body := env.Anon().Get("/directory?format=csv"+q).Status(t, 200).Body
			recs, err := csv.NewReader(strings.NewReader(strings.TrimPrefix(body, "\ufeff"))).ReadAll()
			if err != nil || len(recs)-1 != js.Total {
				t.Errorf("format=csv%s: %d rows, want %d (%v)", q, len(recs)-1, js.Total, err)
			}
		}
	})
}
