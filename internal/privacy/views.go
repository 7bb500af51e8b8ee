package privacy

// The data of each page, one type per template (see web.View).

import (
	"time"

	"partnerhub/internal/web"
)

// dataView is the data of privacy/data.html.
type dataView struct {
	web.View
	Kinds []Kind
}

// requestsView is the data of privacy/requests.html.
type requestsView struct {
	web.View
	Requests []Request
	Total    int
	Pager    map[string]any
	CSV      string
	JSONURL  string
	Today    time.Time
}

// requestNewView is the data of privacy/request-new.html.
type requestNewView struct {
	web.View
	Kinds    []string
	Channels []string
	Words    map[string]string
}

// requestView is the data of privacy/request.html.
type requestView struct {
	web.View
	R       *Request
	Status  string
	Subject Subject
	Kinds   []Kind
	Holds   []Hold
}

// holdsView is the data of privacy/holds.html.
type holdsView struct {
	web.View
	Holds []Hold
}
