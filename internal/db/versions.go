package db

import (
	"context"
	"slices"
)

// Data versions (table data_versions): a counter per kind of data. A
// write that changes the data adds one in its own transaction
// (BumpVersion); a cache remembers the version it was filled at and
// refills when Version has moved, in whichever process the write ran.

// VersionNetwork is what the network map draws.
const VersionNetwork = "network"

// BumpVersion adds one to the named data version. In a write transaction
// (a *Tx) it does so once, just before the commit: the version's row is
// then the last lock the transaction takes, so two transactions that both
// move it cannot deadlock over other rows on PostgreSQL (the read model's
// triggers lock rows per organisation). Elsewhere it does so at once.
func BumpVersion(ctx context.Context, q Querier, name string) error {
	if tx, ok := q.(*Tx); ok {
		if !slices.Contains(tx.bumps, name) {
			tx.bumps = append(tx.bumps, name)
		}
		return nil
	}
	return bump(ctx, q, name)
}

func bump(ctx context.Context, q Querier, name string) error {
	_, err := q.ExecContext(ctx, `UPDATE data_versions SET version = version + 1 WHERE name = $1`, name)
	return err
}

// bumpVersions moves the versions the transaction asked for, in name
// order.
func (tx *Tx) bumpVersions(ctx context.Context) error {
	slices.Sort(tx.bumps)
	for _, name := range tx.bumps {
		if err := bump(ctx, tx, name); err != nil {
			return err
		}
	}
	return nil
}

// Version reads the named data version.
func Version(ctx context.Context, q Querier, name string) (int64, error) {
	var v int64
	err := q.QueryRowContext(ctx, `SELECT version FROM data_versions WHERE name = $1`, name).Scan(&v)
	return v, err
}
