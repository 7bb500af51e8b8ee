package directory_test

import (
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/mail"
)

// newest is the newest message to whom whose subject starts with prefix.
func newest(t *testing.T, env *apptest.Env, to, prefix string) *mail.Outgoing {
	t.Helper()
	for _, m := range env.Outbox(to) {
		if strings.HasPrefix(m.Subject, prefix) {
			return &m
		}
	}
	t.Fatalf("no message %q to %s", prefix, to)
	return nil
}

// A network join request emails the network's owners and editors; they
// accept it or decline it with a reason, and the asking organisation's
// owners and editors are told either way. Every one of these says why it
// was sent and carries a one-click unsubscribe.
func TestNetworkJoinRequestsAreToldBothWaysAndCanBeDeclined(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		for _, e := range []string{"runner@x.org", "runedit@x.org", "asker@x.org", "other@x.org"} {
			env.User(e, false)
		}
		runs := env.Org("Fylde Forum Trust", "vcs", map[string]string{"runner@x.org": "owner", "runedit@x.org": "editor"})
		asks := env.Org("Lytham Carers", "vcs", map[string]string{"asker@x.org": "owner"})
		third := env.Org("Kirkham Youth", "vcs", map[string]string{"other@x.org": "owner"})
		runner, asker := env.As("runner@x.org"), env.As("asker@x.org")
		net := runner.PostForm("/orgs/"+runs.Slug+"/networks/new", url.Values{"name": {"Fylde Carers Forum"}, "purpose": {"Carers' groups meet."}}).Status(t, 303).Location()
		slug := strings.TrimPrefix(net, "/networks/")

		asker.PostForm("/orgs/"+asks.Slug+"/networks/"+slug+"/join", nil).Status(t, 303)
		for _, to := range []string{"runner@x.org", "runedit@x.org"} {
			m := newest(t, env, to, "Lytham Carers asks to join Fylde Carers Forum")
			if !strings.HasPrefix(m.Unsubscribe, "http://partnerhub.test/unsubscribe/") || !strings.Contains(m.Body, "http://partnerhub.test/networks/"+slug) ||
				!strings.Contains(m.Body, "You get these emails as an owner or editor of Fylde Forum Trust, which runs Fylde Carers Forum.") {
				t.Fatalf("request to %s: %+v", to, m)
			}
		}

		// Declining needs a reason; the form keeps what was typed.
		decline := "/orgs/" + runs.Slug + "/networks/" + slug + "/members/" + itoa(asks.ID) + "/decline"
		runner.Get(net).Status(t, 200).Contains(t, `href="`+decline+`"`)
		runner.Get(decline).Status(t, 200).Contains(t, "Why are you declining?")
		runner.PostForm(decline, url.Values{"reason": {"   "}}).Status(t, 422).Contains(t, `href="#reason"`, "Say why you are declining")
		env.As("other@x.org").PostForm("/orgs/"+third.Slug+"/networks/"+slug+"/members/"+itoa(asks.ID)+"/decline", url.Values{"reason": {"no"}}).Status(t, 404)
		runner.PostForm(decline, url.Values{"reason": {"The forum is for groups based in Fylde."}}).Status(t, 303)
		m := newest(t, env, "asker@x.org", "Your request to join Fylde Carers Forum")
		if !strings.Contains(m.Body, "The forum is for groups based in Fylde.") || m.Unsubscribe == "" ||
			!strings.Contains(m.Body, "You get these emails as an owner or editor of Lytham Carers, which asked to join Fylde Carers Forum.") {
			t.Fatalf("decline: %+v", m)
		}
		runner.PostForm(decline, url.Values{"reason": {"again"}}).Status(t, 404)

		// Asked again and accepted: told too.
		asker.PostForm("/orgs/"+asks.Slug+"/networks/"+slug+"/join", nil).Status(t, 303)
		runner.PostForm("/orgs/"+runs.Slug+"/networks/"+slug+"/members/"+itoa(asks.ID)+"/accept", nil).Status(t, 303)
		if m := newest(t, env, "asker@x.org", "Welcome to Fylde Carers Forum"); m.Unsubscribe == "" {
			t.Fatalf("accept: %+v", m)
		}
		env.Anon().Get(net).Status(t, 200).Contains(t, "Lytham Carers")
	})
}
