package opportunities

import (
	"context"
	"fmt"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func mkOrg(t testing.TB, d *db.DB, name, sector string) *accounts.Organisation {
	t.Helper()
	legal := "charity"
	if sector == "public" {
		legal = "public_body"
	}
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	if err := d.Write(context.Background(), func(tx *db.Tx) error { return accounts.InsertOrg(context.Background(), tx, o, 0) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func pence(p int64) *int64 { return &p }

func at(t time.Time) *time.Time { return &t }

// tender is a valid advocacy tender closing in 30 days.
func tender(buyer int64) *Opportunity {
	now := time.Now().UTC()
	return &Opportunity{
		Kind: KindTender, Title: "Independent advocacy service", BuyerID: buyer,
		Description: "Statutory and **non-statutory** advocacy for adults in Blackpool.",
		ValueMin:    pence(250_000_00), ValueMax: pence(320_000_00),
		QuestionsCloseAt: at(now.AddDate(0, 0, 20)), SubmissionDeadline: at(now.AddDate(0, 0, 30)),
		Procedure: "open", CPVCodes: []string{"85311000-2"}, SuitableVCSE: true,
		Lots: []Lot{{Title: "Care Act advocacy"}, {Title: "Mental health advocacy", Value: pence(120_000_00)}},
		Requirements: []Requirement{
			{Kind: ReqService, Code: "advice-advocacy", Mandatory: true},
			{Kind: ReqWard, Code: "talbot", Mandatory: false},
			{Kind: ReqPolicy, Code: "safeguarding", Mandatory: true, LotPosition: 2},
		},
	}
}

func fieldsOf(err error) map[string]string {
	m := map[string]string{}
	for _, f := range apperr.Fields(err) {
		m[f.Field] = f.Message
	}
	return m
}

func TestPublishedChangesAreAmendmentsAndHooksSeeThem(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		s := &Store{}
		var changes []Change
		s.OnChange(func(_ context.Context, _ *db.Tx, c Change) error { changes = append(changes, c); return nil })
		o := tender(buyer.ID)
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		if o.Status != StatusPlanned || !strings.HasPrefix(o.OCID, OCIDPrefix) || o.Slug != "independent-advocacy-service" {
			t.Fatalf("created %+v", o)
		}
		if len(o.Lots) != 2 || len(o.Requirements) != 3 {
			t.Fatalf("parts: %d lots, %d requirements", len(o.Lots), len(o.Requirements))
		}
		for _, r := range o.Requirements {
			switch r.Kind {
			case ReqService:
				if r.TermID == 0 || r.Name != "Advice and advocacy" {
					t.Errorf("service requirement not resolved: %+v", r)
				}
			case ReqWard:
				if r.Code != "Talbot" {
					t.Errorf("ward not canonical: %+v", r)
				}
			case ReqPolicy:
				if r.LotPosition != 2 {
					t.Errorf("policy requirement lost its lot: %+v", r)
				}
			}
		}
		// A draft's changes are not amendments.
		o.Title = "Independent advocacy service 2027-2030"
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Update(ctx, tx, o, 0, "") }); err != nil {
			t.Fatal(err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Publish(ctx, tx, o.ID, 0) }); err != nil {
			t.Fatal(err)
		}
		lotID := o.Lots[0].ID
		o, _ = GetByID(ctx, d.Q(), o.ID)
		if o.Status != StatusOpen || o.PublishedAt == nil {
			t.Fatalf("published: %s %v", o.Status, o.PublishedAt)
		}
		o.SubmissionDeadline = at(o.SubmissionDeadline.AddDate(0, 0, 7))
		o.Lots[0].Title = "Care Act and IMCA advocacy"
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Update(ctx, tx, o, 0, "") }); err != nil {
			t.Fatal(err)
		}
		if o.Lots[0].ID != lotID {
			t.Errorf("lot 1 changed id %d -> %d", lotID, o.Lots[0].ID)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Cancel(ctx, tx, o.ID, 0, "Budget withdrawn") }); err != nil {
			t.Fatal(err)
		}
		am, err := Amendments(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		if len(am) != 2 || am[0].Summary != "Changed submission deadline, lots" || am[1].Summary != "Cancelled: Budget withdrawn" {
			t.Fatalf("amendments %+v", am)
		}
		var actions []string
		for _, c := range changes {
			actions = append(actions, c.Action+":"+c.Summary)
		}
		if got := strings.Join(actions, "|"); got != "create:|update:|publish:|update:Changed submission deadline, lots|cancel:Cancelled: Budget withdrawn" {
			t.Fatalf("hooks saw %s", got)
		}
		err = d.Write(ctx, func(tx *db.Tx) error { return s.Update(ctx, tx, o, 0, "") })
		if !apperr.Is(err, apperr.ECONFLICT) {
			t.Fatalf("changing a cancelled one: %v", err)
		}
		byOCID, err := GetByOCID(ctx, d.Q(), o.OCID)
		if err != nil || byOCID.ID != o.ID {
			t.Fatalf("by ocid: %v %v", byOCID, err)
		}
	})
}

func TestBadOpportunitiesAreRefusedWithFieldErrors(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		buyer := mkOrg(t, d, "NHS Blackpool", "public")
		s := &Store{}
		now := time.Now().UTC()
		o := tender(buyer.ID)
		o.ValueMin, o.ValueMax = pence(5), pence(4)
		o.EOIDeadline = at(o.SubmissionDeadline.Add(time.Hour))
		o.Lots[1].Title = " "
		o.CPVCodes = []string{"8531100-2"}
		o.Requirements = append(o.Requirements, Requirement{Kind: ReqTheme, Code: "no-such-theme"})
		err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) })
		f := fieldsOf(err)
		for _, k := range []string{"value_max", "eoi_deadline", "lot_title_1", "cpv"} {
			if f[k] == "" {
				t.Errorf("no message for %s: %v", k, err)
			}
		}
		var n int
		d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM opportunities`).Scan(&n)
		if n != 0 {
			t.Fatalf("%d rows written", n)
		}
		o = tender(buyer.ID)
		o.Requirements = append(o.Requirements, Requirement{Kind: ReqTheme, Code: "no-such-theme"})
		err = d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) })
		if fieldsOf(err)["req_code_3"] == "" {
			t.Fatalf("unknown theme: %v", err)
		}
		o = tender(buyer.ID)
		o.SubmissionDeadline, o.QuestionsCloseAt = at(now.Add(-time.Hour)), nil
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, o, 0) }); err != nil {
			t.Fatal(err)
		}
		err = d.Write(ctx, func(tx *db.Tx) error { return s.Publish(ctx, tx, o.ID, 0) })
		if fieldsOf(err)["submission_deadline"] == "" {
			t.Fatalf("publishing with a past deadline: %v", err)
		}
	})
}

func TestQueryRoundTripsAndFilters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		council := mkOrg(t, d, "Blackpool Council", "public")
		nhs := mkOrg(t, d, "NHS Blackpool", "public")
		s := &Store{}
		now := time.Now().UTC()
		mk := func(buyer int64, title string, days int, vcse bool, max int64, req ...Requirement) *Opportunity {
			o := &Opportunity{Kind: KindTender, Title: title, BuyerID: buyer, SubmissionDeadline: at(now.AddDate(0, 0, days)),
				SuitableVCSE: vcse, ValueMax: pence(max), Requirements: req}
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := s.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				return s.Publish(ctx, tx, o.ID, 0)
			}); err != nil {
				t.Fatal(err)
			}
			return o
		}
		mk(council.ID, "Community wellbeing grants", 40, true, 20_000_00, Requirement{Kind: ReqTheme, Code: "health-wellbeing"})
		mk(nhs.ID, "Drug and alcohol recovery service", 10, false, 1_500_000_00, Requirement{Kind: ReqService, Code: "recovery-support"})
		mk(council.ID, "Advocacy hub", 5, true, 300_000_00, Requirement{Kind: ReqWard, Code: "Talbot"})
		draft := &Opportunity{Kind: KindTender, Title: "Draft advocacy", BuyerID: council.ID}
		if err := d.Write(ctx, func(tx *db.Tx) error { return s.Create(ctx, tx, draft, 0) }); err != nil {
			t.Fatal(err)
		}
		titles := func(q Query) string {
			os, n, err := List(ctx, d.Q(), q, now, 50, 0)
			if err != nil {
				t.Fatal(err)
			}
			var ts []string
			for _, o := range os {
				ts = append(ts, o.Title)
			}
			if n != len(os) {
				t.Fatalf("total %d, %d listed", n, len(os))
			}
			return strings.Join(ts, "; ")
		}
		for _, c := range []struct {
			url, want string
		}{
			{"", "Advocacy hub; Drug and alcohol recovery service; Community wellbeing grants"},
			{"sort=newest", "Advocacy hub; Drug and alcohol recovery service; Community wellbeing grants"},
			{"sort=value", "Drug and alcohol recovery service; Advocacy hub; Community wellbeing grants"},
			{"q=advocacy", "Advocacy hub"},
			{"q=NHS", "Drug and alcohol recovery service"},
			{"vcse=yes", "Advocacy hub; Community wellbeing grants"},
			{"closing=7", "Advocacy hub"},
			{"theme=health-wellbeing", "Community wellbeing grants"},
			{"service=recovery-support", "Drug and alcohol recovery service"},
			{"ward=Talbot", "Advocacy hub"},
			{"buyer=" + nhs.Slug, "Drug and alcohol recovery service"},
			{"value=100k_500k", "Advocacy hub"},
			{"value=over_2m", ""},
			{"status=planned", ""},
		} {
			v, _ := parseURL(c.url)
			q, err := ParseQuery(v)
			if err != nil {
				t.Fatalf("%s: %v", c.url, err)
			}
			back, _ := ParseQuery(q.Encode())
			if back != q {
				t.Errorf("%s: round trip %+v -> %+v", c.url, q, back)
			}
			if got := titles(q); got != c.want {
				t.Errorf("%s: got %q, want %q", c.url, got, c.want)
			}
		}
		v, _ := parseURL("kind=bogus&closing=-3&value=lots")
		if _, err := ParseQuery(v); len(fieldsOf(err)) != 3 {
			t.Fatalf("bad query: %v", err)
		}
	})
}

func parseURL(s string) (url.Values, error) { return url.ParseQuery(s) }

func TestMeasuresCountTheYear(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		charity := mkOrg(t, d, "Blackpool Advocacy", "vcs")
		firm := mkOrg(t, d, "Enterprise Solutions", "private")
		s := &Store{}
		now := time.Now().UTC()
		var ids []int64
		for i, vcse := range []bool{true, false, false} {
			o := tender(buyer.ID)
			o.Title = fmt.Sprint("Tender ", i)
			o.SuitableVCSE = vcse
			if err := d.Write(ctx, func(tx *db.Tx) error {
				if err := s.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				return s.Publish(ctx, tx, o.ID, 0)
			}); err != nil {
				t.Fatal(err)
			}
			ids = append(ids, o.ID)
		}
		for _, org := range []int64{charity.ID, firm.ID} {
			if err := d.Write(ctx, func(tx *db.Tx) error {
				_, err := RegisterInterest(ctx, tx, ids[0], org, 0, false, "", now)
				return err
			}); err != nil {
				t.Fatal(err)
			}
		}
		m, err := CountMeasures(ctx, d.Q(), now.AddDate(0, 0, -1), now.AddDate(0, 0, 1))
		if err != nil {
			t.Fatal(err)
		}
		if m["opportunities_published"] != 3 || m["opportunities_vcse_suitable_share"] != 33.3 || m["opportunities_expressions_of_interest_third_sector"] != 1 {
			t.Fatalf("measures %v", m)
		}
		m, _ = CountMeasures(ctx, d.Q(), now.AddDate(-1, 0, 0), now.AddDate(0, 0, -1))
		if m["opportunities_published"] != 0 {
			t.Fatalf("last year %v", m)
		}
	})
}

// The listing counts its matches in the page's own query (a window
// count): every page, and a page past the end, still says how many match;
// each row carries its expressions of interest, in the page's order.
func TestListCountsMatchesOnEveryPage(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		buyer := mkOrg(t, d, "Blackpool Council", "public")
		charities := []*accounts.Organisation{mkOrg(t, d, "Blackpool Advocacy", "vcs"), mkOrg(t, d, "Fylde Carers", "vcs")}
		s := &Store{}
		now := time.Now().UTC()
		if err := d.Write(ctx, func(tx *db.Tx) error {
			for i := range 5 {
				o := &Opportunity{Kind: KindTender, Title: fmt.Sprintf("Advocacy lot %d", i), BuyerID: buyer.ID, SubmissionDeadline: at(now.AddDate(0, 0, 10+i))}
				if err := s.Create(ctx, tx, o, 0); err != nil {
					return err
				}
				if err := s.Publish(ctx, tx, o.ID, 0); err != nil {
					return err
				}
				// Lot i has i%3 expressions of interest.
				for _, c := range charities[:i%3] {
					if _, err := RegisterInterest(ctx, tx, o.ID, c.ID, 0, false, "", now); err != nil {
						return err
					}
				}
			}
			return nil
		}); err != nil {
			t.Fatal(err)
		}
		for _, c := range []struct{ offset, rows int }{{0, 2}, {2, 2}, {4, 1}, {5, 0}, {40, 0}} {
			os, total, err := List(ctx, d.Q(), Query{Words: "advocacy"}, now, 2, c.offset)
			if err != nil {
				t.Fatal(err)
			}
			if total != 5 || len(os) != c.rows {
				t.Errorf("offset %d: %d rows of %d, want %d of 5", c.offset, len(os), total, c.rows)
			}
			for i, o := range os {
				if want := fmt.Sprintf("Advocacy lot %d", c.offset+i); o.Title != want || o.Interests != (c.offset+i)%3 || o.BuyerName != "Blackpool Council" {
					t.Errorf("offset %d row %d: %q with %d interests from %q, want %q with %d from Blackpool Council", c.offset, i, o.Title, o.Interests, o.BuyerName, want, (c.offset+i)%3)
				}
			}
		}
		if os, total, err := List(ctx, d.Q(), Query{Words: "nothing-like-this"}, now, 2, 0); err != nil || total != 0 || len(os) != 0 {
			t.Errorf("no match: %d rows of %d, %v", len(os), total, err)
		}
	})
}
