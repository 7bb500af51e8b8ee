package directory

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
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

// TestImportAcceptsTheLabelsThePagesShow: sector, legal form and income
// band are accepted as their codes or as the labels the pages show, in
// any case ("voluntary and community", "CIC", "public body" were refused);
// a value that is neither is rejected naming the values accepted.
func TestImportAcceptsTheLabelsThePagesShow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		data := "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n" +
			"GB-CHC-1090095,Label Lunch Club,voluntary and community,CIC,FY3 7AA,,,,,,\"under £10,000\"\n" +
			"GB-CHC-1173575,Label Council Service,Public Sector,public body,FY1 1AA,,,,,,\n" +
			"GB-CHC-279417,Label Faith Group,FAITH GROUP,Charitable-Incorporated-Organisation,FY4 4AA,,,,,,\"£10,000 to £100,000\"\n" +
			"GB-CHC-1000001,Label Nonsense,volunteers,charity,FY1 1AA,,,,,,\n"
		rep, err := Import(ctx, d, []byte(data), false)
		if err != nil || rep.Created != 3 || len(rep.Rejected) != 1 {
			t.Fatalf("%v\n%s", err, rep)
		}
		if r := rep.Rejected[0]; r.Line != 5 || r.Column != "sector" || !strings.Contains(r.Reason, `sector: "volunteers" is not one of vcs (Voluntary and community), social_enterprise, faith (Faith group)`) {
			t.Errorf("rejection %+v", r)
		}
		for slug, want := range map[string][3]string{
			"label-lunch-club":      {"vcs", "cic", "under_10k"},
			"label-council-service": {"public", "public_body", ""},
			"label-faith-group":     {"faith", "cio", "10k_100k"},
		} {
			p, err := LoadProfileBySlug(ctx, d.Q(), slug)
			if err != nil || [3]string{p.Sector, p.LegalForm, p.IncomeBand} != want {
				t.Errorf("%s: %+v %v, want %v", slug, p, err, want)
			}
		}
	})
}

const orgHeader = "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band"

func countOrgs(t *testing.T, d *db.DB) (n int) {
	t.Helper()
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM organisations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

// TestImportUnterminatedQuoteLosesNoRow: a row with an unterminated quote
// no longer takes the next row with it unreported (a 15-row file said
// "line 6 rejected; 13 rows read; 13 created" and line 7 was neither
// imported nor reported): the file is refused naming line 6 and nothing
// is written.
func TestImportUnterminatedQuoteLosesNoRow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		var rows []string
		for i := 1; i <= 15; i++ {
			desc := fmt.Sprintf("Runs club %d", i)
			switch i {
			case 5: // line 6
				desc = `"Runs a club, unclosed`
			case 6: // line 7
				desc = `Runs "the" club`
			}
			rows = append(rows, fmt.Sprintf("GB-CHC-%d,Quote Trust %d,vcs,charity,FY1 1AA,,,,%s,,", 4000000+i, i, desc))
		}
		rep, err := Import(context.Background(), d, []byte(orgHeader+"\n"+strings.Join(rows, "\n")+"\n"), false)
		if apperr.Code(err) != apperr.EINVALID || !strings.Contains(err.Error(), "Line 6, column 9 (description): the quote that opens this field runs on to line 7") || countOrgs(t, d) != 0 {
			t.Fatalf("unterminated quote: %v (%d organisations)\n%s", err, countOrgs(t, d), rep)
		}
	})
}

// TestImportCROnlyLineEnds: a file whose lines end in a lone CR is read
// (it was refused as "bare quote"), a CR inside quotes kept as a line
// break.
func TestImportCROnlyLineEnds(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		cr := orgHeader + "\r" + "GB-CHC-4100001,\"Old Mac Trust\",vcs,charity,FY1 1AA,,,,\"Two\rlines\",,\r" + "GB-CHC-4100002,Classic Trust,vcs,charity,FY1 1AA,,,,,,\r"
		rep, err := Import(ctx, d, []byte(cr), false)
		if err != nil || rep.Rows != 2 || rep.Created != 2 || len(rep.Rejected) != 0 {
			t.Fatalf("CR-only line ends: %v\n%s", err, rep)
		}
		p, err := LoadProfileBySlug(ctx, d.Q(), "old-mac-trust")
		if err != nil || p.Description != "Two\nlines" {
			t.Fatalf("CR-only file's profile: %+v %v", p, err)
		}
	})
}

// TestImportDuplicatedColumnRefused: a column that appears twice is
// refused naming both (the last one was used silently).
func TestImportDuplicatedColumnRefused(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		dup := orgHeader + ",Name \nGB-CHC-4200001,First Name,vcs,charity,FY1 1AA,,,,,,,Second Name\n"
		_, err := Import(context.Background(), d, []byte(dup), false)
		if err == nil || !strings.Contains(err.Error(), `columns 2 ("name") and 12 ("Name") are both name`) || countOrgs(t, d) != 0 {
			t.Fatalf("duplicated column: %v (%d organisations)", err, countOrgs(t, d))
		}
	})
}

// TestImportIDsAfterDeleted: the import takes new organisations' ids
// itself (nextIDs): never an id a deleted organisation had (SQLite's
// AUTOINCREMENT, PostgreSQL's sequence), each once, and the organisations
// created after it, by the import's own InsertOrg for a taken slug or
// by the site, follow them.
func TestImportIDsAfterDeleted(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var gone int64
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i, slug := range []string{"kept-trust", "gone-trust"} {
				o := accounts.Organisation{Name: []string{"Kept Trust", "Gone Trust"}[i], Sector: "vcs", LegalForm: "charity"}
				if err := accounts.InsertOrg(ctx, tx, &o, 0); err != nil {
					return err
				}
				if o.Slug != slug {
					return fmt.Errorf("slug %q", o.Slug)
				}
				gone = o.ID
			}
			_, err := tx.ExecContext(ctx, `DELETE FROM organisations WHERE id = $1`, gone)
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		// "Kept Trust" has a taken slug: made by InsertOrg after the
		// batch's multi-row INSERT.
		csv := "identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n" +
			"GB-CHC-5000001,Kept Trust,vcs,charity,FY1 1AA,,,,,,\nGB-CHC-5000002,Fresh Trust,vcs,charity,FY1 1AA,,,,,,\nGB-CHC-5000003,Other Trust,vcs,charity,FY1 1AA,,,,,,\n"
		rep, err := Import(ctx, d, []byte(csv), false)
		if err != nil || rep.Created != 3 {
			t.Fatalf("import: %+v %v", rep, err)
		}
		var after int64
		err = d.Write(ctx, func(tx *db.Tx) error {
			o := accounts.Organisation{Name: "After Trust", Sector: "vcs", LegalForm: "charity"}
			err := accounts.InsertOrg(ctx, tx, &o, 0)
			after = o.ID
			return err
		})
		if err != nil {
			t.Fatal(err)
		}
		ids, err := db.Column[int64](ctx, d.Q(), `SELECT organisation_id FROM org_identifiers WHERE identifier LIKE 'GB-CHC-5%' ORDER BY organisation_id`)
		if err != nil || len(ids) != 3 {
			t.Fatalf("imported ids %v %v", ids, err)
		}
		for i, id := range ids {
			if id <= gone || (i > 0 && id == ids[i-1]) {
				t.Errorf("imported ids %v: each once, all after the deleted organisation's %d", ids, gone)
				break
			}
		}
		if after <= ids[2] {
			t.Errorf("organisation made after the import has id %d, the import's are %v", after, ids)
		}
	})
}
