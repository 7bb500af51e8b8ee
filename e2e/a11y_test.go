package e2e

import (
	"context"
	"encoding/json"
	"fmt"
	"io"
	"net/http"
	"net/http/httptest"
	"net/url"
	"os"
	"runtime"
	"strings"
	"testing"

	"github.com/chromedp/chromedp"
)

// axeTags are the rule sets Partnerhub must pass: WCAG 2.0, 2.1 and 2.2 at
// levels A and AA.
const axeTags = `['wcag2a','wcag2aa','wcag21a','wcag21aa','wcag22aa']`

type axeNode struct {
	Target  []any  `json:"target"`
	Summary string `json:"summary"`
	HTML    string `json:"html"`
}

type axeViolation struct {
	ID      string    `json:"id"`
	Impact  string    `json:"impact"`
	Help    string    `json:"help"`
	HelpURL string    `json:"helpUrl"`
	Nodes   []axeNode `json:"nodes"`
}

type axeResult struct {
	Violations []axeViolation `json:"violations"`
	Passes     int            `json:"passes"`
	Incomplete int            `json:"incomplete"`
}

// loadAxe reads axe.min.js once, and makes axeStore, the script that
// keeps it in the page origin's localStorage (see checkA11y).
func loadAxe(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(axePath)
		axeSource = string(b)
		q, _ := json.Marshal(axeSource)
		axeStore = `localStorage.setItem(` + axeKey + `, ` + string(q) + `)`
	})
	if axeErr != nil {
		t.Fatalf("read axe-core: %v", axeErr)
	}
	return axeSource
}

// axeKey is where checkA11y keeps axe-core's source in an origin's
// localStorage (Partnerhub's pages use none).
const axeKey = `'partnerhub-e2e-axe-core'`

// axeRun loads axe-core into the page unless it is there, from
// localStorage (eval is allowed in a DevTools evaluation whatever the
// page's Content-Security-Policy says), and runs the WCAG 2.2 A/AA
// rules. It returns "missing" when the origin's localStorage has no copy
// yet, "no storage" when the page has no localStorage (an opaque origin).
const axeRun = `(() => {
	if (typeof window.axe !== 'object') {
		let src;
		try { src = localStorage.getItem(` + axeKey + `); } catch (e) { return 'no storage'; }
		if (src === null) return 'missing';
		(0, eval)(src);
	}
	return axe.run(document, {runOnly: {type: 'tag', values: ` + axeTags + `}}).then(r => ({
		passes: r.passes.length,
		incomplete: r.incomplete.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || '', html: (n.html || '').slice(0, 160)}))}))
	}));
})()`

// checkA11y runs axe-core's WCAG 2.2 A/AA rules on the current page and
// fails the test with a readable list of every violation (rule, impact,
// target selectors, help). pageName names the page in messages.
//
// axe-core's 650 KB source crosses the DevTools protocol once per browser
// context and origin, into the origin's localStorage; each check after
// that evaluates it from there. Sending it with every check cost about
// 0.1 s of Chromium's CPU more per check (issue 20 target 9; the README
// gives the figures).
func checkA11y(t testing.TB, ctx context.Context, pageName string) {
	t.Helper()
	src := loadAxe(t)
	defer phase("axe")()
	var res axeResult
	for try := 0; ; try++ {
		raw, err := chromedp.Run(ctx, chromedp.Evaluate[json.RawMessage](axeRun, chromedp.EvalAwaitPromise))
		if err != nil {
			t.Fatalf("%s: run axe-core: %v", pageName, err)
		}
		var state string
		if json.Unmarshal(raw, &state) != nil {
			if err := json.Unmarshal(raw, &res); err != nil {
				t.Fatalf("%s: axe-core's result: %v", pageName, err)
			}
			break
		}
		if try > 0 {
			t.Fatalf("%s: axe-core not loaded: %s", pageName, state)
		}
		load := axeStore
		if state != "missing" {
			load = src
		}
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](load)); err != nil {
			t.Fatalf("%s: inject axe-core: %v", pageName, err)
		}
	}
	if res.Passes == 0 {
		t.Fatalf("%s: axe-core ran no passing checks: it cannot have looked at the page", pageName)
	}
	if len(res.Violations) > 0 {
		t.Errorf("%s: %s", pageName, formatViolations(res.Violations))
	}
}

func formatViolations(vs []axeViolation) string {
	var b strings.Builder
	fmt.Fprintf(&b, "%d accessibility violation(s) (axe-core, WCAG 2.2 A/AA):", len(vs))
	for _, v := range vs {
		fmt.Fprintf(&b, "\n  - %s [%s]: %s (%s)", v.ID, v.Impact, v.Help, v.HelpURL)
		for i, n := range v.Nodes {
			if i == 5 {
				fmt.Fprintf(&b, "\n      … and %d more", len(v.Nodes)-5)
				break
			}
			var sel []string
			for _, x := range n.Target {
				sel = append(sel, fmt.Sprint(x))
			}
			fmt.Fprintf(&b, "\n      at %s: %s", strings.Join(sel, " > "), n.HTML)
			if n.Summary != "" {
				fmt.Fprintf(&b, "\n        %s", strings.ReplaceAll(n.Summary, "\n", "\n        "))
			}
		}
	}
	return b.String()
}

type pageShape struct {
	H1         int    `json:"h1"`
	Main       int    `json:"main"`
	Skip       string `json:"skip"`
	SkipTarget bool   `json:"skipTarget"`
	SkipFirst  bool   `json:"skipFirst"`
	Title      string `json:"title"`
	Lang       string `json:"lang"`
}

// checkStructure checks the layout every page must have: exactly one h1,
// one <main>, a skip link that is the first link on the page and leads to
// an element that exists, a title and a language.
func checkStructure(t testing.TB, ctx context.Context, pageName string) {
	t.Helper()
	defer phase("page structure")()
	shape, err := chromedp.Run(ctx, chromedp.Evaluate[pageShape](`(() => {
		const skip = [...document.querySelectorAll('a[href^="#"]')].find(a => /skip/i.test(a.textContent));
		const firstLink = document.querySelector('body a[href]');
		const href = skip ? skip.getAttribute('href') : '';
		return {
			h1: document.querySelectorAll('h1').length,
			main: document.querySelectorAll('main').length,
			skip: href,
			skipTarget: href.length > 1 && !!document.getElementById(href.slice(1)),
			skipFirst: !!skip && skip === firstLink,
			title: document.title,
			lang: document.documentElement.lang,
		};
	})()`))
	if err != nil {
		t.Fatalf("%s: %v", pageName, err)
	}
	if shape.H1 != 1 {
		t.Errorf("%s: has %d h1 elements, want exactly 1", pageName, shape.H1)
	}
	if shape.Main != 1 {
		t.Errorf("%s: has %d <main> elements, want exactly 1", pageName, shape.Main)
	}
	if shape.Skip == "" {
		t.Errorf("%s: has no skip link", pageName)
	} else {
		if !shape.SkipTarget {
			t.Errorf("%s: the skip link's target %s does not exist", pageName, shape.Skip)
		}
		if !shape.SkipFirst {
			t.Errorf("%s: the skip link is not the first link on the page", pageName)
		}
	}
	if strings.TrimSpace(shape.Title) == "" {
		t.Errorf("%s: has no <title>", pageName)
	}
	if shape.Lang == "" {
		t.Errorf("%s: <html> has no lang attribute", pageName)
	}
}

// checkPage runs checkStructure and checkA11y on the current page.
func checkPage(t testing.TB, ctx context.Context, pageName string) {
	t.Helper()
	checkStructure(t, ctx, pageName)
	checkA11y(t, ctx, pageName)
}

// recordingT is a testing.TB whose Errorf and Fatalf record the message
// (Fatalf then ends the goroutine, as testing's does).
type recordingT struct {
	testing.TB
	msgs  []string
	fatal bool
}

func (r *recordingT) Helper() {}

func (r *recordingT) Errorf(format string, args ...any) {
	r.msgs = append(r.msgs, fmt.Sprintf(format, args...))
}

func (r *recordingT) Fatalf(format string, args ...any) {
	r.Errorf(format, args...)
	r.fatal = true
	runtime.Goexit()
}

// TestCheckA11yReportsViolations: checkA11y finds a missing alt text on a
// page under a Content-Security-Policy like Partnerhub's, whether axe-core
// comes with the check (the origin's first check, or a page without
// localStorage) or from the origin's localStorage (the checks after it),
// and passes a page without one.
func TestCheckA11yReportsViolations(t *testing.T) {
	t.Parallel()
	requireBrowser(t)
	const head = `<!doctype html><html lang="en"><head><meta charset="utf-8"><title>Page</title></head><body><main><h1>Page</h1>`
	bad := head + `<img src="data:image/gif;base64,R0lGODlhAQABAAAAACw="></main></body></html>`
	good := head + `<p>Nothing wrong here.</p></main></body></html>`
	srv := httptest.NewServer(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		w.Header().Set("Content-Security-Policy", "default-src 'self'; script-src 'self'; img-src 'self' data:")
		w.Header().Set("Content-Type", "text/html; charset=utf-8")
		if r.URL.Path == "/bad" {
			io.WriteString(w, bad)
		} else {
			io.WriteString(w, good)
		}
	}))
	defer srv.Close()
	ctx := newTab(t)
	check := func(target string) *recordingT {
		t.Helper()
		if err := chromedp.Do(ctx, chromedp.Navigate(target)); err != nil {
			t.Fatalf("open %s: %v", target, err)
		}
		rec := &recordingT{TB: t}
		done := make(chan struct{})
		go func() {
			defer close(done)
			checkA11y(rec, ctx, target)
		}()
		<-done
		return rec
	}
	wantAltText := func(rec *recordingT, target string) {
		t.Helper()
		if rec.fatal || len(rec.msgs) != 1 || !strings.Contains(rec.msgs[0], "image-alt") {
			t.Errorf("%s: checkA11y said %q (fatal %v), want one error naming image-alt", target, rec.msgs, rec.fatal)
		}
	}
	stored := func() bool {
		t.Helper()
		has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`localStorage.getItem(`+axeKey+`) !== null`))
		if err != nil {
			t.Fatal(err)
		}
		return has
	}
	wantAltText(check(srv.URL+"/bad"), "the origin's first check")
	if !stored() {
		t.Fatal("the first check left no copy of axe-core in localStorage")
	}
	if rec := check(srv.URL + "/good"); len(rec.msgs) != 0 {
		t.Errorf("a page without violations: checkA11y said %q", rec.msgs)
	}
	wantAltText(check(srv.URL+"/bad"), "a check with axe-core from localStorage")
	wantAltText(check("data:text/html;charset=utf-8,"+url.PathEscape(bad)), "a page without localStorage")
}
