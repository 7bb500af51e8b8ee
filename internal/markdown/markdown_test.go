package markdown

import (
	"strings"
	"testing"
)

func TestRenderDropsScriptsAndHandlers(t *testing.T) {
	src := "# Title\n\n<script>alert(1)</script>\n\n<iframe src=\"https://evil\"></iframe>\n\n<img src=x onerror=alert(2)>\n\n[click](javascript:alert(3))\n\n**bold** and a [link](https://example.org)"
	got := string(Render(src).HTML)
	for _, bad := range []string{"<script", "alert(1)", "<iframe", "onerror", "javascript:"} {
		if strings.Contains(got, bad) {
			t.Errorf("rendered HTML contains %q:\n%s", bad, got)
		}
	}
	for _, good := range []string{"<strong>bold</strong>", `href="https://example.org"`, `<h1 id="title">Title</h1>`} {
		if !strings.Contains(got, good) {
			t.Errorf("rendered HTML lacks %q:\n%s", good, got)
		}
	}
}

func TestRenderContentsList(t *testing.T) {
	d := Render("# Purpose\n\ntext\n\n## Who *joins*\n\n### Fees\n\n##### Deep\n\n## Who joins\n")
	want := []Heading{{2, "Purpose", "purpose"}, {2, "Who joins", "who-joins"}, {3, "Fees", "fees"}, {2, "Who joins", "who-joins-1"}}
	if len(d.Contents) != len(want) {
		t.Fatalf("contents = %+v, want %+v", d.Contents, want)
	}
	for i := range want {
		if d.Contents[i] != want[i] {
			t.Errorf("contents[%d] = %+v, want %+v", i, d.Contents[i], want[i])
		}
	}
	if !strings.Contains(string(d.HTML), `id="who-joins-1"`) {
		t.Errorf("second heading lacks its unique id: %s", d.HTML)
	}
}

func TestPlain(t *testing.T) {
	got := Plain("# Advocacy\n\nA **new** service for `adults`.\n\n<b>raw</b>\n\n- one\n- two")
	for _, want := range []string{"Advocacy", "A new service for adults.", "one", "two"} {
		if !strings.Contains(got, want) {
			t.Errorf("Plain = %q, lacks %q", got, want)
		}
	}
	if strings.Contains(got, "*") || strings.Contains(got, "<b>") {
		t.Errorf("Plain kept markup: %q", got)
	}
}
