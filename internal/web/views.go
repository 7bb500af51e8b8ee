package web

// The data of each page, one type per template (see View); a page with
// nothing beyond a title and a form gets a View itself.

import (
	"partnerhub/internal/apperr"
)

// confirmView is the data of confirm.html.
type confirmView struct {
	View
	Confirm Confirm
}

// errorView is the data of error.html.
type errorView struct {
	View
	Status  int
	Heading string
	Message string
	Fields  []apperr.FieldError
}

// privacyView is the data of privacy.html.
type privacyView struct {
	View
	Controller DataController
}
