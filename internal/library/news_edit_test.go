package library_test

import (
	"net/url"
	"os"
	"path/filepath"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/events"
	"partnerhub/internal/opportunities"
)

// TestNewsAboutEventsAndOpportunitiesEditAndDelete: an article about an
// event (named by its page's address) shows on the event's page, and one
// about an opportunity on the opportunity's; an admin changes an article
// (its address stays; a bad address is refused with everything kept) and
// deletes one after a confirmation, its image leaving the disk.
func TestNewsAboutEventsAndOpportunitiesEditAndDelete(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("admin@x.org", true)
		env.User("editor@x.org", false)
		admin, anon := env.As("admin@x.org"), env.Anon()
		org := env.Org("Blackpool CVS", "vcs", nil)
		council := env.Org("Blackpool Council", "public", nil)
		var ev *events.Event
		closes := time.Now().AddDate(0, 1, 0)
		opp := &opportunities.Opportunity{Kind: opportunities.KindTender, Title: "Carers' support service", BuyerID: council.ID, Procedure: "open", SubmissionDeadline: &closes}
		if err := d.Write(env.Ctx, func(tx *db.Tx) error {
			start := time.Now().Add(10 * 24 * time.Hour)
			in := events.Input{Title: "Commissioning ready workshop", Type: events.TypeCommissioning, VenueName: "Solaris Centre",
				VenueAddress: "New South Promenade, Blackpool", StartDate: start.Format("2006-01-02"), StartTime: "10:00",
				EndDate: start.Format("2006-01-02"), EndTime: "13:00", Capacity: "20", Audience: events.AudienceEveryone}
			var err error
			if ev, err = in.Validate(0); err != nil {
				return err
			}
			if err := events.CreateEvent(env.Ctx, tx, org.ID, 0, ev, events.StatusPublished); err != nil {
				return err
			}
			st := env.App.Opportunities.Store
			if err := st.Create(env.Ctx, tx, opp, 0); err != nil {
				return err
			}
			return st.Publish(env.Ctx, tx, opp.ID, 0)
		}); err != nil {
			t.Fatal(err)
		}

		// A bad address is refused, with everything kept.
		sent := url.Values{"title": {"Workshop places going fast"}, "category": {"events"}, "body": {"Book now."}, "about": {"/events/no-such-event"}}
		admin.PostForm("/news/new", sent).Status(t, 422).Contains(t, "There is no page at /events/no-such-event").Kept(t, "/news/new", sent)
		sent.Set("about", "https://partnerhub.example/events/"+ev.Slug)
		loc := admin.PostForm("/news/new", sent).Status(t, 303).Location()
		anon.Get("/events/"+ev.Slug).Status(t, 200).Contains(t, "Workshop places going fast", `href="`+loc+`"`)
		anon.Get(loc).Status(t, 200).Contains(t, `href="/events/`+ev.Slug+`"`, "Commissioning ready workshop")

		// An article about the opportunity, with a lead image.
		png, _ := os.ReadFile(filepath.Join("..", "..", "docs", "screenshot.png"))
		if len(png) == 0 {
			t.Fatal("no PNG to upload")
		}
		res := admin.Upload("/news/new", "image", "lead.png", png, url.Values{"title": {"Carers' contract out to tender"}, "category": {"commissioning"},
			"body": {"The council tenders carers' support."}, "image_alt": {"Carers at a drop-in"}, "about": {"/opportunities/" + opp.Slug}}).Status(t, 303)
		oppArticle := res.Location()
		anon.Get("/opportunities/"+opp.Slug).Status(t, 200).Contains(t, "Carers&#39; contract out to tender")
		var image string
		d.Q().QueryRowContext(env.Ctx, `SELECT image_name FROM news_articles WHERE title = $1`, "Carers' contract out to tender").Scan(&image)
		file := filepath.Join(env.App.Config.UploadDir(), "news", image)
		if _, err := os.Stat(file); image == "" || err != nil {
			t.Fatalf("the lead image %q: %v", image, err)
		}

		// Change the first: the form is filled in, a bad address keeps
		// what was typed, the fixed one is stored at the same address.
		edit := loc + "/edit"
		admin.Get(edit).Status(t, 200).Contains(t, `value="Workshop places going fast"`, `value="/events/`+ev.Slug+`"`)
		env.As("editor@x.org").Get(edit).Status(t, 403)
		changed := url.Values{"title": {"Last places for the workshop"}, "category": {"events"}, "body": {"Book today."}, "about": {"/nowhere/at-all"}}
		admin.PostForm(edit, changed).Status(t, 422).Contains(t, "Paste the address of a consortium").Kept(t, edit, changed)
		changed.Set("about", "/events/"+ev.Slug)
		if got := admin.PostForm(edit, changed).Status(t, 303).Location(); got != loc {
			t.Errorf("after the change the article is at %s, want %s", got, loc)
		}
		anon.Get(loc).Status(t, 200).Contains(t, "Last places for the workshop", "Book today.")
		anon.Get("/events/"+ev.Slug).Status(t, 200).Contains(t, "Last places for the workshop")

		// Delete the second after a confirmation: gone from the page, the
		// opportunity's page and the disk.
		del := oppArticle + "/delete"
		admin.Get(del).Status(t, 200).Contains(t, "Are you sure you want to delete", "Delete the article")
		env.As("editor@x.org").PostForm(del, url.Values{}).Status(t, 403)
		admin.PostForm(del, url.Values{}).Status(t, 303)
		anon.Get(oppArticle).Status(t, 404)
		anon.Get("/opportunities/"+opp.Slug).Status(t, 200).NotContains(t, "contract out to tender")
		if _, err := os.Stat(file); !os.IsNotExist(err) {
			t.Errorf("the deleted article's image is still on disk (%v)", err)
		}
	})
}
