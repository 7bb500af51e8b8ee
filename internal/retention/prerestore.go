package retention

import (
	"context"
	"os"
	"path/filepath"
	"strings"
	"time"
)

// preRestorePrefix names the folders `partnerhub restore` leaves in the
// data directory: pre-restore-20260102T150405Z holds the database and
// uploads the restore replaced (internal/backup's swap).
const preRestorePrefix = "pre-restore-"

// preRestore deletes pre-restore folders whose restore (the time in the
// name, in UTC) is older than cutoff. Anything else in the data directory,
// and a folder whose name does not parse, is left alone.
func preRestore(ctx context.Context, e Env, cutoff time.Time) (int64, error) {
	if e.DataDir == "" {
		return 0, nil
	}
	entries, err := os.ReadDir(e.DataDir)
	if os.IsNotExist(err) {
		return 0, nil
	}
	if err != nil {
		return 0, err
	}
	var removed int64
	for _, de := range entries {
		name := de.Name()
		if !de.IsDir() || !strings.HasPrefix(name, preRestorePrefix) {
			continue
		}
		at, err := time.Parse("20060102T150405Z", strings.TrimPrefix(name, preRestorePrefix))
		if err != nil || !at.Before(cutoff) {
			continue
		}
		if err := ctx.Err(); err != nil {
			return removed, err
		}
		if err := os.RemoveAll(filepath.Join(e.DataDir, name)); err != nil {
			return removed, err
		}
		removed++
	}
	return removed, nil
}
