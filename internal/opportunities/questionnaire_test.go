package opportunities

import (
	"net/url"
	"testing"
	"time"

	"partnerhub/internal/apperr"
)

func testQuestions() []CQuestion {
	return []CQuestion{
		{ID: 1, Kind: QText, Prompt: "What works well?", Required: true},
		{ID: 2, Kind: QSingle, Prompt: "Preferred model", Options: []string{"Hub", "Spoke"}},
		{ID: 3, Kind: QMultiple, Prompt: "Which wards?", Options: []string{"Bloomfield", "Claremont", "Talbot"}},
		{ID: 4, Kind: QScale, Prompt: "Agree?"},
	}
}

func TestReadAnswersRefusesWhatIsNotOfferedAndKeepsTheRest(t *testing.T) {
	qs := testQuestions()
	form := url.Values{"q1": {""}, "q2": {"Ring"}, "q3": {"Talbot", "Nowhere"}, "q4": {"7"}}
	a, err := ReadAnswers(qs, form)
	fields := map[string]bool{}
	for _, f := range apperr.Fields(err) {
		fields[f.Field] = true
	}
	for _, f := range []string{"q1", "q2", "q3", "q4"} {
		if !fields[f] {
			t.Errorf("no error for %s: %v", f, apperr.Fields(err))
		}
	}
	if got := a[3]; len(got) != 1 || got[0] != "Talbot" {
		t.Errorf("kept multiple answers = %v", got)
	}
	a, err = ReadAnswers(qs, url.Values{"q1": {" Fine "}, "q2": {"Hub"}, "q3": {"Talbot", "Bloomfield", "Talbot"}, "q4": {"4"}})
	if err != nil {
		t.Fatal(err)
	}
	if a[1][0] != "Fine" || a[2][0] != "Hub" || len(a[3]) != 2 || a[4][0] != "4" {
		t.Errorf("answers = %v", a)
	}
	if got := a.Form(qs); got.Get("q2") != "Hub" || len(got["q3"]) != 2 {
		t.Errorf("form = %v", got)
	}
}

func TestSummariseCountsOptionsSharesAndMean(t *testing.T) {
	qs := testQuestions()
	rs := []ResponseAnswers{
		{OrgName: "A", Answers: Answers{1: {"x"}, 2: {"Hub"}, 3: {"Talbot", "Claremont"}, 4: {"5"}}},
		{OrgName: "B", Answers: Answers{1: {"y"}, 2: {"Hub"}, 3: {"Talbot"}, 4: {"2"}}},
		{OrgName: "C", Answers: Answers{2: {"Old option"}}},
	}
	s := Summarise(qs, rs)
	if s[0].Answered != 2 || len(s[0].Texts) != 2 || s[0].Texts[1].OrgName != "B" {
		t.Errorf("text summary = %+v", s[0])
	}
	if s[1].Answered != 3 || s[1].Counts[0].Count != 2 || s[1].Counts[1].Count != 0 || s[1].Counts[2].Option != "Old option (no longer offered)" {
		t.Errorf("single summary = %+v", s[1].Counts)
	}
	if s[2].Counts[2].Count != 2 || s[2].Counts[2].Share != 1 || s[2].Counts[1].Share != 0.5 {
		t.Errorf("multiple summary = %+v", s[2].Counts)
	}
	if s[3].Mean != 3.5 || len(s[3].Counts) != 5 || s[3].Counts[4].Count != 1 {
		t.Errorf("scale summary = %+v mean %v", s[3].Counts, s[3].Mean)
	}
}

func TestQuestionValidation(t *testing.T) {
	q := CQuestion{Kind: QSingle, Prompt: "Pick", Options: ParseOptions("One\n\none\r\n")}
	if err := q.Validate(); err == nil || apperr.Fields(err)[0].Field != "options" {
		t.Errorf("one distinct option accepted: %v", err)
	}
	q = CQuestion{Kind: "essay", Prompt: ""}
	if fs := apperr.Fields(q.Validate()); len(fs) != 2 {
		t.Errorf("errors = %v", fs)
	}
}

func TestConsultationShortByWholeDays(t *testing.T) {
	open := time.Date(2026, 8, 30, 21, 27, 0, 0, time.UTC)
	closes := open.AddDate(0, 0, 84).Add(-9 * time.Hour) // noon twelve weeks later
	c := Consultation{Opens: &open, Closes: &closes, MinWeeks: 12}
	if c.Short() || c.WeeksText() != "12 weeks" {
		t.Fatalf("12 weeks: short %v, %q", c.Short(), c.WeeksText())
	}
	closes = open.AddDate(0, 0, 59)
	c.Closes = &closes
	if !c.Short() || c.WeeksText() != "8 weeks and 3 days" {
		t.Fatalf("59 days: short %v, %q", c.Short(), c.WeeksText())
	}
}
