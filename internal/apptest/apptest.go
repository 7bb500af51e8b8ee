// Package apptest builds the whole application over a test database and
// sends real requests through the real middleware and route table, as any
// user. Feature tests use it for HTTP scenarios on SQLite and PostgreSQL:
//
//	dbtest.Each(t, func(t *testing.T, d *db.DB) {
//		env := apptest.New(t, d)
//		owner := env.User("owner@example.org", false)
//		org := env.Org("Fylde Food Bank", "vcs", map[string]string{owner.Email: "owner"})
//		res := env.As(owner.Email).Get("/orgs/" + org.Slug)
//		res.Status(t, 200).Contains(t, "Fylde Food Bank")
//	})
package apptest

import (
	"bytes"
	"context"
	"encoding/json"
	"io"
	"log/slog"
	"mime/multipart"
	"net/http"
	"net/http/httptest"
	"net/url"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/app"
	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
)

// Env is an application under test.
type Env struct {
	T   testing.TB
	DB  *db.DB
	App *app.App
	Ctx context.Context
}

// Config is the configuration tests run with.
func Config() config.Config {
	c := config.Default()
	c.DataDir = ""
	c.PasswordCost = "test"
	c.Jobs = false
	c.BaseURL = "http://partnerhub.test"
	return c
}

// New builds the app over d.
func New(t testing.TB, d *db.DB) *Env {
	t.Helper()
	cfg := Config()
	cfg.DataDir = t.TempDir()
	logger := slog.New(slog.NewTextHandler(io.Discard, nil))
	if testing.Verbose() {
		logger = slog.New(slog.NewTextHandler(testWriter{t}, &slog.HandlerOptions{Level: slog.LevelWarn}))
	}
	a, err := app.Build(cfg, logger, d)
	if err != nil {
		t.Fatal(err)
	}
	// Every page this test renders is checked against its view struct,
	// all branches of its template, when the test ends.
	a.Web.RecordViews()
	t.Cleanup(func() {
		for _, p := range a.Web.CheckViews() {
			t.Errorf("view check: %s", p)
		}
	})
	return &Env{T: t, DB: d, App: a, Ctx: context.Background()}
}

type testWriter struct{ t testing.TB }

func (w testWriter) Write(b []byte) (int, error) {
	w.t.Log(strings.TrimSpace(string(b)))
	return len(b), nil
}

// User creates a verified user (fast password hashing; password "correct horse battery").
func (e *Env) User(email string, admin bool) *accounts.User {
	e.T.Helper()
	var u *accounts.User
	err := e.DB.Write(e.Ctx, func(tx *db.Tx) error {
		var err error
		u, err = accounts.InsertUser(e.Ctx, tx, accounts.FastHasher, strings.Split(email, "@")[0], email, Password, admin, true)
		return err
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return u
}

// Password of every user made by User.
const Password = "correct horse battery"

// Org creates an organisation with members (email -> role).
func (e *Env) Org(name, sector string, members map[string]string) *accounts.Organisation {
	e.T.Helper()
	legal := "charity"
	switch sector {
	case "public":
		legal = "public_body"
	case "private":
		legal = "company"
	case "social_enterprise":
		legal = "cic"
	}
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	err := e.DB.Write(e.Ctx, func(tx *db.Tx) error {
		if err := accounts.InsertOrg(e.Ctx, tx, o, 0); err != nil {
			return err
		}
		for email, role := range members {
			u, err := accounts.UserByEmail(e.Ctx, tx, email)
			if err != nil {
				return err
			}
			if err := accounts.AddMember(e.Ctx, tx, o.ID, u.ID, role); err != nil {
				return err
			}
		}
		return nil
	})
	if err != nil {
		e.T.Fatal(err)
	}
	return o
}

// Outbox returns the mail queued for an address, newest first.
func (e *Env) Outbox(to string) []mail.Outgoing {
	e.T.Helper()
	msgs, _, err := mail.Recent(e.Ctx, e.DB.Q(), to, 100, 0)
	if err != nil {
		e.T.Fatal(err)
	}
	return msgs
}

// Client sends requests as one user (or anonymously).
type Client struct {
	e       *Env
	cookies map[string]*http.Cookie
	Header  http.Header
}

// Anon is an anonymous client.
func (e *Env) Anon() *Client {
	return &Client{e: e, cookies: map[string]*http.Cookie{}, Header: http.Header{}}
}

// As is a client signed in as email: a session is created directly, in
// the state a complete sign-in leaves it (password and, for those who use
// it, a second factor, just proved). AsPasswordOnly is a session that has
// not proved a second factor.
func (e *Env) As(email string) *Client {
	e.T.Helper()
	c := e.AsPasswordOnly(email)
	if tok := c.cookies["partnerhub_session"]; tok != nil {
		if err := accounts.MarkSession(e.Ctx, e.DB.W(), tok.Value); err != nil {
			e.T.Fatal(err)
		}
	}
	return c
}

// AsPasswordOnly is a client whose session proved a password only: no
// second factor, no recent re-authentication.
func (e *Env) AsPasswordOnly(email string) *Client {
	e.T.Helper()
	c := e.Anon()
	if email == "" {
		return c
	}
	u, err := accounts.UserByEmail(e.Ctx, e.DB.Q(), email)
	if err != nil {
		e.T.Fatalf("As(%s): %v", email, err)
	}
	tok, err := accounts.CreateSession(e.Ctx, e.DB.W(), u.ID, time.Hour, "127.0.0.1", "apptest")
	if err != nil {
		e.T.Fatal(err)
	}
	c.cookies["partnerhub_session"] = &http.Cookie{Name: "partnerhub_session", Value: tok}
	return c
}

// Do sends a request through the full handler and keeps cookies.
func (c *Client) Do(method, path string, body io.Reader, header http.Header) *Response {
	c.e.T.Helper()
	req := httptest.NewRequest(method, "http://partnerhub.test"+path, body)
	req.RemoteAddr = "192.0.2.10:1234"
	for k, vs := range c.Header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for k, vs := range header {
		for _, v := range vs {
			req.Header.Add(k, v)
		}
	}
	for _, ck := range c.cookies {
		req.AddCookie(ck)
	}
	rec := httptest.NewRecorder()
	c.e.App.Handler.ServeHTTP(rec, req)
	res := rec.Result()
	for _, ck := range res.Cookies() {
		if ck.MaxAge < 0 {
			delete(c.cookies, ck.Name)
		} else {
			c.cookies[ck.Name] = ck
		}
	}
	b, _ := io.ReadAll(res.Body)
	return &Response{Code: res.StatusCode, Header: res.Header, Body: string(b)}
}

// Cookie is the value of the client's cookie name ("" if it has none),
// to send again from another client (a copied session).
func (c *Client) Cookie(name string) string {
	if ck := c.cookies[name]; ck != nil {
		return ck.Value
	}
	return ""
}

// Get sends a GET.
func (c *Client) Get(path string) *Response { return c.Do("GET", path, nil, nil) }

// GetAccept sends a GET with an Accept header.
func (c *Client) GetAccept(path, accept string) *Response {
	return c.Do("GET", path, nil, http.Header{"Accept": {accept}})
}

// PostForm sends a form POST.
func (c *Client) PostForm(path string, v url.Values) *Response {
	return c.Do("POST", path, strings.NewReader(v.Encode()), http.Header{"Content-Type": {"application/x-www-form-urlencoded"}})
}

// Upload posts a multipart form to path holding one file (field, its
// name and content) and the text fields in extra.
func (c *Client) Upload(path, field, name string, content []byte, extra url.Values) *Response {
	var b bytes.Buffer
	mw := multipart.NewWriter(&b)
	for k, vs := range extra {
		for _, v := range vs {
			mw.WriteField(k, v)
		}
	}
	fw, _ := mw.CreateFormFile(field, name)
	fw.Write(content)
	mw.Close()
	return c.Do("POST", path, &b, http.Header{"Content-Type": {mw.FormDataContentType()}})
}

// PostJSON sends a JSON body with method.
func (c *Client) SendJSON(method, path string, v any) *Response {
	b, _ := json.Marshal(v)
	return c.Do(method, path, strings.NewReader(string(b)), http.Header{"Content-Type": {"application/json"}, "Accept": {"application/json"}})
}

// Response is a recorded response.
type Response struct {
	Code   int
	Header http.Header
	Body   string
}

// Status fails the test unless the status is want.
func (r *Response) Status(t testing.TB, want int) *Response {
	t.Helper()
	if r.Code != want {
		body := r.Body
		if len(body) > 1500 {
			body = body[:1500] + "…"
		}
		t.Fatalf("status %d, want %d; body:\n%s", r.Code, want, body)
	}
	return r
}

// Contains fails the test unless the body contains every s.
func (r *Response) Contains(t testing.TB, ss ...string) *Response {
	t.Helper()
	for _, s := range ss {
		if !strings.Contains(r.Body, s) {
			t.Fatalf("body does not contain %q", s)
		}
	}
	return r
}

// NotContains fails the test if the body contains any s.
func (r *Response) NotContains(t testing.TB, ss ...string) *Response {
	t.Helper()
	for _, s := range ss {
		if strings.Contains(r.Body, s) {
			t.Fatalf("body contains %q", s)
		}
	}
	return r
}

// JSON decodes the body into v.
func (r *Response) JSON(t testing.TB, v any) {
	t.Helper()
	if err := json.Unmarshal([]byte(r.Body), v); err != nil {
		t.Fatalf("decode JSON: %v\n%s", err, r.Body)
	}
}

// Location is the redirect target.
func (r *Response) Location() string { return r.Header.Get("Location") }

// TOTPSecret is the two-factor sign-in secret EnrolTOTP gives test users.
const TOTPSecret = "TESTTESTTESTTESTTESTTESTTESTTEST"

// EnrolTOTP switches two-factor sign-in on for email with TOTPSecret.
func (e *Env) EnrolTOTP(email string) {
	e.T.Helper()
	u, err := accounts.UserByEmail(e.Ctx, e.DB.Q(), email)
	if err == nil {
		err = accounts.EnrolTOTP(e.Ctx, e.DB.W(), e.App.Accounts.Key, u.ID, TOTPSecret)
	}
	if err != nil {
		e.T.Fatal(err)
	}
}

// TOTPCode is a code of email's authenticator that has not been used yet:
// the earliest step the server accepts now (one step either side) after
// the last one used.
func (e *Env) TOTPCode(email string) string {
	e.T.Helper()
	u, err := accounts.UserByEmail(e.Ctx, e.DB.Q(), email)
	if err != nil {
		e.T.Fatal(err)
	}
	t, err := accounts.TOTPFor(e.Ctx, e.DB.Q(), e.App.Accounts.Key, u.ID)
	if err != nil || t == nil {
		e.T.Fatalf("TOTPCode(%s): no secret (%v)", email, err)
	}
	now := accounts.TOTPStep(time.Now())
	step := max(now-1, t.LastStep+1)
	if step > now+1 {
		e.T.Fatalf("TOTPCode(%s): every code the server accepts now has been used", email)
	}
	code, err := accounts.TOTPCode(t.Secret, time.Unix(step*30, 0))
	if err != nil {
		e.T.Fatal(err)
	}
	return code
}

// SignIn signs the client in through the forms: the password, then, when
// asked, a code computed from the user's secret (TOTPCode). It returns
// the last response (a redirect when signing in worked).
func (c *Client) SignIn(email, password string) *Response {
	c.e.T.Helper()
	res := c.PostForm("/signin", url.Values{"email": {email}, "password": {password}})
	if res.Code == http.StatusSeeOther && strings.HasPrefix(res.Location(), "/signin/two-factor") {
		next := ""
		if u, err := url.Parse(res.Location()); err == nil {
			next = u.Query().Get("next")
		}
		res = c.PostForm("/signin/two-factor", url.Values{"code": {c.e.TOTPCode(email)}, "next": {next}})
	}
	return res
}
