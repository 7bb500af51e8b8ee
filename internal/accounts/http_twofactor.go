package accounts

import (
	"context"
	"database/sql"
	"fmt"
	"html/template"
	"net/http"
	"net/url"
	"strconv"
	"strings"
	"time"

	qr "github.com/piglig/go-qr"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

func twoFactorRoutes(s *Service) []web.Route {
	return []web.Route{
		// The second step of signing in: the session it completes is not
		// yet anybody's (Identify ignores it), so the route is public.
		web.Get(web.SecondFactorPath, web.Public, s.codeForm),
		web.Post(web.SecondFactorPath, web.Public, s.code),
		web.Get("/account/two-factor", web.SignedIn, s.twoFactorPage),
		web.Get("/account/two-factor/setup", web.SignedIn, s.setupForm),
		web.Post("/account/two-factor/setup", web.SignedIn, s.setup),
		web.Get("/account/two-factor/recovery-codes", web.SignedIn, s.newCodesForm),
		web.Post("/account/two-factor/recovery-codes", web.SignedIn, s.newCodes),
		web.Get("/account/two-factor/off", web.SignedIn, s.offForm),
		web.Post("/account/two-factor/off", web.SignedIn, s.off),
		web.Get("/account/reauth", web.SignedIn, s.reauthForm),
		web.Post("/account/reauth", web.SignedIn, s.reauth),
		web.Get("/admin/users/{uid}/two-factor/reset", web.Admin, s.adminResetForm),
		web.Post("/admin/users/{uid}/two-factor/reset", web.Admin, s.adminReset),
	}
}

// deviceCookie names the remembered-device cookie (__Host- when Secure).
func (s *Service) deviceCookie(r *http.Request) string {
	if s.Web.IsSecure(r) {
		return "__Host-partnerhub_device"
	}
	return "partnerhub_device"
}

// afterPassword continues a sign-in whose password was right: a person
// with two-factor sign-in on gives a code next (unless this device is
// remembered); anyone else is signed in, and a privileged person without
// a second factor is offered its set-up straight away.
func (s *Service) afterPassword(w http.ResponseWriter, r *http.Request, u *User, next string) error {
	ctx := r.Context()
	t, err := TOTPFor(ctx, s.DB.Q(), s.Key, u.ID)
	if err != nil {
		return err
	}
	if t.Enrolled() {
		tok := ""
		if c, err := r.Cookie(s.deviceCookie(r)); err == nil {
			tok = c.Value
		}
		remembered, err := deviceRemembered(ctx, s.DB.Q(), u.ID, tok)
		if err != nil {
			return err
		}
		if remembered {
			return s.signedIn(w, r, u, sessionTwoFactor, "remembered device", web.SafeNext(next, "/home"), "")
		}
		if err := s.startSession(w, r, u.ID, sessionMFAPending); err != nil {
			return err
		}
		return web.Redirect(w, r, web.SecondFactorPath+"?next="+url.QueryEscape(web.SafeNext(next, "/home")), "")
	}
	target := web.SafeNext(next, "/home")
	priv, err := s.privileged(ctx, s.DB.Q(), u.ID, u.IsAdmin)
	if err != nil {
		return err
	}
	if priv {
		target = "/account/two-factor/setup?next=" + url.QueryEscape(target)
	}
	return s.signedIn(w, r, u, sessionFull, "", target, "")
}

// signedIn starts the signed-in session and records the sign-in.
func (s *Service) signedIn(w http.ResponseWriter, r *http.Request, u *User, kind sessionKind, how, target, flash string) error {
	if err := s.startSession(w, r, u.ID, kind); err != nil {
		return err
	}
	ctx := audit.WithActor(r.Context(), audit.Actor{UserID: u.ID, Name: u.Email, RequestID: web.RequestID(r.Context())})
	if how != "" {
		how = "second factor: " + how
	}
	if err := audit.Record(ctx, s.DB.W(), 0, "user.signin", "user", u.ID, how); err != nil {
		return err
	}
	return web.Redirect(w, r, target, flash)
}

// challenge is whom the second step is for: a session waiting for its
// code, or a signed-in session that has not proved a second factor.
type challenge struct {
	user *User
	totp *TOTP
	id   *web.Identity // nil for a session waiting for its code
}

func (s *Service) challengeFor(r *http.Request) (*challenge, error) {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	var uid int64
	if id != nil {
		uid = id.UserID
	} else {
		tok := s.sessionToken(r)
		if tok == "" {
			return nil, nil
		}
		err := s.DB.Q().QueryRowContext(ctx, `SELECT s.user_id FROM sessions s JOIN users u ON u.id = s.user_id
			WHERE s.id_hash = $1 AND s.mfa_pending = TRUE AND s.expires_at > $2 AND u.disabled_at IS NULL`, HashToken(tok), db.Now()).Scan(&uid)
		if err == sql.ErrNoRows {
			return nil, nil
		}
		if err != nil {
			return nil, db.Err(err, "")
		}
	}
	u, err := UserByID(ctx, s.DB.Q(), uid)
	if err != nil {
		return nil, err
	}
	t, err := TOTPFor(ctx, s.DB.Q(), s.Key, uid)
	if err != nil {
		return nil, err
	}
	return &challenge{user: u, totp: t, id: id}, nil
}

// codeRedirect answers a second step that has nothing to ask, or returns
// done=false.
func (s *Service) codeRedirect(w http.ResponseWriter, r *http.Request, c *challenge, next string) (bool, error) {
	switch {
	case c == nil:
		return true, web.Redirect(w, r, "/signin?next="+url.QueryEscape(next), "Your sign-in has timed out. Sign in again.")
	case c.id != nil && c.id.SecondFactor:
		return true, web.Redirect(w, r, next, "")
	case !c.totp.Enrolled() && c.id != nil:
		return true, web.Redirect(w, r, "/account/two-factor/setup?next="+url.QueryEscape(next), "Set up two-factor sign-in to continue.")
	case !c.totp.Enrolled():
		return true, web.Redirect(w, r, "/signin?next="+url.QueryEscape(next), "Sign in again.")
	}
	return false, nil
}

func (s *Service) codeForm(w http.ResponseWriter, r *http.Request) error {
	next := web.SafeNext(r.URL.Query().Get("next"), "/home")
	c, err := s.challengeFor(r)
	if err != nil {
		return err
	}
	if done, err := s.codeRedirect(w, r, c, next); done {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/signin-code.html", signinCodeView{View: web.View{Title: "Enter your sign-in code"}, Next: next, StepUp: c.id != nil})
}

func (s *Service) code(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	next := web.SafeNext(r.PostForm.Get("next"), "/home")
	c, err := s.challengeFor(r)
	if err != nil {
		return err
	}
	if done, err := s.codeRedirect(w, r, c, next); done {
		return err
	}
	render := func(err error) error {
		if d := RetryAfter(err); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		}
		return s.Web.Render(w, r, formStatus(err), "accounts/signin-code.html", signinCodeView{View: web.View{Title: "Enter your sign-in code", Form: r.PostForm, Err: err},
			Next: next, StepUp: c.id != nil})
	}
	ctx := r.Context()
	how, err := s.checkSecondFactor(ctx, c.user.ID, c.totp, r.PostForm.Get("code"), s.Web.ClientIP(r))
	if err != nil {
		if isFormErr(err) {
			return render(err)
		}
		return err
	}
	flash := ""
	if how == "recovery code" {
		left, err := RecoveryCodesLeft(ctx, s.DB.Q(), c.user.ID)
		if err != nil {
			return err
		}
		flash = fmt.Sprintf("You signed in with a recovery code. You have %d left: make new ones on your two-factor sign-in page if you are running out.", left)
	}
	if c.id != nil {
		if err := MarkSession(ctx, s.DB.W(), s.sessionToken(r)); err != nil {
			return err
		}
		if err := audit.Record(ctx, s.DB.W(), 0, "user.second_factor", "user", c.user.ID, how); err != nil {
			return err
		}
		return web.Redirect(w, r, next, flash)
	}
	if r.PostForm.Get("remember") == "yes" {
		tok, err := rememberDevice(ctx, s.DB.W(), c.user.ID, r.UserAgent())
		if err != nil {
			return err
		}
		http.SetCookie(w, &http.Cookie{Name: s.deviceCookie(r), Value: tok, Path: "/", HttpOnly: true, Secure: s.Web.IsSecure(r),
			SameSite: http.SameSiteLaxMode, MaxAge: int(rememberFor.Seconds())})
	}
	return s.signedIn(w, r, c.user, sessionTwoFactor, how, next, flash)
}

// isFormErr reports whether err is one a form shows to the person (not a
// fault of ours).
func isFormErr(err error) bool {
	switch apperr.Code(err) {
	case apperr.EINVALID, apperr.EUNAUTHORIZED, apperr.ETOOMANY, apperr.ECONFLICT:
		return true
	}
	return false
}

// checkSecondFactor checks a code from the user's authenticator app, or a
// recovery code, throttled like passwords (reserveCode). It returns how
// the person proved it ("code" or "recovery code") or a field error on
// "code".
func (s *Service) checkSecondFactor(ctx context.Context, userID int64, t *TOTP, code, ip string) (string, error) {
	code = strings.TrimSpace(code)
	if code == "" {
		return "", fieldErr(apperr.EINVALID, "code", "Enter the 6-digit code from your authenticator app, or a recovery code")
	}
	if len(code) > 64 {
		return "", fieldErr(apperr.EUNAUTHORIZED, "code", msgCodeWrong)
	}
	ids, err := s.reserveCode(ctx, userID, ip)
	if err != nil {
		return "", err
	}
	how := "code"
	if digits := strings.ReplaceAll(code, " ", ""); len(digits) == 6 && strings.Trim(digits, "0123456789") == "" {
		step, ok := matchStep(t.Secret, digits, db.Now())
		if !ok {
			return "", fieldErr(apperr.EUNAUTHORIZED, "code", msgCodeWrong)
		}
		fresh, err := useStep(ctx, s.DB.W(), userID, step, false)
		if err != nil {
			return "", err
		}
		if !fresh {
			return "", fieldErr(apperr.EUNAUTHORIZED, "code", msgCodeReused)
		}
	} else {
		how = "recovery code"
		if err := useRecoveryCode(ctx, s.DB.W(), userID, code); err != nil {
			return "", err
		}
	}
	return how, s.forgive(ctx, ids)
}

// RequireRecentAuth lets a handler go on (true) when the session signed in
// or re-authenticated (password, and code when two-factor sign-in is on) in
// the last ten minutes; otherwise it sends the person to re-authenticate
// and come back (to this page for a GET, else to back) and returns false.
// Changing the email address, password or two-factor settings use it, and
// so should any other change that an unattended browser must not make
// (closing or erasing an account).
func (s *Service) RequireRecentAuth(w http.ResponseWriter, r *http.Request, back string) (bool, error) {
	id := web.IdentityFrom(r.Context())
	if id == nil || id.SessionHash == "" {
		return false, apperr.Errorf(apperr.EFORBIDDEN, "Sign in with your password to do this.")
	}
	var at *time.Time
	err := s.DB.Q().QueryRowContext(r.Context(), `SELECT reauth_at FROM sessions WHERE id_hash = $1`, id.SessionHash).Scan(&at)
	if err != nil && err != sql.ErrNoRows {
		return false, db.Err(err, "")
	}
	if at != nil && db.Now().Sub(*at) < recentAuth {
		return true, nil
	}
	next := back
	if r.Method == http.MethodGet {
		next = r.URL.RequestURI()
	}
	return false, web.Redirect(w, r, "/account/reauth?next="+url.QueryEscape(web.SafeNext(next, "/account")), "")
}

func (s *Service) reauthForm(w http.ResponseWriter, r *http.Request) error {
	return s.renderReauth(w, r, 200, nil)
}

func (s *Service) renderReauth(w http.ResponseWriter, r *http.Request, status int, err error) error {
	id := web.IdentityFrom(r.Context())
	t, terr := TOTPFor(r.Context(), s.DB.Q(), s.Key, id.UserID)
	if terr != nil {
		return terr
	}
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	return s.Web.Render(w, r, status, "accounts/reauth.html", reauthView{View: web.View{Title: "Confirm it is you", Form: r.PostForm, Err: err}, Next: web.SafeNext(next, "/account"),
		Enrolled: t.Enrolled()})
}

func (s *Service) reauth(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	if id.SessionHash == "" {
		return apperr.Errorf(apperr.EFORBIDDEN, "Sign in with your password to do this.")
	}
	t, err := TOTPFor(ctx, s.DB.Q(), s.Key, id.UserID)
	if err != nil {
		return err
	}
	fail := func(err error) error {
		if !isFormErr(err) {
			return err
		}
		if d := RetryAfter(err); d > 0 {
			w.Header().Set("Retry-After", strconv.Itoa(int((d+time.Second-1)/time.Second)))
		}
		return s.renderReauth(w, r, formStatus(err), err)
	}
	var v apperr.Validation
	v.Check(r.PostForm.Get("current_password") != "", "current_password", "Enter your password")
	v.Check(!t.Enrolled() || strings.TrimSpace(r.PostForm.Get("code")) != "", "code", "Enter the 6-digit code from your authenticator app, or a recovery code")
	if err := v.Err(); err != nil {
		return fail(err)
	}
	if err := s.checkCurrentPassword(r, id, r.PostForm.Get("current_password")); err != nil {
		return fail(err)
	}
	set := `UPDATE sessions SET reauth_at = $1 WHERE id_hash = $2`
	if t.Enrolled() {
		if _, err := s.checkSecondFactor(ctx, id.UserID, t, r.PostForm.Get("code"), s.Web.ClientIP(r)); err != nil {
			return fail(err)
		}
		set = `UPDATE sessions SET reauth_at = $1, second_factor_at = $1 WHERE id_hash = $2`
	}
	if _, err := s.DB.W().ExecContext(ctx, set, db.Now(), id.SessionHash); err != nil {
		return err
	}
	IdentityChanged(s.DB.W())
	if err := audit.Record(ctx, s.DB.W(), 0, "user.reauth", "user", id.UserID, ""); err != nil {
		return err
	}
	return web.Redirect(w, r, web.SafeNext(r.PostForm.Get("next"), "/account"), "")
}

func (s *Service) twoFactorPage(w http.ResponseWriter, r *http.Request) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	t, err := TOTPFor(ctx, s.DB.Q(), s.Key, id.UserID)
	if err != nil {
		return err
	}
	left, err := RecoveryCodesLeft(ctx, s.DB.Q(), id.UserID)
	if err != nil {
		return err
	}
	priv, err := s.privileged(ctx, s.DB.Q(), id.UserID, id.Admin)
	if err != nil {
		return err
	}
	var devices int
	if err := s.DB.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM remembered_devices WHERE user_id = $1 AND expires_at > $2`, id.UserID, db.Now()).Scan(&devices); err != nil {
		return db.Err(err, "")
	}
	return s.Web.Render(w, r, 200, "accounts/two-factor.html", twoFactorView{View: web.View{Title: "Two-factor sign-in"}, TOTP: t, Enrolled: t.Enrolled(),
		Left: left, Required: priv, Devices: devices})
}

// otpauthURL is what the QR code holds (Key Uri Format of authenticator
// apps): issuer and account name, the secret, and RFC 6238's defaults.
func otpauthURL(secret, email string) string {
	label := url.PathEscape("Partnerhub:" + email)
	v := url.Values{"secret": {secret}, "issuer": {"Partnerhub"}, "algorithm": {"SHA1"}, "digits": {"6"}, "period": {"30"}}
	return "otpauth://totp/" + label + "?" + v.Encode()
}

// qrSVG draws text as a QR code in SVG, one path of dark modules, with a
// title for people who cannot see it (the secret is also printed).
func qrSVG(text, title string) (template.HTML, error) {
	code, err := qr.EncodeText(text, qr.Medium)
	if err != nil {
		return "", err
	}
	n, border := code.Size(), 4
	var b strings.Builder
	fmt.Fprintf(&b, `<svg xmlns="http://www.w3.org/2000/svg" class="ph-qr" viewBox="0 0 %d %d" width="220" height="220" role="img" aria-labelledby="qr-title" shape-rendering="crispEdges">`, n+2*border, n+2*border)
	fmt.Fprintf(&b, `<title id="qr-title">%s</title><rect width="100%%" height="100%%" fill="#fff"/><path fill="#000" d="`, template.HTMLEscapeString(title))
	for y := 0; y < n; y++ {
		for x := 0; x < n; x++ {
			if code.Module(x, y) {
				fmt.Fprintf(&b, "M%d %dh1v1h-1z", x+border, y+border)
			}
		}
	}
	b.WriteString(`"/></svg>`)
	return template.HTML(b.String()), nil
}

// groupSecret spaces a secret in fours for typing.
func groupSecret(s string) string {
	var parts []string
	for len(s) > 4 {
		parts = append(parts, s[:4])
		s = s[4:]
	}
	return strings.Join(append(parts, s), " ")
}

func (s *Service) setupForm(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, ""); !ok {
		return err
	}
	return s.renderSetup(w, r, 200, nil)
}

func (s *Service) renderSetup(w http.ResponseWriter, r *http.Request, status int, ferr error) error {
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	next := r.URL.Query().Get("next")
	if r.Method == http.MethodPost {
		next = r.PostForm.Get("next")
	}
	t, err := PendingTOTP(ctx, s.DB.W(), s.Key, id.UserID)
	if apperr.Is(err, apperr.ECONFLICT) {
		return web.Redirect(w, r, "/account/two-factor", "Two-factor sign-in is already on.")
	}
	if err != nil {
		return err
	}
	svg, err := qrSVG(otpauthURL(t.Secret, id.Email), "QR code to add Partnerhub to your authenticator app (the same as the key below)")
	if err != nil {
		return err
	}
	priv, err := s.privileged(ctx, s.DB.Q(), id.UserID, id.Admin)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, status, "accounts/two-factor-setup.html", twoFactorSetupView{View: web.View{Title: "Set up two-factor sign-in", Form: r.PostForm, Err: ferr}, QR: svg,
		Secret: groupSecret(t.Secret), Next: web.SafeNext(next, ""), Required: priv})
}

func (s *Service) setup(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	id, t, ok, err := s.ownTwoFactor(w, r, "/account/two-factor/setup")
	if !ok {
		return err
	}
	ctx := r.Context()
	if t == nil || t.Enrolled() {
		return web.Redirect(w, r, "/account/two-factor", "")
	}
	code := strings.ReplaceAll(strings.TrimSpace(r.PostForm.Get("code")), " ", "")
	if code == "" {
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, fieldErr(apperr.EINVALID, "code", "Enter the 6-digit code your authenticator app shows"))
	}
	ids, err := s.reserveCode(ctx, id.UserID, s.Web.ClientIP(r))
	if err != nil {
		if isFormErr(err) {
			return s.renderSetup(w, r, formStatus(err), err)
		}
		return err
	}
	step, ok := matchStep(t.Secret, code, db.Now())
	if !ok {
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, fieldErr(apperr.EINVALID, "code",
			"The code is not correct. Check that you added the key shown on this page, and enter the code your app shows now"))
	}
	var codes []string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if fresh, err := useStep(ctx, tx, id.UserID, step, true); err != nil || !fresh {
			if err == nil {
				err = fieldErr(apperr.EINVALID, "code", msgCodeReused)
			}
			return err
		}
		if codes, err = NewRecoveryCodes(ctx, tx, id.UserID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `UPDATE sessions SET second_factor_at = $1 WHERE id_hash = $2`, db.Now(), id.SessionHash); err != nil {
			return err
		}
		IdentityChanged(tx)
		if err := audit.Record(ctx, tx, 0, "user.two_factor_on", "user", id.UserID, ""); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: id.Email, Kind: "two_factor_on", Subject: "Two-factor sign-in is on for your Partnerhub account",
			Body: fmt.Sprintf("Hello %s,\n\nTwo-factor sign-in was switched on for your Partnerhub account. From now on, signing in asks for a code from your authenticator app after your password.\n\nIf you did not do this, reset your password now at %s/password/forgot and tell the Partnerhub team.\n", id.Name, s.Web.Config.BaseURL)})
	})
	if apperr.Is(err, apperr.EINVALID) {
		return s.renderSetup(w, r, http.StatusUnprocessableEntity, err)
	}
	if err != nil {
		return err
	}
	if err := s.forgive(ctx, ids); err != nil {
		return err
	}
	return s.renderCodes(w, r, codes, "Two-factor sign-in is on", web.SafeNext(r.PostForm.Get("next"), "/account/two-factor"))
}

// ownTwoFactor asks for a recent authentication (RequireRecentAuth, back
// for a POST) and reads the caller's secret (nil when they have none); ok
// is false when the request has been answered.
func (s *Service) ownTwoFactor(w http.ResponseWriter, r *http.Request, back string) (*web.Identity, *TOTP, bool, error) {
	if ok, err := s.RequireRecentAuth(w, r, back); !ok {
		return nil, nil, false, err
	}
	id := web.IdentityFrom(r.Context())
	t, err := TOTPFor(r.Context(), s.DB.Q(), s.Key, id.UserID)
	return id, t, err == nil, err
}

// renderCodes shows new recovery codes, once.
func (s *Service) renderCodes(w http.ResponseWriter, r *http.Request, codes []string, heading, next string) error {
	return s.Web.Render(w, r, 200, "accounts/two-factor-codes.html", twoFactorCodesView{View: web.View{Title: "Your recovery codes"}, Heading: heading, Codes: codes, Next: next})
}

func (s *Service) newCodesForm(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, ""); !ok {
		return err
	}
	return s.Web.Confirm(w, r, web.Confirm{Title: "Make new recovery codes", Question: "Are you sure you want to make new recovery codes?",
		Detail: "Your current recovery codes will stop working, used or not. You will see the new codes once: keep them somewhere safe.",
		Button: "Make new recovery codes", Back: "/account/two-factor", BackText: "Cancel"})
}

func (s *Service) newCodes(w http.ResponseWriter, r *http.Request) error {
	id, t, ok, err := s.ownTwoFactor(w, r, "/account/two-factor")
	if !ok {
		return err
	}
	ctx := r.Context()
	if !t.Enrolled() {
		return web.Redirect(w, r, "/account/two-factor", "Set up two-factor sign-in first.")
	}
	var codes []string
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		var err error
		if codes, err = NewRecoveryCodes(ctx, tx, id.UserID); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "user.recovery_codes", "user", id.UserID, "")
	})
	if err != nil {
		return err
	}
	return s.renderCodes(w, r, codes, "New recovery codes", "/account/two-factor")
}

func (s *Service) offForm(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, ""); !ok {
		return err
	}
	c := web.Confirm{Title: "Turn off two-factor sign-in", Question: "Are you sure you want to turn off two-factor sign-in?",
		Detail: "Signing in will ask only for your password. Your recovery codes and remembered devices stop working.",
		Button: "Turn off two-factor sign-in", Back: "/account/two-factor", BackText: "Cancel"}
	id := web.IdentityFrom(r.Context())
	priv, err := s.privileged(r.Context(), s.DB.Q(), id.UserID, id.Admin)
	if err != nil {
		return err
	}
	if priv {
		c.After = "Your account needs two-factor sign-in for the admin area: you will have to set it up again before you use it."
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) off(w http.ResponseWriter, r *http.Request) error {
	if ok, err := s.RequireRecentAuth(w, r, "/account/two-factor"); !ok {
		return err
	}
	ctx := r.Context()
	id := web.IdentityFrom(ctx)
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := ResetTwoFactor(ctx, tx, id.UserID); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, 0, "user.two_factor_off", "user", id.UserID, ""); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: id.Email, Kind: "two_factor_off", Subject: "Two-factor sign-in is off for your Partnerhub account",
			Body: fmt.Sprintf("Hello %s,\n\nTwo-factor sign-in was switched off for your Partnerhub account.\n\nIf you did not do this, reset your password now at %s/password/forgot and tell the Partnerhub team.\n", id.Name, s.Web.Config.BaseURL)})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/account/two-factor", "Two-factor sign-in is off.")
}

// adminTarget reads the {uid} of an admin's two-factor reset.
func (s *Service) adminTarget(r *http.Request) (*User, *TOTP, error) {
	uid, err := web.PathID(r, "uid", "user")
	if err != nil {
		return nil, nil, err
	}
	u, err := UserByID(r.Context(), s.DB.Q(), uid)
	if err != nil {
		return nil, nil, err
	}
	t, err := TOTPFor(r.Context(), s.DB.Q(), s.Key, uid)
	return u, t, err
}

func (s *Service) adminResetForm(w http.ResponseWriter, r *http.Request) error {
	u, t, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	c := web.Confirm{Title: "Reset two-factor sign-in", Question: "Are you sure you want to reset " + u.Name + "'s two-factor sign-in?",
		Items:  []string{"Name: " + u.Name, "Email address: " + u.Email},
		Detail: "Their authenticator app, recovery codes and remembered devices stop working, and they are signed out everywhere. They sign in with their password and set two-factor sign-in up again. Check who is asking before you do this.",
		Button: "Reset two-factor sign-in", Back: "/admin/users?q=" + url.QueryEscape(u.Email), BackText: "Cancel"}
	if t == nil {
		c.Detail, c.NoAction = u.Name+" has not set up two-factor sign-in: there is nothing to reset.", true
	}
	return s.Web.Confirm(w, r, c)
}

func (s *Service) adminReset(w http.ResponseWriter, r *http.Request) error {
	u, t, err := s.adminTarget(r)
	if err != nil {
		return err
	}
	if t == nil {
		return web.Redirect(w, r, "/admin/users?q="+url.QueryEscape(u.Email), u.Name+" has not set up two-factor sign-in.")
	}
	ctx := r.Context()
	err = s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := ResetTwoFactor(ctx, tx, u.ID); err != nil {
			return err
		}
		if err := DeleteSessions(ctx, tx, u.ID, ""); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, 0, "user.two_factor_reset", "user", u.ID, u.Email); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: u.Email, Kind: "two_factor_reset", Subject: "Your Partnerhub two-factor sign-in was reset",
			Body: fmt.Sprintf("Hello %s,\n\nA Partnerhub administrator reset the two-factor sign-in of your account, and you were signed out everywhere. Sign in with your password at %s/signin and set two-factor sign-in up again from your account page.\n\nIf you did not ask for this, tell the Partnerhub team at once.\n", u.Name, s.Web.Config.BaseURL)})
	})
	if err != nil {
		return err
	}
	return web.Redirect(w, r, "/admin/users?q="+url.QueryEscape(u.Email), u.Name+"'s two-factor sign-in has been reset and they have been signed out everywhere.")
}
