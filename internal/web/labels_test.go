package web_test

import (
	"strings"
	"testing"

	"partnerhub/internal/web"
)

// TestLabelsPerFeature: each feature registers its own codes on the
// renderer; the same words twice are fine, other words for a code another
// feature registered stop start-up naming both, and a code nobody
// registered shows as itself.
func TestLabelsPerFeature(t *testing.T) {
	rd := newRenderer(t)
	if got := rd.Label("vcs"); got != "vcs" {
		t.Errorf("web itself labels vcs as %q; feature codes belong to their feature", got)
	}
	if err := rd.AddLabels("alpha", map[string]string{"draft": "Draft", "open": "Open"}); err != nil {
		t.Fatal(err)
	}
	if err := rd.AddLabels("beta", map[string]string{"open": "Open", "closed_early": "Closed early"}); err != nil {
		t.Fatalf("same words for the same code refused: %v", err)
	}
	err := rd.AddLabels("gamma", map[string]string{"draft": "In progress"})
	if err == nil || !strings.Contains(err.Error(), "alpha") || !strings.Contains(err.Error(), "gamma") || !strings.Contains(err.Error(), `"draft"`) {
		t.Fatalf("conflicting label not refused with both features named: %v", err)
	}
	if got := rd.Label("draft"); got != "Draft" {
		t.Errorf("a refused registration changed draft to %q", got)
	}
	for code, want := range map[string]string{"open": "Open", "closed_early": "Closed early", "never_registered": "never registered", "": ""} {
		if got := rd.Label(code); got != want {
			t.Errorf("Label(%q) = %q, want %q", code, got, want)
		}
	}
}

// newRenderer is a renderer with the layout and the core pages.
func newRenderer(t *testing.T) *web.Renderer {
	t.Helper()
	st, err := web.NewStatic()
	if err != nil {
		t.Fatal(err)
	}
	rd, err := web.NewRenderer(st)
	if err != nil {
		t.Fatal(err)
	}
	return rd
}
