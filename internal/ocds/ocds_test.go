package ocds

import (
	"bytes"
	"encoding/json"
	"os"
	"path/filepath"
	"reflect"
	"strings"
	"testing"
	"time"
)

const fixtures = "../../../shared/standards/fixtures/ocds-sample-data/fictional-example/1.1/"

func readFixture(t *testing.T, name string) []byte {
	t.Helper()
	b, err := os.ReadFile(filepath.Join(fixtures, name))
	if err != nil {
		t.Fatal(err)
	}
	return b
}

func decode(t *testing.T, b []byte) any {
	t.Helper()
	dec := json.NewDecoder(bytes.NewReader(b))
	dec.UseNumber()
	var v any
	if err := dec.Decode(&v); err != nil {
		t.Fatal(err)
	}
	return v
}

func TestFixturesParse(t *testing.T) {
	for _, name := range []string{
		"ocds-213czf-000-00001.json",
		"ocds-213czf-000-00001-02-tender.json",
		"record/ocds-213czf-000-00001.json",
		"record/ocds-213czf-000-00001-withversions.json",
	} {
		f, err := Parse(readFixture(t, name))
		if err != nil {
			t.Fatalf("%s: %v", name, err)
		}
		if len(f.Problems) > 0 || len(f.Releases) == 0 {
			t.Errorf("%s: %d releases, problems %v", name, len(f.Releases), f.Problems)
		}
	}
}

// The fictional example's record holds the compiled release the OCDS
// tools made from its six releases; Compile must make the same.
func TestCompileMatchesFixtureRecord(t *testing.T) {
	f, err := Parse(readFixture(t, "ocds-213czf-000-00001.json"))
	if err != nil {
		t.Fatal(err)
	}
	got, err := Compile(f.Releases)
	if err != nil {
		t.Fatal(err)
	}
	rec := decode(t, readFixture(t, "record/ocds-213czf-000-00001.json")).(map[string]any)
	want := rec["records"].([]any)[0].(map[string]any)["compiledRelease"]
	if !reflect.DeepEqual(any(got), want) {
		g, _ := json.MarshalIndent(got, "", " ")
		w, _ := json.MarshalIndent(want, "", " ")
		os.WriteFile("/tmp/ocds/got.json", g, 0o644)
		os.WriteFile("/tmp/ocds/want.json", w, 0o644)
		t.Fatalf("compiled release differs from the fixture's")
	}
}

func TestNegativeControls(t *testing.T) {
	for name, tc := range map[string]struct{ in, want string }{
		"not json":       {`{"releases": [`, "not JSON"},
		"array":          {`[1,2]`, "not an OCDS package"},
		"single release": {`{"ocid":"x","id":"1"}`, "single release"},
		"package":        {`{"releases":[]}`, "$"},
	} {
		_, err := Parse([]byte(tc.in))
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: got %v, want %q", name, err, tc.want)
		}
	}
}

func TestFindATenderStyleUKFields(t *testing.T) {
	b, err := os.ReadFile("testdata/find-a-tender-style.json")
	if err != nil {
		t.Fatal(err)
	}
	f, err := Parse(b)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Problems) > 0 || len(f.Releases) != 1 {
		t.Fatalf("problems %v", f.Problems)
	}
	c, err := Compile(f.Releases)
	if err != nil {
		t.Fatal(err)
	}
	n, err := FromRelease(c)
	if err != nil {
		t.Fatal(err)
	}
	if !n.SuitableSME || !n.SuitableVCSE || !n.ReservedVCSE {
		t.Errorf("suitability: %+v", n)
	}
	if n.EOIDeadline == nil || n.EOIDeadline.Format("2006-01-02") != "2026-09-20" {
		t.Errorf("EOI deadline %v", n.EOIDeadline)
	}
	if len(n.Lots) != 2 || n.Lots[1].Title != "IMHA advocacy" || *n.Lots[0].Value != 80000000 {
		t.Errorf("lots %+v", n.Lots)
	}
	if *n.ValueMin != 95000050 || *n.ValueMax != 120000000 {
		t.Errorf("values %d %d", *n.ValueMin, *n.ValueMax)
	}
	if n.Procedure != "competitive_flexible" || n.Kind != "tender" || n.Status != "open" {
		t.Errorf("procedure %q kind %q status %q", n.Procedure, n.Kind, n.Status)
	}
	if strings.Join(n.Buyer.Identifiers, ",") != "GB-LAE-BPL,GB-PPON-PQRS-1234-ABCD" || n.Buyer.VCSE == nil || *n.Buyer.VCSE {
		t.Errorf("buyer %+v", n.Buyer)
	}
	if n.SourceURL == "" || len(n.CPVCodes) != 1 || n.CPVCodes[0] != "85312300-2" {
		t.Errorf("source %q cpv %v", n.SourceURL, n.CPVCodes)
	}
}

// The UK fields are only checked once the extensions are merged into the
// release schema: a vcse that is not a boolean must fail, at its path.
func TestValidatorFailsBrokenUKField(t *testing.T) {
	b, _ := os.ReadFile("testdata/find-a-tender-style.json")
	bad := bytes.Replace(b, []byte(`"suitability": {"sme": true, "vcse": true},`), []byte(`"suitability": {"sme": true, "vcse": "yes"},`), 1)
	if bytes.Equal(b, bad) {
		t.Fatal("test data changed")
	}
	probs := ValidateReleasePackage(bad)
	if len(probs) == 0 || probs[0].Path != "$.releases[0].tender.suitability.vcse" {
		t.Fatalf("problems %v", probs)
	}
	f, err := Parse(bad)
	if err != nil {
		t.Fatal(err)
	}
	if len(f.Releases) != 0 || len(f.Problems) == 0 {
		t.Fatalf("a failing release was kept: %d releases, %v", len(f.Releases), f.Problems)
	}
}

func ptr[T any](v T) *T { return &v }

func day(s string) *time.Time {
	t, err := time.Parse(time.RFC3339, s)
	if err != nil {
		panic(err)
	}
	return &t
}

func sampleNotice() *Notice {
	return &Notice{
		OCID: "ocds-ph0001-42", Kind: "grant", Status: "open",
		Title: "Community wellbeing grants 2027", Description: "Small grants for **community** groups.",
		Buyer:    Org{Name: "NHS Blackpool", Identifiers: []string{"GB-NHS-00R", "GB-COH-01234567"}, Locality: "Blackpool", PostalCode: "FY3 8NR"},
		Contact:  Contact{Name: "Grants team", Email: "grants@nhs.test"},
		ValueMin: ptr(int64(100000)), ValueMax: ptr(int64(2500050)), Currency: "GBP",
		PublishedAt: day("2026-11-01T09:00:00Z"), QuestionsCloseAt: day("2026-11-20T17:00:00Z"),
		EOIDeadline: day("2026-11-25T17:00:00Z"), SubmissionDeadline: day("2026-12-10T12:00:00Z"),
		AwardExpected: day("2027-01-15T00:00:00Z"), ContractStart: day("2027-02-01T00:00:00Z"), ContractEnd: day("2028-01-31T00:00:00Z"),
		Procedure: "open_call", CPVCodes: []string{"85000000-9", "98000000-3"},
		SuitableSME: true, SuitableVCSE: true, ReservedVCSE: true,
		SourceURL: "https://example.test/notice/42",
		Lots:      []NoticeLot{{ID: "1", Title: "Small grants", Description: "Up to £5,000", Value: ptr(int64(1000000))}, {ID: "2", Title: "Large grants"}},
	}
}

func TestReleaseRoundTripsAndValidates(t *testing.T) {
	for _, kind := range []string{"tender", "grant", "consultation", "pipeline"} {
		for _, status := range []string{"planned", "open", "closed", "awarded", "cancelled"} {
			if kind == "pipeline" && status != "planned" && status != "cancelled" {
				continue
			}
			n := sampleNotice()
			n.Kind, n.Status = kind, status
			rel := Release(n, n.OCID+"-1", time.Date(2026, 11, 1, 9, 0, 0, 0, time.UTC), Tags(n, true))
			rb, _ := json.Marshal(rel)
			pkg := NewReleasePackage("https://partnerhub.test/api/ocds/releases", Publisher{Name: "Partnerhub"}, time.Now(), []json.RawMessage{rb})
			pb, _ := json.Marshal(pkg)
			if probs := ValidateReleasePackage(pb); probs != nil {
				t.Fatalf("%s/%s: %v", kind, status, probs)
			}
			f, err := Parse(pb)
			if err != nil || len(f.Releases) != 1 {
				t.Fatalf("%s/%s: %v", kind, status, err)
			}
			got, err := FromRelease(f.Releases[0])
			if err != nil {
				t.Fatal(err)
			}
			if !reflect.DeepEqual(got, n) {
				g, _ := json.Marshal(got)
				w, _ := json.Marshal(n)
				t.Errorf("%s/%s:\n got %s\nwant %s", kind, status, g, w)
			}
			rec, err := NewRecord(n.OCID, []json.RawMessage{rb})
			if err != nil {
				t.Fatal(err)
			}
			recb, _ := json.Marshal(NewRecordPackage("https://partnerhub.test/api/ocds/records/x", Publisher{Name: "Partnerhub"}, time.Now(), []Record{rec}))
			if probs := ValidateRecordPackage(recb); probs != nil {
				t.Fatalf("record %s/%s: %v", kind, status, probs)
			}
		}
	}
}

func TestMergeRules(t *testing.T) {
	rels := []map[string]any{
		decode(t, []byte(`{"ocid":"o","id":"2","date":"2026-02-01T00:00:00Z","tag":["tenderAmendment"],"tender":{"id":"t","title":"New","description":null,"lots":[{"id":"1","title":"Lot one renamed"},{"id":"3","title":"Lot three"}],"items":[{"description":"no id"}]}}`)).(map[string]any),
		decode(t, []byte(`{"ocid":"o","id":"1","date":"2026-01-01T00:00:00Z","tag":["tender"],"tender":{"id":"t","title":"Old","description":"Gone later","lots":[{"id":"1","title":"Lot one","description":"kept"},{"id":"2","title":"Lot two"}],"items":[{"description":"a"},{"description":"b"}]}}`)).(map[string]any),
	}
	c, err := Compile(rels)
	if err != nil {
		t.Fatal(err)
	}
	got, _ := json.Marshal(c)
	want := `{"date":"2026-02-01T00:00:00Z","id":"o-2026-02-01T00:00:00Z","ocid":"o","tag":["compiled"],"tender":{"id":"t","items":[{"description":"no id"}],"lots":[{"description":"kept","id":"1","title":"Lot one renamed"},{"id":"2","title":"Lot two"},{"id":"3","title":"Lot three"}],"title":"New"}}`
	if string(got) != want {
		t.Errorf("got  %s\nwant %s", got, want)
	}
}

// Releases are validated one by one beside the package's own fields
// (validateReleasePackage); the problems must be those of the package
// schema validating the whole package: paths, messages and order, for
// broken releases, a release that is not an object, a duplicate release
// and a broken package field.
func TestReleasesValidatedApartAsInThePackage(t *testing.T) {
	s, err := loadSchemas()
	if err != nil {
		t.Fatal(err)
	}
	b, _ := os.ReadFile("testdata/find-a-tender-style.json")
	pkg := decode(t, b).(map[string]any)
	good := pkg["releases"].([]any)[0].(map[string]any)
	broken := func(f func(r map[string]any)) any {
		r := decode(t, mustJSON(t, good)).(map[string]any)
		f(r)
		return r
	}
	var rels []any
	for i := range 12 {
		switch i % 4 {
		case 0:
			rels = append(rels, broken(func(r map[string]any) { r["id"] = "r" + string(rune('a'+i)) }))
		case 1:
			rels = append(rels, broken(func(r map[string]any) {
				r["id"] = "r" + string(rune('a'+i))
				r["tender"].(map[string]any)["suitability"] = map[string]any{"sme": "no", "vcse": 3}
				delete(r, "date")
			}))
		case 2:
			rels = append(rels, "not a release")
		case 3:
			rels = append(rels, good) // the same release twice: not unique
		}
	}
	pkg["releases"] = rels
	pkg["uri"] = 7
	want := validate(s.releasePackage, pkg)
	got := validateReleasePackage(s, pkg)
	if len(want) < 10 {
		t.Fatalf("the package schema found only %v", want)
	}
	if !reflect.DeepEqual(got, want) {
		t.Fatalf("validated apart:\n%v\nwhole package:\n%v", got, want)
	}
}

func mustJSON(t *testing.T, v any) []byte {
	t.Helper()
	b, err := json.Marshal(v)
	if err != nil {
		t.Fatal(err)
	}
	return b
}
