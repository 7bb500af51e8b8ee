package web

// SetNonceForTest makes every request's CSP nonce come from f until the
// returned function is called. Tests in this package do not run in
// parallel.
func SetNonceForTest(f func() string) (restore func()) {
	old := newNonce
	newNonce = f
	return func() { newNonce = old }
}

// NewNonce is the server's own nonce maker.
var NewNonce = newNonce
