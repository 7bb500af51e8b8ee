package e2e

import (
	"context"
	"fmt"
	"os"
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

// loadAxe reads axe.min.js once.
func loadAxe(t testing.TB) string {
	t.Helper()
	axeOnce.Do(func() {
		var b []byte
		b, axeErr = os.ReadFile(axePath)
		axeSource = string(b)
	})
	if axeErr != nil {
		t.Fatalf("read axe-core: %v", axeErr)
	}
	return axeSource
}

// checkA11y injects axe-core into the current page, runs the WCAG 2.2 A/AA
// rules and fails the test with a readable list of every violation (rule,
// impact, target selectors, help). pageName names the page in messages.
func checkA11y(t testing.TB, ctx context.Context, pageName string) {
	t.Helper()
	src := loadAxe(t)
	defer phase("axe")()
	has, err := chromedp.Run(ctx, chromedp.Evaluate[bool](`typeof window.axe === 'object'`))
	if err != nil {
		t.Fatalf("%s: %v", pageName, err)
	}
	if !has {
		if err := chromedp.Do(ctx, chromedp.Evaluate[chromedp.Void](src)); err != nil {
			t.Fatalf("%s: inject axe-core: %v", pageName, err)
		}
	}
	script := `axe.run(document, {runOnly: {type: 'tag', values: ` + axeTags + `}}).then(r => ({
		passes: r.passes.length,
		incomplete: r.incomplete.length,
		violations: r.violations.map(v => ({id: v.id, impact: v.impact || '', help: v.help, helpUrl: v.helpUrl,
			nodes: v.nodes.map(n => ({target: n.target, summary: n.failureSummary || '', html: (n.html || '').slice(0, 160)}))}))
	}))`
	res, err := chromedp.Run(ctx, chromedp.Evaluate[axeResult](script, chromedp.EvalAwaitPromise))
	if err != nil {
		t.Fatalf("%s: run axe-core: %v", pageName, err)
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
