package partnerships_test

import (
	"context"
	"encoding/csv"
	"net/url"
	"sort"
	"strconv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/directory"
	"partnerhub/internal/partnerships"
)

func TestNetworkMap(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		partnerships.SeedHandBuilt(t, d)
		env.Org("Lonely Lighthouse Trust", "vcs", nil)
		read := func(path string) [][]string {
			res := env.Anon().Get(path).Status(t, 200)
			recs, err := csv.NewReader(strings.NewReader(res.Body)).ReadAll()
			if err != nil {
				t.Fatal(err)
			}
			return recs
		}
		// 2024: P1 (A, D, F), P2 (G, E), P3 (H, B): 7 nodes, 3 + 1 + 1 edges.
		nodes := read("/network-map/nodes.csv?year=2024")
		edges := read("/network-map/edges.csv?year=2024")
		if nodes[0][0] != "Id" || edges[0][0] != "Source" || edges[0][1] != "Target" || edges[0][4] != "From" {
			t.Fatalf("headers %v %v", nodes[0], edges[0])
		}
		if len(nodes)-1 != 7 || len(edges)-1 != 5 {
			t.Fatalf("2024: %d nodes, %d edges\n%v\n%v", len(nodes)-1, len(edges)-1, nodes, edges)
		}
		// Third sector only: A-F and H-B remain.
		if e := read("/network-map/edges.csv?year=2024&sector=third"); len(e)-1 != 2 {
			t.Fatalf("third-sector edges %v", e)
		}
		// Model filter.
		if n := read("/network-map/nodes.csv?model=merger"); len(n)-1 != 1 || n[1][1] != "A" {
			t.Fatalf("merger nodes %v", n)
		}
		res := env.Anon().Get("/network-map?year=2024").Status(t, 200).Contains(t, "<svg", "Organisations never in a partnership", "Lonely Lighthouse Trust", "The map as a table")
		// The drawing is deterministic.
		again := env.Anon().Get("/network-map?year=2024")
		if res.Body[strings.Index(res.Body, "<svg"):strings.Index(res.Body, "</svg>")] != again.Body[strings.Index(again.Body, "<svg"):strings.Index(again.Body, "</svg>")] {
			t.Fatal("the map is drawn differently each time")
		}
		env.Anon().Get("/network-map?year=20x4").Status(t, 422)
	})
}

func TestNetworkMapIsCachedUntilItsDataChanges(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		env := apptest.New(t, d)
		partnerships.SeedHandBuilt(t, d)
		page := func() string { return env.Anon().Get("/network-map?year=2024").Status(t, 200).Body }
		page()
		// A change made behind the stores' back (no data version) is not
		// seen: the laid-out map is reused.
		if _, err := d.W().ExecContext(ctx, `UPDATE organisations SET name = 'Renamed Quietly' WHERE name = 'A'`); err != nil {
			t.Fatal(err)
		}
		if strings.Contains(page(), "Renamed Quietly") {
			t.Fatal("the map was computed again although no data version moved")
		}
		// Renaming through the directory moves the version.
		p, err := directory.LoadProfileBySlug(ctx, d.Q(), "a")
		if err != nil {
			t.Fatal(err)
		}
		p.Name = "Alder Trust"
		if err := d.Write(ctx, func(tx *db.Tx) error { _, err := directory.SaveProfile(ctx, tx, p); return err }); err != nil {
			t.Fatal(err)
		}
		if body := page(); !strings.Contains(body, "Alder Trust") || !strings.Contains(body, "7 organisations, 5 links") {
			t.Fatal("a renamed organisation is not on the map")
		}
		// So do membership changes through the partnerships store.
		var pid, org int64
		if err := d.Q().QueryRowContext(ctx, `SELECT p.id, o.id FROM partnerships p, organisations o WHERE p.name = 'P1' AND o.name = 'I'`).Scan(&pid, &org); err != nil {
			t.Fatal(err)
		}
		m := partnerships.Member{PartnershipID: pid, OrgID: org, Role: "member"}
		if err := d.Write(ctx, func(tx *db.Tx) error { return partnerships.InsertMember(ctx, tx, &m) }); err != nil {
			t.Fatal(err)
		}
		if body := page(); !strings.Contains(body, "8 organisations, 8 links") {
			t.Fatalf("a new member is not on the map: %s", between(body, `class="ph-meta"`, "</p>"))
		}
		if err := d.Write(ctx, func(tx *db.Tx) error { return partnerships.DeleteMember(ctx, tx, pid, m.ID) }); err != nil {
			t.Fatal(err)
		}
		if body := page(); !strings.Contains(body, "7 organisations, 5 links") {
			t.Fatalf("a removed member is still on the map: %s", between(body, `class="ph-meta"`, "</p>"))
		}
	})
}

func between(s, from, to string) string {
	i := strings.Index(s, from)
	if i < 0 {
		return ""
	}
	j := strings.Index(s[i:], to)
	if j < 0 {
		return s[i:]
	}
	return s[i : i+j]
}

func TestNetworkMapFocusesOnOneOrganisation(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		partnerships.SeedHandBuilt(t, d)
		// A in 2024: P1 with D and F (P7 starts in 2025).
		recs, err := csv.NewReader(strings.NewReader(env.Anon().Get("/network-map/nodes.csv?year=2024&focus=a").Status(t, 200).Body)).ReadAll()
		if err != nil {
			t.Fatal(err)
		}
		var names []string
		for _, r := range recs[1:] {
			names = append(names, r[1])
		}
		sort.Strings(names)
		if strings.Join(names, " ") != "A D F" {
			t.Errorf("A's own network in 2024: %v", names)
		}
		env.Anon().Get("/network-map?focus=A&year=2024").Status(t, 200).Contains(t, "Who works with A in 2024", "3 organisations, 3 links", `value="A"`)
		env.Anon().Get("/network-map?focus=Nobody+Here&year=2024").Status(t, 422).
			Contains(t, "There is a problem", "No organisation called “Nobody Here” is in the directory", `value="Nobody Here"`, "7 organisations, 5 links").
			Kept(t, "/network-map", url.Values{"focus": {"Nobody Here"}, "year": {"2024"}})
	})
}

func TestLargeNetworkMapShowsTheBusiest(t *testing.T) {
	d := dbtest.SQLite(t)
	partnerships.SeedScale(t, d, 2000, 5000)
	env := apptest.New(t, d)
	body := env.Anon().Get("/network-map").Status(t, 200).Contains(t, "The map and its table show the 250 busiest", "the CSV files list all").Body
	if n := strings.Count(body, `<span class="ph-visually-hidden"> on `); n != 250 {
		t.Errorf("the table lists %d organisations, want the 250 drawn", n)
	}
	nodes := strings.Count(env.Anon().Get("/network-map/nodes.csv").Status(t, 200).Body, "\n") - 1
	if nodes <= 250 {
		t.Fatalf("the generated network has only %d organisations", nodes)
	}
	if !strings.Contains(body, strconv.Itoa(nodes)+" organisations") {
		t.Errorf("the page does not give the whole network's size (%d)", nodes)
	}
}
