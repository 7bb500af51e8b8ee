package opportunities

// The questionnaire of a service-design consultation: its questions (free
// text, one option, several options, a 1 to 5 scale), the answers an
// organisation gives, and the summary per question the commissioner reads.

import (
	"net/url"
	"sort"
	"strconv"
	"strings"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/clean"
)

// Kinds of consultation question.
const (
	QText     = "text"
	QSingle   = "single"
	QMultiple = "multiple"
	QScale    = "scale"
)

// QuestionKinds are the kinds, in the order forms offer them.
var QuestionKinds = []string{QText, QSingle, QMultiple, QScale}

// QuestionKindLabels names the kinds for people.
var QuestionKindLabels = map[string]string{
	QText: "Free text", QSingle: "Choose one option", QMultiple: "Choose any options", QScale: "Scale from 1 to 5",
}

// ScalePoints are the points of a scale question and what they mean.
var ScalePoints = []string{"1", "2", "3", "4", "5"}

// ScaleLabels are the words beside the ends of a scale.
var ScaleLabels = map[string]string{"1": "1 (strongly disagree)", "2": "2", "3": "3 (neither)", "4": "4", "5": "5 (strongly agree)"}

// CQuestion is one question of a consultation.
type CQuestion struct {
	ID            int64
	OpportunityID int64
	Position      int
	Kind          string
	Prompt        string
	Hint          string
	Options       []string // single and multiple choice
	Required      bool
}

// Field is the form field of the question's answer.
func (q CQuestion) Field() string { return "q" + strconv.FormatInt(q.ID, 10) }

// KindLabel names the question's kind.
func (q CQuestion) KindLabel() string { return QuestionKindLabels[q.Kind] }

// Choices are the values a choice or scale question accepts.
func (q CQuestion) Choices() []string {
	if q.Kind == QScale {
		return ScalePoints
	}
	return q.Options
}

// ParseOptions splits the options typed one per line, dropping blank and
// repeated lines.
func ParseOptions(s string) []string {
	var out []string
	seen := map[string]bool{}
	for _, line := range strings.Split(strings.ReplaceAll(s, "\r\n", "\n"), "\n") {
		line = clean.Line(line)
		if line == "" || seen[strings.ToLower(line)] {
			continue
		}
		seen[strings.ToLower(line)] = true
		out = append(out, line)
	}
	return out
}

// Validate cleans and checks a question (field names match the form).
func (q *CQuestion) Validate() error {
	var v apperr.Validation
	q.Prompt = clean.Text(q.Prompt)
	q.Hint = clean.Text(q.Hint)
	v.Check(q.Prompt != "", "prompt", "Enter the question")
	v.Check(utf8.RuneCountInString(q.Prompt) <= 500, "prompt", "The question must be 500 characters or fewer")
	v.Check(utf8.RuneCountInString(q.Hint) <= 1000, "hint", "The hint must be 1,000 characters or fewer")
	switch q.Kind {
	case QText, QScale:
		q.Options = nil
	case QSingle, QMultiple:
		v.Check(len(q.Options) >= 2, "options", "Enter at least two options, one on each line")
		v.Check(len(q.Options) <= 20, "options", "Enter 20 options or fewer")
		for _, o := range q.Options {
			if utf8.RuneCountInString(o) > 200 {
				v.Add("options", "Each option must be 200 characters or fewer")
				break
			}
		}
	default:
		v.Add("kind", "Choose what kind of question it is")
	}
	return v.Err()
}

// Answers are an organisation's answers by question id: one value, or for
// a multiple-choice question every chosen option.
type Answers map[int64][]string

// ReadAnswers reads and checks the answers to qs from a response form: a
// required question left empty, an option that is not offered or a text
// over 5,000 characters is an error against that question's field. The
// answers come back whatever the errors, so the form can show them again.
func ReadAnswers(qs []CQuestion, form url.Values) (Answers, error) {
	var v apperr.Validation
	out := Answers{}
	for _, q := range qs {
		var vals []string
		switch q.Kind {
		case QText:
			if s := clean.Text(form.Get(q.Field())); s != "" {
				vals = []string{s}
				v.Check(utf8.RuneCountInString(s) <= 5000, q.Field(), "Your answer to “"+q.Prompt+"” must be 5,000 characters or fewer")
			}
		case QSingle, QScale:
			if s := strings.TrimSpace(form.Get(q.Field())); s != "" {
				vals = []string{s}
				v.Check(contains(q.Choices(), s), q.Field(), "Choose one of the options for “"+q.Prompt+"”")
			}
		case QMultiple:
			for _, s := range form[q.Field()] {
				if s = strings.TrimSpace(s); s != "" && !contains(vals, s) {
					if !contains(q.Options, s) {
						v.Add(q.Field(), "Choose from the options for “"+q.Prompt+"”")
						continue
					}
					vals = append(vals, s)
				}
			}
		}
		if len(vals) == 0 {
			v.Check(!q.Required, q.Field(), "Answer “"+q.Prompt+"”")
			continue
		}
		out[q.ID] = vals
	}
	if len(out) == 0 && v.Err() == nil && len(qs) > 0 {
		v.Add(qs[0].Field(), "Answer at least one question")
	}
	return out, v.Err()
}

// Form turns answers back into form values (to fill the response form).
func (a Answers) Form(qs []CQuestion) url.Values {
	f := url.Values{}
	for _, q := range qs {
		if vals, ok := a[q.ID]; ok {
			f[q.Field()] = vals
		}
	}
	return f
}

func contains(xs []string, s string) bool {
	for _, x := range xs {
		if x == s {
			return true
		}
	}
	return false
}

// OptionCount is how many responses chose an option.
type OptionCount struct {
	Option string
	Count  int
	Share  float64 // of the responses that answered the question, 0 to 1
}

// QuestionSummary is the summary of one question over every response.
type QuestionSummary struct {
	Q        CQuestion
	Answered int           // responses that answered it
	Counts   []OptionCount // choice and scale questions, in the options' order
	Mean     float64       // scale questions: the average point
	Texts    []TextAnswer  // free-text answers, in response order
}

// TextAnswer is one free-text answer with who gave it.
type TextAnswer struct {
	OrgName string
	Text    string
}

// ResponseAnswers is one response's answers for the summary.
type ResponseAnswers struct {
	OrgName string
	Answers Answers
}

// Summarise counts the answers to each question over the responses.
// Options no longer offered (the question was edited) are counted after
// the offered ones, so no answer disappears from the counts.
func Summarise(qs []CQuestion, rs []ResponseAnswers) []QuestionSummary {
	out := make([]QuestionSummary, 0, len(qs))
	for _, q := range qs {
		s := QuestionSummary{Q: q}
		counts := map[string]int{}
		sum := 0
		for _, r := range rs {
			vals, ok := r.Answers[q.ID]
			if !ok || len(vals) == 0 {
				continue
			}
			s.Answered++
			if q.Kind == QText {
				s.Texts = append(s.Texts, TextAnswer{OrgName: r.OrgName, Text: vals[0]})
				continue
			}
			for _, v := range vals {
				counts[v]++
				if q.Kind == QScale {
					n, _ := strconv.Atoi(v)
					sum += n
				}
			}
		}
		if q.Kind != QText {
			offered := q.Choices()
			for _, o := range offered {
				s.Counts = append(s.Counts, OptionCount{Option: o, Count: counts[o]})
				delete(counts, o)
			}
			var extra []string
			for o := range counts {
				extra = append(extra, o)
			}
			sort.Strings(extra)
			for _, o := range extra {
				s.Counts = append(s.Counts, OptionCount{Option: o + " (no longer offered)", Count: counts[o]})
			}
			for i := range s.Counts {
				if s.Answered > 0 {
					s.Counts[i].Share = float64(s.Counts[i].Count) / float64(s.Answered)
				}
			}
			if q.Kind == QScale && s.Answered > 0 {
				s.Mean = float64(sum) / float64(s.Answered)
			}
		}
		out = append(out, s)
	}
	return out
}

// Percent is Share as a percentage.
func (c OptionCount) Percent() float64 { return c.Share * 100 }
