package opportunities

// Pages of alerts: my alerts (list, CSV/JSON), save the current search,
// change, delete with confirmation; an organisation's "tell our editors
// about opportunities that fit us"; the admin's Compact minimum.

import (
	"context"
	"net/http"
	"net/url"
	"strconv"
	"strings"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

func (s *Service) alertsPage(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	base := s.baseURL()
	return web.ServeList(s.Web, w, r, web.List[Alert]{
		Name: "opportunity-alerts", PerPage: 20,
		Fetch: func(ctx context.Context, limit, offset int) ([]Alert, int, error) {
			return AlertsOf(ctx, s.DB.Q(), id.UserID, limit, offset)
		},
		Columns: []web.Column[Alert]{
			{Header: "id", Cell: func(a Alert) string { return strconv.FormatInt(a.ID, 10) }},
			{Header: "name", Cell: func(a Alert) string { return a.Name }},
			{Header: "search", Cell: func(a Alert) string { return a.Describe() }},
			{Header: "frequency", Cell: func(a Alert) string { return a.Frequency }},
			{Header: "url", Cell: func(a Alert) string { return base + a.URL() }},
			{Header: "created_at", Cell: func(a Alert) string { return a.CreatedAt.Format("2006-01-02T15:04:05Z") }},
		},
		Item: func(a Alert) any {
			return map[string]any{"id": a.ID, "name": a.Name, "search": a.Describe(), "query": a.Query, "frequency": a.Frequency, "url": base + a.URL(), "created_at": a.CreatedAt}
		},
		Render: func(p web.ListPage[Alert]) error {
			hidden, err := HiddenList(r.Context(), s.DB.Q(), id.UserID)
			if err != nil {
				return err
			}
			return s.Web.Render(w, r, http.StatusOK, "opportunities/alerts.html", alertsView{View: web.View{Title: "Your opportunity alerts"}, Alerts: p.Items, Total: p.Total, Pager: p.PagerData(r), CSV: p.CSVURL, JSONURL: p.JSONURL, Hidden: hidden})
		},
	})
}

// searchQuery is the query string of a search sent to the alert form:
// either ?query=... (the form's own field) or the listing's parameters.
func searchQuery(v url.Values) string {
	if q, ok := v["query"]; ok {
		return q[0]
	}
	c := url.Values{}
	for k, vs := range v {
		if k != "page" && k != "format" && k != "per_page" {
			c[k] = vs
		}
	}
	return c.Encode()
}

func (s *Service) renderAlertForm(w http.ResponseWriter, r *http.Request, status int, a *Alert, form url.Values, formErr error) error {
	title := "Save this search as an alert"
	if a.ID != 0 {
		title = "Change your alert"
	}
	return s.Web.Render(w, r, status, "opportunities/alert_form.html", alertFormView{View: web.View{Title: title, Form: form, Err: formErr}, A: a, Frequencies: AlertFrequencies, FrequencyLabels: AlertFrequencyLabels, Email: web.IdentityFrom(r.Context()).Email})
}

func (s *Service) alertNewForm(w http.ResponseWriter, r *http.Request) error {
	a := &Alert{Query: searchQuery(r.URL.Query())}
	vals, _ := url.ParseQuery(a.Query)
	q, _ := ParseQuery(vals)
	a.Query = q.String()
	name := q.Words
	if name == "" {
		name = "Opportunities"
		if q.Kind != "" {
			name = Label(q.Kind) + "s"
		}
	}
	return s.renderAlertForm(w, r, http.StatusOK, a, url.Values{"name": {name}, "frequency": {AlertDaily}, "query": {a.Query}}, nil)
}

func alertFromForm(f url.Values) Alert {
	return Alert{Name: f.Get("name"), Frequency: f.Get("frequency"), Query: f.Get("query")}
}

func (s *Service) alertCreate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	a := alertFromForm(r.PostForm)
	a.UserID = id.UserID
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveAlert(ctx, tx, &a); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "opportunity_alert.create", "opportunity_alert", a.ID, a.Name)
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderAlertForm(w, r, http.StatusUnprocessableEntity, &Alert{Query: r.PostForm.Get("query")}, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/alerts", "Alert “"+a.Name+"” saved. We will email "+id.Email+" "+strings.ToLower(AlertFrequencyLabels[a.Frequency])+" when opportunities match.")
}

func (s *Service) myAlert(r *http.Request) (*Alert, error) {
	aid, err := web.PathID(r, "id", "alert")
	if err != nil {
		return nil, err
	}
	return AlertOf(r.Context(), s.DB.Q(), web.IdentityFrom(r.Context()).UserID, aid)
}

func (s *Service) alertEditForm(w http.ResponseWriter, r *http.Request) error {
	a, err := s.myAlert(r)
	if err != nil {
		return err
	}
	return s.renderAlertForm(w, r, http.StatusOK, a, url.Values{"name": {a.Name}, "frequency": {a.Frequency}, "query": {a.Query}}, nil)
}

func (s *Service) alertUpdate(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	old, err := s.myAlert(r)
	if err != nil {
		return err
	}
	a := alertFromForm(r.PostForm)
	a.ID, a.UserID = old.ID, old.UserID
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveAlert(ctx, tx, &a); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "opportunity_alert.change", "opportunity_alert", a.ID, a.Name)
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderAlertForm(w, r, http.StatusUnprocessableEntity, old, r.PostForm, err)
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/alerts", "Alert “"+a.Name+"” changed.")
}

func (s *Service) alertDeleteConfirm(w http.ResponseWriter, r *http.Request) error {
	a, err := s.myAlert(r)
	if err != nil {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Delete an alert", Back: "/alerts",
		Question: "Are you sure you want to delete the alert “" + a.Name + "”?", Detail: "We will stop emailing you about this search. Your other alerts are not changed.",
		Button: "Delete the alert"})
}

func (s *Service) alertDelete(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	a, err := s.myAlert(r)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := DeleteAlert(ctx, tx, a.UserID, a.ID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "opportunity_alert.delete", "opportunity_alert", a.ID, a.Name)
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/alerts", "Alert “"+a.Name+"” deleted.")
}

func (s *Service) orgAlertForm(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	orgID := web.OrgFrom(ctx)
	on, err := OrgAlertOn(ctx, s.DB.Q(), orgID)
	if err != nil {
		return err
	}
	org, err := orgName(ctx, s.DB.Q(), orgID)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "opportunities/org_alert.html", orgAlertView{View: web.View{Title: "Opportunities that fit " + org.Name}, Org: org, On: on})
}

func (s *Service) orgAlertSave(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	orgID := web.OrgFrom(ctx)
	org, err := orgName(ctx, s.DB.Q(), orgID)
	if err != nil {
		return err
	}
	on := r.PostForm.Get("on") == "yes"
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SetOrgAlert(ctx, tx, orgID, id.UserID, on); err != nil {
			return err
		}
		return audit.Record(ctx, tx, orgID, "opportunity_org_alert."+map[bool]string{true: "on", false: "off"}[on], "organisation", orgID, "")
	})
	if err != nil {
		return err
	}
	msg := "We will email " + org.Name + "'s owners and editors once a week about new opportunities that fit it."
	if !on {
		msg = "We will no longer email " + org.Name + "'s owners and editors about opportunities that fit it."
	}
	return web.Redirect(w, r, "/orgs/"+org.Slug+"/opportunity-alerts", msg)
}

// orgRef is an organisation's name and slug.
type orgRef struct {
	ID         int64
	Name, Slug string
}

func orgName(ctx context.Context, q db.Querier, id int64) (*orgRef, error) {
	o := &orgRef{ID: id}
	err := q.QueryRowContext(ctx, `SELECT name, slug FROM organisations WHERE id = $1`, id).Scan(&o.Name, &o.Slug)
	return o, db.Err(err, "organisation")
}

func (s *Service) adminSettings(w http.ResponseWriter, r *http.Request) error {
	n, err := CompactWeeks(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, http.StatusOK, "opportunities/admin_settings.html", web.View{Title: "Opportunity settings", Form: url.Values{"weeks": {strconv.Itoa(n)}}})
}

func (s *Service) adminSettingsSave(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	n, perr := strconv.Atoi(strings.TrimSpace(r.PostForm.Get("weeks")))
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if perr != nil {
			n = 0
		}
		if err := SetCompactWeeks(ctx, tx, n); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "opportunity_settings.compact_weeks", "site_settings", settingCompactWeeks, strconv.Itoa(n))
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "opportunities/admin_settings.html", web.View{Title: "Opportunity settings", Form: r.PostForm, Err: err})
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/opportunities/settings", "Saved: consultations shorter than "+strconv.Itoa(n)+" weeks are flagged.")
}
