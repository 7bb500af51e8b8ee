//go:build !linux

package db

// walIndex is Linux only; elsewhere StateVersion uses PRAGMA data_version.
type walIndex struct{}

func openWALIndex(string) *walIndex        { return nil }
func (w *walIndex) header() (string, bool) { return "", false }
func (w *walIndex) close()                 {}
