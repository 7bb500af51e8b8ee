package privacy

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

func today() time.Time {
	n := time.Now().UTC()
	return time.Date(n.Year(), n.Month(), n.Day(), 0, 0, 0, 0, time.UTC)
}

func (s *Service) requests(w http.ResponseWriter, r *http.Request) error {
	day := today()
	return web.ServeList(s.Web, w, r, web.List[Request]{
		Name: "privacy-requests", PerPage: 50,
		Fetch: func(ctx context.Context, limit, offset int) ([]Request, int, error) {
			return ListRequests(ctx, s.DB.Q(), limit, offset)
		},
		Columns: []web.Column[Request]{
			{Header: "id", Cell: func(q Request) string { return strconv.FormatInt(q.ID, 10) }},
			{Header: "kind", Cell: func(q Request) string { return q.Kind }},
			{Header: "email", Cell: func(q Request) string { return q.Email }},
			{Header: "name", Cell: func(q Request) string { return q.Name }},
			{Header: "channel", Cell: func(q Request) string { return q.Channel }},
			{Header: "received_on", Cell: func(q Request) string { return q.ReceivedOn.Format(time.DateOnly) }},
			{Header: "due_on", Cell: func(q Request) string { return q.DueOn.Format(time.DateOnly) }},
			{Header: "status", Cell: func(q Request) string { return q.Status(day) }},
			{Header: "extension_reason", Cell: func(q Request) string { return q.ExtensionReason }},
		},
		Item: func(q Request) any {
			return map[string]any{"id": q.ID, "kind": q.Kind, "email": q.Email, "name": q.Name, "channel": q.Channel,
				"received_on": q.ReceivedOn.Format(time.DateOnly), "due_on": q.DueOn.Format(time.DateOnly), "status": q.Status(day),
				"extension_reason": q.ExtensionReason, "exported_at": q.ExportedAt, "completed_at": q.CompletedAt}
		},
		Render: func(p web.ListPage[Request]) error {
			return s.Web.Render(w, r, http.StatusOK, "privacy/requests.html", requestsView{View: web.View{Title: "Subject access and erasure requests"},
				Requests: p.Items, Total: p.Total, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, Today: day})
		},
	})
}

func (s *Service) renderRequestForm(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	return s.Web.Render(w, r, status, "privacy/request-new.html", requestNewView{View: web.View{Title: "Log a request", Form: form, Err: err},
		Kinds: RequestKinds, Channels: RequestChannels, Words: requestWords})
}

func (s *Service) requestForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderRequestForm(w, r, http.StatusOK, url.Values{"received_on": {today().Format(time.DateOnly)}, "channel": {"email"}, "kind": {"access"}}, nil)
}

func (s *Service) createRequest(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	f := r.PostForm
	q := &Request{Kind: f.Get("kind"), Email: f.Get("email"), Name: f.Get("name"), Channel: f.Get("channel"), Notes: f.Get("notes")}
	var v apperr.Validation
	if d := web.FormDate(&v, f, "received_on", "Enter the date the request was received as a real date"); d != nil {
		q.ReceivedOn = *d
	}
	err := v.Err()
	if err == nil {
		err = q.Validate(today())
	}
	if err != nil {
		return s.renderRequestForm(w, r, http.StatusUnprocessableEntity, f, err)
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return CreateRequest(ctx, tx, q, web.IdentityFrom(ctx).UserID) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/privacy/requests/"+strconv.FormatInt(q.ID, 10), "Request logged: due by "+q.DueOn.Format("2 January 2006")+".")
}

func (s *Service) loadRequest(r *http.Request) (*Request, error) {
	id, err := web.PathID(r, "id", "request")
	if err != nil {
		return nil, err
	}
	return RequestByID(r.Context(), s.DB.Q(), id)
}

func (s *Service) renderRequest(w http.ResponseWriter, r *http.Request, status int, q *Request, form url.Values, err error) error {
	ctx := r.Context()
	sub, lerr := Lookup(ctx, s.DB.Q(), q.Email)
	if lerr != nil && !apperr.Is(lerr, apperr.EINVALID) {
		return lerr
	}
	var kinds []Kind
	if lerr == nil {
		if kinds, lerr = Collect(ctx, s.DB.Q(), sub); lerr != nil {
			return lerr
		}
	}
	var held []Hold
	holds, herr := OpenHolds(ctx, s.DB.Q())
	if herr != nil {
		return herr
	}
	for _, h := range holds {
		if h.Email == q.Email {
			held = append(held, h)
		}
	}
	return s.Web.Render(w, r, status, "privacy/request.html", requestView{View: web.View{Title: "Request " + strconv.FormatInt(q.ID, 10), Form: form, Err: err}, R: q,
		Status: q.Status(today()), Subject: sub, Kinds: kinds, Holds: held})
}

func (s *Service) request(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadRequest(r)
	if err != nil {
		return err
	}
	return s.renderRequest(w, r, http.StatusOK, q, nil, nil)
}

func (s *Service) requestExport(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadRequest(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := Lookup(ctx, s.DB.Q(), q.Email)
	if err != nil {
		return err
	}
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return MarkExported(ctx, tx, q.ID) }); err != nil {
		return err
	}
	return s.sendZip(w, r, sub, "subject-access-request-"+strconv.FormatInt(q.ID, 10)+".zip")
}

// act changes a request in one transaction and answers with the request
// page: a redirect with done, or the page with the error (422 for bad
// input, 409 for a conflict).
func (s *Service) act(w http.ResponseWriter, r *http.Request, change func(context.Context, *db.Tx, *Request) error, done string) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	q, err := s.loadRequest(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *db.Tx) error { return change(ctx, tx, q) })
	switch {
	case apperr.Is(err, apperr.EINVALID):
		return s.renderRequest(w, r, http.StatusUnprocessableEntity, q, r.PostForm, err)
	case apperr.Is(err, apperr.ECONFLICT):
		return s.renderRequest(w, r, http.StatusConflict, q, nil, fieldErr(apperr.ECONFLICT, "", apperr.Message(err)))
	case err != nil:
		return err
	}
	return web.Redirect(w, r, "/admin/privacy/requests/"+strconv.FormatInt(q.ID, 10), done)
}

func (s *Service) extend(w http.ResponseWriter, r *http.Request) error {
	return s.act(w, r, func(ctx context.Context, tx *db.Tx, q *Request) error {
		return ExtendRequest(ctx, tx, q.ID, r.PostForm.Get("reason"))
	}, "Deadline extended.")
}

func (s *Service) complete(w http.ResponseWriter, r *http.Request) error {
	return s.act(w, r, func(ctx context.Context, tx *db.Tx, q *Request) error {
		return CompleteRequest(ctx, tx, q.ID)
	}, "Request marked as completed.")
}

func (s *Service) eraseConfirm(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadRequest(r)
	if err != nil {
		return err
	}
	sub, err := Lookup(r.Context(), s.DB.Q(), q.Email)
	if err != nil {
		return err
	}
	items, err := s.consequences(r, sub)
	if err != nil {
		return err
	}
	for i, it := range items {
		items[i] = strings.NewReplacer("Your ", "Their ", "your ", "their ", "you are", "they are", "you ", "them ").Replace(it)
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Erase a person's data", Caption: "Request " + strconv.FormatInt(q.ID, 10),
		Question: "Are you sure you want to erase everything held about " + q.Email + "?",
		Detail:   "This cannot be undone.", Items: items,
		Button: "Yes, erase their data", Back: "/admin/privacy/requests/" + strconv.FormatInt(q.ID, 10)})
}

func (s *Service) erase(w http.ResponseWriter, r *http.Request) error {
	q, err := s.loadRequest(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	sub, err := Lookup(ctx, s.DB.Q(), q.Email)
	if err != nil {
		return err
	}
	rep, err := Erase(ctx, s.DB, sub)
	if apperr.Is(err, apperr.ECONFLICT) {
		return s.renderRequest(w, r, http.StatusConflict, q, nil, fieldErr(apperr.ECONFLICT, "", apperr.Message(err)))
	} else if err != nil {
		return err
	}
	n := 0
	for _, m := range []map[string]int64{rep.Deleted, rep.Scrubbed, rep.Replaced} {
		for _, c := range m {
			n += int(c)
		}
	}
	msg := "Erased: " + strconv.Itoa(n) + " records deleted or anonymised. Mark the request completed once you have told the person."
	if rep.Warning != "" {
		msg += " " + rep.Warning
	}
	return web.Redirect(w, r, "/admin/privacy/requests/"+strconv.FormatInt(q.ID, 10), msg)
}

func (s *Service) renderHolds(w http.ResponseWriter, r *http.Request, status int, form url.Values, err error) error {
	holds, herr := OpenHolds(r.Context(), s.DB.Q())
	if herr != nil {
		return herr
	}
	return s.Web.Render(w, r, status, "privacy/holds.html", holdsView{View: web.View{Title: "Legal holds", Form: form, Err: err}, Holds: holds})
}

func (s *Service) holds(w http.ResponseWriter, r *http.Request) error {
	return s.renderHolds(w, r, http.StatusOK, nil, nil)
}

func (s *Service) addHold(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		_, err := AddHold(ctx, tx, r.PostForm.Get("hold_email"), r.PostForm.Get("hold_reason"), web.IdentityFrom(ctx).UserID)
		return err
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderHolds(w, r, http.StatusUnprocessableEntity, r.PostForm, err)
	} else if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/privacy/holds", "Legal hold placed: erasure of this person is refused until it is released.")
}

func (s *Service) releaseHold(w http.ResponseWriter, r *http.Request) error {
	id, err := web.PathID(r, "id", "legal hold")
	if err != nil {
		return err
	}
	ctx := r.Context()
	if err := s.DB.Write(ctx, func(tx *db.Tx) error { return ReleaseHold(ctx, tx, id) }); err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/privacy/holds", "Legal hold released.")
}
