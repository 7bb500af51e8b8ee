package audit_test

import (
	"context"
	"fmt"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// The audit filter "action starts with" takes % and _ literally: a filter
// for user.password_ must not also match user.passwordXchange, and % must
// not match everything.
func TestActionFilterIsLiteral(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		ctx := context.Background()
		for _, a := range []string{"user.password_change", "user.passwordXchange", "event.publish"} {
			if err := audit.Record(ctx, d.W(), 0, a, "test", 1, "detail of "+a); err != nil {
				t.Fatal(err)
			}
		}
		got, total, err := audit.List(ctx, d.Q(), audit.Filter{Action: "user.password_", Limit: 10})
		if err != nil || total != 1 || len(got) != 1 || got[0].Action != "user.password_change" {
			t.Fatalf("user.password_: %d %+v %v", total, got, err)
		}
		if _, total, err := audit.List(ctx, d.Q(), audit.Filter{Action: "%", Limit: 10}); err != nil || total != 0 {
			t.Fatalf("%%: %d %v", total, err)
		}
		env.As("admin@example.org").Get("/admin/audit?action=user.password_").Status(t, 200).
			Contains(t, "detail of user.password_change").NotContains(t, "detail of user.passwordXchange", "detail of event.publish")
	})
}

// The append-only rows name people by pseudonym only: the actor's name and
// the detail live in audit_details, so deleting a person's pseudonym link
// and details (erasure) leaves rows that read "erased person" while the
// rows themselves never change.
func TestRowsArePseudonymous(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		actor := env.User("actor.person@example.org", true)
		subject := env.User("subject.person@example.org", false)
		ctx := audit.WithActor(context.Background(), audit.Actor{UserID: actor.ID, Name: "actor.person@example.org", RequestID: "r1"})
		if err := audit.Record(ctx, d.W(), 0, "user.disable", "user", subject.ID, "disabled subject.person@example.org"); err != nil {
			t.Fatal(err)
		}
		read := func() string {
			var row string
			if err := d.Q().QueryRowContext(ctx, `SELECT COALESCE(CAST(user_id AS TEXT), '-') || '|' || actor || '|' || object_id || '|' || detail FROM audit_log WHERE action = 'user.disable'`).Scan(&row); err != nil {
				t.Fatal(err)
			}
			return row
		}
		row := read()
		if strings.Contains(row, "person@example.org") || strings.Contains(row, "|"+fmt.Sprint(subject.ID)+"|") || !strings.HasPrefix(row, "-|") {
			t.Errorf("the append-only row names a person: %q", row)
		}
		got, _, err := audit.List(ctx, d.Q(), audit.Filter{Action: "user.disable", UserID: actor.ID})
		if err != nil || len(got) != 1 || got[0].Actor != "actor.person@example.org" || got[0].Subject != "subject.person@example.org" || got[0].Detail != "disabled subject.person@example.org" {
			t.Fatalf("before erasure: %+v %v", got, err)
		}
		// What erasure does to the subject's part.
		if _, err := d.W().ExecContext(ctx, `DELETE FROM audit_details WHERE subject_pid = (SELECT pseudonym FROM audit_people WHERE user_id = $1)`, subject.ID); err != nil {
			t.Fatal(err)
		}
		if _, err := d.W().ExecContext(ctx, `DELETE FROM audit_people WHERE user_id = $1`, subject.ID); err != nil {
			t.Fatal(err)
		}
		got, _, _ = audit.List(ctx, d.Q(), audit.Filter{Action: "user.disable"})
		if len(got) != 1 || got[0].Subject != "erased person" || got[0].Actor != "actor.person@example.org" || got[0].Detail != "" {
			t.Errorf("after erasing the subject: %+v", got)
		}
		if after := read(); after != row {
			t.Errorf("the append-only row changed: %q -> %q", row, after)
		}
	})
}
