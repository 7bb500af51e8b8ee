package web

import (
	"net/http/httptest"
	"net/url"
	"slices"
	"testing"

	"partnerhub/internal/apperr"
)

func TestPathIDFormDateFormIDs(t *testing.T) {
	for _, c := range []struct {
		v  string
		ok bool
	}{{"12", true}, {"0", false}, {"-3", false}, {"x", false}, {"", false}} {
		r := httptest.NewRequest("GET", "/x", nil)
		r.SetPathValue("id", c.v)
		id, err := PathID(r, "id", "thing")
		if c.ok != (err == nil) || (err != nil && !apperr.Is(err, apperr.ENOTFOUND)) {
			t.Errorf("PathID(%q) = %d, %v", c.v, id, err)
		}
	}
	form := url.Values{"a": {"2027-03-31"}, "b": {"31/03/2027"}, "c": {"2027-02-30"}, "d": {"1066-10-14"}, "e": {" "},
		"ids": {"3", "x", "-1", " 5 "}}
	v := &apperr.Validation{}
	a, b := FormDate(v, form, "a", "bad a"), FormDate(v, form, "b", "bad b")
	if a == nil || b == nil || !a.Equal(*b) || v.Err() != nil {
		t.Errorf("good dates: %v %v %v", a, b, v.Err())
	}
	if FormDate(v, form, "e", "bad e") != nil || v.Err() != nil {
		t.Error("an empty date is not an error")
	}
	if FormDate(v, form, "c", "bad c") != nil || FormDate(v, form, "d", "bad d") != nil {
		t.Error("an impossible or out-of-range date was read")
	}
	if fe := apperr.Fields(v.Err()); len(fe) != 2 || fe[0] != (apperr.FieldError{Field: "c", Message: "bad c"}) || fe[1] != (apperr.FieldError{Field: "d", Message: "bad d"}) {
		t.Errorf("field errors %v", fe)
	}
	if got := FormIDs(form, "ids"); !slices.Equal(got, []int64{3, 5}) {
		t.Errorf("FormIDs = %v", got)
	}
}
