package secretkey

import "testing"

// SetPublish replaces the step that names the key file until the
// returned function (also run at the test's end) puts it back.
func SetPublish(t *testing.T, f func(tmp, p string) error) (restore func()) {
	old := publish
	publish = f
	restore = func() { publish = old }
	t.Cleanup(restore)
	return restore
}
