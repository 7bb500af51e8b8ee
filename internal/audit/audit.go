// Package audit writes the append-only audit log: every state-changing
// action records who, for which organisation, what, on which object, when,
// and the request id. Rows cannot be edited (database triggers refuse it).
package audit

import (
	"context"
	"fmt"
	"strings"
	"time"

	"partnerhub/internal/db"
)

// Actor is who is acting, carried in the request context.
type Actor struct {
	UserID    int64
	Name      string
	RequestID string
}

type actorKey struct{}

// WithActor returns ctx carrying the actor.
func WithActor(ctx context.Context, a Actor) context.Context {
	return context.WithValue(ctx, actorKey{}, a)
}

// ActorFrom returns the actor in ctx (zero for the system).
func ActorFrom(ctx context.Context) Actor {
	a, _ := ctx.Value(actorKey{}).(Actor)
	return a
}

// Entry is one audit row.
type Entry struct {
	ID         int64
	At         time.Time
	UserID     *int64
	Actor      string
	OrgID      *int64
	OrgName    string
	Action     string
	ObjectType string
	ObjectID   string
	RequestID  string
	Detail     string
}

// Record writes an audit row inside the caller's transaction. orgID may be 0.
func Record(ctx context.Context, q db.Querier, orgID int64, action, objectType string, objectID any, detail string) error {
	a := ActorFrom(ctx)
	var uid, oid any
	if a.UserID != 0 {
		uid = a.UserID
	}
	if orgID != 0 {
		oid = orgID
	}
	actor := a.Name
	if actor == "" {
		actor = "system"
	}
	_, err := q.ExecContext(ctx, `INSERT INTO audit_log (at, user_id, actor, organisation_id, action, object_type, object_id, request_id, detail)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9)`,
		db.Now(), uid, actor, oid, action, objectType, fmt.Sprint(objectID), a.RequestID, detail)
	return err
}

// Filter narrows a listing of the log.
type Filter struct {
	Action string // prefix match
	UserID int64
	OrgID  int64
	Object string // object type
	Limit  int
	Offset int
}

// List returns audit rows newest first, and the total count.
func List(ctx context.Context, q db.Querier, f Filter) ([]Entry, int, error) {
	var where []string
	var args []any
	add := func(cond string, v any) {
		args = append(args, v)
		where = append(where, fmt.Sprintf(cond, len(args)))
	}
	if f.Action != "" {
		// A prefix match: % and _ typed in the filter are literal (actions
		// such as user.password_change hold underscores).
		add(`a.action LIKE $%d ESCAPE '\'`, db.LikeEscape(f.Action)+"%")
	}
	if f.UserID != 0 {
		add("a.user_id = $%d", f.UserID)
	}
	if f.OrgID != 0 {
		add("a.organisation_id = $%d", f.OrgID)
	}
	if f.Object != "" {
		add("a.object_type = $%d", f.Object)
	}
	w := ""
	if len(where) > 0 {
		w = " WHERE " + strings.Join(where, " AND ")
	}
	var total int
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_log a"+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT a.id, a.at, a.user_id, a.actor, a.organisation_id, COALESCE(o.name, ''), a.action, a.object_type, a.object_id, a.request_id, a.detail
		FROM audit_log a LEFT JOIN organisations o ON o.id = a.organisation_id%s ORDER BY a.id DESC LIMIT $%d OFFSET $%d`, w, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Actor, &e.OrgID, &e.OrgName, &e.Action, &e.ObjectType, &e.ObjectID, &e.RequestID, &e.Detail); err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}
