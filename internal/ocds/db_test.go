package ocds

import (
	"context"
	"encoding/json"
	"net/http/httptest"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/web"
)

func newService(t testing.TB, d *db.DB) *Service {
	w := &web.Server{}
	w.Config.BaseURL = "https://partnerhub.test"
	w.Config.DataDir = t.TempDir()
	return New(d, w, &opportunities.Store{})
}

// mkBuyer adds a public-sector organisation with identifiers.
func mkBuyer(t testing.TB, d *db.DB, name string, idents ...string) int64 {
	t.Helper()
	ctx := context.Background()
	var id int64
	err := d.Write(ctx, func(tx *db.Tx) error {
		o := accounts.Organisation{Name: name, Sector: "public", LegalForm: "public_body"}
		if err := accounts.InsertOrg(ctx, tx, &o, 0); err != nil {
			return err
		}
		p, err := directory.LoadProfile(ctx, tx, o.ID)
		if err != nil {
			return err
		}
		p.Identifiers, p.Published = idents, true
		id = o.ID
		_, err = directory.SaveProfile(ctx, tx, p)
		return err
	})
	if err != nil {
		t.Fatal(err)
	}
	return id
}

func pp(p int64) *int64 { return &p }

func future(days int) *time.Time {
	t := time.Now().UTC().Truncate(time.Second).AddDate(0, 0, days)
	return &t
}

func futureDate(days int) *time.Time {
	t := time.Now().UTC().AddDate(0, 0, days)
	d := time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
	return &d
}

func opp(buyer int64, kind, title string) *opportunities.Opportunity {
	return &opportunities.Opportunity{
		Kind: kind, Title: title, BuyerID: buyer,
		Description: "Support for **adults** in Blackpool.", ContactName: "Commissioning team", ContactEmail: "commissioning@blackpool.test",
		ValueMin: pp(250_000_00), ValueMax: pp(320_000_50),
		QuestionsCloseAt: future(20), EOIDeadline: future(25), SubmissionDeadline: future(30),
		AwardExpected: futureDate(45), ContractStart: futureDate(60), ContractEnd: futureDate(60 + 3*365),
		Procedure: "open", CPVCodes: []string{"85311000-2"}, SuitableSME: true, SuitableVCSE: true, ReservedVCSE: kind == "grant",
		Lots: []opportunities.Lot{{Title: "Care Act advocacy", Description: "Statutory advocacy"}, {Title: "Mental health advocacy", Value: pp(120_000_00)}},
	}
}

func write(t testing.TB, d *db.DB, fn func(ctx context.Context, tx *db.Tx) error) {
	t.Helper()
	ctx := context.Background()
	if err := d.Write(ctx, func(tx *db.Tx) error { return fn(ctx, tx) }); err != nil {
		t.Fatal(err)
	}
}

func count(t testing.TB, d *db.DB, table string) int {
	t.Helper()
	var n int
	if err := d.Q().QueryRowContext(context.Background(), `SELECT COUNT(*) FROM `+table).Scan(&n); err != nil {
		t.Fatal(err)
	}
	return n
}

func apiGet(t testing.TB, s *Service, target string) []byte {
	t.Helper()
	r := httptest.NewRequest("GET", target, nil)
	w := httptest.NewRecorder()
	var err error
	if strings.HasPrefix(target, "/api/ocds/records/") {
		r.SetPathValue("ocid", strings.TrimPrefix(strings.SplitN(target, "?", 2)[0], "/api/ocds/records/"))
		err = s.apiRecord(w, r)
	} else {
		err = s.apiReleases(w, r)
	}
	if err != nil {
		t.Fatalf("%s: %v", target, err)
	}
	return w.Body.Bytes()
}

// exportAll follows links.next through every page (limit per page),
// checking each page validates, and returns one package of them all.
func exportAll(t testing.TB, s *Service, limit string) []byte {
	t.Helper()
	var all []json.RawMessage
	target := "/api/ocds/releases?limit=" + limit
	pages := 0
	for target != "" {
		b := apiGet(t, s, target)
		if probs := ValidateReleasePackage(b); probs != nil {
			t.Fatalf("page %s does not validate: %v", target, probs)
		}
		var pkg ReleasePackage
		if err := json.Unmarshal(b, &pkg); err != nil {
			t.Fatal(err)
		}
		all = append(all, pkg.Releases...)
		target = ""
		if pkg.Links != nil && pkg.Links.Next != "" {
			target = strings.TrimPrefix(pkg.Links.Next, "https://partnerhub.test")
		}
		pages++
	}
	if pages < 2 {
		t.Fatalf("expected several pages, got %d", pages)
	}
	b, _ := json.Marshal(NewReleasePackage("https://partnerhub.test/api/ocds/releases", Publisher{Name: "Partnerhub"}, time.Now(), all))
	return b
}

// comparable is what OCDS carries of an opportunity.
func comparable(o *opportunities.Opportunity) map[string]any {
	lots := []string{}
	for _, l := range o.Lots {
		v := "-"
		if l.Value != nil {
			v = Pounds(*l.Value).String()
		}
		lots = append(lots, l.Title+"|"+l.Description+"|"+v)
	}
	ts := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.UTC().Format(time.RFC3339)
	}
	return map[string]any{
		"ocid": o.OCID, "kind": o.Kind, "status": o.Status, "title": o.Title, "description": o.Description,
		"buyer": o.BuyerID, "contact": o.ContactName + " " + o.ContactEmail, "min": o.ValueMin, "max": o.ValueMax,
		"currency": o.Currency, "published": ts(o.PublishedAt), "questions": ts(o.QuestionsCloseAt), "eoi": ts(o.EOIDeadline),
		"submission": ts(o.SubmissionDeadline), "award": ts(o.AwardExpected), "cstart": ts(o.ContractStart), "cend": ts(o.ContractEnd),
		"procedure": o.Procedure, "cpv": strings.Join(o.CPVCodes, " "), "sme": o.SuitableSME, "vcse": o.SuitableVCSE,
		"reserved": o.ReservedVCSE, "source": o.SourceURL, "lots": strings.Join(lots, ";"),
	}
}

func TestPublishExportImportRoundTrip(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		council := mkBuyer(t, d, "Blackpool Council", "GB-LAE-BPL")
		nhs := mkBuyer(t, d, "NHS Blackpool", "GB-NHS-00R", "GB-COH-01234567")
		var ids []int64
		write(t, d, func(ctx context.Context, tx *db.Tx) error {
			for _, o := range []*opportunities.Opportunity{
				opp(council, "tender", "Independent advocacy service"),
				opp(nhs, "grant", "Community wellbeing grants"),
				opp(council, "consultation", "Drug and alcohol recovery: service design"),
				opp(nhs, "pipeline", "Carers support (planned)"),
				opp(council, "tender", "Draft never published"),
			} {
				if err := s.Opps.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				ids = append(ids, o.ID)
			}
			for _, id := range ids[:4] {
				if err := s.Opps.Publish(ctx, tx, id, 0); err != nil {
					return err
				}
			}
			return nil
		})
		if n := count(t, d, "ocds_releases"); n != 4 {
			t.Fatalf("publishing 4 opportunities (and creating a draft) wrote %d releases", n)
		}
		// A change to a published tender is an amendment; cancelling the
		// grant a cancellation.
		write(t, d, func(ctx context.Context, tx *db.Tx) error {
			o, err := opportunities.GetByID(ctx, tx, ids[0])
			if err != nil {
				return err
			}
			o.Title = "Independent advocacy service for adults"
			o.SubmissionDeadline = future(35)
			if err := s.Opps.Update(ctx, tx, o, 0, "Deadline extended by five days"); err != nil {
				return err
			}
			return s.Opps.Cancel(ctx, tx, ids[1], 0, "Funding withdrawn")
		})
		ctx := context.Background()
		first, _ := opportunities.GetByID(ctx, d.Q(), ids[0])
		rels, err := ReleasesFor(ctx, d.Q(), first.OCID)
		if err != nil || len(rels) != 2 || rels[0].Tags[0] != "tender" || rels[1].Tags[0] != "tenderAmendment" {
			t.Fatalf("tender releases %+v %v", rels, err)
		}
		if !strings.Contains(string(rels[1].JSON), "Deadline extended by five days") {
			t.Errorf("amendment rationale missing: %s", rels[1].JSON)
		}
		grant, _ := opportunities.GetByID(ctx, d.Q(), ids[1])
		if rels, _ := ReleasesFor(ctx, d.Q(), grant.OCID); len(rels) != 2 || rels[1].Tags[0] != "tenderCancellation" {
			t.Fatalf("grant releases %+v", rels)
		}
		// Releases are immutable.
		if err := d.Write(ctx, func(tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `UPDATE ocds_releases SET json = '{}'`)
			return err
		}); err == nil {
			t.Fatal("a release was changed")
		}

		// The record package validates and its compiled release is the
		// current state.
		rb := apiGet(t, s, "/api/ocds/records/"+first.OCID)
		if probs := ValidateRecordPackage(rb); probs != nil {
			t.Fatalf("record package: %v", probs)
		}
		var rp RecordPackage
		json.Unmarshal(rb, &rp)
		if len(rp.Records) != 1 || len(rp.Records[0].Releases) != 2 || !strings.Contains(string(rp.Records[0].CompiledRelease), "Independent advocacy service for adults") ||
			!strings.Contains(string(rp.Records[0].CompiledRelease), `"compiled"`) {
			t.Fatalf("record %s", rb)
		}

		// Export (three pages of two), then import the export into an
		// empty set of opportunities: the same opportunities come back.
		pkg := exportAll(t, s, "2")
		var want []map[string]any
		for _, id := range ids[:4] {
			o, err := opportunities.GetByID(ctx, d.Q(), id)
			if err != nil {
				t.Fatal(err)
			}
			want = append(want, comparable(o))
		}
		orgsBefore := count(t, d, "organisations")
		write(t, d, func(ctx context.Context, tx *db.Tx) error {
			_, err := tx.ExecContext(ctx, `DELETE FROM ocds_releases`)
			if err == nil {
				_, err = tx.ExecContext(ctx, `DELETE FROM opportunities`)
			}
			return err
		})
		res, err := s.Import(ctx, pkg, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Created != 4 || len(res.Report.Rejected) != 0 || count(t, d, "organisations") != orgsBefore {
			t.Fatalf("import of the export: %s", res.Report)
		}
		for _, w := range want {
			o, err := opportunities.GetByOCID(ctx, d.Q(), w["ocid"].(string))
			if err != nil {
				t.Fatal(err)
			}
			if got := comparable(o); !reflect.DeepEqual(got, w) {
				for k := range w {
					if !reflect.DeepEqual(got[k], w[k]) {
						t.Errorf("%s %s: got %v, want %v", w["ocid"], k, got[k], w[k])
					}
				}
			}
		}
		// Importing it again changes nothing.
		res, err = s.Import(ctx, pkg, false, 0)
		if err != nil || res.Report.Created+res.Report.Updated != 0 || res.Report.Unchanged != 4 {
			t.Fatalf("second import: %v %s", err, res.Report)
		}
	})
}

func TestImportFictionalExampleReleaseByRelease(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		orgs := count(t, d, "organisations")
		steps := []struct{ file, status string }{
			{"ocds-213czf-000-00001-01-planning.json", "planned"},
			{"ocds-213czf-000-00001-02-tender.json", "open"},
			{"ocds-213czf-000-00001-03-tenderAmendment.json", "open"},
			{"ocds-213czf-000-00001-04-award.json", "awarded"},
		}
		for i, st := range steps {
			res, err := s.Import(ctx, readFixture(t, st.file), false, 0)
			if err != nil {
				t.Fatalf("%s: %v", st.file, err)
			}
			want := "update"
			if i == 0 {
				want = "create"
			}
			if len(res.Outcomes) != 1 || res.Outcomes[0].Action != want {
				t.Fatalf("%s: %s %+v", st.file, res.Report, res.Outcomes)
			}
			o, err := opportunities.GetByOCID(ctx, d.Q(), "ocds-213czf-000-00001")
			if err != nil {
				t.Fatal(err)
			}
			if o.Status != st.status {
				t.Errorf("after %s: status %s, want %s", st.file, o.Status, st.status)
			}
		}
		// The unknown buyer was added once, unclaimed and public sector.
		if n := count(t, d, "organisations"); n != orgs+1 {
			t.Fatalf("%d organisations added", n-orgs)
		}
		o, _ := opportunities.GetByOCID(ctx, d.Q(), "ocds-213czf-000-00001")
		if o.BuyerName != "London Borough of Barnet" || o.Title != "Planned cycle lane improvements" || *o.ValueMax != 1_100_000_00 || *o.ValueMin != 600_000_00 {
			t.Fatalf("opportunity %+v", o)
		}
		var sector string
		var members int
		d.Q().QueryRowContext(ctx, `SELECT sector, (SELECT COUNT(*) FROM memberships m WHERE m.organisation_id = o.id) FROM organisations o WHERE id = $1`, o.BuyerID).Scan(&sector, &members)
		if sector != "public" || members != 0 {
			t.Errorf("buyer sector %q, %d members", sector, members)
		}
		// The whole package holds the same releases: nothing new.
		res, err := s.Import(ctx, readFixture(t, "ocds-213czf-000-00001.json"), false, 0)
		if err != nil || res.Outcomes[0].Releases != 2 {
			t.Fatalf("whole package: %v %+v", err, res.Outcomes)
		}
		res, err = s.Import(ctx, readFixture(t, "ocds-213czf-000-00001.json"), false, 0)
		if err != nil || res.Report.Unchanged != 1 || res.Report.Updated != 0 {
			t.Fatalf("again: %v %s", err, res.Report)
		}
		// The record package imports too (its compiled release).
		res, err = s.Import(ctx, readFixture(t, "record/ocds-213czf-000-00001.json"), true, 0)
		if err != nil || len(res.Outcomes) != 1 {
			t.Fatalf("record package: %v %+v", err, res)
		}
	})
}

func TestImportFindATenderStyleMatchesBuyer(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		council := mkBuyer(t, d, "Blackpool Council", "GB-LAE-BPL")
		b, err := os.ReadFile("testdata/find-a-tender-style.json")
		if err != nil {
			t.Fatal(err)
		}
		orgs := count(t, d, "organisations")
		// A dry run reports and writes nothing.
		res, err := s.Import(ctx, b, true, 0)
		if err != nil || res.Report.Created != 1 || count(t, d, "opportunities") != 0 || count(t, d, "ocds_releases") != 0 {
			t.Fatalf("dry run: %v %v", err, res)
		}
		res, err = s.Import(ctx, b, false, 0)
		if err != nil || res.Report.Created != 1 {
			t.Fatalf("import: %v %v", err, res)
		}
		if count(t, d, "organisations") != orgs {
			t.Error("a known buyer was added again")
		}
		o, err := opportunities.GetByOCID(ctx, d.Q(), "ocds-h6vhtk-0a1b2c")
		if err != nil {
			t.Fatal(err)
		}
		if o.BuyerID != council || !o.SuitableSME || !o.SuitableVCSE || !o.ReservedVCSE || o.EOIDeadline == nil || len(o.Lots) != 2 ||
			o.Procedure != "competitive_flexible" || o.Status != "open" || o.SourceURL == "" {
			t.Fatalf("imported %+v", o)
		}
	})
}

func TestBadFilesWriteNothing(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		s := newService(t, d)
		ctx := context.Background()
		good, _ := os.ReadFile("testdata/find-a-tender-style.json")
		for name, tc := range map[string]struct{ in, want string }{
			"not JSON":        {`{"releases": [}`, "not JSON: invalid character '}' looking for beginning of value (line 1, column 15)"},
			"truncated":       {string(good[:200]), "not JSON"},
			"not a package":   {`[{"ocid": "x"}]`, "not an OCDS package"},
			"missing fields":  {`{"releases": [{"ocid": "x"}]}`, "$: missing properties"},
			"package problem": {strings.Replace(string(good), `"publishedDate": "2026-09-01T09:00:00Z"`, `"publishedDate": "yesterday"`, 1), "$.publishedDate"},
		} {
			orgs := count(t, d, "organisations")
			_, err := s.Import(ctx, []byte(tc.in), false, 0)
			if apperr.Code(err) != apperr.EINVALID || !strings.Contains(apperr.Message(err), tc.want) {
				t.Errorf("%s: got %v, want %q", name, err, tc.want)
			}
			if count(t, d, "opportunities") != 0 || count(t, d, "ocds_releases") != 0 || count(t, d, "organisations") != orgs {
				t.Fatalf("%s: something was written", name)
			}
		}
		// One bad release among good ones: it is rejected with its JSON
		// path, the others imported.
		var pkg map[string]any
		json.Unmarshal(good, &pkg)
		rel := pkg["releases"].([]any)[0].(map[string]any)
		bad := map[string]any{}
		b, _ := json.Marshal(rel)
		json.Unmarshal(b, &bad)
		bad["id"], bad["ocid"] = "bad-1", "ocds-h6vhtk-bad"
		bad["tender"].(map[string]any)["value"] = map[string]any{"amount": "lots", "currency": "GBP"}
		pkg["releases"] = []any{bad, rel}
		b, _ = json.Marshal(pkg)
		res, err := s.Import(ctx, b, false, 0)
		if err != nil {
			t.Fatal(err)
		}
		if res.Report.Created != 1 || len(res.Report.Rejected) != 1 || res.Report.Rejected[0].Line != 1 ||
			!strings.Contains(res.Report.Rejected[0].Reason, "$.releases[0].tender.value.amount") {
			t.Fatalf("report %s", res.Report)
		}
		// A notice the opportunities refuse (minimum above maximum) is
		// rejected with the reason; nothing of it is written.
		rel["id"], rel["ocid"] = "minmax-1", "ocds-h6vhtk-minmax"
		rel["tender"].(map[string]any)["minValue"] = map[string]any{"amount": 5000000, "currency": "GBP"}
		pkg["releases"] = []any{rel}
		b, _ = json.Marshal(pkg)
		orgs := count(t, d, "organisations")
		res, err = s.Import(ctx, b, false, 0)
		if err != nil || len(res.Report.Rejected) != 1 || !strings.Contains(res.Report.Rejected[0].Reason, "maximum value") {
			t.Fatalf("min above max: %v %s", err, res.Report)
		}
		if count(t, d, "opportunities") != 1 || count(t, d, "ocds_releases") != 1 || count(t, d, "organisations") != orgs {
			t.Fatal("a rejected notice was written")
		}
	})
}
