//go:build !unix

package backup

import "errors"

// LockName is the lock file in a data directory.
const LockName = "partnerhub.lock"

// ErrBusy is a data directory another command holds the lock of.
var ErrBusy = errors.New("the data directory is in use")

// Lock does nothing where flock(2) is missing: stop partnerhub yourself
// before a restore.
func Lock(dataDir string, exclusive bool) (func(), error) { return func() {}, nil }
