package assess

import (
	"strings"
	"testing"

	"partnerhub/internal/apperr"
)

func testFramework() *Framework {
	return &Framework{
		Key: "t", Version: 1, Kind: KindReadiness, Name: "T", Subject: "organisation",
		Results: []Outcome{
			{Code: "ready", Label: "Ready", MinOverall: 75, MinArea: 50, Counts: true},
			{Code: "nearly_ready", Label: "Nearly ready", MinOverall: 50},
			{Code: "not_yet", Label: "Not yet"},
		},
		Areas: []Area{
			{Code: "a", Title: "A", Weight: 2, Indicators: []Indicator{
				{Code: "a1", Text: "a1", Scale: ScaleMet, Weight: 1},
				{Code: "a2", Text: "a2", Scale: ScaleAgree5, Weight: 3},
			}},
			{Code: "b", Title: "B", Weight: 1, Indicators: []Indicator{
				{Code: "b1", Text: "b1", Scale: ScaleLevels, Levels: []string{"none", "some", "lots"}, Weight: 1},
			}},
		},
	}
}

func TestScore(t *testing.T) {
	f := testFramework()
	if err := f.Validate(); err != nil {
		t.Fatal(err)
	}
	cases := []struct {
		name     string
		ratings  map[string]int
		a, b     float64
		overall  float64
		outcome  string
		complete bool
		gaps     int
	}{
		{"all top", map[string]int{"a1": 2, "a2": 5, "b1": 2}, 100, 100, 100, "ready", true, 0},
		{"all bottom", map[string]int{"a1": 0, "a2": 1, "b1": 0}, 0, 0, 0, "not_yet", true, 3},
		// a: (1*50 + 3*75)/4 = 68.75 -> 68.8; b: 50; overall (2*68.8+50)/3 = 62.5
		{"weighted", map[string]int{"a1": 1, "a2": 4, "b1": 1}, 68.8, 50, 62.5, "nearly_ready", true, 2},
		// overall (2*100+0)/3 = 66.7 -> nearly ready; min area blocks "ready" anyway
		{"area minimum", map[string]int{"a1": 2, "a2": 5, "b1": 0}, 100, 0, 66.7, "nearly_ready", true, 1},
		// b unrated scores 0; off-scale ratings are ignored
		{"partial and off scale", map[string]int{"a1": 2, "a2": 9}, 100, 0, 66.7, "nearly_ready", false, 0},
		{"none", map[string]int{}, 0, 0, 0, "not_yet", false, 0},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			r := Score(f, c.ratings)
			if r.Areas[0].Score != c.a || r.Areas[1].Score != c.b || r.Overall != c.overall {
				t.Fatalf("scores a=%v b=%v overall=%v, want %v %v %v", r.Areas[0].Score, r.Areas[1].Score, r.Overall, c.a, c.b, c.overall)
			}
			if r.Outcome.Code != c.outcome || r.Complete != c.complete || len(r.Gaps) != c.gaps {
				t.Fatalf("outcome %s complete %v gaps %d, want %s %v %d", r.Outcome.Code, r.Complete, len(r.Gaps), c.outcome, c.complete, c.gaps)
			}
		})
	}
	// Ready needs both the overall and every area minimum.
	r := Score(f, map[string]int{"a1": 2, "a2": 4, "b1": 2})
	if r.Outcome.Code != "ready" || r.Overall != 87.5 {
		t.Fatalf("got %s %v", r.Outcome.Code, r.Overall)
	}
	// Gaps are sorted worst first and carry the area's help.
	f.Areas[1].Help = []Help{{Label: "Workshops", Href: "/events?type=commissioning_workshop"}}
	r = Score(f, map[string]int{"a1": 1, "a2": 4, "b1": 0})
	if r.Gaps[0].Code != "b1" || len(r.Gaps[0].Help) != 1 || r.Strengths[0].Code != "a2" {
		t.Fatalf("gaps %+v strengths %+v", r.Gaps, r.Strengths)
	}
}

func TestValidateFramework(t *testing.T) {
	bad := []struct {
		edit  func(f *Framework)
		field string
	}{
		{func(f *Framework) { f.Key = "Bad Key" }, "key"},
		{func(f *Framework) { f.Areas = nil }, "areas"},
		{func(f *Framework) { f.Areas[1].Code = "a" }, "areas"},
		{func(f *Framework) { f.Areas[0].Indicators[0].Scale = "stars" }, "indicators"},
		{func(f *Framework) { f.Areas[1].Indicators[0].Levels = []string{"one"} }, "indicators"},
		{func(f *Framework) { f.Results[2].MinOverall = 10 }, "results"},
		{func(f *Framework) { f.Results[0].MinOverall = 10 }, "results"},
		{func(f *Framework) { f.Areas[0].Help = []Help{{Label: "x", Href: "javascript:alert(1)"}} }, "areas"},
		{func(f *Framework) { f.Kind = KindHealthCheck }, "indicators"},
	}
	for i, c := range bad {
		f := testFramework()
		c.edit(f)
		err := f.Validate()
		if !apperr.Is(err, apperr.EINVALID) {
			t.Fatalf("case %d: want invalid, got %v", i, err)
		}
		found := false
		for _, fe := range apperr.Fields(err) {
			found = found || fe.Field == c.field
		}
		if !found {
			t.Fatalf("case %d: no %s error in %v", i, c.field, apperr.Fields(err))
		}
	}
}

func TestInstrumentsRoundTrip(t *testing.T) {
	for _, key := range []string{KeyQualityMark, KeyReadiness, KeyHealthCheck} {
		f, err := Instrument(key)
		if err != nil {
			t.Fatalf("%s: %v", key, err)
		}
		g, err := ParseFramework(f.JSON())
		if err != nil || string(g.JSON()) != string(f.JSON()) {
			t.Fatalf("%s does not round-trip: %v", key, err)
		}
	}
	qm, _ := Instrument(KeyQualityMark)
	if len(qm.Areas) < 10 || qm.ValidityMonths != 36 || len(qm.CheckInMonths) != 2 {
		t.Fatalf("quality mark: %d areas, %d months", len(qm.Areas), qm.ValidityMonths)
	}
	rd, _ := Instrument(KeyReadiness)
	if len(rd.Areas) != 11 || rd.Results[0].Code != "ready" {
		t.Fatal("readiness framework changed shape")
	}
	if _, err := ParseFramework([]byte(`{"key":"x","unknown":1}`)); err == nil || !strings.Contains(apperr.Message(err), "unknown field") {
		t.Fatalf("unknown fields must be refused: %v", err)
	}
}
