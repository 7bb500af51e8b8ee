package directory

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/importing"
	"partnerhub/internal/taxonomy"
)

// The Charity Commission's charity file columns, in the published order.
var ccPublished = []string{"date_of_extract", "organisation_number", "registered_charity_number", "linked_charity_number", "charity_name", "charity_type",
	"charity_registration_status", "date_of_registration", "date_of_removal", "charity_reporting_status", "latest_acc_fin_period_start_date",
	"latest_acc_fin_period_end_date", "latest_income", "latest_expenditure", "charity_contact_address1", "charity_contact_address2",
	"charity_contact_address3", "charity_contact_address4", "charity_contact_address5", "charity_contact_postcode", "charity_contact_phone",
	"charity_contact_email", "charity_contact_web", "charity_company_registration_number", "charity_insolvent", "charity_in_administration",
	"charity_previously_excepted", "charity_is_cdf_or_cif", "charity_is_cio", "cio_is_dissolved", "date_cio_dissolution_notice",
	"charity_activities", "charity_gift_aid", "charity_has_land"}

// ccCharity is a row of the charity file: the values given, the rest as
// the register fills them.
func ccCharity(v map[string]string) map[string]string {
	row := map[string]string{"date_of_extract": "2026-11-30 00:00:00", "organisation_number": "5000" + v["registered_charity_number"], "linked_charity_number": "0",
		"charity_type": "Other", "charity_registration_status": "Registered", "date_of_registration": "1998-02-11 00:00:00", "charity_reporting_status": "Submission Received",
		"latest_acc_fin_period_start_date": "2025-04-01 00:00:00", "latest_acc_fin_period_end_date": "2026-03-31 00:00:00", "latest_income": "25000.00",
		"latest_expenditure": "24000.00", "charity_contact_phone": "01253 000000", "charity_contact_email": "info@example.org", "charity_insolvent": "False",
		"charity_in_administration": "False", "charity_previously_excepted": "False", "charity_is_cdf_or_cif": "", "charity_is_cio": "False",
		"cio_is_dissolved": "False", "charity_gift_aid": "True", "charity_has_land": "False"}
	for k, x := range v {
		row[k] = x
	}
	return row
}

// ccTSV writes rows as the register publishes the text file: a BOM, tabs,
// no quoting, CRLF.
func ccTSV(rows ...map[string]string) []byte {
	var b bytes.Buffer
	b.WriteString("\ufeff" + strings.Join(ccPublished, "\t") + "\r\n")
	for _, r := range rows {
		vals := make([]string, len(ccPublished))
		for i, c := range ccPublished {
			vals[i] = r[c]
		}
		b.WriteString(strings.Join(vals, "\t") + "\r\n")
	}
	return b.Bytes()
}

// ccJSONFile writes rows as the register publishes the JSON file (numbers
// as numbers, booleans as booleans).
func ccJSONFile(t *testing.T, rows ...map[string]string) []byte {
	var items []map[string]any
	for _, r := range rows {
		it := map[string]any{}
		for k, v := range r {
			switch {
			case v == "True" || v == "False":
				it[k] = v == "True"
			case k == "registered_charity_number" || k == "linked_charity_number" || k == "organisation_number":
				it[k] = json.Number(v)
			case k == "latest_income" && v != "":
				it[k] = json.Number(v)
			case v == "":
				it[k] = nil
			default:
				it[k] = v
			}
		}
		items = append(items, it)
	}
	b, err := json.MarshalIndent(items, "", " ")
	if err != nil {
		t.Fatal(err)
	}
	return append([]byte("\ufeff"), b...)
}

var ccClassification = "\ufeffdate_of_extract\torganisation_number\tregistered_charity_number\tlinked_charity_number\tclassification_code\tclassification_type\tclassification_description\r\n" +
	"2026-11-30 00:00:00\t50001090095\t1090095\t0\t202\tWho\tElderly/old People\r\n" +
	"2026-11-30 00:00:00\t50001090095\t1090095\t0\t103\tWhat\tThe Advancement Of Health Or Saving Of Lives\r\n" +
	"2026-11-30 00:00:00\t50001090095\t1090095\t0\t301\tHow\tMakes Grants To Individuals\r\n"

// The register as of the first extract.
func ccFirst() []map[string]string {
	return []map[string]string{
		ccCharity(map[string]string{"registered_charity_number": "1090095", "charity_name": `LAYTON "LUNCH" CLUB`, "charity_contact_address1": "12 Talbot Road",
			"charity_contact_address2": "Blackpool", "charity_contact_postcode": "FY3 7AA", "charity_contact_web": "www.layton.example.org",
			"charity_activities": `Hot lunches & company for 5" of snow days`}),
		ccCharity(map[string]string{"registered_charity_number": "1090095", "linked_charity_number": "1", "organisation_number": "6000001", "charity_name": "LAYTON LUNCH CLUB TRADING FUND", "charity_contact_postcode": "FY3 7AA"}),
		ccCharity(map[string]string{"registered_charity_number": "1173575", "charity_name": "MARTON MEN'S SHED", "charity_type": "CIO", "charity_is_cio": "True",
			"charity_contact_postcode": "fy4 4aa", "latest_income": "4000"}),
		ccCharity(map[string]string{"registered_charity_number": "700001", "charity_name": "BLACKPOOL CARERS LIMITED", "charity_type": "Charitable company",
			"charity_company_registration_number": "2345678", "charity_contact_postcode": "FY1 1AA", "latest_income": "750000.00"}),
		ccCharity(map[string]string{"registered_charity_number": "222222", "charity_name": "LANCASTER ARTS", "charity_contact_postcode": "LA1 1AA"}),
		ccCharity(map[string]string{"registered_charity_number": "333333", "charity_name": "OLD FLEETWOOD FUND", "charity_registration_status": "Removed",
			"date_of_removal": "2019-03-26 00:00:00", "charity_contact_postcode": "FY1 2AA"}),
	}
}

var fylde = RegisterOptions{Postcodes: []string{"FY1,FY2,FY3, fy4"}}

func charities(t *testing.T, d *db.DB, data []byte, opt RegisterOptions) *importing.Report {
	t.Helper()
	rep, err := ImportCharities(context.Background(), d, bytes.NewReader(data), opt)
	if err != nil {
		t.Fatalf("import: %v", err)
	}
	return rep
}

func also(rep *importing.Report, label string) int {
	for _, c := range rep.Also {
		if strings.HasPrefix(c.Label, label) {
			return c.N
		}
	}
	return -1
}

func profileByIdent(t *testing.T, d *db.DB, ident string) *Profile {
	t.Helper()
	var id int64
	if err := d.Q().QueryRowContext(context.Background(), `SELECT organisation_id FROM org_identifiers WHERE identifier = $1`, ident).Scan(&id); err != nil {
		t.Fatalf("%s: %v", ident, err)
	}
	p, err := LoadProfile(context.Background(), d.Q(), id)
	if err != nil {
		t.Fatal(err)
	}
	return p
}

func orgCount(t *testing.T, d *db.DB) int {
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM organisations`).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func TestImportCharityExtract(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		first := ccFirst()
		// The JSON file says the same as the text file (a dry run).
		opt := fylde
		opt.DryRun = true
		rep := charities(t, d, ccJSONFile(t, first...), opt)
		if rep.Created != 3 || also(rep, "skipped outside") != 1 || also(rep, "skipped as removed") != 1 || len(rep.Rejected) != 0 || orgCount(t, d) != 0 {
			t.Fatalf("JSON dry run: %s", rep)
		}
		opt = fylde
		opt.Classification = strings.NewReader(ccClassification)
		rep = charities(t, d, ccJSONFile(t, first...), opt)
		if rep.Rows != 6 || rep.Created != 3 || also(rep, "skipped outside") != 1 || also(rep, "skipped as removed") != 1 || len(rep.Rejected) != 0 {
			t.Fatalf("JSON file: %s", rep)
		}
		// The text file says exactly what the JSON said.
		opt.Classification = strings.NewReader(ccClassification)
		rep = charities(t, d, ccTSV(first...), opt)
		if rep.Rows != 6 || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 || len(rep.Rejected) != 0 {
			t.Fatalf("text file after the JSON: %s", rep)
		}
		layton := profileByIdent(t, d, "GB-CHC-1090095")
		if layton.Name != `LAYTON "LUNCH" CLUB` || layton.Postcode != "FY3 7AA" || layton.Website != "https://www.layton.example.org" ||
			layton.LegalForm != "charity" || layton.OtherNames != "LAYTON LUNCH CLUB TRADING FUND" || layton.IncomeBand != "10k_100k" ||
			layton.Address != "12 Talbot Road, Blackpool" || !strings.Contains(layton.Description, `5" of snow`) {
			t.Errorf("main charity with a quote and a linked charity: %+v", layton)
		}
		themes := termIDs(t, d, taxonomy.Themes, "older-people", "health-wellbeing")
		if idList(layton.TermIDs) != idList(themes) {
			t.Errorf("themes from the classification file: %v, want %v", layton.TermIDs, themes)
		}
		if shed := profileByIdent(t, d, "GB-CHC-1173575"); shed.LegalForm != "cio" || shed.Postcode != "FY4 4AA" || shed.IncomeBand != "under_10k" {
			t.Errorf("CIO: %+v", shed)
		}
		carers := profileByIdent(t, d, "GB-COH-02345678")
		if carers.LegalForm != "charitable_company" || !contains(carers.Identifiers, "GB-CHC-700001") || carers.IncomeBand != "500k_1m" {
			t.Errorf("charitable company with its company number's leading zero: %+v", carers)
		}
		// The same file twice changes nothing.
		opt.Classification = strings.NewReader(ccClassification)
		rep = charities(t, d, ccTSV(first...), opt)
		if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 || also(rep, "renamed") != 0 || also(rep, "removed from") != 0 {
			t.Fatalf("same file twice: %s", rep)
		}

		// A member edits Layton's description and Marton's website.
		layton.Description = "Our own words"
		saveProfile(t, d, layton)
		shed := profileByIdent(t, d, "GB-CHC-1173575")
		shed.Website = "https://shed.example.org"
		saveProfile(t, d, shed)

		// The next extract: Layton renamed (its activities as before),
		// the shed's address changed at the register, the carers removed.
		next := ccFirst()
		next[0]["charity_name"] = "LAYTON COMMUNITY KITCHEN"
		next[2]["charity_contact_address1"] = "1 Shed Lane"
		next[3]["charity_registration_status"], next[3]["date_of_removal"] = "Removed", "2026-10-01 00:00:00"
		for _, r := range next {
			r["date_of_extract"] = "2026-12-31 00:00:00"
		}
		rep = charities(t, d, ccTSV(next...), fylde)
		if rep.Created != 0 || rep.Updated != 2 || also(rep, "renamed") != 1 || also(rep, "removed from") != 1 || rep.Unchanged != 0 {
			t.Fatalf("refresh: %s", rep)
		}
		layton = profileByIdent(t, d, "GB-CHC-1090095")
		if layton.Name != "LAYTON COMMUNITY KITCHEN" || !strings.Contains(layton.OtherNames, `LAYTON "LUNCH" CLUB`) || layton.Description != "Our own words" {
			t.Errorf("renamed, the member's description kept: %+v", layton)
		}
		shed = profileByIdent(t, d, "GB-CHC-1173575")
		if shed.Address != "1 Shed Lane" || shed.Website != "https://shed.example.org" {
			t.Errorf("register's new address, the member's website kept: %+v", shed)
		}
		carers = profileByIdent(t, d, "GB-CHC-700001")
		if carers.Published {
			t.Errorf("removed charity still listed")
		}
		if _, on, err := RemovedOn(ctx, d.Q(), carers.ID); err != nil || on != "2026-10-01" {
			t.Errorf("removed on: %q %v", on, err)
		}
		res, err := Search(ctx, d.Q(), d.Dialect, Filter{Q: "carers"})
		if err != nil || res.Total != 0 {
			t.Errorf("a removed charity is left out of searches: %+v %v", res.Total, err)
		}
		if orgCount(t, d) != 3 {
			t.Errorf("removed charities are kept, never created: %d", orgCount(t, d))
		}
		// Again: nothing changes.
		rep = charities(t, d, ccTSV(next...), fylde)
		if rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 3 || also(rep, "removed from") != 0 {
			t.Fatalf("refresh twice: %s", rep)
		}
		refs, err := Refreshes(ctx, d.Q())
		if err != nil || len(refs) != 1 || refs[0].ExtractDate != "2026-12-31" {
			t.Errorf("last refresh: %+v %v", refs, err)
		}
	})
}

func TestImportCharityBadFiles(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		good := ccTSV(ccFirst()...)
		cases := map[string]struct {
			data []byte
			want string
		}{
			"truncated":          {good[:len(good)-40], "truncated"},
			"comma-separated":    {[]byte(strings.Join(ccPublished, ",") + "\n1,2,3\n"), "tab-separated"},
			"wrong file":         {[]byte(ccClassification), "no column charity_name"},
			"JSON not an array":  {[]byte(`{"registered_charity_number": 1}`), "not an array"},
			"truncated JSON":     {ccJSONFile(t, ccFirst()...)[:300], "truncated"},
			"empty":              {nil, "empty"},
			"JSON of numbers":    {[]byte(`[1, 2]`), "Item 1 is not an object"},
			"JSON after the end": {[]byte(`[{"registered_charity_number": 1, "charity_name": "A"}] x`), "After the array's end"},
		}
		for name, c := range cases {
			_, err := ImportCharities(ctx, d, bytes.NewReader(c.data), RegisterOptions{})
			if err == nil || !strings.Contains(err.Error(), c.want) {
				t.Errorf("%s: %v, want %q", name, err, c.want)
			}
			if n := orgCount(t, d); n != 0 {
				t.Fatalf("%s: %d organisations half-written", name, n)
			}
		}
		// A JSON item with a list where a value should be is rejected.
		rep, err := ImportCharities(ctx, d, strings.NewReader(`[{"registered_charity_number": 1090095, "linked_charity_number": 0, "charity_name": ["A"]},
			{"registered_charity_number": 1173575, "linked_charity_number": 0, "charity_name": "B \"b\" \u0026 c", "charity_registration_status": "Registered"}]`), RegisterOptions{DryRun: true})
		if err != nil || rep.Created != 1 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 1 || !strings.Contains(rep.Rejected[0].Reason, "charity_name") {
			t.Fatalf("JSON item with a list: %v\n%s", err, rep)
		}
		// A last line without its line end is whole.
		rep, err = ImportCharities(ctx, d, bytes.NewReader(bytes.TrimSuffix(good, []byte("\r\n"))), RegisterOptions{DryRun: true})
		if err != nil || rep.Created != 4 || len(rep.Rejected) != 0 {
			t.Fatalf("no line end at the end: %v\n%s", err, rep)
		}
		// Mixed line ends (CRLF, LF, a lone CR) are read as lines; a row
		// with a tab too many is rejected with its line.
		rows := ccFirst()
		rows[2]["charity_activities"] = "sheds\tand tools"
		mixed := ccTSV(rows...)
		mixed = bytes.Replace(mixed, []byte("\r\n"), []byte("\n"), 2)
		mixed = bytes.Replace(mixed, []byte("\r\n"), []byte("\r"), 1)
		rep, err = ImportCharities(ctx, d, bytes.NewReader(mixed), fylde)
		if err != nil || rep.Created != 2 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 4 || !strings.Contains(rep.Rejected[0].Reason, "has 35 fields") {
			t.Fatalf("mixed line ends: %v\n%s", err, rep)
		}
	})
}

// Companies House's header as published (leading spaces included).
const chHeader = `CompanyName, CompanyNumber,RegAddress.CareOf,RegAddress.POBox,RegAddress.AddressLine1, RegAddress.AddressLine2,RegAddress.PostTown,RegAddress.County,RegAddress.Country,RegAddress.PostCode,CompanyCategory,CompanyStatus,CountryOfOrigin,DissolutionDate,IncorporationDate,Accounts.AccountRefDay,Accounts.AccountRefMonth,Accounts.NextDueDate,Accounts.LastMadeUpDate,Accounts.AccountCategory,Returns.NextDueDate,Returns.LastMadeUpDate,Mortgages.NumMortCharges,Mortgages.NumMortOutstanding,Mortgages.NumMortPartSatisfied,Mortgages.NumMortSatisfied,SICCode.SicText_1,SICCode.SicText_2,SICCode.SicText_3,SICCode.SicText_4,LimitedPartnerships.NumGenPartners,LimitedPartnerships.NumLimPartners,URI,PreviousName_1.CONDATE, PreviousName_1.CompanyName, PreviousName_2.CONDATE, PreviousName_2.CompanyName,PreviousName_3.CONDATE, PreviousName_3.CompanyName,PreviousName_4.CONDATE, PreviousName_4.CompanyName,PreviousName_5.CONDATE, PreviousName_5.CompanyName,PreviousName_6.CONDATE, PreviousName_6.CompanyName,PreviousName_7.CONDATE, PreviousName_7.CompanyName,PreviousName_8.CONDATE, PreviousName_8.CompanyName,PreviousName_9.CONDATE, PreviousName_9.CompanyName,PreviousName_10.CONDATE, PreviousName_10.CompanyName,ConfStmtNextDueDate, ConfStmtLastMadeUpDate`

// chRow writes a row as published: every field quoted.
func chRow(name, number, line1, town, postcode, category, status, dissolved, prev1 string) string {
	n := len(strings.Split(chHeader, ","))
	vals := make([]string, n)
	set := func(i int, v string) { vals[i] = v }
	set(0, name)
	set(1, number)
	set(4, line1)
	set(6, town)
	set(8, "United Kingdom")
	set(9, postcode)
	set(10, category)
	set(11, status)
	set(12, "United Kingdom")
	set(13, dissolved)
	set(14, "01/04/2015")
	set(26, "88990 - Other social work activities without accommodation n.e.c.")
	set(32, "http://business.data.gov.uk/id/company/"+number)
	if prev1 != "" {
		set(33, "12/05/2018")
		set(34, prev1)
	}
	for i, v := range vals {
		vals[i] = `"` + strings.ReplaceAll(v, `"`, `""`) + `"`
	}
	return strings.Join(vals, ",")
}

func TestImportCompaniesHouse(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		charities(t, d, ccTSV(ccFirst()...), fylde)
		file := func(rows ...string) []byte { return []byte(chHeader + "\r\n" + strings.Join(rows, "\r\n") + "\r\n") }
		data := file(
			chRow("FYLDE FOOD CIC", "11111111", "1 Market Street", "BLACKPOOL", "FY1 3AA", "Community Interest Company", "Active", "", "FYLDE FOOD LIMITED"),
			chRow("BLACKPOOL CARERS LIMITED", "02345678", "5 Church Street", "BLACKPOOL", "FY1 1AA", "PRI/LTD BY GUAR/NSC (Private, limited by guarantee, no share capital)", "Active", "", ""),
			chRow("ACME WIDGETS LTD", "03333333", "2 Dock Road", "FLEETWOOD", "FY7 6AA", "Private Limited Company", "Active", "", ""),
			chRow("LANCASTER GREEN CIC", "04444444", "1 Dalton Square", "LANCASTER", "LA1 1AA", "Community Interest Company", "Active", "", ""),
			chRow("OLD CIC", "05555555", "1 Old Road", "BLACKPOOL", "FY1 9ZZ", "Community Interest Company", "Dissolved", "01/02/2020", ""),
		)
		rep, err := ImportCompanies(ctx, d, bytes.NewReader(data), fylde)
		if err != nil {
			t.Fatal(err)
		}
		if rep.Rows != 5 || rep.Created != 1 || rep.Updated != 1 || also(rep, "skipped as not third") != 1 || also(rep, "skipped outside") != 1 || also(rep, "skipped as removed") != 1 {
			t.Fatalf("companies: %s", rep)
		}
		cic := profileByIdent(t, d, "GB-COH-11111111")
		if cic.LegalForm != "cic" || cic.Sector != "social_enterprise" || cic.OtherNames != "FYLDE FOOD LIMITED" || cic.Postcode != "FY1 3AA" ||
			cic.Address != "1 Market Street, BLACKPOOL" {
			t.Errorf("CIC: %+v", cic)
		}
		carers := profileByIdent(t, d, "GB-COH-02345678")
		if carers.LegalForm != "charitable_company" || !contains(carers.Identifiers, "GB-CHC-700001") {
			t.Errorf("the charity's company: %+v", carers)
		}
		rep, err = ImportCompanies(ctx, d, bytes.NewReader(data), fylde)
		if err != nil || rep.Created != 0 || rep.Updated != 0 || rep.Unchanged != 2 {
			t.Fatalf("same file twice: %v %s", err, rep)
		}
		// The CIC dissolved, and a private partner the directory has.
		acme := newOrg(t, d, "Acme Widgets", "private", "company")
		ap, _ := LoadProfile(ctx, d.Q(), acme.ID)
		ap.Identifiers = []string{"GB-COH-03333333"}
		saveProfile(t, d, ap)
		data = file(chRow("FYLDE FOOD CIC", "11111111", "1 Market Street", "BLACKPOOL", "FY1 3AA", "Community Interest Company", "Dissolved", "03/11/2026", "FYLDE FOOD LIMITED"),
			chRow("ACME WIDGETS LTD", "03333333", "2 Dock Road", "FLEETWOOD", "FY7 6AA", "Private Limited Company", "Dissolved", "04/11/2026", ""))
		rep, err = ImportCompanies(ctx, d, bytes.NewReader(data), fylde)
		if err != nil || also(rep, "removed from") != 2 || also(rep, "skipped as not third") != 0 {
			t.Fatalf("dissolved: %v %s", err, rep)
		}
		if _, on, _ := RemovedOn(ctx, d.Q(), acme.ID); on != "2026-11-04" {
			t.Errorf("partner company dissolved on %q", on)
		}
		if _, on, _ := RemovedOn(ctx, d.Q(), cic.ID); on != "2026-11-03" {
			t.Errorf("dissolved on %q", on)
		}
		// A file cut short inside a quoted field writes nothing.
		n := orgCount(t, d)
		cut := file(chRow("NEW CIC", "06666666", "1 New Road", "BLACKPOOL", "FY2 0AA", "Community Interest Company", "Active", "", ""),
			chRow("NEWER CIC", "07777777", "1 New Road", "BLACKPOOL", "FY2 0AA", "Community Interest Company", "Active", "", ""))
		_, err = ImportCompanies(ctx, d, bytes.NewReader(cut[:len(cut)-300]), fylde)
		if err == nil || !strings.Contains(err.Error(), "truncated") || orgCount(t, d) != n {
			t.Errorf("truncated: %v (%d orgs, had %d)", err, orgCount(t, d), n)
		}
	})
}

func TestRegisterMatchProposals(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := newOrg(t, d, "Marton Mens Shed", "vcs", "unincorporated")
		p, err := LoadProfile(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Postcode = "FY4 4AA"
		saveProfile(t, d, p)
		carers := newOrg(t, d, "Blackpool Carers", "vcs", "unincorporated")
		rep := charities(t, d, ccTSV(ccFirst()...), fylde)
		if rep.Created != 1 || also(rep, "proposed") != 2 {
			t.Fatalf("hand-typed organisations proposed, not duplicated: %s", rep)
		}
		ps, total, err := MatchProposals(ctx, d.Q(), "proposed", 10, 0)
		if err != nil || total != 2 || ps[0].OrgID != o.ID || ps[0].Identifier != "GB-CHC-1173575" || ps[0].Confidence != 100 ||
			ps[1].OrgID != carers.ID || ps[1].Identifier != "GB-CHC-700001" || ps[1].Confidence != 75 {
			t.Fatalf("proposals: %+v %d %v", ps, total, err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			if _, err := DecideMatch(ctx, tx, ps[0].ID, true, 0); err != nil {
				return err
			}
			_, err := DecideMatch(ctx, tx, ps[1].ID, false, 0)
			return err
		}); err != nil {
			t.Fatal(err)
		}
		// Confirmed: updated; rejected: created as an organisation of its own.
		rep = charities(t, d, ccTSV(ccFirst()...), fylde)
		if rep.Created != 1 || rep.Updated != 1 || rep.Unchanged != 1 || also(rep, "proposed") != 0 {
			t.Fatalf("after deciding: %s", rep)
		}
		if p := profileByIdent(t, d, "GB-CHC-700001"); p.ID == carers.ID {
			t.Errorf("a rejected match was applied")
		}
		shed := profileByIdent(t, d, "GB-CHC-1173575")
		if shed.ID != o.ID || shed.Name != "Marton Mens Shed" || shed.LegalForm != "unincorporated" || shed.IncomeBand != "under_10k" || !strings.Contains(shed.OtherNames, "MARTON MEN'S SHED") {
			t.Errorf("matched organisation: its name kept, empty fields filled: %+v", shed)
		}
	})
}

func TestLinkedCharityBeforeItsMain(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		rows := ccFirst()
		rows[0], rows[1] = rows[1], rows[0] // the linked charity first
		rep := charities(t, d, ccTSV(rows...), fylde)
		if rep.Created != 3 || rep.Updated != 0 {
			t.Fatalf("import: %s", rep)
		}
		if p := profileByIdent(t, d, "GB-CHC-1090095"); p.OtherNames != "LAYTON LUNCH CLUB TRADING FUND" {
			t.Errorf("linked charity's name: %q", p.OtherNames)
		}
		// A linked charity new in the next extract updates its main one.
		rows = append(rows, ccCharity(map[string]string{"registered_charity_number": "1173575", "linked_charity_number": "1", "charity_name": "SHED TOOLS FUND"}))
		rep = charities(t, d, ccTSV(rows...), fylde)
		if rep.Created != 0 || rep.Updated != 1 || rep.Unchanged != 2 {
			t.Fatalf("refresh with a new linked charity: %s", rep)
		}
		if p := profileByIdent(t, d, "GB-CHC-1173575"); p.OtherNames != "SHED TOOLS FUND" {
			t.Errorf("new linked charity's name: %q", p.OtherNames)
		}
	})
}

// TestRegisterCommandArea: without --postcodes, `partnerhub import
// charities` keeps the districts of the admin setting.
func TestRegisterCommandArea(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		file := filepath.Join(t.TempDir(), "publicextract.charity.txt")
		if err := os.WriteFile(file, ccTSV(ccFirst()...), 0o600); err != nil {
			t.Fatal(err)
		}
		run := (&Service{DB: d}).Importers()["charities"]
		if err := d.Write(ctx, func(tx *db.Tx) error { return SetRegisterPostcodes(ctx, tx, "fy4, FY3") }); err != nil {
			t.Fatal(err)
		}
		rep, err := run(ctx, file, true)
		if err != nil || rep.Created != 2 || also(rep, "skipped outside") != 2 {
			t.Fatalf("the setting's districts: %v\n%s", err, rep)
		}
		rep, err = run(importing.WithOptions(ctx, map[string]string{"postcodes": "LA1"}), file, true)
		if err != nil || rep.Created != 1 || also(rep, "skipped outside") != 3 {
			t.Fatalf("--postcodes wins: %v\n%s", err, rep)
		}
	})
}
