package accounts

import (
	"context"
	"fmt"
	"net/http"
	"time"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

// unlockTTL is how long an emailed unlock link works.
const unlockTTL = 24 * time.Hour

// sendUnlock mails u a link that clears its failed sign-ins, at most once
// an hour, since anyone who types the address can cause it.
func (s *Service) sendUnlock(ctx context.Context, u *User) error {
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		now := db.Now()
		key := []limit{{"mail:unlock:" + u.Email, 1}}
		if n, _, err := recent(ctx, tx, key[0].key, now.Add(-mailWindow)); err != nil || n >= key[0].free {
			return err
		}
		if _, err := record(ctx, tx, now, key); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM auth_unlocks WHERE user_id = $1`, u.ID); err != nil {
			return err
		}
		tok, hash := NewToken()
		if _, err := tx.ExecContext(ctx, `INSERT INTO auth_unlocks (token_hash, user_id, created_at, expires_at) VALUES ($1, $2, $3, $4)`, hash, u.ID, now, now.Add(unlockTTL)); err != nil {
			return err
		}
		return mail.Enqueue(ctx, tx, mail.Message{To: u.Email, Kind: "unlock", Subject: "Failed sign-ins to your Partnerhub account",
			Body: fmt.Sprintf("Hello %s,\n\nSomeone entered a wrong password for your Partnerhub account %d times, so signing in now waits a few minutes between attempts.\n\nIf it was you, open this link to sign in again straight away:\n\n%s\n\nThe link works once and expires in 24 hours. If it was not you, your account is safe as long as your password is: you can change it at %s/password/forgot.\n",
				u.Name, freeFailsAccount, s.link("/signin/unlock", tok), s.Web.Config.BaseURL)})
	})
}

func (s *Service) unlockForm(w http.ResponseWriter, r *http.Request) error {
	tok := r.URL.Query().Get("token")
	var n int
	err := s.DB.Q().QueryRowContext(r.Context(), `SELECT COUNT(*) FROM auth_unlocks WHERE token_hash = $1 AND used_at IS NULL AND expires_at > $2`, HashToken(tok), db.Now()).Scan(&n)
	if err != nil {
		return err
	}
	return s.Web.Render(w, r, 200, "accounts/unlock.html", tokenView{View: web.View{Title: "Unlock sign-in"}, Token: tok, Bad: n == 0})
}

// unlock uses an emailed link: the account's failed sign-ins are forgotten,
// so its holder can sign in at once.
func (s *Service) unlock(w http.ResponseWriter, r *http.Request) error {
	if err := web.ParseForm(r); err != nil {
		return err
	}
	ctx := r.Context()
	found := false
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		now := db.Now()
		uids, err := db.Column[int64](ctx, tx, `UPDATE auth_unlocks SET used_at = $1 WHERE token_hash = $2 AND used_at IS NULL AND expires_at > $1 RETURNING user_id`, now, HashToken(r.PostForm.Get("token")))
		if err != nil || len(uids) == 0 {
			return err
		}
		u, err := UserByID(ctx, tx, uids[0])
		if err != nil {
			return err
		}
		found = true
		if err := ClearSignInFailures(ctx, tx, u.Email); err != nil {
			return err
		}
		ctx := audit.WithActor(ctx, audit.Actor{UserID: u.ID, Name: u.Email, RequestID: web.RequestID(ctx)})
		return audit.Record(ctx, tx, 0, "user.signin_unlock", "user", u.ID, "")
	})
	if err != nil {
		return err
	}
	if !found {
		return s.Web.Render(w, r, http.StatusBadRequest, "accounts/unlock.html", tokenView{View: web.View{Title: "Unlock sign-in"}, Bad: true})
	}
	return web.Redirect(w, r, "/signin", "Sign-in is unlocked. Sign in with your password.")
}
