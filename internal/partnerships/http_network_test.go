package partnerships_test

import (
	"encoding/csv"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
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
