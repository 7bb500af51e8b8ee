package audit_test

import (
	"context"
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
