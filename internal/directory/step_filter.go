package directory

import "strconv"

// StepFilter filters the directory by a step of the outcomes adoption
// ladder (issue 17). The outcomes feature, which the directory cannot
// import, registers it in internal/app: Labels names the steps (0, 1, ...)
// and SQL gives the condition on the organisation id (the SQL expression
// id) for a step, adding its arguments through arg. The condition reads a
// per-organisation step the outcomes feature keeps up to date, so the
// filter is an index lookup however many organisations there are.
type StepFilter struct {
	Labels []string
	SQL    func(step int, id string, arg func(any) string) string
}

var stepFilter *StepFilter

// SetStepFilter registers the outcomes ladder's filter (once, at start-up).
func SetStepFilter(f StepFilter) { stepFilter = &f }

// StepOption is one step in the filter's list.
type StepOption struct{ Value, Label string }

// stepOptions lists the steps for the form (none when not registered).
func stepOptions() []StepOption {
	if stepFilter == nil {
		return nil
	}
	var out []StepOption
	for i, l := range stepFilter.Labels {
		out = append(out, StepOption{strconv.Itoa(i), l})
	}
	return out
}

// validStep reports whether s names a registered step.
func validStep(s string) bool {
	if stepFilter == nil {
		return false
	}
	n, err := strconv.Atoi(s)
	return err == nil && n >= 0 && n < len(stepFilter.Labels) && strconv.Itoa(n) == s
}

// stepWhere is the step condition of f, if any.
func stepWhere(f Filter, id string, arg func(any) string) []string {
	if f.OutcomesStep == "" || stepFilter == nil {
		return nil
	}
	n, _ := strconv.Atoi(f.OutcomesStep)
	return []string{stepFilter.SQL(n, id, arg)}
}
