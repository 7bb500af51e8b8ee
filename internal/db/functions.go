package db

import (
	"crypto/sha256"
	"database/sql"
	"database/sql/driver"
	"encoding/hex"
	"fmt"
	"strings"
	"sync"

	"modernc.org/sqlite"
)

var registerOnce sync.Once

// registerSQLiteFunctions gives SQLite the SQL functions PostgreSQL has
// built in and migrations need: sha256_hex(text), the lower-case hex
// SHA-256 of the text's UTF-8 bytes (PostgreSQL:
// encode(sha256(convert_to(text, 'UTF8')), 'hex')). It runs before the
// first SQLite connection opens.
func registerSQLiteFunctions() {
	registerOnce.Do(func() {
		err := sqlite.RegisterDeterministicScalarFunction("sha256_hex", 1, func(_ *sqlite.FunctionContext, args []driver.Value) (driver.Value, error) {
			var b []byte
			switch v := args[0].(type) {
			case nil:
				return nil, nil
			case string:
				b = []byte(v)
			case []byte:
				b = v
			default:
				b = []byte(fmt.Sprint(v))
			}
			sum := sha256.Sum256(b)
			return hex.EncodeToString(sum[:]), nil
		})
		if err != nil && !strings.Contains(err.Error(), "already registered") {
			panic(err)
		}
	})
}

// DialectOf tells the dialect behind q: a *Tx knows it; a *sql.DB is told
// by its driver. ok is false for anything else.
func DialectOf(q Querier) (d Dialect, ok bool) {
	switch v := q.(type) {
	case *Tx:
		return v.Dialect, true
	case *sql.DB:
		if _, lite := v.Driver().(*sqlite.Driver); lite {
			return SQLite, true
		}
		return Postgres, true
	}
	return "", false
}
