package privacy

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"regexp"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// A Subject is a person whose data is exported or erased: an account
// holder, or somebody known only by email (an organisation's contact, an
// attendee booked by somebody else, a news subscriber).
type Subject struct {
	UserID int64 // 0 when the person has no account
	Email  string
	Name   string
}

// Lookup finds the person with this email address: their account when
// they have one, otherwise the address alone.
func Lookup(ctx context.Context, q db.Querier, email string) (Subject, error) {
	email = accounts.NormaliseEmail(email)
	if email == "" || !strings.Contains(email, "@") {
		return Subject{}, apperr.Errorf(apperr.EINVALID, "Enter an email address, like name@example.org")
	}
	s := Subject{Email: email}
	u, err := accounts.UserByEmail(ctx, q, email)
	switch {
	case err == nil:
		s.UserID, s.Name = u.ID, u.Name
	case !apperr.Is(err, apperr.ENOTFOUND):
		return s, err
	}
	if s.Name == "" {
		// A contact's or an attendee's name, for finding mentions of them.
		var name string
		err := q.QueryRowContext(ctx, `SELECT name FROM org_contacts WHERE lower(email) = $1 UNION ALL
			SELECT attendee_name FROM event_bookings WHERE lower(attendee_email) = $1 LIMIT 1`, email).Scan(&name)
		if err != nil && !errors.Is(err, sql.ErrNoRows) {
			return s, err
		}
		s.Name = name
	}
	return s, nil
}

// SubjectOf returns the account holder as a subject.
func SubjectOf(ctx context.Context, q db.Querier, userID int64) (Subject, error) {
	u, err := accounts.UserByID(ctx, q, userID)
	if err != nil {
		return Subject{}, err
	}
	return Subject{UserID: u.ID, Email: accounts.NormaliseEmail(u.Email), Name: u.Name}, nil
}

// placeholder matches the registry's {user} and {email} markers.
var placeholder = regexp.MustCompile(`\{(user|email|now)\}`)

// bind turns a registry condition into SQL with numbered placeholders and
// its arguments (only those it uses, so PostgreSQL can type them all).
func bind(sqlText string, s Subject, now time.Time, first int) (string, []any) {
	var args []any
	out := placeholder.ReplaceAllStringFunc(sqlText, func(m string) string {
		switch m {
		case "{user}":
			args = append(args, s.UserID)
		case "{email}":
			args = append(args, s.Email)
		default:
			args = append(args, now)
		}
		return fmt.Sprintf("$%d", first+len(args)-1)
	})
	return out, args
}

// A Report says what an erasure did, table by table.
type Report struct {
	Deleted    map[string]int64 // table -> rows deleted
	Scrubbed   map[string]int64 // table -> rows whose personal columns were replaced
	Replaced   map[string]int64 // table -> rows in which mentions were replaced
	Kept       []string         // tables whose rows stay, and why
	HandedOver []string         // organisations given to an administrator
	// Warning says what is left to do when the erasure committed but the
	// WAL could not be checkpointed (run the erasure again).
	Warning string
}

// Lines returns the report as sentences, for the CLI and the audit.
func (r Report) Lines() []string {
	var out []string
	for _, part := range []struct {
		verb string
		m    map[string]int64
	}{{"deleted", r.Deleted}, {"anonymised", r.Scrubbed}, {"name and email replaced in", r.Replaced}} {
		var keys []string
		for k := range part.m {
			keys = append(keys, k)
		}
		sort.Strings(keys)
		for _, k := range keys {
			out = append(out, fmt.Sprintf("%s: %s %d rows", k, part.verb, part.m[k]))
		}
	}
	for _, o := range r.HandedOver {
		out = append(out, "organisation "+o+" handed to an administrator as its owner")
	}
	out = append(out, r.Kept...)
	if r.Warning != "" {
		out = append(out, "warning: "+r.Warning)
	}
	return out
}

// Erasing the last administrator, or a person under a legal hold, is refused.
var (
	ErrLastAdmin = apperr.Errorf(apperr.ECONFLICT, "This is the last platform administrator: make somebody else an administrator before erasing this account")
)

// Erase deletes or replaces everything the registry lists about the
// person, in one transaction, then (on SQLite) checkpoints the WAL so no
// copy of the erased data stays in it. Records under a legal hold stop
// the erasure with the hold's reason. An organisation the person alone
// owned gets an administrator as its owner (the acting one, when an
// administrator acts), recorded in the audit log.
func Erase(ctx context.Context, d *db.DB, s Subject) (Report, error) {
	rep := Report{Deleted: map[string]int64{}, Scrubbed: map[string]int64{}, Replaced: map[string]int64{}}
	err := d.Write(ctx, func(tx *db.Tx) error {
		now := db.Now()
		var reason string
		err := tx.QueryRowContext(ctx, `SELECT reason FROM legal_holds WHERE lower(email) = $1 AND released_at IS NULL ORDER BY id LIMIT 1`, s.Email).Scan(&reason)
		if err == nil {
			return apperr.Errorf(apperr.ECONFLICT, "Erasure is blocked by a legal hold on %s: %s. Release the hold first.", s.Email, reason)
		} else if !errors.Is(err, sql.ErrNoRows) {
			return err
		}
		if s.UserID != 0 {
			if err := handOver(ctx, tx, s, &rep); err != nil {
				return err
			}
			if err := audit.Record(ctx, tx, 0, "privacy.erase", "user", s.UserID, ""); err != nil {
				return err
			}
		} else if err := audit.Record(ctx, tx, 0, "privacy.erase", "person", "email", ""); err != nil {
			return err
		}
		// Rows about the person, table by table.
		for _, t := range Registry {
			if t.Match == "" || t.Erase == Keep {
				continue
			}
			where, args := bind(t.Match, s, now, 1)
			var res sql.Result
			switch t.Erase {
			case Delete:
				res, err = tx.ExecContext(ctx, `DELETE FROM `+t.Name+` WHERE `+where, args...)
			case Scrub:
				var sets []string
				for _, c := range sortedKeys(t.Scrub) {
					sets = append(sets, c+" = "+t.Scrub[c])
				}
				set, sargs := bind(strings.Join(sets, ", "), s, now, len(args)+1)
				res, err = tx.ExecContext(ctx, `UPDATE `+t.Name+` SET `+set+` WHERE `+where, append(args, sargs...)...)
			}
			if err != nil {
				return fmt.Errorf("erase %s: %w", t.Name, err)
			}
			if n, _ := res.RowsAffected(); n > 0 {
				if t.Erase == Delete {
					rep.Deleted[t.Name] += n
				} else {
					rep.Scrubbed[t.Name] += n
				}
			}
		}
		// The person named in other people's free text.
		for _, t := range Registry {
			for _, c := range t.Mentions {
				for _, needle := range needles(s) {
					res, err := tx.ExecContext(ctx, `UPDATE `+t.Name+` SET `+c+` = replace(`+c+`, $1, '[erased person]') WHERE `+c+` LIKE $2 ESCAPE '\'`,
						needle, "%"+db.LikeEscape(needle)+"%")
					if err != nil {
						return fmt.Errorf("erase mentions in %s.%s: %w", t.Name, c, err)
					}
					if n, _ := res.RowsAffected(); n > 0 {
						rep.Replaced[t.Name] += n
					}
				}
			}
		}
		accounts.IdentityChanged(tx) // sessions, memberships and the account went
		for _, t := range Registry {
			if t.Match != "" && t.Erase == Keep && t.Why != "" {
				rep.Kept = append(rep.Kept, t.Name+": kept: "+t.Why)
			}
		}
		return nil
	})
	if err != nil {
		return rep, err
	}
	if err := Scour(ctx, d); err != nil {
		rep.Warning = "The data is erased, but old copies may remain in the write-ahead log until the next checkpoint: " + err.Error()
	}
	return rep, nil
}

// needles are the strings by which free text names the person: their
// email address and their name (when long enough not to match ordinary
// words).
func needles(s Subject) []string {
	out := []string{s.Email}
	if n := strings.TrimSpace(s.Name); len(n) >= 5 && strings.Contains(n, " ") {
		out = append(out, n)
	}
	return out
}

// Scour removes old copies of erased data from the database files: on
// SQLite (which runs with secure_delete, so freed pages are zeroed) it
// rebuilds the directory's full-text index segments and checkpoints the
// WAL back into the database, truncating it. PostgreSQL keeps dead row
// versions until VACUUM reclaims them (see the README).
func Scour(ctx context.Context, d *db.DB) error {
	if d.Dialect != db.SQLite {
		return nil
	}
	if _, err := d.W().ExecContext(ctx, `INSERT INTO org_fts (org_fts) VALUES ('optimize')`); err != nil {
		return fmt.Errorf("optimize the search index: %w", err)
	}
	for i := 0; i < 50; i++ {
		var busy, logFrames, done int
		if err := d.W().QueryRowContext(ctx, `PRAGMA wal_checkpoint(TRUNCATE)`).Scan(&busy, &logFrames, &done); err != nil {
			return err
		}
		if busy == 0 {
			return nil
		}
		select {
		case <-ctx.Done():
			return ctx.Err()
		case <-time.After(100 * time.Millisecond):
		}
	}
	return apperr.Errorf(apperr.EUNAVAILABLE, "the erasure is done, but readers kept the write-ahead log busy: run it again to checkpoint")
}

// handOver refuses to erase the last platform administrator and gives each
// organisation the person alone owns to an administrator.
func handOver(ctx context.Context, tx *db.Tx, s Subject, rep *Report) error {
	var isAdmin bool
	if err := tx.QueryRowContext(ctx, `SELECT is_admin FROM users WHERE id = $1`, s.UserID).Scan(&isAdmin); err != nil {
		return err
	}
	var others int
	if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE is_admin AND id <> $1 AND disabled_at IS NULL AND erased_at IS NULL`, s.UserID).Scan(&others); err != nil {
		return err
	}
	if isAdmin && others == 0 {
		return ErrLastAdmin
	}
	orgs, err := db.Column[int64](ctx, tx, `SELECT m.organisation_id FROM memberships m WHERE m.user_id = $1 AND m.role = 'owner'
		AND NOT EXISTS (SELECT 1 FROM memberships o WHERE o.organisation_id = m.organisation_id AND o.role = 'owner' AND o.user_id <> $1)
		ORDER BY m.organisation_id`, s.UserID)
	if err != nil || len(orgs) == 0 {
		return err
	}
	// The acting administrator, else the longest-serving one.
	heir := audit.ActorFrom(ctx).UserID
	var ok bool
	if heir != 0 && heir != s.UserID {
		if err := tx.QueryRowContext(ctx, `SELECT is_admin FROM users WHERE id = $1`, heir).Scan(&ok); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return err
		}
	}
	if !ok {
		err := tx.QueryRowContext(ctx, `SELECT id FROM users WHERE is_admin AND id <> $1 AND disabled_at IS NULL AND erased_at IS NULL ORDER BY id LIMIT 1`, s.UserID).Scan(&heir)
		if errors.Is(err, sql.ErrNoRows) {
			return apperr.Errorf(apperr.ECONFLICT, "No platform administrator can take over the organisations this person owns alone")
		} else if err != nil {
			return err
		}
	}
	for _, org := range orgs {
		if _, err := tx.ExecContext(ctx, `INSERT INTO memberships (organisation_id, user_id, role, created_at) VALUES ($1, $2, 'owner', $3)
			ON CONFLICT (organisation_id, user_id) DO UPDATE SET role = 'owner'`, org, heir, db.Now()); err != nil {
			return err
		}
		if err := audit.Record(ctx, tx, org, "organisation.owner_handover", "user", heir, "the only owner's account was erased"); err != nil {
			return err
		}
		var name string
		if err := tx.QueryRowContext(ctx, `SELECT name FROM organisations WHERE id = $1`, org).Scan(&name); err != nil {
			return err
		}
		rep.HandedOver = append(rep.HandedOver, name)
	}
	return nil
}

func sortedKeys(m map[string]string) []string {
	var out []string
	for k := range m {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
