package accounts

import (
	"context"
	"embed"
	"fmt"
	"net/http"
	"net/url"
	"partnerhub/internal/clean"
	"strconv"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

//go:embed templates/*.html
var templates embed.FS

// Templates registers the feature's pages.
func (s *Service) Templates(rd *web.Renderer) error {
	if err := rd.AddLabels("accounts", Labels); err != nil {
		return err
	}
	return rd.AddPages(templates, "templates", "accounts")
}

// Routes is the accounts feature's part of the route table.
func (s *Service) Routes() []web.Route {
	return append([]web.Route{
		web.Get("/signup", web.Public, s.signupForm),
		web.Post("/signup", web.Public, s.signup),
		web.Get("/signin", web.Public, s.signinForm),
		web.Post("/signin", web.Public, s.signin),
		web.Post("/signout", web.Public, s.signout),
		web.Get("/signin/unlock", web.Public, s.unlockForm),
		web.Post("/signin/unlock", web.Public, s.unlock),
		web.Get("/verify", web.Public, s.verifyForm),
		web.Post("/verify", web.Public, s.verify),
		web.Get("/verify/resend", web.Public, s.resendForm),
		web.Post("/verify/resend", web.Public, s.resend),
		web.Get("/password/forgot", web.Public, s.forgotForm),
		web.Post("/password/forgot", web.Public, s.forgot),
		web.Get("/password/reset", web.Public, s.resetForm),
		web.Post("/password/reset", web.Public, s.reset),
	}, s.moreRoutes()...)
}

// moreRoutes are the account, organisation and admin routes (http_*.go).
func (s *Service) moreRoutes() []web.Route {
	var out []web.Route
	for _, f := range extraRoutes {
		out = append(out, f(s)...)
	}
	return out
}

// extraRoutes are the other http_*.go files' route lists.
var extraRoutes = []func(*Service) []web.Route{accountRoutes, homeRoutes, orgRoutes, memberRoutes, adminRoutes, (*Service).tokenRoutes, twoFactorRoutes}

// nextParam is the query suffix carrying a local next path in a link.
func nextParam(next string) string {
	if next = web.SafeNext(next, ""); next == "" {
		return ""
	}
	return "&next=" + url.QueryEscape(next)
}

func (s *Service) link(path string, token string) string {
	return strings.TrimRight(s.Web.Config.BaseURL, "/") + path + "?token=" + token
}

func (s *Service) signupForm(w http.ResponseWriter, r *http.Request) error {
	if web.IdentityFrom(r.Context()) != nil {
		return web.Redirect(w, r, "/home", "")
	}
	return s.Web.Render(w, r, 200, "accounts/signup.html", nextView{View: web.View{Title: "Create an account"}, Next: web.SafeNext(r.URL.Query().Get("next"), "")})
}

func (s *Service) signup(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	name, email, pw := clean.Line(r.PostForm.Get("name")), NormaliseEmail(r.PostForm.Get("email")), r.PostForm.Get("password")
	next := web.SafeNext(r.PostForm.Get("next"), "")
	render := func(status int, err error) error {
		return s.Web.Render(w, r, status, "accounts/signup.html", nextView{View: web.View{Title: "Create an account", Form: r.PostForm, Err: err}, Next: next})
	}
	if err := ValidateSignup(name, email, pw); err != nil {
		return render(http.StatusUnprocessableEntity, err)
	}
	ctx := r.Context()
	// The password is hashed before anyone looks the address up, so a
	// sign-up with an address that has an account takes as long as one
	// without (hashing is nearly all of the time either way).
	hash, err := s.Hasher.Hash(pw)
	if err != nil {
		return err
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		// Counted before the lookup: the same answer with or without an account.
		if err := allowMail(ctx, tx, email, s.Web.ClientIP(r)); err != nil {
			return err
		}
		existing, err := UserByEmail(ctx, tx, email)
		if err == nil {
			// Same answer as a new sign-up; tell the owner of the address.
			return mail.Enqueue(ctx, tx, mail.Message{To: existing.Email, Kind: "signup_exists", Subject: "Someone tried to create a Partnerhub account with your email",
				Body: fmt.Sprintf("Hello %s,\n\nSomeone tried to create a new Partnerhub account with this email address, which already has an account.\n\nIf it was you, sign in at %s/signin or reset your password at %s/password/forgot.\nIf it was not you, you can ignore this email.\n", existing.Name, s.Web.Config.BaseURL, s.Web.Config.BaseURL)})
		}
		if !apperr.Is(err, apperr.ENOTFOUND) {
			return err
		}
		u, err := InsertUserHash(ctx, tx, hash, name, email, false, false)
		if err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Email, RequestID: web.RequestID(ctx)})
		if err := audit.Record(ctx, tx, 0, "user.signup", "user", u.ID, ""); err != nil {
			return err
		}
		return s.sendVerificationNext(ctx, tx, u, next)
	})
	if apperr.Is(err, apperr.ETOOMANY) {
		return render(http.StatusTooManyRequests, err)
	}
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/check-email.html", checkEmailView{View: web.View{Title: "Check your email"}, Email: email, Purpose: "verify"})
}

func (s *Service) sendVerification(ctx context.Context, q db.Querier, u *User) error {
	return s.sendVerificationNext(ctx, q, u, "")
}

// sendVerificationNext mails the confirmation link; next (a local path,
// such as an invitation) is where the person goes after signing in.
func (s *Service) sendVerificationNext(ctx context.Context, q db.Querier, u *User, next string) error {
	tok, err := IssueToken(ctx, q, u.ID, "verify", "", 48*time.Hour)
	if err != nil {
		return err
	}
	return mail.Enqueue(ctx, q, mail.Message{To: u.Email, Kind: "verify", Subject: "Confirm your email address for Partnerhub",
		Body: fmt.Sprintf("Hello %s,\n\nConfirm your email address to finish creating your Partnerhub account:\n\n%s\n\nThe link works once and expires in 48 hours.\nIf you did not create an account, you can ignore this email.\n", u.Name, s.link("/verify", tok)+nextParam(next))})
}

func (s *Service) signinForm(w http.ResponseWriter, r *http.Request) error {
	if web.IdentityFrom(r.Context()) != nil {
		return web.Redirect(w, r, web.SafeNext(r.URL.Query().Get("next"), "/home"), "")
	}
	return s.Web.Render(w, r, 200, "accounts/signin.html", nextView{View: web.View{Title: "Sign in"}, Next: r.URL.Query().Get("next")})
}

func (s *Service) signin(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	email, pw, next := r.PostForm.Get("email"), r.PostForm.Get("password"), r.PostForm.Get("next")
	var v apperr.Validation
	v.Check(strings.TrimSpace(email) != "", "email", "Enter your email address")
	v.Check(pw != "", "password", "Enter your password")
	render := func(status int, err error) error {
		return s.Web.Render(w, r, status, "accounts/signin.html", nextView{View: web.View{Title: "Sign in", Form: r.PostForm, Err: err}, Next: next})
	}
	if err := v.Err(); err != nil {
		return render(http.StatusUnprocessableEntity, err)
	}
	u, err := s.Authenticate(r.Context(), email, pw, s.Web.ClientIP(r))
	if err != nil {
		switch apperr.Code(err) {
		case apperr.EUNAUTHORIZED:
			return render(http.StatusUnauthorized, err)
		case apperr.ETOOMANY:
			w.Header().Set("Retry-After", strconv.Itoa(int((RetryAfter(err)+time.Second-1)/time.Second)))
			return render(http.StatusTooManyRequests, err)
		}
		return err
	}
	if !u.Verified() {
		return render(http.StatusForbidden, &apperr.Error{Code: apperr.EFORBIDDEN, Message: "Confirm your email address before you sign in. We can send the link again.",
			Fields: []apperr.FieldError{{Field: "email", Message: "Confirm your email address before you sign in (use “Send the confirmation link again” below)"}}})
	}
	ctx := r.Context()
	if err := ClearSignInFailures(ctx, s.DB.W(), u.Email); err != nil {
		// The person has proved who they are; a failure to forget their
		// earlier mistakes must not stop them signing in.
		s.Web.Logger.Warn("clear sign-in failures", "err", err)
	}
	return s.afterPassword(w, r, u, next)
}

func (s *Service) signout(w http.ResponseWriter, r *http.Request) error {
	if id := web.IdentityFrom(r.Context()); id != nil {
		if err := audit.Record(r.Context(), s.DB.W(), 0, "user.signout", "user", id.UserID, ""); err != nil {
			return err
		}
	}
	if err := s.EndSession(w, r); err != nil {
		return err
	}
	return web.Redirect(w, r, "/", "You have signed out.")
}

func (s *Service) verifyForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	_, _, err := PeekToken(r.Context(), s.DB.Q(), tok, "verify")
	return s.Web.Render(w, r, 200, "accounts/verify.html", verifyView{tokenView: tokenView{View: web.View{Title: "Confirm your email address"}, Token: tok, Bad: err != nil},
		Next: web.SafeNext(r.URL.Query().Get("next"), "")})
}

func (s *Service) verify(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		uid, _, err := ConsumeToken(ctx, tx, r.PostForm.Get("token"), "verify")
		if err != nil {
			return err
		}
		if err := MarkEmailVerified(ctx, tx, uid); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: uid, RequestID: web.RequestID(ctx)})
		return audit.Record(ctx, tx, 0, "user.verify", "user", uid, "")
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.Web.Render(w, r, http.StatusBadRequest, "accounts/verify.html", verifyView{tokenView: tokenView{View: web.View{Title: "Confirm your email address"}, Bad: true}})
	}
	if err != nil {
		return err
	}
	target := "/signin"
	if next := web.SafeNext(r.PostForm.Get("next"), ""); next != "" {
		target += "?next=" + url.QueryEscape(next)
	}
	return web.Redirect(w, r, target, "Your email address is confirmed. You can now sign in.")
}

func (s *Service) resendForm(w http.ResponseWriter, r *http.Request) error {
	return s.Web.Render(w, r, 200, "accounts/resend.html", mailFormView{View: web.View{Title: "Send the confirmation link again"}, MailLimit: mailsPerAddress})
}

func (s *Service) resend(w http.ResponseWriter, r *http.Request) error {
	email, err := s.mailForm(w, r, "accounts/resend.html", "Send the confirmation link again", func(ctx context.Context, tx *db.Tx, email string) error {
		u, err := UserByEmail(ctx, tx, email)
		if apperr.Is(err, apperr.ENOTFOUND) || (err == nil && u.Verified()) {
			return nil // same answer whether or not the account exists
		}
		if err != nil {
			return err
		}
		return s.sendVerification(ctx, tx, u)
	})
	if email == "" || err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/check-email.html", checkEmailView{View: web.View{Title: "Check your email"}, Email: email, Purpose: "verify"})
}

func (s *Service) forgotForm(w http.ResponseWriter, r *http.Request) error {
	return s.Web.Render(w, r, 200, "accounts/forgot.html", mailFormView{View: web.View{Title: "Reset your password"}, MailLimit: mailsPerAddress})
}

func (s *Service) forgot(w http.ResponseWriter, r *http.Request) error {
	email, err := s.mailForm(w, r, "accounts/forgot.html", "Reset your password", func(ctx context.Context, tx *db.Tx, email string) error {
		u, err := UserByEmail(ctx, tx, email)
		if apperr.Is(err, apperr.ENOTFOUND) || (err == nil && u.DisabledAt != nil) {
			return nil
		}
		if err != nil {
			return err
		}
		tok, err := IssueToken(ctx, tx, u.ID, "reset", "", time.Hour)
		if err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: u.Email, Kind: "reset", Subject: "Reset your Partnerhub password",
			Body: fmt.Sprintf("Hello %s,\n\nSomeone asked to reset the password of your Partnerhub account. To choose a new password, open:\n\n%s\n\nThe link works once and expires in 1 hour. If you did not ask, you can ignore this email: your password has not changed.\n", u.Name, s.link("/password/reset", tok))})
	})
	if email == "" || err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/check-email.html", checkEmailView{View: web.View{Title: "Check your email"}, Email: email, Purpose: "reset"})
}

func (s *Service) resetForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	_, _, err := PeekToken(r.Context(), s.DB.Q(), tok, "reset")
	return s.Web.Render(w, r, 200, "accounts/reset.html", tokenView{View: web.View{Title: "Choose a new password"}, Token: tok, Bad: err != nil})
}

func (s *Service) reset(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	tok, pw := r.PostForm.Get("token"), r.PostForm.Get("password")
	uid, _, err := PeekToken(ctx, s.DB.Q(), tok, "reset")
	if err != nil {
		return s.Web.Render(w, r, http.StatusBadRequest, "accounts/reset.html", tokenView{View: web.View{Title: "Choose a new password"}, Bad: true})
	}
	u, err := UserByID(ctx, s.DB.Q(), uid)
	if err != nil {
		return err
	}
	if msg := CheckPassword(pw, u.Email, u.Name); msg != "" {
		err := &apperr.Error{Code: apperr.EINVALID, Fields: []apperr.FieldError{{Field: "password", Message: msg}}}
		return s.Web.Render(w, r, http.StatusUnprocessableEntity, "accounts/reset.html", tokenView{View: web.View{Title: "Choose a new password", Err: err}, Token: tok})
	}
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if _, _, err := ConsumeToken(ctx, tx, tok, "reset"); err != nil {
			return err
		}
		if err := SetPassword(ctx, tx, s.Hasher, uid, pw); err != nil {
			return err
		}
		// A reset also proves the address; every old session ends.
		if err := markEmailVerifiedByReset(ctx, tx, uid); err != nil {
			return err
		}
		if err := DeleteSessions(ctx, tx, uid, ""); err != nil {
			return err
		}
		revoked, err := s.revoke(ctx, tx, uid)
		if err != nil {
			return err
		}
		if err := ClearSignInFailures(ctx, tx, u.Email); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: uid, Name: u.Email, RequestID: web.RequestID(ctx)})
		return audit.Record(ctx, tx, 0, "user.password_reset", "user", uid, revokedNote(revoked))
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.Web.Render(w, r, http.StatusBadRequest, "accounts/reset.html", tokenView{View: web.View{Title: "Choose a new password"}, Bad: true})
	}
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/signin", "Your password has been changed. Sign in with your new password.")
}

// mailForm handles a form that emails a link to the address it is given
// (resend, forgot): a 422 for a malformed address, a 429 past the mail
// limits (allowMail), else send in one transaction. It returns the address,
// or "" when it has answered the request itself.
func (s *Service) mailForm(w http.ResponseWriter, r *http.Request, page, title string, send func(ctx context.Context, tx *db.Tx, email string) error) (string, error) {
	if err := web.ParseForm(r); err != nil {
		return "", err
	}
	render := func(status int, err error) (string, error) {
		return "", s.Web.Render(w, r, status, page, mailFormView{View: web.View{Title: title, Form: r.PostForm, Err: err}, MailLimit: mailsPerAddress})
	}
	email := NormaliseEmail(r.PostForm.Get("email"))
	if !mail.ValidAddress(email) {
		return render(http.StatusUnprocessableEntity, fieldErr(apperr.EINVALID, "email", "Enter an email address in the correct format, like name@example.org"))
	}
	ctx := r.Context()
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := allowMail(ctx, tx, email, s.Web.ClientIP(r)); err != nil {
			return err
		}
		return send(ctx, tx, email)
	})
	if apperr.Is(err, apperr.ETOOMANY) {
		return render(http.StatusTooManyRequests, err)
	}
	return email, err
}
