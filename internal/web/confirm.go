package web

import "net/http"

// Confirm is the one "Are you sure?" page shown before a destructive
// action (removing, deleting, closing, withdrawing). Its button posts to
// Action with the Hidden fields; the cancel link goes Back. Every feature
// asks with it instead of a template of its own.
type Confirm struct {
	Title    string   // the page's <title>, e.g. "Remove evidence"
	Question string   // the heading, e.g. "Are you sure you want to remove budget.pdf?"
	Caption  string   // a caption above the heading (optional), e.g. the organisation's name
	Detail   string   // what will happen (optional), shown as a warning
	Items    []string // facts listed under Detail (optional), e.g. the records a change touches
	After    string   // a closing note under the list (optional)
	NoAction bool     // nothing to confirm (say why in Detail): no button, only the way back
	Action   string   // the POST target (the page's own path when empty)
	Hidden   []Hidden // hidden fields posted with the button
	Button   string   // the button's words, e.g. "Remove evidence"
	Back     string   // where "cancel" goes
	BackText string   // the cancel link's words ("No, go back" when empty)
}

// Hidden is one hidden form field of a confirmation page.
type Hidden struct{ Name, Value string }

// Confirm renders the confirmation page c with status 200.
func (s *Server) Confirm(w http.ResponseWriter, r *http.Request, c Confirm) error {
	if c.Action == "" {
		c.Action = r.URL.Path
	}
	if c.BackText == "" {
		c.BackText = "No, go back"
	}
	if c.Button == "" {
		c.Button = "Yes, continue"
	}
	if c.Title == "" {
		c.Title = c.Question
	}
	return s.Render(w, r, http.StatusOK, "confirm.html", confirmView{View: View{Title: c.Title}, Confirm: c})
}
