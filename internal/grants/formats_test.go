package grants

import (
	"bytes"
	"context"
	"strings"
	"testing"

	"github.com/xuri/excelize/v2"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

const header = "Identifier,Title,Description,Currency,Amount Awarded,Award Date,Recipient Org:Identifier,Recipient Org:Name,Recipient Org:Company Number,Recipient Org:Postal Code,Funding Org:Identifier,Funding Org:Name,Beneficiary Location:Name,Grant Programme:Title\n"

// org adds a directory organisation with an identifier and a postcode.
func org(t *testing.T, d *db.DB, name, sector, ident, postcode string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	slug := strings.ToLower(strings.ReplaceAll(name, " ", "-"))
	if err := d.W().QueryRowContext(ctx, `INSERT INTO organisations (uuid, slug, name, sector, legal_form, created_at, updated_at) VALUES ($1, $1, $2, $3, 'charity', $4, $4) RETURNING id`,
		slug, name, sector, db.Now()).Scan(&id); err != nil {
		t.Fatal(err)
	}
	if ident != "" {
		if _, err := d.W().ExecContext(ctx, `INSERT INTO org_identifiers (identifier, organisation_id, scheme) VALUES ($1, $2, $3)`, ident, id, ident[:6]); err != nil {
			t.Fatal(err)
		}
	}
	if _, err := d.W().ExecContext(ctx, `INSERT INTO org_profiles (organisation_id, postcode, updated_at) VALUES ($1, $2, $3)`, id, postcode, db.Now()); err != nil {
		t.Fatal(err)
	}
	return id
}

// TestCSVQualityChecksMatchingAndCurrencies: a CSV with the standard's
// column titles imports; each data-quality problem is a warning naming
// its column and line; a bad row is rejected naming its column; a
// company number without its leading zero matches the directory's
// GB-COH identifier; a recipient known only by name and postcode is
// proposed; a USD grant is kept but not counted in GBP.
func TestCSVQualityChecksMatchingAndCurrencies(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		coh := org(t, d, "Fylde Coast Works", "social_enterprise", "GB-COH-01234567", "FY1 1AA")
		hub := org(t, d, "Blackpool Carers Centre", "vcs", "GB-CHC-1090095", "FY1 2BB")
		csv := header +
			"360G-T-1,Grant one,For carers,GBP,\"5,000\",2015-04-01,GB-COH-1234567,Fylde Coast Works Ltd,1234567,FY1 1AA,GB-CHC-1000147,Test Fund,Talbot,Carers support\n" +
			"360G-T-2,Grant two,Zero,GBP,0,2027-01-01,360G-T-ORG-9,The Blackpool Carers Centre,,fy12bb,GB-CHC-1000147,Test Fund,,\n" +
			"360G-T-3,Grant three,Bad date,GBP,10,2015-02-30,GB-XYZ-1,Nowhere,,,GB-CHC-1000147,Test Fund,,\n" +
			"360G-T-4,Grant four,Text amount,GBP,lots,2015-01-01,GB-CHC-1090095,Carers,,,GB-CHC-1000147,Test Fund,,\n" +
			"360G-T-5,Grant five,Dollars,USD,700,2015-06-01,GB-CHC-1090095,Carers,,,GB-CHC-1000147,Test Fund,,\n" +
			"360G-T-1,Grant one again,Dup,GBP,1,2015-04-01,GB-CHC-1090095,Carers,,,GB-CHC-1000147,Test Fund,,\n" +
			"360G-T-6,Grant six,Bad prefix,GBP,10,2015-01-01,XX-FOO-1,Somebody,ABC,,GB-CHC-1000147,Test Fund,,\n"
		res, err := Import(ctx, d, []byte(csv), Options{Now: today})
		if err != nil {
			t.Fatal(err)
		}
		out := res.String()
		for _, want := range []string{
			"line 3: warning: Amount Awarded: the amount awarded is 0",
			"line 3: warning: Award Date: the award date 2027-01-01 is after today (post-dated)",
			"line 3: warning: Recipient Org: incomplete recipient: only a 360G- identifier and no charity or company number",
			`line 4: rejected: Award Date: "2015-02-30" is not a real date`,
			"line 5: rejected: Amount Awarded: got string, want number",
			"line 7: rejected: Identifier: the grant identifier 360G-T-1 is also line 2",
			"line 8: warning: Recipient Org:Identifier: the recipient identifier XX-FOO-1 has an unrecognised prefix",
			`line 8: warning: Recipient Org:Company Number: the company number "ABC" is malformed`,
			"Grants in a currency other than GBP (1 in USD) are kept",
			"4 created",
		} {
			if !strings.Contains(out, want) {
				t.Errorf("report lacks %q:\n%s", want, out)
			}
		}
		var orgID int64
		var ward, theme string
		d.Q().QueryRowContext(ctx, `SELECT recipient_org_id, beneficiary_ward, theme_code FROM grants WHERE identifier = '360G-T-1'`).Scan(&orgID, &ward, &theme)
		if orgID != coh || ward != "Talbot" || theme != "carers" {
			t.Errorf("grant 1: org %d (want %d), ward %q, theme %q", orgID, coh, ward, theme)
		}
		var pOrg int64
		var conf int
		if err := d.Q().QueryRowContext(ctx, `SELECT organisation_id, confidence FROM grant_match_proposals WHERE recipient_key = '360G-T-ORG-9'`).Scan(&pOrg, &conf); err != nil || pOrg != hub || conf < 90 {
			t.Errorf("proposal: org %d (want %d), confidence %d, %v", pOrg, hub, conf, err)
		}
		m, err := CountMeasures(ctx, d.Q(), mustDate("2015-01-01"), mustDate("2016-01-01"))
		if err != nil {
			t.Fatal(err)
		}
		// 5,000 (GBP, matched) counts; 700 USD does not; grant 2 is 2027.
		if m["grants_awarded_gbp"] != 5000 || m["grants_awarded_count"] != 2 || m["grants_awarded_gbp_third_sector"] != 5000 {
			t.Errorf("measures %v", m)
		}
	})
}

// TestXLSXReadsTheGrantsSheetAndRefusesAWrongOne: a workbook whose grants
// are on its second sheet imports with sheet row numbers; one with no
// 360Giving sheet is refused naming its sheets; other files are refused.
func TestXLSXReadsTheGrantsSheetAndRefusesAWrongOne(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		book := func(sheet string, rows [][]string) []byte {
			f := excelize.NewFile()
			f.SetSheetName("Sheet1", "Read me")
			f.SetCellValue("Read me", "A1", "About this file")
			f.NewSheet(sheet)
			for i, r := range rows {
				for j, v := range r {
					cell, _ := excelize.CoordinatesToCellName(j+1, i+1)
					f.SetCellValue(sheet, cell, v)
				}
			}
			var b bytes.Buffer
			if err := f.Write(&b); err != nil {
				t.Fatal(err)
			}
			return b.Bytes()
		}
		head := strings.Split(strings.TrimSpace(header), ",")
		row := func(id, amount, date string) []string {
			return []string{id, "T", "D", "GBP", amount, date, "GB-CHC-1090095", "Carers", "", "FY1 1AA", "GB-CHC-1000147", "Fund", "", ""}
		}
		res, err := Import(ctx, d, book("grants", [][]string{head, row("360G-X-1", "100", "2014-07-24"), {}, row("360G-X-2", "200", "24/07/2014")}), Options{Now: today})
		if err != nil {
			t.Fatal(err)
		}
		if res.Created != 1 || len(res.Rejected) != 1 || res.Rejected[0].Line != 4 || !strings.Contains(res.Format, `sheet "grants"`) {
			t.Errorf("xlsx: %s", res.String())
		}
		_, err = Import(ctx, d, book("Summary", [][]string{{"Total", "3"}}), Options{Now: today})
		if apperr.Code(err) != apperr.EINVALID || !strings.Contains(err.Error(), "sheets: Read me, Summary") {
			t.Errorf("wrong sheet: %v", err)
		}
		for name, data := range map[string]string{
			"PDF":    "%PDF-1.4 ...",
			"binary": "\x00\x01\x02\x03",
			"array":  `[{"id": "x"}]`,
			"no id":  "Name,Amount\nA,1\n",
		} {
			if _, err := Import(ctx, d, []byte(data), Options{Now: today}); apperr.Code(err) != apperr.EINVALID {
				t.Errorf("%s: %v", name, err)
			}
		}
		if n := count(t, d, `SELECT COUNT(*) FROM grants`); n != 1 {
			t.Errorf("%d grants", n)
		}
	})
}
