package events_test

import (
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// TestSharedCodesKeepTheirWords: "draft" and "other" are codes of other
// features too (an assessment in progress, a partnership's origin). A draft
// event is called a draft, an event of type other an "Other event", and the
// events feature does not rename the other features' codes.
func TestSharedCodesKeepTheirWords(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		org := env.Org("Layton Community Hub", "vcs", map[string]string{"organiser@example.org": "owner"})
		organiser := env.As("organiser@example.org")
		form := eventForm("Autumn get-together", "other", time.Now().Add(9*24*time.Hour).Truncate(time.Hour), 10)
		form.Set("action", "draft")
		slug := strings.TrimPrefix(organiser.PostForm("/orgs/"+org.Slug+"/events/new", form).Status(t, 303).Location(), "/events/")

		organiser.Get("/events/"+slug).Status(t, 200).Contains(t, ">Draft</strong>", "Other event").NotContains(t, "In progress")
		organiser.Get("/orgs/"+org.Slug+"/events").Status(t, 200).Contains(t, ">Draft</strong>", "Other event").NotContains(t, "In progress")
		// The partnership form's "other" origin is not an event.
		organiser.Get("/partnerships/new").Status(t, 200).Contains(t, `value="other" selected>Other</option>`).NotContains(t, "Other event")
	})
}

// TestOrganiserFilterIsAList: the listing's organiser filter offers the
// organisations that have published events, by name (nobody knows an
// organisation's web address name), and still accepts the slug links the
// event pages use.
func TestOrganiserFilterIsAList(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		env.User("organiser@example.org", false)
		org := env.Org("Layton Community Hub", "vcs", map[string]string{"organiser@example.org": "owner"})
		quiet := env.Org("Quiet Drafts Society", "vcs", map[string]string{"organiser@example.org": "owner"})
		start := time.Now().Add(9 * 24 * time.Hour).Truncate(time.Hour)
		organiser := env.As("organiser@example.org")
		organiser.PostForm("/orgs/"+org.Slug+"/events/new", eventForm("Autumn get-together", "networking", start, 10)).Status(t, 303)
		draft := eventForm("Draft idea", "networking", start, 10)
		draft.Set("action", "draft")
		organiser.PostForm("/orgs/"+quiet.Slug+"/events/new", draft).Status(t, 303)

		page := env.Anon().Get("/events").Status(t, 200)
		page.Contains(t, `<select class="ph-select" id="organiser" name="organiser">`, `<option value="`+org.Slug+`" >Layton Community Hub</option>`)
		page.NotContains(t, "Quiet Drafts Society")
		env.Anon().Get("/events?organiser="+org.Slug).Status(t, 200).Contains(t, "Autumn get-together", `value="`+org.Slug+`" selected>`)
		env.Anon().Get("/events?organiser=no-such-org").Status(t, 200).Contains(t, "Select an organiser from the list", `aria-describedby="organiser-error"`)
	})
}
