package db

// SkipLocked is the locking clause of a query that claims work for a
// background job, written once: on PostgreSQL " FOR UPDATE SKIP LOCKED"
// (" FOR UPDATE OF t SKIP LOCKED" when of names the table alias whose rows
// are claimed), so several processes sharing the database each take
// different rows without waiting; on SQLite nothing, as the one writer
// connection already serialises claims.
func (d *DB) SkipLocked(of ...string) string {
	if !d.IsPostgres() {
		return ""
	}
	if len(of) > 0 {
		return " FOR UPDATE OF " + of[0] + " SKIP LOCKED"
	}
	return " FOR UPDATE SKIP LOCKED"
}
