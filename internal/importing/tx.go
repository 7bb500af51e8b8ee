package importing

import (
	"context"
	"errors"

	"partnerhub/internal/db"
)

var errDryRun = errors.New("dry run")

// Apply runs write in one transaction through run (a *db.DB's Write or
// WriteBulk): everything write does is committed together, or nothing is.
// On a dry run (rep.DryRun) the transaction is rolled back once write has
// counted what it would do. When it fails nothing was written, so the
// report's counts of written rows are cleared.
func Apply(ctx context.Context, run func(context.Context, func(*db.Tx) error) error, rep *Report, write func(*db.Tx) error) error {
	err := run(ctx, func(tx *db.Tx) error {
		if err := write(tx); err != nil {
			return err
		}
		if rep.DryRun {
			return errDryRun
		}
		return nil
	})
	if errors.Is(err, errDryRun) {
		return nil
	}
	if err != nil {
		rep.Created, rep.Updated, rep.Unchanged, rep.Also = 0, 0, 0, nil
	}
	return err
}
