package web

import (
	"strings"
	"testing"
)

// TestMustLocationFailsLoudly: a zone that cannot be loaded stops the
// program with its name instead of showing every time in UTC.
func TestMustLocationFailsLoudly(t *testing.T) {
	if got := mustLocation("Europe/London").String(); got != "Europe/London" {
		t.Fatalf("Europe/London loaded as %q", got)
	}
	defer func() {
		msg, _ := recover().(string)
		if !strings.Contains(msg, "Nowhere/Atlantis") {
			t.Fatalf("no panic naming the zone: %q", msg)
		}
	}()
	loc := mustLocation("Nowhere/Atlantis")
	t.Fatalf("an unknown zone loaded as %v", loc)
}
