package web

import (
	"net/url"

	"partnerhub/internal/apperr"
)

// View is the part of a page's data the layout reads. A handler's page
// data is a named struct embedding View, with a field per value the
// template reads:
//
//	type orgPageView struct {
//		web.View
//		Org *Organisation
//	}
//	s.Render(w, r, http.StatusOK, "directory/org.html", orgPageView{View: web.View{Title: org.Name}, Org: org})
//
// Render lifts Title, Description, Form and Errors into the Page; a non-nil
// Err becomes the Errors (its field errors, or one message). The struct's
// fields are checked against the page's template by CheckViews in tests.
type View struct {
	Title       string
	Description string
	Form        url.Values
	Errors      []apperr.FieldError
	Err         error
}

// PageView returns v: any struct embedding View is a Viewer.
func (v View) PageView() View { return v }

// Viewer is page data that carries a View (any struct embedding one).
type Viewer interface{ PageView() View }

// lift copies the view's layout fields into p.
func (v View) lift(p *Page) {
	p.Title = v.Title
	p.Description = v.Description
	p.Form = v.Form
	p.Errors = v.Errors
	if v.Err != nil {
		p.Errors = apperr.Fields(v.Err)
		if len(p.Errors) == 0 {
			p.Errors = []apperr.FieldError{{Message: apperr.Message(v.Err)}}
		}
	}
}
