package taxonomy_test

import (
	"context"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

func TestNormaliseNICodes(t *testing.T) {
	for in, want := range map[string]string{"": "", "ni39, NI 40": "NI 39; NI 40", " NI 4;NI 6 ; ni007 ": "NI 4; NI 6; NI 7", "NI 39; NI 39": "NI 39"} {
		if got, ok := taxonomy.NormaliseNICodes(in); !ok || got != want {
			t.Errorf("%q: got %q %v, want %q", in, got, ok, want)
		}
	}
	for _, bad := range []string{"PHOF 1", "NI", "NI 1234", "39"} {
		if _, ok := taxonomy.NormaliseNICodes(bad); ok {
			t.Errorf("%q accepted", bad)
		}
	}
	if c := taxonomy.CodeFor("Food & Drink — Café Support!"); c != "food-drink-cafe-support" {
		t.Errorf("CodeFor: %q", c)
	}
}

func fields(err error) map[string]string {
	m := map[string]string{}
	for _, f := range apperr.Fields(err) {
		m[f.Field] = f.Message
	}
	return m
}

func TestCurateTerms(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		write := func(fn func(tx *db.Tx) error) error { return d.Write(ctx, fn) }

		// Bad input: each message names its field.
		bad := &taxonomy.Term{Vocabulary: taxonomy.Services, Name: "", Code: "Bad Code!", NICodes: "NI 1", Position: -1}
		err := write(func(tx *db.Tx) error { return taxonomy.Create(ctx, tx, bad) })
		f := fields(err)
		if apperr.Code(err) != apperr.EINVALID || f["name"] == "" || f["code"] == "" || f["ni_codes"] == "" || f["position"] == "" {
			t.Fatalf("bad term: %v %v", err, f)
		}
		// A code already used in the vocabulary.
		err = write(func(tx *db.Tx) error {
			return taxonomy.Create(ctx, tx, &taxonomy.Term{Vocabulary: taxonomy.Themes, Name: "Mental health again", Code: "mental-health"})
		})
		if fields(err)["code"] == "" {
			t.Fatalf("duplicate code: %v", err)
		}

		// Create: code from the name, position after the last.
		nt := &taxonomy.Term{Vocabulary: taxonomy.Themes, Name: "Digital inclusion", Description: "People get online", NICodes: "ni 1", Crosswalk: "SDG 9.c"}
		if err := write(func(tx *db.Tx) error { return taxonomy.Create(ctx, tx, nt) }); err != nil {
			t.Fatal(err)
		}
		got, err := taxonomy.ByCode(ctx, d.Q(), taxonomy.Themes, "digital-inclusion")
		if err != nil || got.NICodes != "NI 1" || got.Position != 18 || got.UUID == "" || got.Retired {
			t.Fatalf("created: %+v %v", got, err)
		}

		// Update: the code and vocabulary never change.
		upd := got
		upd.Name, upd.Code, upd.Vocabulary, upd.Position = "Digital inclusion and skills", "renamed", taxonomy.Services, 3
		var changed []string
		if err := write(func(tx *db.Tx) error { var err error; changed, err = taxonomy.Update(ctx, tx, &upd); return err }); err != nil {
			t.Fatal(err)
		}
		got, _ = taxonomy.Get(ctx, d.Q(), nt.ID)
		if got.Code != "digital-inclusion" || got.Vocabulary != taxonomy.Themes || got.Name != "Digital inclusion and skills" || got.Position != 3 || strings.Join(changed, ",") != "name,position" {
			t.Fatalf("updated: %+v %v", got, changed)
		}

		// Retire: still readable by id and listed with retired terms only.
		if err := write(func(tx *db.Tx) error { return taxonomy.SetRetired(ctx, tx, nt.ID, true) }); err != nil {
			t.Fatal(err)
		}
		live, _ := taxonomy.List(ctx, d.Q(), taxonomy.Themes, false)
		all, _ := taxonomy.List(ctx, d.Q(), taxonomy.Themes, true)
		if len(all) != len(live)+1 {
			t.Fatalf("retired term: %d live, %d all", len(live), len(all))
		}
		if err := write(func(tx *db.Tx) error { return taxonomy.SetRetired(ctx, tx, nt.ID, false) }); err != nil {
			t.Fatal(err)
		}
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE object_type = 'taxonomy_term' AND object_id = $1`, itoa(nt.ID)).Scan(&n)
		if n != 4 {
			t.Errorf("%d audit rows, want 4 (create, update, retire, unretire)", n)
		}

		// Usage counts come from every table that refers to terms.
		refs, err := taxonomy.References(ctx, d)
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range refs {
			names = append(names, r.Table+"."+r.Column)
		}
		if !strings.Contains(strings.Join(names, " "), "org_terms.term_id") || len(refs) < 3 {
			t.Fatalf("references: %v", names)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ('u1', 's1', 'N', 'vcs', 'charity', $1, $1)`, db.Now()); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_terms (organisation_id, term_id) SELECT id, $1 FROM organisations WHERE slug = 's1'`, nt.ID); err != nil {
			t.Fatal(err)
		}
		total, by, err := taxonomy.Usage(ctx, d, nt.ID)
		if err != nil || total[nt.ID] != 1 || by["org_terms"] != 1 {
			t.Fatalf("usage: %v %v %v", total, by, err)
		}
		// An optional reference with empty rows (an opportunity requirement
		// that is not a term) counts for no term and is no error.
		if _, err := d.W().ExecContext(ctx, `CREATE TABLE optional_refs (id INTEGER PRIMARY KEY, term_id BIGINT REFERENCES taxonomy_terms (id))`); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `INSERT INTO optional_refs (id, term_id) VALUES (1, NULL), (2, $1)`, nt.ID); err != nil {
			t.Fatal(err)
		}
		all2, _, err := taxonomy.Usage(ctx, d, 0)
		if err != nil || all2[nt.ID] != 2 {
			t.Fatalf("usage of all: %v %v", all2, err)
		}
	})
}

func itoa(n int64) string { return strconv.FormatInt(n, 10) }
