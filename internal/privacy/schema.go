package privacy

import (
	"context"
	"database/sql"
	"regexp"
	"sort"
	"strings"

	"partnerhub/internal/db"
)

// A LiveColumn is one column of the migrated database's schema.
type LiveColumn struct {
	Table, Column string
	Text          bool // a text-like type (or untyped, as FTS5 columns are)
}

// personTables are the tables whose rows are people: a table with a
// foreign key to one of them holds data about a person.
var personTables = map[string]bool{"users": true, "org_contacts": true, "event_bookings": true, "news_subscribers": true}

// personRef matches integer columns that name a person without a foreign key.
var personRef = regexp.MustCompile(`^(user_id|.*_by|.*_user_id|author_id|owner_id|reviewer_id|verifier_id|booking_id|contact_id)$`)

// personalName matches column names that suggest personal data wherever they are.
var personalName = regexp.MustCompile(`(^|_)(email|e_mail|addr|name|names|phone|mobile|address|postcode|ip|user_agent|signatory|attendee|contact|actor|owner|comments?|notes?|message|body|feedback|access_needs|question|answer|response|detail|reason)($|_)`)

// Schema reads every table and column of the live database and the tables
// that refer to a person (by foreign key to a person table).
func Schema(ctx context.Context, d *db.DB) (cols []LiveColumn, refers map[string]bool, err error) {
	refers = map[string]bool{}
	if d.Dialect == db.Postgres {
		err = each(ctx, d.Q(), `SELECT c.table_name, c.column_name, c.data_type FROM information_schema.columns c
			JOIN information_schema.tables t ON t.table_schema = c.table_schema AND t.table_name = c.table_name
			WHERE c.table_schema = current_schema() AND t.table_type = 'BASE TABLE' ORDER BY c.table_name, c.ordinal_position`, nil, func(r *sql.Rows) error {
			var c LiveColumn
			var typ string
			if err := r.Scan(&c.Table, &c.Column, &typ); err != nil {
				return err
			}
			c.Text = typ == "text" || typ == "character varying" || typ == "tsvector" || typ == "jsonb" || typ == "json"
			cols = append(cols, c)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		err = each(ctx, d.Q(), `SELECT cl.relname, rf.relname FROM pg_constraint c
			JOIN pg_class cl ON cl.oid = c.conrelid JOIN pg_class rf ON rf.oid = c.confrelid
			JOIN pg_namespace n ON n.oid = cl.relnamespace
			WHERE c.contype = 'f' AND n.nspname = current_schema()`, nil, func(r *sql.Rows) error {
			var from, to string
			if err := r.Scan(&from, &to); err != nil {
				return err
			}
			if personTables[to] {
				refers[from] = true
			}
			return nil
		})
		return cols, refers, err
	}
	var tables []string
	var virtual []string
	err = each(ctx, d.Q(), `SELECT name, sql FROM sqlite_master WHERE type = 'table' ORDER BY name`, nil, func(r *sql.Rows) error {
		var name string
		var sql *string
		if err := r.Scan(&name, &sql); err != nil {
			return err
		}
		if sql != nil && strings.Contains(strings.ToUpper(*sql), "VIRTUAL TABLE") {
			virtual = append(virtual, name)
		}
		tables = append(tables, name)
		return nil
	})
	if err != nil {
		return nil, nil, err
	}
	for _, t := range tables {
		if strings.HasPrefix(t, "sqlite_") || shadow(t, virtual) {
			continue
		}
		err = each(ctx, d.Q(), `SELECT name, type FROM pragma_table_info($1)`, []any{t}, func(r *sql.Rows) error {
			c := LiveColumn{Table: t}
			var typ string
			if err := r.Scan(&c.Column, &typ); err != nil {
				return err
			}
			typ = strings.ToUpper(typ)
			c.Text = typ == "" || strings.Contains(typ, "TEXT") || strings.Contains(typ, "CHAR") || strings.Contains(typ, "CLOB")
			cols = append(cols, c)
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
		err = each(ctx, d.Q(), `SELECT "table" FROM pragma_foreign_key_list($1)`, []any{t}, func(r *sql.Rows) error {
			var to string
			if err := r.Scan(&to); err != nil {
				return err
			}
			if personTables[to] {
				refers[t] = true
			}
			return nil
		})
		if err != nil {
			return nil, nil, err
		}
	}
	return cols, refers, nil
}

// shadow reports whether t is one of an FTS5 table's shadow tables.
func shadow(t string, virtual []string) bool {
	for _, v := range virtual {
		for _, s := range []string{"_data", "_idx", "_content", "_docsize", "_config"} {
			if t == v+s {
				return true
			}
		}
	}
	return false
}

// LooksPersonal reports whether a column may hold personal data: a text
// column of a table that refers to a person, or a column whose name
// suggests personal data (email, name, phone, address ...).
func LooksPersonal(c LiveColumn, refers bool) bool {
	if !c.Text {
		return false
	}
	if refers || personalName.MatchString(c.Column) {
		return true
	}
	return false
}

// Undeclared returns "table.column" for every column of the live schema
// that looks personal and that the registry does not declare (as personal
// or as not personal with a reason), and every declaration that names a
// column the schema does not have.
func Undeclared(ctx context.Context, d *db.DB) (missing, stale []string, err error) {
	cols, refers, err := Schema(ctx, d)
	if err != nil {
		return nil, nil, err
	}
	// A table refers to a person also when it has a person-naming column.
	for _, c := range cols {
		if !c.Text && personRef.MatchString(c.Column) {
			refers[c.Table] = true
		}
	}
	live := map[string]bool{}
	for _, c := range cols {
		key := c.Table + "." + c.Column
		live[key] = true
		if ignoredTables[c.Table] {
			continue
		}
		if LooksPersonal(c, refers[c.Table]) && !Registry.declared(c.Table, c.Column) {
			missing = append(missing, key)
		}
	}
	for _, t := range Registry {
		if t.Only != "" && t.Only != string(d.Dialect) {
			continue
		}
		for _, c := range t.columns() {
			key := t.Name + "." + c
			if !live[key] {
				stale = append(stale, key)
			}
		}
	}
	sort.Strings(missing)
	sort.Strings(stale)
	return missing, stale, nil
}

// ignoredTables hold no data about anybody: the migration ledger.
var ignoredTables = map[string]bool{"schema_migrations": true}

// each runs query and calls fn for every row.
func each(ctx context.Context, q db.Querier, query string, args []any, fn func(*sql.Rows) error) error {
	rows, err := q.QueryContext(ctx, query, args...)
	if err != nil {
		return err
	}
	defer rows.Close()
	for rows.Next() {
		if err := fn(rows); err != nil {
			return err
		}
	}
	return rows.Err()
}
