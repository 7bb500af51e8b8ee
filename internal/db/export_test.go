package db

// LockMigrations is lockMigrations for the tests in db_test.
var LockMigrations = lockMigrations

// SQLiteReadCacheKiB is sqliteReadCacheKiB for the tests in db_test.
const SQLiteReadCacheKiB = sqliteReadCacheKiB
