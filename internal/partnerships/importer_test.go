package partnerships

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

const importCSV = `partnership_ref,name,model,status,start_date,end_date,member_identifier,member_role,joined,left
BP-1,Fylde Coast Advice Partnership,referral_partnership,active,2019-04-01,,GB-CHC-111,lead,,
BP-1,Fylde Coast Advice Partnership,referral_partnership,active,2019-04-01,,gb-chc-222,member,2019-04-01,2020-03-31
BP-1,Fylde Coast Advice Partnership,referral_partnership,active,2019-04-01,,GB-CHC-222,member,2022-01-01,
BP-2,Healthy Hearts Consortium,lead_contractor_consortium,ended,2018-01-01,2021-12-31,GB-CHC-222,lead,,
BP-2,Healthy Hearts Consortium,lead_contractor_consortium,ended,2018-01-01,2021-12-31,GB-GOV-333,member,,
BP-3,Bad Model,federation,active,2020-01-01,,GB-CHC-111,lead,,
BP-4,Unknown Member,joint_project,active,2020-01-01,,GB-CHC-999,lead,,
BP-5,"Bad dates, too",joint_project,active,2020-13-01,,GB-CHC-111,lead,2021-01-01,2020-01-01
BP-2,Healthy Hearts Consortium RENAMED,lead_contractor_consortium,ended,2018-01-01,2021-12-31,GB-CHC-111,member,,
BP-6,Ended without end,joint_project,ended,2020-01-01,,GB-CHC-111,lead,,
`

func TestImport(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d)
		for id, name := range map[string]string{"GB-CHC-111": "Advice Trust", "GB-CHC-222": "Carers Network", "GB-GOV-333": "The Council"} {
			sector := "vcs"
			if strings.Contains(id, "GOV") {
				sector = "public"
			}
			org := fx.org(name, sector)
			if _, err := d.W().ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ($1, $2, $3)`, id, org, id[:6]); err != nil {
				t.Fatal(err)
			}
		}
		count := func() (p, m int) {
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnerships`).Scan(&p)
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_members`).Scan(&m)
			return
		}
		var out bytes.Buffer
		// Rows rejected are in the report, not an error: an error is a
		// file refused whole.
		imp := func(csv string, dryRun bool) (*ImportResult, error) {
			res, err := Import(ctx, d, strings.NewReader(csv), dryRun)
			if err == nil {
				out.WriteString(res.String())
			}
			return res, err
		}
		res, err := imp(importCSV, true)
		if err != nil || len(res.Rejected) != 5 {
			t.Fatalf("dry run: err %v, result %+v\n%s", err, res, out.String())
		}
		if p, m := count(); p != 0 || m != 0 {
			t.Fatalf("dry run wrote %d partnerships, %d members", p, m)
		}
		for _, want := range []string{
			`line 7: rejected: model "federation" is not one of`,
			"line 8: rejected: no organisation in the directory has the identifier GB-CHC-999",
			`line 9: rejected: start_date "2020-13-01" is not a date`,
			"left is before joined",
			"line 10: rejected: partnership BP-2 has a different name, model, status, dates or origin on line 5",
			"line 11: rejected: status is ended but end_date is empty",
			"Dry run: nothing was written.\nPartnerships CSV: 10 rows read; 2 would be created",
		} {
			if !strings.Contains(out.String(), want) {
				t.Errorf("report lacks %q:\n%s", want, out.String())
			}
		}
		out.Reset()
		res, err = imp(importCSV, false)
		if err != nil || res.Created != 2 || res.MembersAdded != 5 {
			t.Fatalf("import: err %v, %+v\n%s", err, res, out.String())
		}
		if p, m := count(); p != 2 || m != 5 {
			t.Fatalf("import wrote %d partnerships, %d members", p, m)
		}
		// The same file again changes nothing.
		out.Reset()
		res, _ = imp(importCSV, false)
		if res.Created != 0 || res.Updated != 0 || res.Unchanged != 2 || res.MembersAdded != 0 || res.MembersAlready != 5 {
			t.Fatalf("second import: %+v", res)
		}
		if p, m := count(); p != 2 || m != 5 {
			t.Fatalf("second import left %d partnerships, %d members", p, m)
		}
		// A changed status updates the partnership and its history.
		changed := strings.ReplaceAll(importCSV, "referral_partnership,active,2019-04-01,,", "referral_partnership,dormant,2019-04-01,,")
		res, _ = imp(changed, false)
		if res.Updated != 1 {
			t.Fatalf("update: %+v", res)
		}
		p, err := BySlug(ctx, d.Q(), "fylde-coast-advice-partnership")
		if err != nil || p.Status != "dormant" || p.ImportRef != "BP-1" || len(p.Members) != 3 {
			t.Fatalf("imported partnership %+v, %v", p, err)
		}
		hist, _ := History(ctx, d.Q(), p.ID)
		if len(hist) != 2 || hist[1].Status != "dormant" {
			t.Fatalf("history %+v", hist)
		}
		// A missing column fails before anything is read.
		if _, err := imp("partnership_ref,name\nx,y\n", false); err == nil || !strings.Contains(err.Error(), "no column model") {
			t.Fatalf("missing columns: %v", err)
		}
		// The left-and-rejoined member counts once in 2022.
		raws, err := ComputeSQL(ctx, d.Q(), []Period{PeriodOf(2022, 1), PeriodOf(2020, 4)})
		if err != nil {
			t.Fatal(err)
		}
		if raws[0].OrganisationsInPartnership != 2 || raws[1].PublicThird != 1 {
			t.Fatalf("measures after import: %+v", raws)
		}
	})
}

// TestImportAcceptsTheLabelsThePagesShow: model, status and member role
// are accepted as their codes or as the labels the pages show, in any
// case ("consortium as a new legal body" was refused).
func TestImportAcceptsTheLabelsThePagesShow(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d)
		org := fx.org("Label Trust", "vcs")
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ('GB-CHC-444', $1, 'GB-CHC')`, org); err != nil {
			t.Fatal(err)
		}
		csv := strings.Join(ImportColumns, ",") + "\n" +
			"LB-1,Label Consortium,consortium as a new legal body,ACTIVE,2020-01-01,,GB-CHC-444,lead,,\n" +
			"LB-2,Label Project,Joint project or memorandum of understanding,Forming,,,GB-CHC-444,Subcontractor,,\n" +
			"LB-3,Label Nonsense,a club,active,2020-01-01,,GB-CHC-444,lead,,\n"
		res, err := Import(ctx, d, strings.NewReader(csv), false)
		if err != nil || res.Created != 2 || len(res.Rejected) != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		if r := res.Rejected[0]; r.Line != 4 || r.Column != "model" || !strings.Contains(r.Reason, `model "a club" is not one of informal_network, referral_partnership, joint_project (Joint project or memorandum of understanding)`) {
			t.Errorf("rejection %+v", r)
		}
		p, err := BySlug(ctx, d.Q(), "label-consortium")
		if err != nil || p.Model != "consortium_legal_body" || p.Status != "active" || len(p.Members) != 1 || p.Members[0].Role != "lead" {
			t.Fatalf("%+v %v", p, err)
		}
		p, err = BySlug(ctx, d.Q(), "label-project")
		if err != nil || p.Model != "joint_project" || p.Status != "forming" || p.Members[0].Role != "subcontractor" {
			t.Fatalf("%+v %v", p, err)
		}
	})
}

// TestImportOrigin: the optional origin column takes a code or the label
// the pages show ("Bid for an opportunity"); a file without it makes
// "other" and leaves an imported partnership's origin as it is; an origin
// outside the list is a rejected row.
func TestImportOrigin(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		fx := newFixture(t, d)
		org := fx.org("Origin Trust", "vcs")
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ('GB-CHC-555', $1, 'GB-CHC')`, org); err != nil {
			t.Fatal(err)
		}
		head := strings.Join(ImportColumns, ",")
		csv := head + ",origin\n" +
			"OR-1,Origin Bidders,lead_contractor_consortium,active,2024-01-01,,GB-CHC-555,lead,,,bid for an opportunity\n" +
			"OR-2,Origin Finders,joint_project,active,2024-01-01,,GB-CHC-555,lead,,,partner_finder\n" +
			"OR-3,Origin Nowhere,joint_project,active,2024-01-01,,GB-CHC-555,lead,,,a dream\n"
		res, err := Import(ctx, d, strings.NewReader(csv), false)
		if err != nil || res.Created != 2 || len(res.Rejected) != 1 || res.Rejected[0].Column != "origin" {
			t.Fatalf("%v %+v", err, res)
		}
		origin := func(slug string) string {
			p, err := BySlug(ctx, d.Q(), slug)
			if err != nil {
				t.Fatal(slug, err)
			}
			return p.Origin
		}
		if o := origin("origin-bidders"); o != "bid" {
			t.Errorf("by label: origin %q", o)
		}
		if o := origin("origin-finders"); o != "partner_finder" {
			t.Errorf("by code: origin %q", o)
		}
		// Without the column: new ones are "other", imported ones keep theirs.
		csv = head + "\n" +
			"OR-1,Origin Bidders,lead_contractor_consortium,active,2024-01-01,,GB-CHC-555,lead,,\n" +
			"OR-4,Origin Unsaid,joint_project,active,2024-01-01,,GB-CHC-555,lead,,\n"
		res, err = Import(ctx, d, strings.NewReader(csv), false)
		if err != nil || res.Created != 1 || res.Unchanged != 1 {
			t.Fatalf("%v %+v", err, res)
		}
		if o := origin("origin-bidders"); o != "bid" {
			t.Errorf("a file without origins changed it to %q", o)
		}
		if o := origin("origin-unsaid"); o != "other" {
			t.Errorf("no origin: %q", o)
		}
	})
}
