package web

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
)

// Reading path values and form fields that every feature reads the same
// way.

// PathID reads the path value name as an id (a positive integer); anything
// else answers as a missing what would (404).
func PathID(r *http.Request, name, what string) (int64, error) {
	id, err := strconv.ParseInt(r.PathValue(name), 10, 64)
	if err != nil || id <= 0 {
		return 0, apperr.NotFound(what)
	}
	return id, nil
}

// FormDate reads the optional date field of form: yyyy-mm-dd, as a date
// input sends it, or dd/mm/yyyy, as people type it. Empty gives nil; a
// value that is not a real date from 1900 to 2200 adds msg to v against
// field and gives nil.
func FormDate(v *apperr.Validation, form url.Values, field, msg string) *time.Time {
	s := strings.TrimSpace(form.Get(field))
	if s == "" {
		return nil
	}
	t, err := time.Parse(time.DateOnly, s)
	if err != nil {
		t, err = time.Parse("02/01/2006", s)
	}
	if err != nil || t.Year() < 1900 || t.Year() > 2200 {
		v.Add(field, msg)
		return nil
	}
	return &t
}

// FormIDs reads every value of field that is an id (a positive integer),
// in order; other values are left out.
func FormIDs(form url.Values, field string) []int64 {
	var out []int64
	for _, s := range form[field] {
		if id, err := strconv.ParseInt(strings.TrimSpace(s), 10, 64); err == nil && id > 0 {
			out = append(out, id)
		}
	}
	return out
}
