package e2e

import (
	"context"
	"encoding/xml"
	"fmt"
	"net/http"
	"strings"
	"testing"
	"time"

	"github.com/chromedp/chromedp"
)

// TestLibraryJourney: an admin publishes a guide and a new version and
// sees the diff; a charity signs the Compact and raises a concern that the
// council resolves; news appears in the Atom feed. axe-core checks each page.
func TestLibraryJourney(t *testing.T) {
	t.Parallel()
	tag := evTag()
	p := evPeople(t, tag, "admin", "charity")
	admin, charity := p["admin"].Ctx, p["charity"].Ctx
	today := time.Now().Format(time.DateOnly)

	// The guide, then a second version: the diff marks lines in words.
	if st := visit(t, admin, "/library/new"); st != http.StatusOK {
		t.Fatalf("GET /library/new: %d", st)
	}
	checkA11y(t, admin, "library new document")
	choose(t, admin, "kind", "guide")
	fill(t, admin, "title", "Good Practice Guide "+tag, "body", "## Forming\nAgree a lead.")
	evSetValues(t, admin, "owner_email", p["admin"].Email, "adopted_on", "2024-01-15")
	if st := submit(t, admin, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("create guide: %d: %s", st, text(t, admin, "main"))
	}
	slug := strings.TrimPrefix(location(t, admin).Path, "/library/")
	evClick(t, admin, `a[href="/library/`+slug+`/edit"]`, "manage the guide")
	checkA11y(t, admin, "library manage document")
	fill(t, admin, "body", "## Forming\nAgree a lead partner and a written agreement.")
	evSetValues(t, admin, "adopted_on", today)
	if st := submit(t, admin, `form[action$="/versions"] button[type=submit]`); st != http.StatusOK {
		t.Fatalf("new version: %d: %s", st, text(t, admin, "main"))
	}
	if body := text(t, admin, "main"); !strings.Contains(body, "+ Added") || !strings.Contains(body, "− Removed") || !strings.Contains(body, "written agreement") {
		t.Fatalf("diff page: %s", body)
	}
	checkA11y(t, admin, "library diff")

	// The Compact, published by the admin; the council (the admin's public body) signs.
	visit(t, admin, "/library/new")
	choose(t, admin, "kind", "code")
	fill(t, admin, "title", "The Compact "+tag, "body", "## 1 Consultation\n- 1.1 [public] Consult for 12 weeks.\n- 1.2 [both] Explain decisions.")
	evSetValues(t, admin, "owner_email", p["admin"].Email, "adopted_on", "2010-06-01")
	if st := submit(t, admin, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("create compact: %d: %s", st, text(t, admin, "main"))
	}
	council := evNewOrg(t, admin, "Council "+tag, "public")
	charityOrg := evNewOrg(t, charity, "Carers "+tag, "vcs")
	sign := func(ctx context.Context, slug string) {
		t.Helper()
		visit(t, ctx, "/compact")
		id, err := chromedp.Run(ctx, chromedp.Evaluate[string](fmt.Sprintf(`document.querySelector('form[action="/orgs/%s/compact/sign"] input[name=signatory]').id`, slug)))
		if err != nil {
			t.Fatalf("sign form of %s: %v", slug, err)
		}
		fill(t, ctx, id, "Chair "+tag)
		if st := submit(t, ctx, fmt.Sprintf(`form[action="/orgs/%s/compact/sign"] button[type=submit]`, slug)); st != http.StatusOK {
			t.Fatalf("sign %s: %d", slug, st)
		}
		if !strings.Contains(text(t, ctx, "main"), "has signed version 1") {
			t.Fatalf("not signed: %s", text(t, ctx, "main"))
		}
	}
	sign(admin, council)
	sign(charity, charityOrg)
	checkA11y(t, charity, "compact")

	// The charity raises a concern about the council.
	visit(t, charity, "/orgs/"+charityOrg+"/compact/disputes/new")
	checkA11y(t, charity, "compact raise a concern")
	choose(t, charity, "against", "")
	fill(t, charity, "commitments", "1.1", "subject", "The consultation ran for four weeks.")
	if st := submit(t, charity, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("raise: %d: %s", st, text(t, charity, "main"))
	}
	dispute := location(t, charity).Path
	checkA11y(t, charity, "compact dispute")

	// The council resolves it informally.
	visit(t, admin, dispute)
	choose(t, admin, "stage", "resolved")
	fill(t, admin, "note", "Consultation reopened for eight weeks.")
	if st := submit(t, admin, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("resolve: %d", st)
	}
	visit(t, charity, dispute)
	if body := text(t, charity, "main"); !strings.Contains(body, "Resolved") || !strings.Contains(body, "informally") {
		t.Fatalf("dispute page: %s", body)
	}

	// News, then the feed lists it and parses as Atom.
	visit(t, admin, "/news/new")
	checkA11y(t, admin, "news publish")
	fill(t, admin, "title", "Consortium news "+tag, "body", "Carers win a contract.")
	choose(t, admin, "category", "consortia")
	if st := submit(t, admin, `main form button[type=submit]`); st != http.StatusOK {
		t.Fatalf("publish: %d: %s", st, text(t, admin, "main"))
	}
	checkA11y(t, admin, "news article")
	visit(t, charity, "/news")
	checkA11y(t, charity, "news list")
	f := evFetch(t, charity, "/news/feed.atom")
	var feed struct {
		Entries []struct {
			Title string `xml:"title"`
		} `xml:"http://www.w3.org/2005/Atom entry"`
	}
	if err := xml.Unmarshal([]byte(f.Body), &feed); err != nil || f.Status != 200 || !strings.Contains(f.Type, "atom") {
		t.Fatalf("feed: %d %s %v", f.Status, f.Type, err)
	}
	found := false
	for _, e := range feed.Entries {
		found = found || e.Title == "Consortium news "+tag
	}
	if !found {
		t.Fatalf("the article is not in the feed: %+v", feed.Entries)
	}
}
