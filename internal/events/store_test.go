package events

import (
	"context"
	"fmt"
	"sync"
	"testing"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func mkOrg(t testing.TB, d *db.DB, name, sector string) *accounts.Organisation {
	t.Helper()
	legal := "charity"
	if sector == "public" {
		legal = "public_body"
	}
	o := &accounts.Organisation{Name: name, Sector: sector, LegalForm: legal}
	if err := d.Write(context.Background(), func(tx *db.Tx) error { return accounts.InsertOrg(context.Background(), tx, o, 0) }); err != nil {
		t.Fatal(err)
	}
	return o
}

func mkEvent(t testing.TB, d *db.DB, org int64, capacity int, start time.Time, status string) *Event {
	t.Helper()
	lon := londonLoc()
	in := Input{Title: "Commissioning ready workshop", Type: TypeCommissioning, VenueName: "Solaris Centre", VenueAddress: "New South Promenade, Blackpool",
		StartDate: start.In(lon).Format("2006-01-02"), StartTime: start.In(lon).Format("15:04"),
		EndDate: start.Add(3 * time.Hour).In(lon).Format("2006-01-02"), EndTime: start.Add(3 * time.Hour).In(lon).Format("15:04"),
		Capacity: fmt.Sprint(capacity), Audience: AudienceEveryone}
	e, err := in.Validate(0)
	if err != nil {
		t.Fatal(err)
	}
	if err := d.Write(context.Background(), func(tx *db.Tx) error { return CreateEvent(context.Background(), tx, org, 0, e, status) }); err != nil {
		t.Fatal(err)
	}
	return e
}

func TestConcurrentBookingsNeverExceedCapacity(t *testing.T) {
	dbtest.Each(t, concurrentBookings)
}

// TestConcurrentBookingsThroughPgBouncer: through PgBouncer in transaction
// pooling, 196 of 200 concurrent bookings failed with `prepared statement
// "stmtcache_…" already exists` until the pooler was configured
// (--database-pooler transaction).
func TestConcurrentBookingsThroughPgBouncer(t *testing.T) {
	concurrentBookings(t, dbtest.PgBouncer(t))
}

// concurrentBookings books 200 people at once onto 50 places.
func concurrentBookings(t *testing.T, d *db.DB) {
	ctx := context.Background()
	org := mkOrg(t, d, "Third Sector Strategic Partnership", "vcs")
	e := mkEvent(t, d, org.ID, 50, time.Now().Add(72*time.Hour), StatusPublished)
	var wg sync.WaitGroup
	errs := make(chan error, 200)
	for i := 0; i < 200; i++ {
		wg.Add(1)
		go func(i int) {
			defer wg.Done()
			errs <- d.Write(ctx, func(tx *db.Tx) error {
				_, err := Book(ctx, tx, e.ID, BookRequest{Name: fmt.Sprintf("Person %d", i), Email: fmt.Sprintf("p%d@example.org", i)}, db.Now(), "http://x")
				return err
			})
		}(i)
	}
	wg.Wait()
	close(errs)
	for err := range errs {
		if err != nil {
			t.Fatal(err)
		}
	}
	counts := map[string]int{}
	rows, err := d.Q().QueryContext(ctx, `SELECT status, COUNT(*) FROM event_bookings WHERE event_id = $1 GROUP BY status`, e.ID)
	if err != nil {
		t.Fatal(err)
	}
	for rows.Next() {
		var s string
		var n int
		rows.Scan(&s, &n)
		counts[s] = n
	}
	rows.Close()
	if counts["confirmed"] != 50 || counts["waiting"] != 150 {
		t.Fatalf("got %v, want 50 confirmed and 150 waiting", counts)
	}
	got, err := GetEvent(ctx, d.Q(), e.Slug)
	if err != nil {
		t.Fatal(err)
	}
	if got.Booked != 50 {
		t.Fatalf("booked counter %d, want 50", got.Booked)
	}
}
