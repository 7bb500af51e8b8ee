// Package apperr is Partnerhub's one error type. Domain code returns *Error
// with a code; the web layer maps codes to HTTP statuses in one place.
// Message is safe to show to users; Err is the internal cause and is only logged.
package apperr

import (
	"errors"
	"fmt"
)

// Error codes.
const (
	ENOTFOUND     = "not_found"
	ECONFLICT     = "conflict"
	EINVALID      = "invalid"
	EFORBIDDEN    = "forbidden"
	EUNAUTHORIZED = "unauthorized"
	ETOOMANY      = "too_many_requests"
	ETOOLARGE     = "too_large"
	EUNAVAILABLE  = "unavailable"
	EMETHOD       = "method_not_allowed"
	EINTERNAL     = "internal"
)

// FieldError is a message about one form or API field. Fields keep their
// order so error summaries list them in the order of the form.
type FieldError struct {
	Field   string `json:"field"`
	Message string `json:"message"`
}

// Error is a domain error with a code and a user-safe message.
type Error struct {
	Code    string
	Message string
	Fields  []FieldError
	Err     error
}

func (e *Error) Error() string {
	if e.Err != nil {
		return fmt.Sprintf("%s: %s: %v", e.Code, e.Message, e.Err)
	}
	return fmt.Sprintf("%s: %s", e.Code, e.Message)
}

func (e *Error) Unwrap() error { return e.Err }

// Errorf returns an *Error with a formatted user-safe message.
func Errorf(code, format string, args ...any) *Error {
	return &Error{Code: code, Message: fmt.Sprintf(format, args...)}
}

// Wrap returns an *Error with code and message that wraps an internal cause.
func Wrap(code, message string, err error) *Error {
	return &Error{Code: code, Message: message, Err: err}
}

// NotFound is the standard "no such thing" error. Objects that exist but the
// caller may not see must return exactly this too.
func NotFound(what string) *Error {
	return &Error{Code: ENOTFOUND, Message: what + " not found"}
}

// Code returns the code of err, EINTERNAL for foreign errors and "" for nil.
func Code(err error) string {
	if err == nil {
		return ""
	}
	var e *Error
	if errors.As(err, &e) {
		return e.Code
	}
	return EINTERNAL
}

// Message returns the user-safe message of err.
func Message(err error) string {
	var e *Error
	if errors.As(err, &e) && e.Message != "" {
		return e.Message
	}
	return "Something went wrong on our side. Please try again."
}

// Is reports whether err carries code.
func Is(err error, code string) bool { return Code(err) == code }

// Validation collects field errors in order.
type Validation struct {
	Fields []FieldError
}

// Add records a message for field (only the first message per field is kept).
func (v *Validation) Add(field, msg string) {
	for _, f := range v.Fields {
		if f.Field == field {
			return
		}
	}
	v.Fields = append(v.Fields, FieldError{Field: field, Message: msg})
}

// Check adds msg for field when ok is false.
func (v *Validation) Check(ok bool, field, msg string) {
	if !ok {
		v.Add(field, msg)
	}
}

// Has reports whether field has an error.
func (v *Validation) Has(field string) bool {
	for _, f := range v.Fields {
		if f.Field == field {
			return true
		}
	}
	return false
}

// Err returns an EINVALID *Error when any field failed, else nil.
func (v *Validation) Err() error {
	if len(v.Fields) == 0 {
		return nil
	}
	return &Error{Code: EINVALID, Message: "There is a problem with what was entered", Fields: v.Fields}
}

// Fields returns the field errors carried by err, if any.
func Fields(err error) []FieldError {
	var e *Error
	if errors.As(err, &e) {
		return e.Fields
	}
	return nil
}
