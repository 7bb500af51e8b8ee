package directory

import (
	"context"
	"strings"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

const goodCSV = `name,identifier,sector,legal_form,postcode,wards,services,themes,description,website,income_band
Layton Lunch Club,GB-CHC-1090095,vcs,charity,FY3 7AA,Layton;Park,befriending;Food provision,older-people,Hot lunches & company,https://layton.example.org,10k_100k
Bad Postcode Trust,GB-CHC-1173575,vcs,charity,NOPE,,,,,,
Unknown Scheme Ltd,GB-XYZ-1,private,company,FY1 1AA,,,,,,
Layton Lunch Club again,GB-CHC-1090095,vcs,charity,FY3 7AA,,,,,,
Marton Men's Shed,GB-CHC-279417,vcs,cio,fy4 4aa,Marton,peer-support,health-wellbeing,"<script>x</script> a shed",,under_10k
Wrong Ward Group,GB-CHC-1000001,vcs,charity,FY1 1AA,Atlantis,,,,,
`

func TestImportCSV(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		count := func() int {
			var n int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
			return n
		}
		rep, err := Import(ctx, d, []byte(goodCSV), true)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Created != 2 || count() != 0 {
			t.Fatalf("dry run: %+v, %d orgs", rep, count())
		}
		out := rep.String()
		for _, want := range []string{"line 3: rejected: postcode", "line 4: rejected: identifier: Identifier scheme GB-XYZ", "line 5: rejected: identifier: GB-CHC-1090095 appears again (first on line 2)", "line 7: rejected: wards", "Dry run"} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		rep, err = Import(ctx, d, []byte(goodCSV), false)
		if err != nil || rep.Created != 2 || len(rep.Rejected) != 4 || count() != 2 {
			t.Fatalf("import: %+v %v (%d orgs)", rep, err, count())
		}
		rep, err = Import(ctx, d, []byte(goodCSV), false)
		if err != nil || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 2 || count() != 2 {
			t.Fatalf("re-import must change nothing: %+v %v", rep, err)
		}
		res, err := Search(ctx, d.Q(), d.Dialect, Filter{Q: "lunches"})
		if err != nil || res.Total != 1 || res.Items[0].Name != "Layton Lunch Club" || len(res.Items[0].Services) != 2 {
			t.Fatalf("imported org not searchable: %+v %v", res, err)
		}
		// Wrong columns and wrong encoding are named.
		_, err = Import(ctx, d, []byte("foo,bar\n1,2\n"), false)
		if err == nil || !strings.Contains(err.Error(), "Line 1: the header is missing the columns identifier") {
			t.Errorf("wrong columns: %v", err)
		}
		_, err = Import(ctx, d, []byte("identifier,name\nGB-CHC-1090095,Caf\xe9\n"), false)
		if err == nil || !strings.Contains(err.Error(), "not UTF-8 text (first bad byte on line 2)") {
			t.Errorf("encoding: %v", err)
		}
	})
}

func TestImportCharityCommissionAndORUK(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cc := "Registered charity number,Charity name,Charity contact address1,Charity contact postcode,Charity activities,Latest income,Classification\n" +
			"1090095,Blackpool Carers Centre,1 Promenade,FY1 1AA,Support for unpaid carers,\"250,000\",Disability; Health\n" +
			"abc,Broken,,FY1 1AA,,12,\n"
		rep, err := Import(ctx, d, []byte(cc), false)
		if err != nil || rep.Format != "Charity Commission CSV" || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 3 {
			t.Fatalf("cc: %+v %v", rep, err)
		}
		p, err := LoadProfileBySlug(ctx, d.Q(), "blackpool-carers-centre")
		if err != nil || p.IncomeBand != "100k_500k" || p.Identifiers[0] != "GB-CHC-1090095" || len(p.TermIDs) != 2 {
			t.Fatalf("cc profile: %+v %v", p, err)
		}
		oruk := `{"total_items":2,"contents":[{"id":"0b6f1c1e-2a51-4c1e-9a0e-000000000999","name":"Bispham Bowls Club","description":"Bowls for all","organization_identifiers":[{"identifier_scheme":"GB-CHC","identifier":"279417"}],"locations":[{"addresses":[{"address_1":"1 Red Bank Road","city":"Blackpool","postal_code":"FY2 9AA"}]}]},{"name":"No Id"}]}`
		rep, err = Import(ctx, d, []byte(oruk), false)
		if err != nil || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 2 {
			t.Fatalf("oruk: %+v %v", rep, err)
		}
	})
}
