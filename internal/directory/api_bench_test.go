package directory_test

import (
	"context"
	"fmt"
	"net/url"
	"sort"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/apptest"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
)

// BenchmarkAPI measures /api/v1/organizations through the whole handler
// (middleware, token check, search, JSON) beside the /directory JSON of the
// same query, over 2,000 imported organisations on SQLite: the token's
// cost is the difference between anonymous and bearer.
func BenchmarkAPI(b *testing.B) {
	const n = 2000
	d := dbtest.SQLite(b)
	var sb strings.Builder
	sb.WriteString("identifier,name,sector,legal_form,postcode,wards,services,themes,description,website,income_band\n")
	for i := 0; i < n; i++ {
		fmt.Fprintf(&sb, "GB-CHC-%d,Bench Charity %d,vcs,charity,FY1 %dAA,Talbot;Park,youth-work;food,children-young-people,Runs youth clubs and a food pantry %d,https://b%d.example.org,10k_100k\n", 1000000+i, i, i%10, i, i)
	}
	if rep, err := directory.Import(context.Background(), d, []byte(sb.String()), false); err != nil || rep.Created != n {
		b.Fatalf("%+v %v", rep, err)
	}
	env := apptest.New(b, d)
	env.User("ed@example.org", false)
	body := env.As("ed@example.org").PostForm("/account/tokens", url.Values{"name": {"bench"}}).Body
	tok := tokenRE.FindString(body)
	words := []string{"youth", "pantry", "food", "clubs"}
	run := func(name string, c *apptest.Client, path func(i int) string) {
		b.Run(name, func(b *testing.B) {
			lat := make([]time.Duration, 0, b.N)
			b.ResetTimer()
			for i := 0; i < b.N; i++ {
				t0 := time.Now()
				if res := c.Get(path(i)); res.Code != 200 {
					b.Fatalf("%d %s", res.Code, res.Body)
				}
				lat = append(lat, time.Since(t0))
			}
			b.StopTimer()
			sort.Slice(lat, func(i, j int) bool { return lat[i] < lat[j] })
			b.ReportMetric(float64(lat[len(lat)/2].Microseconds())/1000, "p50-ms")
			b.ReportMetric(float64(lat[int(0.99*float64(len(lat)-1))].Microseconds())/1000, "p99-ms")
		})
	}
	api := func(i int) string {
		return "/api/v1/organizations?q=" + words[i%len(words)] + "&ward=Talbot&page=" + fmt.Sprint(1+i%5)
	}
	run("api-anonymous", env.Anon(), api)
	run("api-bearer", bearer(env, tok), api)
	run("directory-json", env.Anon(), func(i int) string { return "/directory" + api(i)[len("/api/v1/organizations"):] + "&format=json" })
}

// BenchmarkTokenIdentity is the bearer token's own cost per request: the
// token and membership look-ups (last_used_at is written once a minute).
func BenchmarkTokenIdentity(b *testing.B) {
	d := dbtest.SQLite(b)
	env := apptest.New(b, d)
	env.User("ed@example.org", false)
	env.Org("Bench Group", "vcs", map[string]string{"ed@example.org": "owner"})
	tok := tokenRE.FindString(env.As("ed@example.org").PostForm("/account/tokens", url.Values{"name": {"bench"}}).Body)
	ctx := context.Background()
	b.ResetTimer()
	for i := 0; i < b.N; i++ {
		id, err := accounts.TokenIdentity(ctx, d, tok)
		if err != nil || len(id.Orgs) != 1 {
			b.Fatal(id, err)
		}
	}
}
