package audit

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"encoding/hex"
	"errors"
	"fmt"
	"math"
	"strings"

	"partnerhub/internal/db"
)

// The audit log is a hash chain. Every audit_log row has one audit_chain
// row (append-only, like the log) holding
//
//	hash = hex(SHA-256(prev_hash + "\n" + message))
//
// where prev_hash is the hash of the row before it (by id; "" for the
// first) and message is the row's own immutable columns, each written as
// "|" + length + ":" + text ("|~" for NULL), after "v1". The columns are
// those of audit_log only (pseudonyms, action, object, organisation, time,
// request id), never audit_details or audit_people, which erasure deletes:
// erasing a person leaves the chain verifiable. Changing, inserting or
// deleting a row in the middle breaks the link at that row; deleting rows
// at the end is seen only against a head hash kept elsewhere (Verify
// returns it; `partnerhub audit verify` prints it).
//
// Migration 0023 wrote the chain of the rows before it with the same
// message (its SQL spells chainMessage out; TestChainMigrationMatchesVerify
// holds them together).

// chainColumns are the hashed columns of audit_log, in order.
var chainColumns = []string{"id", "at", "user_id", "actor", "organisation_id", "action", "object_type", "object_id", "request_id", "detail", "actor_pid", "subject_pid"}

// chainMessage is the SQL expression of a row's message (table alias a).
// The time is the stored text on SQLite and microseconds in UTC on
// PostgreSQL, so it does not depend on a session's time zone.
func chainMessage(d db.Dialect) string {
	parts := []string{"'v1'"}
	for _, c := range chainColumns {
		col := "CAST(a." + c + " AS TEXT)"
		if c == "at" && d == db.Postgres {
			col = `to_char(a.at AT TIME ZONE 'UTC', 'YYYY-MM-DD HH24:MI:SS.US')`
		}
		parts = append(parts, fmt.Sprintf("CASE WHEN a.%s IS NULL THEN '|~' ELSE '|' || CAST(length(%s) AS TEXT) || ':' || %s END", c, col, col))
	}
	return strings.Join(parts, " || ")
}

// chainHash is one link.
func chainHash(prev, message string) string {
	sum := sha256.Sum256([]byte(prev + "\n" + message))
	return hex.EncodeToString(sum[:])
}

// chainKey is the lock that makes audit writers take turns on PostgreSQL.
const chainKey = "partnerhub.audit_chain"

// LockChain makes the calling transaction the only audit writer until it
// ends, before its rows take ids: ids then follow the chain's order and
// two writers never link to the same head. A SQLite write transaction is
// already the only writer. Record takes it; a writer that inserts audit
// rows itself (the directory's bulk import) takes it before its first row
// and calls LinkPending after its last.
func LockChain(ctx context.Context, tx *db.Tx) error {
	return tx.LockKey(ctx, chainKey)
}

// LinkPending links every audit row after the newest linked one, in id
// order: the row Record has just written, or the rows a bulk writer
// inserted (with any Record rows among them linked again in order). A row
// slipped into the log by other means is named by Verify until the next
// audited write links it: the hashes have no key, so the chain shows rows
// changed or removed, not rows appended by someone who can write to the
// database (the head hash kept elsewhere is what shows those).
func LinkPending(ctx context.Context, tx *db.Tx) error {
	var head int64
	err := tx.QueryRowContext(ctx, `SELECT COALESCE(MAX(audit_id), 0) FROM audit_chain`).Scan(&head)
	if err != nil {
		return err
	}
	return linkAfter(ctx, tx, head)
}

// linkBatch is how many audit rows linkAfter reads a statement, and how
// many chain rows one INSERT writes (a bulk writer's full batches go
// through one prepared statement).
const linkBatch = 1000

// linkAfter writes, in tx and in id order, the chain rows of the audit
// rows after id after (the newest linked row), the first linked to it.
//
// It reads the pending rows linkBatch at a time, up to the newest row
// (id > $1 AND id <= (SELECT MAX(id) ...) ORDER BY id LIMIT), not all in
// one statement with "id > $1" alone: besides holding a bulk writer's 200,000
// rows in memory at once, that statement was planned as a sequential scan
// and a sort of the whole log wherever the planner has no statistics of
// audit_log (a log never analysed, as on a server with autovacuum off,
// where it takes "id > $1" for a third of the table), and so read the
// whole log again for every audited write (the demo town's outcomes step
// at N=200,000, one transaction of a few hundred thousand audited writes,
// ran for over an hour). A range bounded on both sides is a small part of
// the table to the planner even without statistics, and the LIMIT makes
// the ordered primary-key scan cheaper still: the range scan is the plan
// either way (TestLinkingReadsNoWholeLog).
func linkAfter(ctx context.Context, tx *db.Tx, after int64) error {
	var prev string
	err := tx.QueryRowContext(ctx, `SELECT hash FROM audit_chain WHERE audit_id <= $1 ORDER BY audit_id DESC LIMIT 1`, after).Scan(&prev)
	if err != nil && !errors.Is(err, sql.ErrNoRows) {
		return err
	}
	w := chainWriter{tx: tx}
	defer w.close()
	read := `SELECT a.id, ` + chainMessage(tx.Dialect) + ` FROM audit_log a WHERE a.id > $1 AND a.id <= (SELECT MAX(id) FROM audit_log)
		ORDER BY a.id LIMIT ` + fmt.Sprint(linkBatch)
	links := make([]link, 0, 1)
	for {
		links = links[:0]
		rows, err := tx.QueryContext(ctx, read, after)
		if err != nil {
			return err
		}
		for rows.Next() {
			var id int64
			var msg string
			if err := rows.Scan(&id, &msg); err != nil {
				rows.Close()
				return err
			}
			h := chainHash(prev, msg)
			links = append(links, link{id, prev, h})
			prev = h
		}
		rows.Close()
		if err := rows.Err(); err != nil {
			return err
		}
		if len(links) == 0 {
			return nil
		}
		if err := w.write(ctx, links); err != nil {
			return err
		}
		if len(links) < linkBatch {
			return nil
		}
		after = links[len(links)-1].id
	}
}

// link is one chain row to write.
type link struct {
	id         int64
	prev, hash string
}

// chainWriter writes chain rows in a transaction: COPY on PostgreSQL
// where the transaction can, INSERT statements of up to linkBatch rows
// otherwise.
type chainWriter struct {
	tx   *db.Tx
	full *sql.Stmt // the prepared INSERT of linkBatch rows
}

func (w *chainWriter) close() {
	if w.full != nil {
		w.full.Close()
	}
}

// write writes at most linkBatch links.
func (w *chainWriter) write(ctx context.Context, links []link) error {
	tx := w.tx
	if tx.CanCopy() {
		// PostgreSQL, a bulk writer's transaction: one COPY.
		return tx.CopyFrom(ctx, "audit_chain", []string{"audit_id", "prev_hash", "hash"}, len(links), func(i int) ([]any, error) {
			return []any{links[i].id, links[i].prev, links[i].hash}, nil
		})
	}
	// "?" on SQLite: it looks every "$n" up by name in a list, once for
	// each parameter, which is quadratic in a wide statement.
	mark := func(i int) string { return db.Marks(3*i+1, 3) }
	if tx.Dialect == db.SQLite {
		mark = func(int) string { return "?, ?, ?" }
	}
	statement := func(n int) string {
		var b strings.Builder
		b.WriteString(`INSERT INTO audit_chain (audit_id, prev_hash, hash) VALUES `)
		for i := range n {
			if i > 0 {
				b.WriteString(", ")
			}
			b.WriteString("(" + mark(i) + ")")
		}
		return b.String()
	}
	args := make([]any, 0, 3*len(links))
	for _, l := range links {
		args = append(args, l.id, l.prev, l.hash)
	}
	if len(links) < linkBatch {
		_, err := tx.ExecContext(ctx, statement(len(links)), args...)
		return err
	}
	if w.full == nil {
		var err error
		if w.full, err = tx.PrepareContext(ctx, statement(linkBatch)); err != nil {
			return err
		}
	}
	_, err := w.full.ExecContext(ctx, args...)
	return err
}

// Verification is what Verify found.
type Verification struct {
	Entries int    // rows verified, up to the newest (with those before a checkpoint)
	Head    string // hash of the newest row ("" for an empty log)
	// BadID is the first row that does not verify (0 when all do), and
	// Problem says why.
	BadID   int64
	Problem string
	// Last is the newest row verified (0 for an empty log); After is the
	// checkpoint's row this verification started after (0: the whole
	// chain) and Checked how many rows it read.
	Last, After int64
	Checked     int
}

// OK reports whether the whole chain verified.
func (v Verification) OK() bool { return v.BadID == 0 && v.Problem == "" }

// Checkpoint is where a verification that found the chain whole ended,
// for VerifyAfter to go on from.
func (v Verification) Checkpoint() Checkpoint {
	if !v.OK() {
		return Checkpoint{}
	}
	return Checkpoint{ID: v.Last, Hash: v.Head, Entries: v.Entries}
}

// Checkpoint is a row of the chain already verified: its id and hash, and
// how many rows up to it verified.
type Checkpoint struct {
	ID      int64
	Hash    string
	Entries int
}

// Verify walks the whole log in id order and recomputes every link, in
// one read transaction (a consistent snapshot).
func Verify(ctx context.Context, d *db.DB) (Verification, error) {
	return VerifyAfter(ctx, d, Checkpoint{})
}

// VerifyAfter verifies the rows after cp (the whole chain for the zero
// Checkpoint): the checkpoint's own row must still be there with its hash
// and content, and every row after it must link to it in order. Its cost
// is the rows after cp, not the whole log (the admin page's; see
// accounts.adminAudit), with one pass over the ids up to cp that must
// still number cp.Entries, each linked: a row added before the checkpoint
// (into a gap in the ids) or removed from before it breaks the chain
// there. A row before the checkpoint changed since is not seen: only a
// whole verification (Verify; `partnerhub audit verify`) finds those.
func VerifyAfter(ctx context.Context, d *db.DB, cp Checkpoint) (Verification, error) {
	var v Verification
	err := d.Read(ctx, func(tx *db.Tx) error {
		v = Verification{After: cp.ID}
		prev := ""
		if cp.ID != 0 {
			var msg string
			var p, h sql.NullString
			err := tx.QueryRowContext(ctx, `SELECT `+chainMessage(tx.Dialect)+`, c.prev_hash, c.hash
				FROM audit_log a LEFT JOIN audit_chain c ON c.audit_id = a.id WHERE a.id = $1`, cp.ID).Scan(&msg, &p, &h)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				v.BadID, v.Problem = cp.ID, "the row was deleted from the log"
			case err != nil:
				return err
			case !h.Valid || h.String != cp.Hash || chainHash(p.String, msg) != h.String:
				v.BadID, v.Problem = cp.ID, "its content does not match its hash (the row was changed)"
			}
			if v.Problem != "" { // BadID may be 0: a row forged with id 0
				return nil
			}
			// A row added at or below the checkpoint (into a gap in the
			// ids) is not among the rows after it: the rows up to it must
			// still be the checkpoint's count, each linked. One pass over
			// their ids, no hashing.
			var count int
			var unlinked sql.NullInt64
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*), MIN(CASE WHEN c.audit_id IS NULL THEN a.id END)
				FROM audit_log a LEFT JOIN audit_chain c ON c.audit_id = a.id WHERE a.id <= $1`, cp.ID).Scan(&count, &unlinked); err != nil {
				return err
			}
			switch {
			case unlinked.Valid:
				v.BadID, v.Problem = unlinked.Int64, "it has no link in the chain (added without audit.Record)"
			case count != cp.Entries:
				v.BadID, v.Problem = cp.ID, fmt.Sprintf("the log has %d rows up to it, %d when it was verified (a row before it was added or removed)", count, cp.Entries)
			}
			if v.Problem != "" { // BadID may be 0: a row forged with id 0
				return nil
			}
			v.Checked++
			v.Entries, v.Last, prev = cp.Entries, cp.ID, cp.Hash
		}
		// The whole chain from the lowest id: a row forged with id 0 or
		// below is read too.
		after := cp.ID
		if cp.ID == 0 {
			after = math.MinInt64
		}
		rows, err := tx.QueryContext(ctx, `SELECT a.id, `+chainMessage(tx.Dialect)+`, c.prev_hash, c.hash
			FROM audit_log a LEFT JOIN audit_chain c ON c.audit_id = a.id WHERE a.id > $1 ORDER BY a.id`, after)
		if err != nil {
			return err
		}
		defer rows.Close()
		for rows.Next() {
			var id int64
			var msg string
			var p, h sql.NullString
			if err := rows.Scan(&id, &msg, &p, &h); err != nil {
				return err
			}
			v.Checked++
			switch {
			case !h.Valid:
				v.BadID, v.Problem = id, "it has no link in the chain (added without audit.Record)"
			case p.String != prev:
				v.BadID, v.Problem = id, "it does not follow the row before it (a row before it was removed or added)"
			case chainHash(prev, msg) != h.String:
				v.BadID, v.Problem = id, "its content does not match its hash (the row was changed)"
			}
			if v.Problem != "" { // BadID may be 0: a row forged with id 0
				return nil
			}
			v.Entries++
			v.Last, prev = id, h.String
		}
		if err := rows.Err(); err != nil {
			return err
		}
		v.Head = prev
		var orphan sql.NullInt64
		if err := tx.QueryRowContext(ctx, `SELECT MIN(audit_id) FROM audit_chain c WHERE c.audit_id > $1 AND NOT EXISTS (SELECT 1 FROM audit_log a WHERE a.id = c.audit_id)`, after).Scan(&orphan); err != nil {
			return err
		}
		if orphan.Valid {
			v.BadID, v.Problem = orphan.Int64, "the row was deleted from the log"
		}
		return nil
	})
	return v, err
}

// String is the one-line verdict the CLI and the admin page show.
func (v Verification) String() string {
	if v.OK() {
		if v.Entries == 1 {
			return "Chain verified: 1 entry"
		}
		return fmt.Sprintf("Chain verified: %d entries", v.Entries)
	}
	return fmt.Sprintf("Chain broken at entry %d: %s (%d entries before it verified)", v.BadID, v.Problem, v.Entries)
}
