package db

import (
	"database/sql"
	"time"
)

// Helpers for nullable columns, written once: arguments that are NULL for
// a zero value, and scanned nullable values turned into pointers.

// NullID is id as an argument for a nullable reference column: NULL when
// id is 0.
func NullID(id int64) any {
	if id == 0 {
		return nil
	}
	return id
}

// NullString is s as an argument: NULL when s is empty.
func NullString(s string) any {
	if s == "" {
		return nil
	}
	return s
}

// NullPtr is *p as an argument: NULL when p is nil.
func NullPtr[T any](p *T) any {
	if p == nil {
		return nil
	}
	return *p
}

// Day truncates t to its UTC calendar day.
func Day(t time.Time) time.Time {
	t = t.UTC()
	return time.Date(t.Year(), t.Month(), t.Day(), 0, 0, 0, 0, time.UTC)
}

// NullDay is *t truncated to its UTC day as an argument: NULL when t is nil.
func NullDay(t *time.Time) any {
	if t == nil {
		return nil
	}
	return Day(*t)
}

// TimePtr is a scanned nullable time in UTC, or nil.
func TimePtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	t := n.Time.UTC()
	return &t
}

// DayPtr is a scanned nullable date (its UTC day), or nil.
func DayPtr(n sql.NullTime) *time.Time {
	if !n.Valid {
		return nil
	}
	d := Day(n.Time)
	return &d
}

// Int64Ptr is a scanned nullable integer, or nil.
func Int64Ptr(n sql.NullInt64) *int64 {
	if !n.Valid {
		return nil
	}
	v := n.Int64
	return &v
}

// Float64Ptr is a scanned nullable number, or nil.
func Float64Ptr(n sql.NullFloat64) *float64 {
	if !n.Valid {
		return nil
	}
	v := n.Float64
	return &v
}
