package accounts

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

func adminRoutes(s *Service) []web.Route {
	return []web.Route{
		web.Get("/admin", web.Admin, s.adminHome),
		web.Get("/admin/users", web.Admin, s.adminUsers),
		web.Get("/admin/users/action", web.Admin, s.adminUserActionForm),
		web.Post("/admin/users/action", web.Admin, s.adminUserAction),
		web.Get("/admin/audit", web.Admin, s.adminAudit),
		web.Get("/admin/outbox", web.Admin, s.adminOutbox),
	}
}

func (s *Service) adminHome(w http.ResponseWriter, r *http.Request) error {
	o, err := AdminOverview(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/admin.html", adminView{View: web.View{Title: "Administration"}, O: o})
}

func (s *Service) adminUsers(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	var twoFactor map[int64]bool
	return web.ServeList(s.Web, w, r, web.List[User]{
		Name: "users", PerPage: 25,
		Fetch: func(ctx context.Context, limit, offset int) ([]User, int, error) {
			users, n, err := ListUsers(ctx, s.DB.Q(), q, limit, offset)
			if err != nil {
				return nil, 0, err
			}
			ids := make([]int64, len(users))
			for i, u := range users {
				ids[i] = u.ID
			}
			twoFactor, err = TwoFactorAmong(ctx, s.DB, ids)
			return users, n, err
		},
		Columns: []web.Column[User]{
			{Header: "id", Cell: func(u User) string { return strconv.FormatInt(u.ID, 10) }},
			{Header: "name", Cell: func(u User) string { return u.Name }},
			{Header: "email", Cell: func(u User) string { return u.Email }},
			{Header: "verified", Cell: func(u User) string { return yesNo(u.Verified()) }},
			{Header: "admin", Cell: func(u User) string { return yesNo(u.IsAdmin) }},
			{Header: "disabled", Cell: func(u User) string { return yesNo(u.DisabledAt != nil) }},
			{Header: "two_factor", Cell: func(u User) string { return yesNo(twoFactor[u.ID]) }},
			{Header: "created_at", Cell: func(u User) string { return stamp(u.CreatedAt) }},
		},
		Item: func(u User) any {
			return map[string]any{"id": u.ID, "name": u.Name, "email": u.Email, "verified": u.Verified(), "admin": u.IsAdmin,
				"disabled": u.DisabledAt != nil, "two_factor": twoFactor[u.ID], "created_at": u.CreatedAt}
		},
		Render: func(p web.ListPage[User]) error {
			return s.Web.Render(w, r, 200, "accounts/admin-users.html", adminUsersView{View: web.View{Title: "Users", Form: r.URL.Query()}, Users: p.Items, Q: q, Total: p.Total,
				Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, TwoFactor: twoFactor})
		},
	})
}

func yesNo(b bool) string {
	if b {
		return "yes"
	}
	return "no"
}

// stamp is a time in a CSV cell: UTC, to the microsecond.
func stamp(t time.Time) string { return t.UTC().Format("2006-01-02T15:04:05.000000Z") }

// userActions are what an admin can do to an account, with the words of
// the confirmation page.
var userActions = map[string]struct{ Question, Button, Done string }{
	"disable":      {"Are you sure you want to disable %s's account?", "Disable account", "%s's account has been disabled and signed out everywhere."},
	"enable":       {"Are you sure you want to enable %s's account?", "Enable account", "%s's account has been enabled."},
	"make_admin":   {"Are you sure you want to make %s an administrator?", "Make administrator", "%s is now an administrator."},
	"remove_admin": {"Are you sure you want to remove %s as an administrator?", "Remove administrator", "%s is no longer an administrator."},
}

func (s *Service) adminUserActionForm(w http.ResponseWriter, r *http.Request) error {
	act, ok := userActions[r.URL.Query().Get("do")]
	if !ok {
		return apperr.NotFound("action")
	}
	u, err := UserByID(r.Context(), s.DB.Q(), formInt(r, "user"))
	if err != nil {
		return err
	}
	do := r.URL.Query().Get("do")
	c := web.Confirm{Title: "Confirm", Question: strings.Replace(act.Question, "%s", u.Name, 1),
		Items:  []string{"Name: " + u.Name, "Email address: " + u.Email},
		Action: "/admin/users/action", Hidden: []web.Hidden{{Name: "user", Value: strconv.FormatInt(u.ID, 10)}, {Name: "do", Value: do}},
		Button: act.Button, Back: "/admin/users", BackText: "Cancel"}
	if do == "disable" {
		c.Detail = "They will be signed out everywhere and will not be able to sign in until an administrator enables the account again."
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) adminUserAction(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	do := r.PostForm.Get("do")
	act, ok := userActions[do]
	if !ok {
		return apperr.Errorf(apperr.EINVALID, "Choose what to do with the account")
	}
	uid := formInt(r, "user")
	if uid == id.UserID && do == "disable" {
		return apperr.Errorf(apperr.EINVALID, "You cannot disable your own account. Ask another administrator.")
	}
	var u *User
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if u, err = UserByID(ctx, tx, uid); err != nil {
			return err
		}
		switch do {
		case "disable", "enable":
			return SetDisabled(ctx, tx, uid, do == "disable")
		default:
			return SetAdmin(ctx, tx, uid, do == "make_admin")
		}
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/users?q="+url.QueryEscape(u.Email), strings.Replace(act.Done, "%s", u.Name, 1))
}

// auditFilter reads the audit filters from the query string. Unknown users
// or organisations match nothing (id -1).
func (s *Service) auditFilter(r *http.Request) (audit.Filter, error) {
	ctx := r.Context()
	qs := r.URL.Query()
	f := audit.Filter{Action: strings.TrimSpace(qs.Get("action")), Object: strings.TrimSpace(qs.Get("object"))}
	if e := strings.TrimSpace(qs.Get("user")); e != "" {
		if n, err := strconv.ParseInt(e, 10, 64); err == nil {
			f.UserID = n
		} else if u, err := UserByEmail(ctx, s.DB.Q(), e); err == nil {
			f.UserID = u.ID
		} else if apperr.Is(err, apperr.ENOTFOUND) {
			f.UserID = -1
		} else {
			return f, err
		}
	}
	if o := strings.TrimSpace(qs.Get("org")); o != "" {
		if org, err := OrgBySlug(ctx, s.DB.Q(), o); err == nil {
			f.OrgID = org.ID
		} else if apperr.Is(err, apperr.ENOTFOUND) {
			f.OrgID = -1
		} else {
			return f, err
		}
	}
	return f, nil
}

func (s *Service) adminAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	str := func(p *int64) string {
		if p == nil {
			return ""
		}
		return strconv.FormatInt(*p, 10)
	}
	return web.ServeList(s.Web, w, r, web.List[audit.Entry]{
		Name: "audit-log", PerPage: 50,
		Fetch: func(ctx context.Context, limit, offset int) ([]audit.Entry, int, error) {
			f.Limit, f.Offset = limit, offset
			return audit.List(ctx, s.DB.Q(), f)
		},
		Columns: []web.Column[audit.Entry]{
			{Header: "id", Cell: func(e audit.Entry) string { return strconv.FormatInt(e.ID, 10) }},
			{Header: "at", Cell: func(e audit.Entry) string { return stamp(e.At) }},
			{Header: "user_id", Cell: func(e audit.Entry) string { return str(e.UserID) }},
			{Header: "actor", Cell: func(e audit.Entry) string { return e.Actor }},
			{Header: "organisation", Cell: func(e audit.Entry) string { return e.OrgName }},
			{Header: "action", Cell: func(e audit.Entry) string { return e.Action }},
			{Header: "object_type", Cell: func(e audit.Entry) string { return e.ObjectType }},
			{Header: "object_id", Cell: func(e audit.Entry) string { return e.ObjectID }},
			{Header: "subject", Cell: func(e audit.Entry) string { return e.Subject }},
			{Header: "request_id", Cell: func(e audit.Entry) string { return e.RequestID }},
			{Header: "detail", Cell: func(e audit.Entry) string { return e.Detail }},
		},
		Item: func(e audit.Entry) any {
			return map[string]any{"id": e.ID, "at": e.At, "user_id": e.UserID, "actor": e.Actor, "organisation_id": e.OrgID, "organisation": e.OrgName,
				"action": e.Action, "object_type": e.ObjectType, "object_id": e.ObjectID, "subject": e.Subject, "request_id": e.RequestID, "detail": e.Detail}
		},
		Render: func(p web.ListPage[audit.Entry]) error {
			chain, err := s.verifyAuditChain(r.Context(), r.URL.Query().Get("verify") == "full")
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, 200, "accounts/admin-audit.html", adminAuditView{View: web.View{Title: "Audit log", Form: r.URL.Query()}, Entries: p.Items, Total: p.Total, Chain: chain,
				Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL})
		},
	})
}

// verifyAuditChain is the audit page's check of the chain. It verified
// the whole chain on every view, a cost growing with the log; now it
// verifies the rows after where its last verification that found the
// chain whole ended (audit.VerifyAfter: that row's hash and content, and
// every newer row's link), and the whole chain on the first view after
// the server starts, when the last check found it broken, and when asked
// (full: the page's "Verify the whole chain" link, ?verify=full). A row
// before the checkpoint changed since is found by those whole checks and
// by `partnerhub audit verify` (always whole), not by the incremental one.
func (s *Service) verifyAuditChain(ctx context.Context, full bool) (audit.Verification, error) {
	s.auditMu.Lock()
	defer s.auditMu.Unlock()
	cp := s.auditChecked
	if full {
		cp = audit.Checkpoint{}
	}
	v, err := audit.VerifyAfter(ctx, s.DB, cp)
	if err != nil {
		return v, err
	}
	s.auditChecked = v.Checkpoint() // the zero one when broken: whole next time
	return v, nil
}

func (s *Service) adminOutbox(w http.ResponseWriter, r *http.Request) error {
	to := NormaliseEmail(r.URL.Query().Get("to"))
	return web.ServeList(s.Web, w, r, web.List[mail.Outgoing]{
		Name: "outbox",
		Fetch: func(ctx context.Context, limit, offset int) ([]mail.Outgoing, int, error) {
			return mail.Recent(ctx, s.DB.Q(), to, limit, offset)
		},
		Columns: []web.Column[mail.Outgoing]{
			{Header: "id", Cell: func(m mail.Outgoing) string { return strconv.FormatInt(m.ID, 10) }},
			{Header: "created_at", Cell: func(m mail.Outgoing) string { return stamp(m.CreatedAt) }},
			{Header: "to", Cell: func(m mail.Outgoing) string { return m.To }},
			{Header: "kind", Cell: func(m mail.Outgoing) string { return m.Kind }},
			{Header: "subject", Cell: func(m mail.Outgoing) string { return m.Subject }},
			{Header: "sent_at", Cell: func(m mail.Outgoing) string {
				if m.SentAt == nil {
					return ""
				}
				return stamp(*m.SentAt)
			}},
			{Header: "delivery", Cell: func(m mail.Outgoing) string { return m.Delivery }},
			{Header: "attempts", Cell: func(m mail.Outgoing) string { return strconv.Itoa(m.Attempts) }},
			{Header: "last_error", Cell: func(m mail.Outgoing) string { return m.LastError }},
			{Header: "body", Cell: func(m mail.Outgoing) string { return m.Body }},
		},
		Item: func(m mail.Outgoing) any {
			return map[string]any{"id": m.ID, "created_at": m.CreatedAt, "to": m.To, "kind": m.Kind, "subject": m.Subject, "sent_at": m.SentAt,
				"delivery": m.Delivery, "attempts": m.Attempts, "last_error": m.LastError, "body": m.Body}
		},
		Render: func(p web.ListPage[mail.Outgoing]) error {
			return s.Web.Render(w, r, 200, "accounts/admin-outbox.html", adminOutboxView{View: web.View{Title: "Outbox", Form: r.URL.Query()}, Msgs: p.Items, Total: p.Total, To: to,
				Pager: p.PagerData(r), SMTP: s.Web.Config.SMTPURL != "", CSV: p.CSVURL, JSONURL: p.JSONURL})
		},
	})
}
