package e2e

import (
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// TestNarrowScreenReading (issue 13 items 9, 10 and 11): at 320 px the main
// navigation is one row, the directory's results come right after the
// search box (its filters behind a "Filters" control that opens itself when
// filters are in use), words in table cells never break mid-word, and a
// chart keeps readable labels; at 1280 px the admin dashboard's figures do
// not overlap their labels, and the signed-in navigation is one row.
func TestNarrowScreenReading(t *testing.T) {
	t.Parallel()
	s := app(t)
	createUser(t, "narrow-admin@example.org", true)
	ctx := newTab(t)
	num := func(js string) float64 {
		t.Helper()
		v, err := chromedp.Run(ctx, chromedp.Evaluate[float64](js))
		if err != nil {
			t.Fatalf("%s: %v", js, err)
		}
		return v
	}

	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, "/directory")
	if h := num(`document.querySelector('.ph-nav').getBoundingClientRect().height`); h > 70 {
		t.Errorf("the navigation is %.0f px high at 320 px; want one row", h)
	}
	if open := num(`document.querySelector('.ph-filter-details').open ? 1 : 0`); open != 0 {
		t.Error("the directory's filters are open with no filter in use")
	}
	if y := num(`document.querySelector('.ph-filter-details').getBoundingClientRect().height`); y > 80 {
		t.Errorf("the closed filters take %.0f px", y)
	}
	jrFits320(t, ctx, "the directory") // leaves the tab at 1280 px
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(320, 800)); err != nil {
		t.Fatal(err)
	}
	visit(t, ctx, "/directory?ward=Talbot")
	if open := num(`document.querySelector('.ph-filter-details').open ? 1 : 0`); open != 1 {
		t.Error("the directory's filters are closed while a ward filter is in use")
	}
	checkPage(t, ctx, "the directory at 320 px with a filter")

	// Words in table cells wrap between words only.
	visit(t, ctx, "/events/stats")
	if n := num(`document.querySelectorAll(".ph-table td").length`); n == 0 {
		t.Error("no table on the event measures page")
	}
	if n := num(`[...document.querySelectorAll('.ph-table td, .ph-table th')].filter(c => ['anywhere','break-word'].includes(getComputedStyle(c).overflowWrap) || getComputedStyle(c).wordBreak === 'break-all').length`); n != 0 {
		t.Errorf("%v table cells may break words anywhere", n)
	}
	// A chart's smallest labels are drawn at 8 px or more.
	if px := num(`(() => { const s = document.querySelector('svg.ph-chart'); if (!s) return -1; return s.getBoundingClientRect().width / s.viewBox.baseVal.width * 11; })()`); px < 8 {
		t.Errorf("chart labels are drawn at %.1f px at 320 px", px)
	}
	// ... and the chart scrolls inside its wrapper, not the page.
	jrFits320(t, ctx, "event measures")
	checkPage(t, ctx, "event measures at 320 px")

	// At 1280 px the admin dashboard's figures sit beside their labels.
	if err := chromedp.Do(ctx, chromedp.EmulateViewport(1280, 900)); err != nil {
		t.Fatal(err)
	}
	// ... and the directory's results take the wide column beside its
	// filters (they were squeezed into a third of the page).
	visit(t, ctx, "/directory?q=food")
	filters := num(`document.querySelector('.ph-grid > form.ph-filters').getBoundingClientRect().width`)
	results := num(`document.querySelector('.ph-grid > form.ph-filters').nextElementSibling.getBoundingClientRect().width`)
	if results <= filters {
		t.Errorf("at 1280 px the directory's results are %.0f px wide beside %.0f px of filters", results, filters)
	}
	signIn(t, ctx, "narrow-admin@example.org", Password)
	visit(t, ctx, "/admin")
	overlaps := num(`[...document.querySelectorAll('.ph-card .ph-summary-list__row')].filter(r => {
		const dt = r.querySelector('dt').getBoundingClientRect(), dd = r.querySelector('dd').getBoundingClientRect();
		const range = document.createRange(); range.selectNodeContents(r.querySelector('dt'));
		const text = range.getBoundingClientRect();
		return text.right > dd.left + 1 && dd.top < text.bottom && text.top < dd.bottom;
	}).length`)
	if overlaps != 0 {
		t.Errorf("%v admin figures overlap their labels", overlaps)
	}
	if !strings.Contains(text(t, ctx, "main"), "Administration") {
		t.Error("not the admin dashboard")
	}
	// Signed in at 1280 px, the main navigation is one row (it had twelve
	// items on two rows): the network map and the news are found through
	// their sections, which the navigation marks as current.
	if h := num(`document.querySelector('.ph-nav').getBoundingClientRect().height`); h > 70 {
		t.Errorf("the signed-in navigation is %.0f px high at 1280 px; want one row", h)
	}
	for path, want := range map[string]string{"/network-map": "Partnerships", "/news": "Library"} {
		visit(t, ctx, path)
		if got := text(t, ctx, `.ph-nav a[aria-current="page"]`); got != want {
			t.Errorf("on %s the navigation marks %q as current, want %q", path, got, want)
		}
	}
	_ = s
}
