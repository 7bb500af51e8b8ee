package accounts

import (
	"fmt"
	"net/http"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

// emailChangeTTL is how long an email-change link works.
const emailChangeTTL = 24 * time.Hour

func accountRoutes(s *Service) []web.Route {
	return []web.Route{
		s.Web.Cached(web.Get("/account", web.SignedIn, s.accountPage)),
		web.Get("/account/password", web.SignedIn, s.passwordForm),
		web.Post("/account/password", web.SignedIn, s.changePassword),
		web.Get("/account/email", web.SignedIn, s.emailForm),
		web.Post("/account/email", web.SignedIn, s.requestEmailChange),
		// The emailed link is the authority here, like /verify: the new
		// address may be read on a device that is not signed in.
		web.Get("/account/email/confirm", web.Public, s.emailConfirmForm),
		web.Post("/account/email/confirm", web.Public, s.confirmEmailChange),
		web.Get("/account/signout-everywhere", web.SignedIn, s.signoutEverywhereForm),
		web.Post("/account/signout-everywhere", web.SignedIn, s.signoutEverywhere),
	}
}

func (s *Service) accountPage(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	ctx := r.Context()
	u, twoFactor, err := UserWithTwoFactor(ctx, s.q(), id.UserID)
	if err != nil {
		return err
	}
	orgs, err := OrgsForUser(ctx, s.q(), id.UserID)
	if err != nil {
		return err
	}
	sessions, err := SessionsForUser(ctx, s.q(), id.UserID, id.SessionHash)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/account.html", accountView{View: web.View{Title: "Your account"}, Account: u, Orgs: orgs, Sessions: sessions, TwoFactor: twoFactor})
}

// checkCurrentPassword verifies the signed-in user's password through the
// same throttled path as sign-in, so it cannot be guessed here either.
func (s *Service) checkCurrentPassword(r *http.Request, id *web.Identity, pw string) error {
	if pw == "" {
		return fieldErr(apperr.EINVALID, "current_password", "Enter your current password")
	}
	_, err := s.Authenticate(r.Context(), id.Email, pw, s.Web.ClientIP(r))
	switch apperr.Code(err) {
	case "":
		return nil
	case apperr.EUNAUTHORIZED:
		return fieldErr(apperr.EINVALID, "current_password", "Your current password is not correct")
	case apperr.ETOOMANY:
		return &apperr.Error{Code: apperr.ETOOMANY, Message: apperr.Message(err), Fields: []apperr.FieldError{{Field: "current_password", Message: apperr.Message(err)}}}
	}
	return err
}

func fieldErr(code, field, msg string) error {
	return &apperr.Error{Code: code, Message: msg, Fields: []apperr.FieldError{{Field: field, Message: msg}}}
}

// formStatus is the status a form re-shown with err answers with.
func formStatus(err error) int {
	if apperr.Is(err, apperr.ETOOMANY) {
		return http.StatusTooManyRequests
	}
	if apperr.Is(err, apperr.ECONFLICT) {
		return http.StatusConflict
	}
	return http.StatusUnprocessableEntity
}

func (s *Service) passwordForm(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, ""); !ok {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/account-password.html", web.View{Title: "Change your password"})
}

func (s *Service) changePassword(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if ok, err := s.RequireRecentAuth(w, r, "/account/password"); !ok {
		return err
	}
	id := web.IdentityFrom(r.Context())
	ctx := r.Context()
	render := func(err error) error {
		return s.Web.Render(w, r, formStatus(err), "accounts/account-password.html", web.View{Title: "Change your password", Err: err})
	}
	cur, pw := r.PostForm.Get("current_password"), r.PostForm.Get("password")
	var v apperr.Validation
	v.Check(cur != "", "current_password", "Enter your current password")
	if msg := CheckPassword(pw, id.Email, id.Name); msg != "" {
		v.Add("password", msg)
	} else if pw == cur {
		v.Add("password", "Your new password must be different from your current password")
	}
	if err := v.Err(); err != nil {
		return render(err)
	}
	if err := s.checkCurrentPassword(r, id, cur); err != nil {
		if apperr.Code(err) == apperr.EINTERNAL || apperr.Code(err) == apperr.EUNAVAILABLE {
			return err
		}
		return render(err)
	}
	revoked := 0
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := SetPassword(ctx, tx, s.Hasher, id.UserID, pw); err != nil {
			return err
		}
		// Every other browser signed in as this user is signed out, and
		// the account's API tokens stop working.
		if err := DeleteSessions(ctx, tx, id.UserID, id.SessionHash); err != nil {
			return err
		}
		var err error
		if revoked, err = s.revoke(ctx, tx, id.UserID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, 0, "user.password_change", "user", id.UserID, revokedNote(revoked)); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: id.Email, Kind: "password_changed", Subject: "Your Partnerhub password was changed",
			Body: fmt.Sprintf("Hello %s,\n\nThe password of your Partnerhub account was changed, and every other browser signed in to your account was signed out.%s\n\nIf you did not do this, reset your password now at %s/password/forgot and tell the Partnerhub team.\n", id.Name, revokedMail(revoked), s.Web.Config.BaseURL)})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/account", "Your password has been changed. Other browsers signed in to your account have been signed out."+revokedMail(revoked))
}

func (s *Service) emailForm(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, ""); !ok {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/account-email.html", web.View{Title: "Change your email address"})
}

func (s *Service) requestEmailChange(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	if ok, err := s.RequireRecentAuth(w, r, "/account/email"); !ok {
		return err
	}
	id := web.IdentityFrom(r.Context())
	ctx := r.Context()
	render := func(err error) error {
		return s.Web.Render(w, r, formStatus(err), "accounts/account-email.html", web.View{Title: "Change your email address", Form: r.PostForm, Err: err})
	}
	email, cur := NormaliseEmail(r.PostForm.Get("email")), r.PostForm.Get("current_password")
	var v apperr.Validation
	switch {
	case email == "":
		v.Add("email", "Enter your new email address")
	case !mail.ValidAddress(email):
		v.Add("email", "Enter an email address in the correct format, like name@example.org")
	case email == id.Email:
		v.Add("email", "Enter an email address that is different from your current one")
	}
	v.Check(cur != "", "current_password", "Enter your current password")
	if err := v.Err(); err != nil {
		return render(err)
	}
	if err := s.checkCurrentPassword(r, id, cur); err != nil {
		if apperr.Code(err) == apperr.EINTERNAL || apperr.Code(err) == apperr.EUNAVAILABLE {
			return err
		}
		return render(err)
	}
	base := s.Web.Config.BaseURL
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := audit.Record(ctx, tx, 0, "user.email_change_request", "user", id.UserID, email); err != nil {
			return err
		}
		if existing, err := UserByEmail(ctx, tx, email); err == nil {
			// The same answer as for a free address, so this form cannot be
			// used to find out who has an account; tell the address's owner.
			return mail.Enqueue(ctx, tx, mail.Message{To: existing.Email, Kind: "email_change_exists", Subject: "Someone tried to move a Partnerhub account to your email",
				Body: fmt.Sprintf("Hello %s,\n\nSomeone asked to change the email address of another Partnerhub account to this address, which already has an account. Nothing has changed.\n\nIf you did not expect this, you can ignore this email.\n", existing.Name)})
		} else if !apperr.Is(err, apperr.ENOTFOUND) {
			return err
		}
		tok, err := IssueToken(ctx, tx, id.UserID, "email_change", email, emailChangeTTL)
		if err != nil {
			return err
		}
		if err := mail.Enqueue(ctx, tx, mail.Message{To: email, Kind: "email_change", Subject: "Confirm your new email address for Partnerhub",
			Body: fmt.Sprintf("Hello %s,\n\nYou asked to use this email address for your Partnerhub account. To confirm, open:\n\n%s\n\nThe link works once and expires in 24 hours. If you did not ask for this, you can ignore this email.\n", id.Name, s.link("/account/email/confirm", tok))}); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: id.Email, Kind: "email_change_notice", Subject: "Your Partnerhub email address is being changed",
			Body: fmt.Sprintf("Hello %s,\n\nSomeone signed in to your Partnerhub account asked to change its email address to %s. The change happens only when the link sent to the new address is opened.\n\nIf this was not you, change your password now at %s/account/password and tell the Partnerhub team.\n", id.Name, email, base)})
	})
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/check-email.html", checkEmailView{View: web.View{Title: "Check your email"}, Email: email, Purpose: "email_change"})
}

func (s *Service) emailConfirmForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	_, newEmail, err := PeekToken(r.Context(), s.DB.Q(), tok, "email_change")
	return s.Web.Render(w, r, 200, "accounts/email-confirm.html", emailConfirmView{tokenView: tokenView{View: web.View{Title: "Confirm your new email address"}, Token: tok, Bad: err != nil}, Email: newEmail})
}

func (s *Service) confirmEmailChange(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	var taken bool
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		uid, newEmail, err := ConsumeToken(ctx, tx, r.PostForm.Get("token"), "email_change")
		if err != nil {
			return err
		}
		u, err := UserByID(ctx, tx, uid)
		if err != nil {
			return err
		}
		if u.DisabledAt != nil {
			return errBadToken
		}
		if _, err := UserByEmail(ctx, tx, newEmail); err == nil {
			taken = true
			return apperr.Errorf(apperr.ECONFLICT, "taken")
		}
		if err := SetEmail(ctx, tx, uid, newEmail); err != nil {
			return err
		}
		actx := audit.WithActor(ctx, audit.Actor{UserID: uid, Name: newEmail, RequestID: web.RequestID(ctx)})
		if err := audit.Record(actx, tx, 0, "user.email_change", "user", uid, u.Email+" -> "+newEmail); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: u.Email, Kind: "email_changed", Subject: "Your Partnerhub email address was changed",
			Body: fmt.Sprintf("Hello %s,\n\nThe email address of your Partnerhub account was changed to %s. You will receive Partnerhub email there from now on.\n\nIf you did not do this, tell the Partnerhub team at once.\n", u.Name, newEmail)})
	})
	if taken {
		err := apperr.Errorf(apperr.ECONFLICT, "That email address is now used by another account, so it cannot be moved to yours. Choose a different address.")
		return s.Web.Render(w, r, http.StatusConflict, "accounts/email-confirm.html", emailConfirmView{tokenView: tokenView{View: web.View{Title: "Confirm your new email address", Err: err}, Bad: true}})
	}
	if apperr.Is(err, apperr.EINVALID) {
		return s.Web.Render(w, r, http.StatusBadRequest, "accounts/email-confirm.html", emailConfirmView{tokenView: tokenView{View: web.View{Title: "Confirm your new email address"}, Bad: true}})
	}
	if err != nil {
		return err
	}
	next := "/signin"
	if web.IdentityFrom(ctx) != nil {
		next = "/account"
	}
	return web.Redirect(w, r, next, "Your email address has been changed.")
}

func (s *Service) signoutEverywhereForm(w http.ResponseWriter, r *http.Request) error {
	return s.Web.Confirm(w, r, web.Confirm{Title: "Sign out everywhere", Question: "Are you sure you want to sign out everywhere?",
		Detail: "Every browser and device signed in to your account will be signed out, including this one. You will need to sign in again.",
		After:  "Your API tokens keep working: revoke them on your API tokens page (Your account, API tokens).",
		Action: "/account/signout-everywhere", Button: "Sign out everywhere", Back: "/account", BackText: "Cancel"})
}

func (s *Service) signoutEverywhere(w http.ResponseWriter, r *http.Request) error {
	id := web.IdentityFrom(r.Context())
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := DeleteSessions(ctx, tx, id.UserID, ""); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "user.signout_everywhere", "user", id.UserID, "")
	})
	if err != nil {
		return err
	}
	if err := s.EndSession(w, r); err != nil {
		return err
	}
	return web.Redirect(w, r, "/signin", "You have been signed out on every device.")
}

// revokedNote is the audit detail of a password change or reset that ended
// API tokens.
func revokedNote(n int) string {
	if n == 0 {
		return ""
	}
	return fmt.Sprintf("%d API tokens revoked", n)
}

// revokedMail tells the user their API tokens were revoked.
func revokedMail(n int) string {
	switch n {
	case 0:
		return ""
	case 1:
		return " Your API token was revoked: create a new one at /account/tokens."
	}
	return fmt.Sprintf(" Your %d API tokens were revoked: create new ones at /account/tokens.", n)
}
