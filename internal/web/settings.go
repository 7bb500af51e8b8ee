package web

import (
	"context"
	"database/sql"
	"errors"
	"net/http"
	"net/url"
	"strings"
	"unicode/utf8"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// DataController is who is responsible for the personal data Partnerhub
// keeps (UK GDPR Article 13 asks the privacy notice to name them and say
// how to reach them). Administrators set it at /admin/privacy.
type DataController struct {
	Name    string // the organisation, e.g. "Blackpool Council for Voluntary Service"
	Contact string // an email address, postal address or web page, as people should use it
}

// Site setting keys (table site_settings).
const (
	settingControllerName    = "data_controller_name"
	settingControllerContact = "data_controller_contact"
)

// ReadDataController reads the data controller (empty fields when unset).
func ReadDataController(ctx context.Context, q db.Querier) (DataController, error) {
	var dc DataController
	for key, dst := range map[string]*string{settingControllerName: &dc.Name, settingControllerContact: &dc.Contact} {
		err := q.QueryRowContext(ctx, `SELECT value FROM site_settings WHERE key = $1`, key).Scan(dst)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return dc, err
		}
	}
	return dc, nil
}

// Validate cleans and checks the fields (names match the form).
func (dc *DataController) Validate() error {
	var v apperr.Validation
	dc.Name = strings.Join(strings.Fields(dc.Name), " ")
	dc.Contact = strings.TrimSpace(strings.ReplaceAll(dc.Contact, "\r\n", "\n"))
	v.Check(dc.Name != "", "controller_name", "Enter the name of the data controller, the organisation responsible for the data")
	v.Check(utf8.RuneCountInString(dc.Name) <= 200, "controller_name", "Name must be 200 characters or fewer")
	v.Check(dc.Contact != "", "controller_contact", "Enter how people can contact the data controller, for example an email address")
	v.Check(utf8.RuneCountInString(dc.Contact) <= 1000, "controller_contact", "Contact details must be 1,000 characters or fewer")
	return v.Err()
}

// SaveDataController validates and stores the data controller.
func SaveDataController(ctx context.Context, q db.Querier, dc *DataController) error {
	if err := dc.Validate(); err != nil {
		return err
	}
	for _, kv := range [][2]string{{settingControllerName, dc.Name}, {settingControllerContact, dc.Contact}} {
		if _, err := q.ExecContext(ctx, `DELETE FROM site_settings WHERE key = $1`, kv[0]); err != nil {
			return err
		}
		if _, err := q.ExecContext(ctx, `INSERT INTO site_settings (key, value) VALUES ($1, $2)`, kv[0], kv[1]); err != nil {
			return err
		}
	}
	return nil
}

// privacy renders the privacy notice with the data controller (read on
// each request, so it is not one of the cached static pages).
func (s *Server) privacy(w http.ResponseWriter, r *http.Request) error {
	dc, err := ReadDataController(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	return s.Render(w, r, http.StatusOK, "privacy.html", privacyView{View: View{Title: "Privacy notice", Description: "What personal data Partnerhub holds about you, why, for how long, and how to see, correct or erase it."}, Controller: dc})
}

func (s *Server) privacySettingsForm(w http.ResponseWriter, r *http.Request) error {
	dc, err := ReadDataController(r.Context(), s.DB.Q())
	if err != nil {
		return err
	}
	form := map[string][]string{"controller_name": {dc.Name}, "controller_contact": {dc.Contact}}
	return s.Render(w, r, http.StatusOK, "admin-privacy.html", View{Title: "Data controller for the privacy notice", Form: url.Values(form)})
}

func (s *Server) savePrivacySettings(w http.ResponseWriter, r *http.Request) error {
	if err := ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	dc := &DataController{Name: r.PostForm.Get("controller_name"), Contact: r.PostForm.Get("controller_contact")}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SaveDataController(ctx, tx, dc); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "site.data_controller", "site_settings", settingControllerName, dc.Name)
	})
	if apperr.Code(err) == apperr.EINVALID {
		return s.Render(w, r, http.StatusUnprocessableEntity, "admin-privacy.html", View{Title: "Data controller for the privacy notice", Form: r.PostForm, Err: err})
	}
	if err != nil {
		return err
	}
	return Redirect(w, r, "/privacy", "The privacy notice now names "+dc.Name+" as data controller.")
}
