package opportunities

import (
	"fmt"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/events"
	"partnerhub/internal/web"
)

// The opportunity form works without JavaScript: lots and requirements are
// numbered rows (lot_title_0 ..., req_kind_0 ...), with lots and reqs
// saying how many rows to show; "Add another lot" / "Add another
// requirement" submit the form to show one more blank row, keeping
// everything typed.

// Blank rows shown beyond those filled in.
const (
	blankLots = 1
	blankReqs = 2
	maxRows   = 50
)

// deadline fields: the date input's name (which error messages link to)
// and its time input's name.
var deadlineFields = []string{"questions_close", "eoi_deadline", "submission_deadline"}

func rowCount(f url.Values, key string, filled, blank int) int {
	n, _ := strconv.Atoi(f.Get(key))
	if n < filled+blank {
		n = filled + blank
	}
	if n > maxRows {
		n = maxRows
	}
	return n
}

// FromForm reads the opportunity form into an opportunity for buyer. Values
// that cannot be read (dates, times, money) are reported in the returned
// validation, keyed by field; the rest of the opportunity is filled.
func FromForm(f url.Values, buyerID int64) (*Opportunity, *apperr.Validation) {
	v := &apperr.Validation{}
	o := &Opportunity{
		BuyerID: buyerID, Kind: f.Get("kind"), Title: f.Get("title"), Description: f.Get("description"),
		ContactName: f.Get("contact_name"), ContactEmail: f.Get("contact_email"), Procedure: f.Get("procedure"),
		SourceURL:   f.Get("source_url"),
		SuitableSME: f.Get("suitable_sme") == "yes", SuitableVCSE: f.Get("suitable_vcse") == "yes", ReservedVCSE: f.Get("reserved_vcse") == "yes",
		CommissioningReadyRequired: f.Get("commissioning_ready") == "yes",
	}
	money := func(field, what string) *int64 {
		p, err := ParseMoney(f.Get(field))
		if err != nil {
			v.Add(field, "Enter "+what+" in pounds, like 80000 or 80,000.50")
		}
		return p
	}
	o.ValueMin = money("value_min", "the minimum value")
	o.ValueMax = money("value_max", "the maximum value")
	o.ContractStart = web.FormDate(v, f, "contract_start", "Enter the contract start date as a real date, like 2027-04-01")
	o.ContractEnd = web.FormDate(v, f, "contract_end", "Enter the contract end date as a real date, like 2030-03-31")
	o.AwardExpected = web.FormDate(v, f, "award_expected", "Enter the expected award date as a real date, like 2027-02-15")
	for _, name := range deadlineFields {
		date := strings.TrimSpace(f.Get(name))
		if date == "" {
			continue
		}
		clock := strings.TrimSpace(f.Get(name + "_time"))
		if clock == "" {
			clock = "12:00"
		}
		if d, err := time.Parse("02/01/2006", date); err == nil {
			date = d.Format(time.DateOnly)
		}
		t, msg := events.LocalTime(date, clock)
		if msg != "" {
			v.Add(name, deadlineLabel(name)+": "+strings.ToLower(msg[:1])+msg[1:])
			continue
		}
		switch name {
		case "questions_close":
			o.QuestionsCloseAt = &t
		case "eoi_deadline":
			o.EOIDeadline = &t
		case "submission_deadline":
			o.SubmissionDeadline = &t
		}
	}
	codes, bad := ParseCPV(f.Get("cpv"))
	o.CPVCodes = codes
	if bad != "" {
		v.Add("cpv", fmt.Sprintf("%q is not a CPV code: enter codes like 85311000-2 (eight digits, a hyphen and a check digit)", bad))
	}
	// Lots: rows with anything typed count; a row with only a value or a
	// description is a lot without a title (refused by Validate).
	lots := rowCount(f, "lots", 0, 0)
	lotIndex := map[int]int{} // form row -> position
	for i := 0; i < lots; i++ {
		k := strconv.Itoa(i)
		title, desc, val := f.Get("lot_title_"+k), f.Get("lot_description_"+k), f.Get("lot_value_"+k)
		if strings.TrimSpace(title+desc+val) == "" {
			continue
		}
		row := len(o.Lots)
		p, err := ParseMoney(val)
		if err != nil {
			v.Add("lot_value_"+strconv.Itoa(row), fmt.Sprintf("Enter the value of lot %d in pounds, like 80000", row+1))
		}
		o.Lots = append(o.Lots, Lot{Title: title, Description: desc, Value: p})
		lotIndex[i+1] = row + 1
	}
	reqs := rowCount(f, "reqs", 0, 0)
	for i := 0; i < reqs; i++ {
		k := strconv.Itoa(i)
		kind, code := f.Get("req_kind_"+k), strings.TrimSpace(f.Get("req_code_"+k))
		if kind == "" && code == "" {
			continue
		}
		if kind == ReqReadiness && code == "" {
			code = ReadinessCode
		}
		lot := 0
		if s := f.Get("req_lot_" + k); s != "" {
			n, err := strconv.Atoi(s)
			if err == nil {
				lot = lotIndex[n]
				if lot == 0 {
					lot = -1
				}
			}
		}
		o.Requirements = append(o.Requirements, Requirement{Kind: kind, Code: code, LotPosition: lot, Mandatory: f.Get("req_mandatory_"+k) != "desirable"})
	}
	o.KPIs = kpisFromForm(v, f)
	return o, v
}

func deadlineLabel(name string) string {
	switch name {
	case "questions_close":
		return "Clarification questions close"
	case "eoi_deadline":
		return "Expression of interest deadline"
	}
	return "Submission deadline"
}

// FormValues writes an opportunity as the form's values (for editing).
func FormValues(o *Opportunity) url.Values {
	lon := web.London()
	f := url.Values{}
	f.Set("kind", o.Kind)
	f.Set("title", o.Title)
	f.Set("description", o.Description)
	f.Set("contact_name", o.ContactName)
	f.Set("contact_email", o.ContactEmail)
	f.Set("procedure", o.Procedure)
	f.Set("source_url", o.SourceURL)
	f.Set("value_min", MoneyInput(o.ValueMin))
	f.Set("value_max", MoneyInput(o.ValueMax))
	day := func(t *time.Time) string {
		if t == nil {
			return ""
		}
		return t.Format(time.DateOnly)
	}
	f.Set("contract_start", day(o.ContractStart))
	f.Set("contract_end", day(o.ContractEnd))
	f.Set("award_expected", day(o.AwardExpected))
	for name, t := range map[string]*time.Time{"questions_close": o.QuestionsCloseAt, "eoi_deadline": o.EOIDeadline, "submission_deadline": o.SubmissionDeadline} {
		if t != nil {
			f.Set(name, t.In(lon).Format(time.DateOnly))
			f.Set(name+"_time", t.In(lon).Format("15:04"))
		}
	}
	f.Set("cpv", strings.Join(o.CPVCodes, ", "))
	yes := func(k string, b bool) {
		if b {
			f.Set(k, "yes")
		}
	}
	yes("suitable_sme", o.SuitableSME)
	yes("suitable_vcse", o.SuitableVCSE)
	yes("reserved_vcse", o.ReservedVCSE)
	yes("commissioning_ready", o.CommissioningReadyRequired)
	for i, l := range o.Lots {
		k := strconv.Itoa(i)
		f.Set("lot_title_"+k, l.Title)
		f.Set("lot_description_"+k, l.Description)
		f.Set("lot_value_"+k, MoneyInput(l.Value))
	}
	for i, r := range o.Requirements {
		k := strconv.Itoa(i)
		f.Set("req_kind_"+k, r.Kind)
		f.Set("req_code_"+k, r.Code)
		if r.LotPosition > 0 {
			f.Set("req_lot_"+k, strconv.Itoa(r.LotPosition))
		}
		if !r.Mandatory {
			f.Set("req_mandatory_"+k, "desirable")
		} else {
			f.Set("req_mandatory_"+k, "mandatory")
		}
	}
	kpiValues(f, o.KPIs)
	f.Set("lots", strconv.Itoa(len(o.Lots)+blankLots))
	f.Set("reqs", strconv.Itoa(len(o.Requirements)+blankReqs))
	return f
}

// formRows is how many lot and requirement rows the form shows for f.
func formRows(f url.Values) (lots, reqs []int) {
	filledLots, filledReqs := 0, 0
	for k := range f {
		if n, ok := strings.CutPrefix(k, "lot_title_"); ok {
			if i, err := strconv.Atoi(n); err == nil && i+1 > filledLots {
				filledLots = i + 1
			}
		}
		if n, ok := strings.CutPrefix(k, "req_kind_"); ok {
			if i, err := strconv.Atoi(n); err == nil && i+1 > filledReqs {
				filledReqs = i + 1
			}
		}
	}
	nl := rowCount(f, "lots", filledLots, 0)
	if nl == 0 {
		nl = blankLots
	}
	nr := rowCount(f, "reqs", filledReqs, 0)
	if nr == 0 {
		nr = blankReqs
	}
	for i := 0; i < nl; i++ {
		lots = append(lots, i)
	}
	for i := 0; i < nr; i++ {
		reqs = append(reqs, i)
	}
	return lots, reqs
}

// merge adds the model's field errors after the form's own, keeping the
// first message per field.
func merge(v *apperr.Validation, err error) error {
	if err == nil {
		return v.Err()
	}
	fs := apperr.Fields(err)
	if len(fs) == 0 {
		return err
	}
	for _, f := range fs {
		v.Add(f.Field, f.Message)
	}
	return v.Err()
}
