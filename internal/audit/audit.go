// Package audit writes the append-only audit log: every state-changing
// action records who, for which organisation, what, on which object, when,
// and the request id. Rows cannot be edited (database triggers refuse it).
package audit

import (
	"context"
	"crypto/rand"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"strconv"
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
	// Subject names the person the action was about (object type
	// "user"): their email, or "erased person".
	Subject string
}

// Record writes an audit row inside the caller's transaction. orgID may be 0.
//
// People are named by pseudonym only (see Pseudonym): the acting user in
// actor_pid, and a user the action is about (objectType "user") in
// subject_pid and object_id. The actor's name as it was and the detail,
// free text that can hold personal data, go to audit_details, which
// erasure deletes; the append-only audit_log row never changes.
//
// Each row is linked into the log's hash chain (see chain.go). q is a
// *db.Tx, whose other writes the row joins, or the store's writer (*sql.DB,
// DB.W()), in which case the row and its link get a transaction of their
// own.
func Record(ctx context.Context, q db.Querier, orgID int64, action, objectType string, objectID any, detail string) error {
	switch v := q.(type) {
	case *db.Tx:
		return record(ctx, v, orgID, action, objectType, objectID, detail)
	case *sql.DB:
		d, _ := db.DialectOf(v)
		stx, err := v.BeginTx(ctx, nil)
		if err != nil {
			return err
		}
		defer stx.Rollback()
		if err := record(ctx, &db.Tx{Tx: stx, Dialect: d}, orgID, action, objectType, objectID, detail); err != nil {
			return err
		}
		return stx.Commit()
	}
	return fmt.Errorf("audit.Record: %T is neither a *db.Tx nor the writer *sql.DB", q)
}

func record(ctx context.Context, q *db.Tx, orgID int64, action, objectType string, objectID any, detail string) error {
	a := ActorFrom(ctx)
	var oid, actorPID, subjectPID any
	if orgID != 0 {
		oid = orgID
	}
	actor := "system"
	if a.UserID != 0 {
		pid, err := Pseudonym(ctx, q, a.UserID)
		if err != nil {
			return err
		}
		if pid != "" {
			actorPID, actor = pid, ""
		}
	}
	object := fmt.Sprint(objectID)
	if objectType == "user" {
		if uid, err := strconv.ParseInt(object, 10, 64); err == nil && uid > 0 {
			pid, err := Pseudonym(ctx, q, uid)
			if err != nil {
				return err
			}
			if pid != "" {
				subjectPID, object = pid, pid
			}
		}
	}
	if err := LockChain(ctx, q); err != nil {
		return err
	}
	var id int64
	err := q.QueryRowContext(ctx, `INSERT INTO audit_log (at, actor, organisation_id, action, object_type, object_id, request_id, actor_pid, subject_pid)
		VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9) RETURNING id`,
		db.Now(), actor, oid, action, objectType, object, a.RequestID, actorPID, subjectPID).Scan(&id)
	if err != nil {
		return err
	}
	if err := LinkPending(ctx, q); err != nil {
		return err
	}
	name := ""
	if actorPID != nil {
		name = a.Name
	}
	if detail == "" && name == "" {
		return nil
	}
	_, err = q.ExecContext(ctx, `INSERT INTO audit_details (audit_id, actor_pid, subject_pid, actor, detail) VALUES ($1, $2, $3, $4, $5)`,
		id, actorPID, subjectPID, name, detail)
	return err
}

// Pseudonym returns the user's audit pseudonym, a random id created on
// first use; "" when the user does not exist.
func Pseudonym(ctx context.Context, q db.Querier, userID int64) (string, error) {
	var pid string
	err := q.QueryRowContext(ctx, `SELECT pseudonym FROM audit_people WHERE user_id = $1`, userID).Scan(&pid)
	if err == nil || !errors.Is(err, sql.ErrNoRows) {
		return pid, err
	}
	b := make([]byte, 12)
	rand.Read(b)
	if _, err := q.ExecContext(ctx, `INSERT INTO audit_people (pseudonym, user_id) SELECT $1, id FROM users WHERE id = $2 ON CONFLICT (user_id) DO NOTHING`,
		hex.EncodeToString(b), userID); err != nil {
		return "", err
	}
	err = q.QueryRowContext(ctx, `SELECT pseudonym FROM audit_people WHERE user_id = $1`, userID).Scan(&pid)
	if errors.Is(err, sql.ErrNoRows) {
		return "", nil
	}
	return pid, err
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
		add("a.actor_pid = (SELECT pseudonym FROM audit_people WHERE user_id = $%d)", f.UserID)
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
	if err := q.QueryRowContext(ctx, "SELECT COUNT(*) FROM audit_entries a"+w, args...).Scan(&total); err != nil {
		return nil, 0, err
	}
	if f.Limit <= 0 || f.Limit > 500 {
		f.Limit = 50
	}
	args = append(args, f.Limit, f.Offset)
	rows, err := q.QueryContext(ctx, fmt.Sprintf(`SELECT a.id, a.at, a.user_id, a.actor, a.organisation_id, COALESCE(o.name, ''), a.action, a.object_type, a.object_id, a.request_id, a.detail, a.subject
		FROM audit_entries a LEFT JOIN organisations o ON o.id = a.organisation_id%s ORDER BY a.id DESC LIMIT $%d OFFSET $%d`, w, len(args)-1, len(args)), args...)
	if err != nil {
		return nil, 0, err
	}
	defer rows.Close()
	var out []Entry
	for rows.Next() {
		var e Entry
		if err := rows.Scan(&e.ID, &e.At, &e.UserID, &e.Actor, &e.OrgID, &e.OrgName, &e.Action, &e.ObjectType, &e.ObjectID, &e.RequestID, &e.Detail, &e.Subject); err != nil {
			return nil, 0, err
		}
		out = append(out, e)
	}
	return out, total, rows.Err()
}
