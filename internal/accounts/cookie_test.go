package accounts_test

import (
	"context"
	"io"
	"log/slog"
	"net/http/httptest"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/web"
)

// Over HTTPS only the __Host- cookie carries a session, so a cookie planted
// by a sibling subdomain under the plain name is ignored.
func TestSecureDeploymentsReadOnlyHostCookie(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		cfg := apptest.Config()
		cfg.SecureCookie = true
		w, err := web.New(cfg, slog.New(slog.NewTextHandler(io.Discard, nil)), d)
		if err != nil {
			t.Fatal(err)
		}
		s := accounts.New(d, w)
		env := apptest.New(t, d)
		u := env.User("secure@example.org", false)
		tok, err := accounts.CreateSession(context.Background(), d.W(), u.ID, time.Hour, "", "")
		if err != nil {
			t.Fatal(err)
		}
		for name, want := range map[string]bool{"partnerhub_session": false, "__Host-partnerhub_session": true} {
			r := httptest.NewRequest("GET", "https://partnerhub.test/account", nil)
			r.Header.Set("Cookie", name+"="+tok)
			id, err := s.Identify(r)
			if err != nil {
				t.Fatal(err)
			}
			if (id != nil) != want {
				t.Errorf("cookie %s: signed in = %v, want %v", name, id != nil, want)
			}
		}
	})
}
