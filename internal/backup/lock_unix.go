//go:build unix

package backup

import (
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"syscall"
)

// LockName is the lock file in a data directory.
const LockName = "partnerhub.lock"

// ErrBusy is a data directory another command holds the lock of.
var ErrBusy = errors.New("the data directory is in use")

// Lock takes the data directory's lock: shared for every command that
// uses the database (serve, migrate, jobs, import …; several may run at
// once), exclusive for restore. It does not wait: a lock another process
// holds the other way is ErrBusy. The returned function releases it.
func Lock(dataDir string, exclusive bool) (func(), error) {
	if err := os.MkdirAll(dataDir, 0o750); err != nil {
		return nil, err
	}
	f, err := os.OpenFile(filepath.Join(dataDir, LockName), os.O_RDWR|os.O_CREATE, 0o640)
	if err != nil {
		return nil, err
	}
	how := syscall.LOCK_SH
	if exclusive {
		how = syscall.LOCK_EX
	}
	if err := syscall.Flock(int(f.Fd()), how|syscall.LOCK_NB); err != nil {
		f.Close()
		if errors.Is(err, syscall.EWOULDBLOCK) {
			return nil, ErrBusy
		}
		return nil, fmt.Errorf("lock %s: %w", f.Name(), err)
	}
	return func() { syscall.Flock(int(f.Fd()), syscall.LOCK_UN); f.Close() }, nil
}
