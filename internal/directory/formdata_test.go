package directory_test

import (
	"context"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

// The search form's and the finder's choices are kept between requests
// (formdata.go) only while nothing is committed: a term renamed, added or
// retired shows on the very next page of each, written by the store or by
// another connection.
func TestSearchFormsShowTermChangesAtOnce(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		svc, err := taxonomy.List(ctx, d.Q(), taxonomy.Services, false)
		if err != nil || len(svc) < 2 {
			t.Fatal(len(svc), err)
		}
		pages := []string{"/directory?q=food", "/partners/find"}
		has := func(name string) {
			t.Helper()
			for _, p := range pages {
				for range 2 { // the second from the kept choices
					if body := env.Anon().Get(p).Status(t, 200).Body; !strings.Contains(body, ">"+name+"<") {
						t.Errorf("%s does not offer %q", p, name)
					}
				}
			}
		}
		lacks := func(name string) {
			t.Helper()
			for _, p := range pages {
				if body := env.Anon().Get(p).Status(t, 200).Body; strings.Contains(body, ">"+name+"<") {
					t.Errorf("%s still offers %q", p, name)
				}
			}
		}
		has(svc[0].Name)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE taxonomy_terms SET name = 'Kite flying lessons' WHERE id = $1`, svc[0].ID)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		has("Kite flying lessons")
		lacks(svc[0].Name)
		// A single statement on the writer, outside the store's Write.
		if _, err := d.W().ExecContext(ctx, `UPDATE taxonomy_terms SET retired = TRUE WHERE id = $1`, svc[1].ID); err != nil {
			t.Fatal(err)
		}
		lacks(svc[1].Name)
	})
}
