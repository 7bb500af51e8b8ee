package directory

import (
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/taxonomy"
)

func TestIdentifierExamplesFromRegister(t *testing.T) {
	files, err := filepath.Glob("testdata/org-id-gb/*.json")
	if err != nil || len(files) < 20 {
		t.Fatalf("org-id lists missing from testdata: %v (%d files)", err, len(files))
	}
	for _, f := range files {
		b, err := os.ReadFile(f)
		if err != nil {
			t.Fatal(err)
		}
		var doc struct {
			Code       string
			Deprecated *bool
			Access     struct{ ExampleIdentifiers string }
		}
		if err := json.Unmarshal(b, &doc); err != nil {
			t.Fatal(err)
		}
		if doc.Deprecated != nil && *doc.Deprecated {
			if _, _, err := ParseIdentifier(doc.Code + "-X1"); err == nil || !strings.Contains(err.Error(), "deprecated") {
				t.Errorf("%s is deprecated but accepted: %v", doc.Code, err)
			}
			continue
		}
		if _, ok := schemes[doc.Code]; !ok {
			t.Errorf("scheme %s from the register is not embedded", doc.Code)
		}
		for _, ex := range strings.Split(doc.Access.ExampleIdentifiers, ",") {
			ex = strings.TrimSpace(ex)
			if ex == "" {
				continue
			}
			if _, _, err := ParseIdentifier(doc.Code + "-" + ex); err != nil {
				t.Errorf("register example %s-%s rejected: %v", doc.Code, ex, err)
			}
		}
	}
}

func TestParseIdentifierAndPostcode(t *testing.T) {
	good := map[string]string{"gb-chc-1090095": "GB-CHC-1090095", "GB-COH-09506232": "GB-COH-09506232", "GB-LAE-BPL": "GB-LAE-BPL", "GB-MPR-IP031455": "GB-MPR-IP031455", "GB-COH-sc123456": "GB-COH-SC123456"}
	for in, want := range good {
		got, _, err := ParseIdentifier(in)
		if err != nil || got != want {
			t.Errorf("ParseIdentifier(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	bad := map[string]string{"GB-XYZ-123": "not a known", "GB-CHC-12AB": "right format", "GB-LAE-ABE": "not a local authority code in England", "1090095": "org-id form", "GB-GOVUK-1": "deprecated"}
	for in, want := range bad {
		if _, _, err := ParseIdentifier(in); err == nil || !strings.Contains(err.Error(), want) {
			t.Errorf("ParseIdentifier(%q) err = %v, want %q", in, err, want)
		}
	}
	for in, want := range map[string]string{"fy1 1aa": "FY1 1AA", "FY11AA": "FY1 1AA", "SW1A 2AA": "SW1A 2AA", " m1  1ae ": "M1 1AE"} {
		if got, ok := NormalisePostcode(in); !ok || got != want {
			t.Errorf("NormalisePostcode(%q) = %q, %v", in, got, ok)
		}
	}
	for _, in := range []string{"FY1", "12345", "FY1 1A", "<b>FY1 1AA</b>"} {
		if _, ok := NormalisePostcode(in); ok {
			t.Errorf("NormalisePostcode(%q) accepted", in)
		}
	}
	if la, ok := LocalAuthorityByCode("bpl"); !ok || la.GSS != "E06000009" {
		t.Errorf("Blackpool: %+v %v", la, ok)
	}
	if len(Wards()) != 21 {
		t.Errorf("wards = %d, want 21", len(Wards()))
	}
}

// fixture helpers shared by the package's tests.

func newOrg(t testing.TB, d *db.DB, name, sector, legal string) *accounts.Organisation {
	t.Helper()
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	if err := d.Write(context.Background(), func(tx *db.Tx) error { return accounts.InsertOrg(context.Background(), tx, o, 0) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func termIDs(t testing.TB, d *db.DB, voc string, codes ...string) []int64 {
	t.Helper()
	var out []int64
	for _, c := range codes {
		tm, err := taxonomy.ByCode(context.Background(), d.Q(), voc, c)
		if err != nil {
			t.Fatalf("term %s/%s: %v", voc, c, err)
		}
		out = append(out, tm.ID)
	}
	return out
}

func saveProfile(t testing.TB, d *db.DB, p *Profile) {
	t.Helper()
	if err := d.Write(context.Background(), func(tx *db.Tx) error { _, err := SaveProfile(context.Background(), tx, p); return err }); err != nil {
		t.Fatalf("save %s: %v", p.Name, err)
	}
}

func TestProfileStore(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		o := newOrg(t, d, "Talbot Youth Project", "vcs", "charity")
		p, err := LoadProfile(ctx, d.Q(), o.ID)
		if err != nil {
			t.Fatal(err)
		}
		p.Description = "<script>alert(1)</script> Youth clubs & detached youth work"
		p.Postcode = "fy1 3ab"
		p.Identifiers = []string{"gb-chc-1090095"}
		p.Wards = []string{"talbot", "Claremont"}
		p.LocalAuths = []string{"BPL"}
		p.TermIDs = append(termIDs(t, d, "service", "youth-work"), termIDs(t, d, "client_group", "young-people")...)
		five := 5
		p.Staff = &five
		saveProfile(t, d, p)
		got, err := LoadProfileBySlug(ctx, d.Q(), o.Slug)
		if err != nil {
			t.Fatal(err)
		}
		if got.Postcode != "FY1 3AB" || got.Identifiers[0] != "GB-CHC-1090095" || len(got.Wards) != 2 || got.Wards[0] != "Claremont" || *got.Staff != 5 || len(got.TermIDs) != 2 {
			t.Fatalf("round trip: %+v", got)
		}
		if !strings.HasPrefix(got.Description, "<script>") {
			t.Errorf("HTML must be stored as text: %q", got.Description)
		}
		// Bad input names the field.
		bad := *got
		bad.Postcode, bad.Identifiers, bad.Wards, bad.Description = "NOPE", []string{"GB-ZZZ-1"}, []string{"Atlantis"}, strings.Repeat("x", MaxDescription+1)
		err = d.Write(ctx, func(tx *db.Tx) error { _, err := SaveProfile(ctx, tx, &bad); return err })
		fields := map[string]bool{}
		for _, fe := range apperr.Fields(err) {
			fields[fe.Field] = true
		}
		for _, f := range []string{"postcode", "identifiers", "wards", "description"} {
			if !fields[f] {
				t.Errorf("no error for %s: %v", f, err)
			}
		}
		// Duplicate identifier on another organisation.
		o2 := newOrg(t, d, "Other Org", "vcs", "cio")
		p2, _ := LoadProfile(ctx, d.Q(), o2.ID)
		p2.Identifiers = []string{"GB-CHC-1090095"}
		err = d.Write(ctx, func(tx *db.Tx) error { _, err := SaveProfile(ctx, tx, p2); return err })
		if !strings.Contains(apperr.Message(err)+strings.Join(fieldMsgs(err), ";"), "already used") {
			t.Errorf("duplicate identifier: %v", err)
		}
		// Audit records the changed fields.
		var detail string
		if err := d.Q().QueryRowContext(ctx, `SELECT detail FROM audit_entries WHERE action = 'directory.profile_update' AND organisation_id = $1`, o.ID).Scan(&detail); err != nil || !strings.Contains(detail, "postcode") {
			t.Errorf("audit detail %q, %v", detail, err)
		}
		// Policies and due-for-review.
		past := time.Date(2020, 1, 1, 0, 0, 0, 0, time.UTC)
		future := today(time.Now()).AddDate(1, 0, 0)
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return SetPolicies(ctx, tx, o.ID, []Policy{{Kind: "safeguarding", ReviewDate: &future}, {Kind: "data_protection", ReviewDate: &past}})
		}); err != nil {
			t.Fatal(err)
		}
		ps, err := Policies(ctx, d.Q(), o.ID)
		if err != nil || len(ps) != 2 || ps[0].Kind != "safeguarding" || ps[0].DueForReview || !ps[1].DueForReview {
			t.Fatalf("policies: %+v %v", ps, err)
		}
		if err := d.Write(ctx, func(tx *db.Tx) error {
			return AddQualityMark(ctx, tx, o.ID, &QualityMark{Name: "Trusted Charity", Level: "Level 1", AwardedOn: &past})
		}); err != nil {
			t.Fatal(err)
		}
		qm, err := QualityMarks(ctx, d.Q(), o.ID)
		if err != nil || len(qm) != 1 || !qm[0].Current {
			t.Fatalf("quality marks %+v %v", qm, err)
		}
	})
}

func fieldMsgs(err error) []string {
	var out []string
	for _, fe := range apperr.Fields(err) {
		out = append(out, fe.Message)
	}
	return out
}

func TestFindPartners(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		youth := termIDs(t, d, "service", "youth-work")[0]
		counsel := termIDs(t, d, "service", "counselling")[0]
		food := termIDs(t, d, "service", "food")[0]
		yp := termIDs(t, d, "client_group", "young-people")[0]
		mh := termIDs(t, d, "theme", "mental-health")[0]
		mk := func(name string, terms []int64, wards []string) *accounts.Organisation {
			o := newOrg(t, d, name, "vcs", "charity")
			p, _ := LoadProfile(ctx, d.Q(), o.ID)
			p.TermIDs, p.Wards = terms, wards
			saveProfile(t, d, p)
			return o
		}
		asker := mk("Asker Youth Club", []int64{youth, yp, mh}, []string{"Talbot"})
		twin := mk("Twin Youth Club", []int64{youth, yp, mh}, []string{"Talbot"})
		comp := mk("Young Minds Counselling", []int64{counsel, yp, mh}, []string{"Talbot"})
		mk("Food Bank", []int64{food}, []string{"Bispham"})

		ms, err := FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Services: []int64{counsel}, ClientGroups: []int64{yp}, Wards: []string{"Talbot"}})
		if err != nil {
			t.Fatal(err)
		}
		if len(ms) == 0 || ms[0].Org.ID != comp.ID {
			t.Fatalf("want counselling org first, got %+v", ms)
		}
		joined := strings.Join(ms[0].Reasons, " | ")
		if !strings.Contains(joined, "Counselling and emotional support") || !strings.Contains(joined, "Talbot") {
			t.Errorf("reasons do not explain: %s", joined)
		}
		for _, m := range ms {
			if m.Org.Name == "Food Bank" {
				t.Errorf("food bank matched: %+v", m)
			}
		}
		// Complementary mode: the counselling org beats the twin.
		ms, err = FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Complement: asker.ID})
		if err != nil {
			t.Fatal(err)
		}
		pos := map[int64]int{}
		for i, m := range ms {
			pos[m.Org.ID] = i + 1
			if m.Org.ID == asker.ID {
				t.Error("asker matched itself")
			}
		}
		if pos[comp.ID] == 0 || (pos[twin.ID] != 0 && pos[twin.ID] < pos[comp.ID]) {
			t.Fatalf("complement ranking wrong: %+v", ms)
		}
		ms, _ = FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Complement: asker.ID})
		for _, m := range ms {
			if m.Org.ID == comp.ID && !strings.Contains(strings.Join(m.Reasons, "|"), "Offers what you do not: Counselling") {
				t.Errorf("complement reason missing: %v", m.Reasons)
			}
		}
		if _, err := FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{}); apperr.Code(err) != apperr.EINVALID {
			t.Errorf("empty query: %v", err)
		}
		ms, _ = FindPartners(ctx, d.Q(), d.Dialect, FinderQuery{Services: []int64{counsel}, ExcludeOrgs: []int64{comp.ID}})
		for _, m := range ms {
			if m.Org.ID == comp.ID {
				t.Error("excluded org returned")
			}
		}
	})
}
