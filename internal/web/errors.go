package web

import (
	"encoding/json"
	"errors"
	"net/http"
	"strings"

	"partnerhub/internal/apperr"
)

var (
	errNotFound     = apperr.Errorf(apperr.ENOTFOUND, "Page not found")
	errForbidden    = apperr.Errorf(apperr.EFORBIDDEN, "You do not have permission to do that")
	errUnauthorized = apperr.Errorf(apperr.EUNAUTHORIZED, "Sign in to continue")
	errMethod       = apperr.Errorf(apperr.EMETHOD, "That action is not available at this address")
	errNoToken      = apperr.Errorf(apperr.EUNAUTHORIZED, "Send a personal API token as \"Authorization: Bearer <token>\". Create one on your account's API tokens page.")
)

// ErrNotFound is the standard 404 error for handlers.
func ErrNotFound() error { return errNotFound }

// ErrForbidden is the standard 403 error for handlers.
func ErrForbidden() error { return errForbidden }

// Status maps an apperr code to an HTTP status: the one place it happens.
func Status(err error) int {
	var mbe *http.MaxBytesError
	if errors.As(err, &mbe) {
		return http.StatusRequestEntityTooLarge
	}
	switch apperr.Code(err) {
	case apperr.ENOTFOUND:
		return http.StatusNotFound
	case apperr.ECONFLICT:
		return http.StatusConflict
	case apperr.EINVALID:
		return http.StatusUnprocessableEntity
	case apperr.EFORBIDDEN:
		return http.StatusForbidden
	case apperr.EUNAUTHORIZED:
		return http.StatusUnauthorized
	case apperr.ETOOMANY:
		return http.StatusTooManyRequests
	case apperr.ETOOLARGE:
		return http.StatusRequestEntityTooLarge
	case apperr.EUNAVAILABLE:
		return http.StatusServiceUnavailable
	case apperr.EMETHOD:
		return http.StatusMethodNotAllowed
	}
	return http.StatusInternalServerError
}

var statusTitles = map[int]string{
	400: "Bad request",
	401: "Sign in to continue",
	403: "You do not have permission to see this page",
	404: "Page not found",
	405: "That action is not available here",
	409: "That clashes with something that already exists",
	413: "What you sent is too large",
	422: "There is a problem with what was entered",
	429: "Too many attempts",
	500: "Sorry, there is a problem with the service",
	503: "Sorry, the service is unavailable",
}

// StatusTitle is the heading shown for an error status.
func StatusTitle(status int) string {
	if t, ok := statusTitles[status]; ok {
		return t
	}
	return http.StatusText(status)
}

// Problem is an RFC 9457 problem document.
type Problem struct {
	Type      string              `json:"type"`
	Title     string              `json:"title"`
	Status    int                 `json:"status"`
	Detail    string              `json:"detail,omitempty"`
	Errors    []apperr.FieldError `json:"errors,omitempty"`
	RequestID string              `json:"request_id,omitempty"`
}

// Error renders err: a problem document for API callers, an error page
// otherwise. Internal causes are logged with the request id, never shown.
func (s *Server) Error(w http.ResponseWriter, r *http.Request, err error) {
	status := Status(err)
	msg := apperr.Message(err)
	if status == http.StatusRequestEntityTooLarge {
		msg = "The request body is larger than this server accepts."
	}
	if status >= 500 {
		s.Logger.Error("request failed", "request_id", RequestID(r.Context()), "method", r.Method, "path", r.URL.Path, "status", status, "err", err)
	}
	if status == http.StatusUnauthorized && strings.HasPrefix(r.URL.Path, "/api/") {
		// RFC 6750: say how to authenticate, and that a token sent was bad.
		challenge := `Bearer realm="partnerhub"`
		if r.Header.Get("Authorization") != "" {
			challenge += `, error="invalid_token"`
		}
		w.Header().Set("WWW-Authenticate", challenge)
	}
	if status == http.StatusTooManyRequests {
		w.Header().Set("Retry-After", "900")
	}
	if WantsJSON(r) {
		p := Problem{
			Type:      "about:blank",
			Title:     StatusTitle(status),
			Status:    status,
			Detail:    msg,
			Errors:    apperr.Fields(err),
			RequestID: RequestID(r.Context()),
		}
		w.Header().Set("Content-Type", "application/problem+json")
		w.Header().Set("Cache-Control", "no-store")
		w.WriteHeader(status)
		json.NewEncoder(w).Encode(p)
		return
	}
	if status == http.StatusInternalServerError {
		msg = "Try again later. If it keeps happening, tell us the reference below."
	}
	data := errorView{Status: status, Heading: StatusTitle(status), Message: msg, Fields: apperr.Fields(err)}
	if rerr := s.Render(w, r, status, "error.html", data); rerr != nil {
		s.Logger.Error("render error page", "err", rerr)
		http.Error(w, StatusTitle(status), status)
	}
}

// WantsJSON reports whether the caller wants JSON: an /api/ path, an
// explicit format=json, or an Accept header that prefers JSON over HTML.
func WantsJSON(r *http.Request) bool {
	if strings.HasPrefix(r.URL.Path, "/api/") {
		return true
	}
	if r.URL.Query().Get("format") == "json" {
		return true
	}
	return prefers(r, "application/json")
}

// WantsCSV reports whether the caller asked for CSV.
func WantsCSV(r *http.Request) bool {
	if r.URL.Query().Get("format") == "csv" {
		return true
	}
	return prefers(r, "text/csv")
}

func prefers(r *http.Request, mime string) bool {
	acc := r.Header.Get("Accept")
	if acc == "" {
		return false
	}
	for _, part := range strings.Split(acc, ",") {
		t := strings.TrimSpace(strings.SplitN(part, ";", 2)[0])
		if t == "text/html" || t == "*/*" {
			return false
		}
		if t == mime || (mime == "application/json" && strings.HasSuffix(t, "+json")) {
			return true
		}
	}
	return false
}
