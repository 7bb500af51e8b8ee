package accounts

import (
	"net/http"
	"net/url"
	"strconv"
	"strings"

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
	return s.Web.Render(w, r, 200, "accounts/admin.html", map[string]any{"Title": "Administration", "O": o})
}

func (s *Service) adminUsers(w http.ResponseWriter, r *http.Request) error {
	q := strings.TrimSpace(r.URL.Query().Get("q"))
	pager := web.NewPager(r, 25)
	users, total, err := ListUsers(r.Context(), s.DB.Q(), q, pager.PerPage, pager.Offset())
	if err != nil {
		return err
	}
	pager.Total = total
	return s.Web.Render(w, r, 200, "accounts/admin-users.html", map[string]any{"Title": "Users", "Users": users, "Q": q, "Total": total,
		"Pager": pager.Template(r), "Form": r.URL.Query()})
}

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
	return s.Web.Render(w, r, 200, "accounts/admin-user-action.html", map[string]any{"Title": "Confirm", "U": u, "Do": r.URL.Query().Get("do"),
		"Question": strings.Replace(act.Question, "%s", u.Name, 1), "Button": act.Button,
		"Disable": r.URL.Query().Get("do") == "disable"})
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

// maxAuditExport bounds one CSV export of the audit log.
const maxAuditExport = 50000

func (s *Service) adminAudit(w http.ResponseWriter, r *http.Request) error {
	f, err := s.auditFilter(r)
	if err != nil {
		return err
	}
	ctx := r.Context()
	if web.WantsCSV(r) {
		header := []string{"id", "at", "user_id", "actor", "organisation", "action", "object_type", "object_id", "request_id", "detail"}
		var rows [][]string
		for f.Offset = 0; f.Offset < maxAuditExport; f.Offset += 500 {
			f.Limit = 500
			entries, _, err := audit.List(ctx, s.DB.Q(), f)
			if err != nil {
				return err
			}
			for _, e := range entries {
				uid := ""
				if e.UserID != nil {
					uid = strconv.FormatInt(*e.UserID, 10)
				}
				rows = append(rows, []string{strconv.FormatInt(e.ID, 10), e.At.UTC().Format("2006-01-02T15:04:05.000000Z"), uid, e.Actor, e.OrgName,
					e.Action, e.ObjectType, e.ObjectID, e.RequestID, e.Detail})
			}
			if len(entries) < 500 {
				break
			}
		}
		return web.CSV(w, "audit-log.csv", header, rows)
	}
	pager := web.NewPager(r, 50)
	f.Limit, f.Offset = pager.PerPage, pager.Offset()
	entries, total, err := audit.List(ctx, s.DB.Q(), f)
	if err != nil {
		return err
	}
	pager.Total = total
	return s.Web.Render(w, r, 200, "accounts/admin-audit.html", map[string]any{"Title": "Audit log", "Entries": entries, "Total": total,
		"Pager": pager.Template(r), "Form": r.URL.Query(), "CSV": query(r, "format", "csv")})
}

func query(r *http.Request, k, v string) string {
	q := r.URL.Query()
	q.Del("page")
	q.Set(k, v)
	return r.URL.Path + "?" + q.Encode()
}

func (s *Service) adminOutbox(w http.ResponseWriter, r *http.Request) error {
	to := NormaliseEmail(r.URL.Query().Get("to"))
	pager := web.NewPager(r, 20)
	msgs, total, err := mail.Recent(r.Context(), s.DB.Q(), to, pager.PerPage, pager.Offset())
	if err != nil {
		return err
	}
	pager.Total = total
	return s.Web.Render(w, r, 200, "accounts/admin-outbox.html", map[string]any{"Title": "Outbox", "Msgs": msgs, "Total": total, "To": to,
		"Pager": pager.Template(r), "Form": r.URL.Query(), "SMTP": s.Web.Config.SMTPURL != ""})
}
