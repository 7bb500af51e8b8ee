package opportunities

// Service-design consultations: an opportunity of kind consultation opens
// when it is published and closes at its closing date (the submission
// deadline); organisations answer its questionnaire, one response each,
// editable until it closes.

import (
	"context"
	"strconv"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
)

// ErrNoQuestions refuses to open a consultation without questions.
var ErrNoQuestions = apperr.Errorf(apperr.EINVALID, "A consultation cannot open without questions: add at least one question to its questionnaire first")

// consultationOpenCheck is a Store hook: a consultation cannot be opened
// (published, or made a consultation while open) without questions.
// Creating one (an import) is not opening it here.
func consultationOpenCheck(ctx context.Context, tx *db.Tx, c Change) error {
	if c.After == nil || c.After.Kind != KindConsultation || c.After.Status != StatusOpen {
		return nil
	}
	if c.Action != "publish" && !(c.Action == "update" && c.Before != nil && c.Before.Kind != KindConsultation) {
		return nil
	}
	n, err := CountConsultationQuestions(ctx, tx, c.After.ID)
	if err != nil {
		return err
	}
	if n == 0 {
		return ErrNoQuestions
	}
	return nil
}

// Consultation is what a consultation's pages show about its timing.
type Consultation struct {
	Opens, Closes *time.Time
	Weeks         float64 // its length
	MinWeeks      int     // the Compact minimum
	Settings      ConsultationSettings
}

// Short reports whether it runs for less than the Compact minimum, in
// whole days (opening in the evening and closing at noon twelve weeks
// later is twelve weeks).
func (c Consultation) Short() bool {
	return c.Opens != nil && c.Closes != nil && c.days() < c.MinWeeks*7
}

func (c Consultation) days() int { return int(c.Closes.Sub(*c.Opens).Hours()/24 + 0.5) }

// WeeksText is its length for people: "8 weeks", "8 weeks and 3 days".
func (c Consultation) WeeksText() string {
	if c.Opens == nil || c.Closes == nil {
		return ""
	}
	days := c.days()
	w, d := days/7, days%7
	s := strconv.Itoa(w) + " " + plural(w, "week", "weeks")
	if d > 0 {
		s += " and " + strconv.Itoa(d) + " " + plural(d, "day", "days")
	}
	return s
}

// ConsultationOf reads a consultation's timing and settings; opens is the
// publication date (now for a draft: when it would open if published
// today).
func ConsultationOf(ctx context.Context, q db.Querier, o *Opportunity, now time.Time) (Consultation, error) {
	var c Consultation
	var err error
	if c.MinWeeks, err = CompactWeeks(ctx, q); err != nil {
		return c, err
	}
	if c.Settings, err = LoadConsultationSettings(ctx, q, o.ID); err != nil {
		return c, err
	}
	c.Opens, c.Closes = o.PublishedAt, o.ClosesAt()
	if c.Opens == nil {
		c.Opens = &now
	}
	if c.Closes != nil {
		c.Weeks = c.Closes.Sub(*c.Opens).Hours() / 24 / 7
	}
	return c, nil
}
