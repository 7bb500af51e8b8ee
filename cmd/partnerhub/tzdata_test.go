package main

import (
	"go/build"
	"slices"
	"testing"
)

// TestBinaryEmbedsZoneDatabase: the binary carries the IANA zone database,
// so a host without zone files (a scratch or distroless image) still shows
// London times; without it web.London would have nothing to load.
func TestBinaryEmbedsZoneDatabase(t *testing.T) {
	pkg, err := build.ImportDir(".", 0)
	if err != nil {
		t.Fatal(err)
	}
	if !slices.Contains(pkg.Imports, "time/tzdata") {
		t.Fatalf("cmd/partnerhub does not import time/tzdata (imports %v)", pkg.Imports)
	}
}
