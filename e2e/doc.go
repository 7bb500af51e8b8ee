// Package e2e holds Partnerhub's browser tests. They build the real
// partnerhub binary, serve it on a random loopback port over a temporary
// SQLite database, and drive Chromium's headless shell (Debian package
// chromium-headless-shell; PARTNERHUB_E2E_BROWSER names another Chromium)
// with chromedp, running axe-core (WCAG 2.2 A/AA) on every page they visit.
//
// The tests skip with a clear message when the browser or
// e2e/node_modules/axe-core/axe.min.js is missing (scripts/browser-deps.sh
// installs both); with CI=true they fail instead.
//
// Helpers for more browser tests (all in helpers_test.go):
//
//	ctx := newTab(t)                        // a fresh browser context (own cookies)
//	status := visit(t, ctx, "/about")        // navigate, return the HTTP status
//	checkPage(t, ctx, "about")              // one h1, skip link, <main>, then axe-core
//	checkA11y(t, ctx, "about")              // axe-core alone
//	signIn(t, ctx, email, password)          // sign in through the form
//	createUser(t, email, admin)              // a verified user via `partnerhub user create`
//	mailTo(t, email, "subject words")       // latest outbox mail to an address
package e2e
