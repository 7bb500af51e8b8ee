package dbtest

// SQLiteTemplate is the path of the migrated SQLite file that SQLite
// copies (see sqliteTemplate), for tests that run partnerhub as a
// process over a copy of it (e2e) instead of opening the store
// themselves. The file is shared by every test binary of the run: copy
// it, never open it.
func SQLiteTemplate() (string, error) { return sqliteTemplate() }
