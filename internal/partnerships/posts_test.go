package partnerships

import (
	"context"
	"fmt"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/mail"
)

func TestPostValidate(t *testing.T) {
	today := Date(2026, 11, 25)
	closes := Date(2026, 12, 20)
	early := Date(2026, 12, 1)
	cases := []struct {
		name  string
		p     PartnerPost
		check bool
		want  map[string]string // field -> message part; empty for valid
	}{
		{"valid", PartnerPost{Title: "  Partners  ", Services: []int64{1}, ClosesOn: closes, Areas: []string{"bloomfield"}}, true, nil},
		{"closing today is fine", PartnerPost{Title: "x", Themes: []int64{1}, ClosesOn: today}, true, nil},
		{"no title, no needs", PartnerPost{ClosesOn: closes}, true, map[string]string{"title": "Enter what you are looking for", "needs": "Select at least one service"}},
		{"closing in the past", PartnerPost{Title: "x", ClientGroups: []int64{1}, ClosesOn: today.AddDate(0, 0, -1)}, true, map[string]string{"closes_on": "today or in the future"}},
		{"past closing kept on edit", PartnerPost{Title: "x", ClientGroups: []int64{1}, ClosesOn: today.AddDate(0, 0, -1)}, false, nil},
		{"no closing date", PartnerPost{Title: "x", Services: []int64{1}}, true, map[string]string{"closes_on": "Enter the closing date"}},
		{"too far", PartnerPost{Title: "x", Services: []int64{1}, ClosesOn: today.AddDate(3, 0, 0)}, true, map[string]string{"closes_on": "within two years"}},
		{"needed before closing", PartnerPost{Title: "x", Services: []int64{1}, ClosesOn: closes, NeededBy: &early}, true, map[string]string{"needed_by": "after the closing date"}},
		{"bad area", PartnerPost{Title: "x", Services: []int64{1}, ClosesOn: closes, Areas: []string{"Narnia"}}, true, map[string]string{"areas": "Select areas from the list"}},
		{"bad link", PartnerPost{Title: "x", Services: []int64{1}, ClosesOn: closes, OpportunityURL: "javascript:alert(1)"}, true, map[string]string{"opportunity_url": "starting https://"}},
	}
	for _, c := range cases {
		t.Run(c.name, func(t *testing.T) {
			err := c.p.Validate(today, c.check)
			got := map[string]string{}
			for _, fe := range apperr.Fields(err) {
				got[fe.Field] = fe.Message
			}
			if len(got) != len(c.want) {
				t.Fatalf("errors %v, want %v", got, c.want)
			}
			for f, part := range c.want {
				if !strings.Contains(got[f], part) {
					t.Errorf("%s: %q does not contain %q", f, got[f], part)
				}
			}
		})
	}
	p := PartnerPost{Status: PostOpen, ClosesOn: today}
	if !p.IsOpen(today) || p.IsOpen(today.AddDate(0, 0, 1)) || p.State(today.AddDate(0, 0, 1)) != PostClosed {
		t.Fatal("a post must be open up to and including its closing date, then closed")
	}
	// Midnight in Blackpool in summer is 23:00 UTC the day before.
	if d := postToday(time.Date(2026, 6, 30, 23, 30, 0, 0, time.UTC)); !d.Equal(Date(2026, 7, 1)) {
		t.Fatalf("today in Blackpool: %v", d)
	}
}

// TestNotifyMatches: at most NotifyTop organisations are told, never one
// that opted out or the poster, each only once, every owner and editor
// (not viewers) of each.
func TestNotifyMatches(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		var orgs []*accounts.Organisation
		var matches []directory.Match
		err := d.Write(ctx, func(tx *db.Tx) error {
			for i := 0; i < NotifyTop+3; i++ {
				o := &accounts.Organisation{Name: fmt.Sprintf("Org %02d", i), Sector: "vcs", LegalForm: "charity"}
				if err := accounts.InsertOrg(ctx, tx, o, 0); err != nil {
					return err
				}
				orgs = append(orgs, o)
				for _, role := range []string{"owner", "editor", "viewer"} {
					u, err := accounts.InsertUser(ctx, tx, accounts.FastHasher, role, fmt.Sprintf("%s%02d@x.org", role, i), "correct horse battery", false, true)
					if err != nil {
						return err
					}
					if err := accounts.AddMember(ctx, tx, o.ID, u.ID, role); err != nil {
						return err
					}
				}
				matches = append(matches, directory.Match{Org: *o, Score: float64(90 - i), Reasons: []string{"Covers 1 of 1 needs: Food"}})
			}
			return SetNotifyPartnerRequests(ctx, tx, orgs[1].ID, false)
		})
		if err != nil {
			t.Fatal(err)
		}
		post := &PartnerPost{OrgID: orgs[0].ID, OrgName: orgs[0].Name, Title: "Food partners", Services: []int64{1}, ClosesOn: Date(2030, 1, 1)}
		var n int
		err = d.Write(ctx, func(tx *db.Tx) error {
			if err := InsertPost(ctx, tx, post, Date(2029, 1, 1)); err != nil {
				return err
			}
			var err error
			n, err = NotifyMatches(ctx, tx, post, matches, "http://x")
			return err
		})
		if err != nil || n != NotifyTop {
			t.Fatalf("told %d organisations, %v", n, err)
		}
		count := func(to string) int {
			msgs, _, err := mail.Recent(ctx, d.Q(), to, 10, 0)
			if err != nil {
				t.Fatal(err)
			}
			return len(msgs)
		}
		if count("owner00@x.org") != 0 || count("owner01@x.org") != 0 || count("editor01@x.org") != 0 {
			t.Error("the poster or an organisation that opted out was emailed")
		}
		if count("owner02@x.org") != 1 || count("editor02@x.org") != 1 || count("viewer02@x.org") != 0 || count("owner11@x.org") != 1 || count("owner12@x.org") != 0 {
			t.Error("wrong recipients: owners and editors of the ten best matches that accept emails")
		}
		if on, _ := NotifyPartnerRequests(ctx, d.Q(), orgs[1].ID); on {
			t.Error("opt-out not kept")
		}
		if on, _ := NotifyPartnerRequests(ctx, d.Q(), orgs[2].ID); !on {
			t.Error("the default is to get emails")
		}
		err = d.Write(ctx, func(tx *db.Tx) error {
			var err error
			n, err = NotifyMatches(ctx, tx, post, matches, "http://x")
			return err
		})
		if err != nil || n != 1 || count("owner02@x.org") != 1 || count("owner12@x.org") != 1 {
			t.Fatalf("second round told %d (only the one not yet told expected), %v", n, err)
		}
	})
}
