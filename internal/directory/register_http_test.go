package directory_test

import (
	"context"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

// A charity file cut down to a few columns (the importer reads columns by
// name), tab-separated with a byte-order mark as published.
func regFile(rows ...string) []byte {
	return []byte("\ufeffdate_of_extract\tregistered_charity_number\tlinked_charity_number\tcharity_name\tcharity_registration_status\tdate_of_removal\tcharity_contact_postcode\tcharity_is_cio\r\n" +
		strings.Join(rows, "\r\n") + "\r\n")
}

func TestAdminRegisters(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		env.User("admin@example.org", true)
		env.User("ed@example.org", false)
		admin := env.As("admin@example.org")
		count := func() int {
			var n int
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM organisations`).Scan(&n)
			return n
		}
		hand := env.Org("Talbot Youth Club", "vcs", nil)
		env.As("ed@example.org").Get("/admin/registers").Status(t, 403)
		env.As("ed@example.org").Get("/admin/registers/matches").Status(t, 403)
		admin.Get("/admin/registers").Status(t, 200).Contains(t, "Refresh from the registers", "full-register-download", "en_output.html", "not been refreshed")

		file := regFile("2026-11-30 00:00:00\t1090095\t0\tLAYTON LUNCH CLUB\tRegistered\t\tFY3 7AA\tFalse",
			"2026-11-30 00:00:00\t1173575\t0\tMARTON SHED\tRegistered\t\tFY4 4AA\tTrue",
			"2026-11-30 00:00:00\t1000001\t0\tTALBOT YOUTH CLUB\tRegistered\t\tFY1 1AA\tFalse",
			"2026-11-30 00:00:00\t222222\t0\tLANCASTER ARTS\tRegistered\t\tLA1 1AA\tFalse")
		// Errors answer on the form, keeping what was sent.
		admin.Upload("/admin/registers", "file", "publicextract.charity.txt", file, url.Values{"postcodes": {"FY1"}}).
			Status(t, 422).Contains(t, "Choose which register the file is from", `value="FY1"`)
		admin.Upload("/admin/registers", "file", "publicextract.charity.txt", file, url.Values{"register": {"charity"}, "postcodes": {"FY1, Blackpool!"}}).
			Status(t, 422).Contains(t, "is not a postcode district", `value="FY1, Blackpool!"`)
		admin.Upload("/admin/registers", "file", "data.csv", []byte("a,b\n1,2\n"), url.Values{"register": {"charity"}}).
			Status(t, 422).Contains(t, "tab-separated")
		if count() != 1 {
			t.Fatalf("errors wrote organisations: %d", count())
		}

		// Preview: counts, nothing written; the districts saved as the default.
		prev := admin.Upload("/admin/registers", "file", "publicextract.charity.txt", file, url.Values{"register": {"charity"}, "postcodes": {"fy1,FY3,FY4"}, "save_postcodes": {"1"}}).
			Status(t, 200).Contains(t, "Check the refresh", "Organisations created", "Skipped outside the area", "Proposed as matches")
		if count() != 1 {
			t.Fatalf("preview wrote organisations: %d", count())
		}
		if pcs, _ := directory.RegisterPostcodes(ctx, d.Q()); strings.Join(pcs, ",") != "FY1,FY3,FY4" {
			t.Errorf("default districts: %v", pcs)
		}
		admin.Get("/admin/registers").Status(t, 200).Contains(t, `value="FY1,FY3,FY4"`)
		form := prev.Form(t, "/admin/registers/confirm")
		admin.PostForm("/admin/registers/confirm", form).Status(t, 200).Contains(t, "Refresh finished")
		if count() != 3 {
			t.Fatalf("after the refresh: %d organisations, want 3", count())
		}
		admin.PostForm("/admin/registers/confirm", form).Status(t, 404) // the upload was used
		env.Anon().Get("/directory").Status(t, 200).Contains(t, "Charity Commission register: last refreshed", "extract of 2026-11-30")

		// The hand-typed club is proposed, and confirmed.
		page := admin.Get("/admin/registers/matches").Status(t, 200).Contains(t, "TALBOT YOUTH CLUB", "GB-CHC-1000001", "Talbot Youth Club")
		ps, _, err := directory.MatchProposals(ctx, d.Q(), "proposed", 10, 0)
		if err != nil || len(ps) != 1 || ps[0].OrgID != hand.ID {
			t.Fatalf("proposals: %+v %v", ps, err)
		}
		_ = page
		admin.Get("/admin/registers/matches?format=csv").Status(t, 200).Contains(t, "GB-CHC-1000001")
		admin.PostForm("/admin/registers/matches/"+itoa(ps[0].ID), url.Values{"decision": {"confirm"}}).Status(t, 303)
		admin.PostForm("/admin/registers/matches/"+itoa(ps[0].ID), url.Values{"decision": {"confirm"}}).Status(t, 303)
		var ident string
		d.Q().QueryRowContext(ctx, `SELECT identifier FROM org_identifiers WHERE organisation_id = $1`, hand.ID).Scan(&ident)
		if ident != "GB-CHC-1000001" {
			t.Errorf("confirmed match: identifier %q", ident)
		}

		// A removed charity: its page says so, searches leave it out.
		removed := regFile("2026-12-31 00:00:00\t1173575\t0\tMARTON SHED\tRemoved\t2026-12-01 00:00:00\tFY4 4AA\tTrue")
		if _, err := directory.ImportCharities(ctx, d, strings.NewReader(string(removed)), directory.RegisterOptions{}); err != nil {
			t.Fatal(err)
		}
		env.Anon().Get("/directory/marton-shed").Status(t, 200).Contains(t, "Removed from the Charity Commission register on 1 December 2026")
		env.Anon().Get("/directory?q=marton").Status(t, 200).NotContains(t, "MARTON SHED")
	})
}
