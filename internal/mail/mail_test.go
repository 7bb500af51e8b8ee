package mail_test

import (
	"context"
	"errors"
	"io"
	"log/slog"
	"sync"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/mail"
)

func TestOutboxDeliversOnceAndRetries(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		for _, to := range []string{"a@example.org", "b@example.org", "fail@example.org"} {
			if err := mail.Enqueue(ctx, d.W(), mail.Message{To: to, Subject: "Hello", Body: "Hi", Kind: "test"}); err != nil {
				t.Fatal(err)
			}
		}
		if err := mail.Enqueue(ctx, d.W(), mail.Message{To: "not an address", Subject: "x"}); !apperr.Is(err, apperr.EINVALID) {
			t.Fatalf("bad address: %v", err)
		}
		var mu sync.Mutex
		got := map[string]int{}
		s := &mail.Sender{DB: d, Logger: slog.New(slog.NewTextHandler(io.Discard, nil)), Send: func(ctx context.Context, o mail.Outgoing) error {
			mu.Lock()
			defer mu.Unlock()
			got[o.To]++
			if o.To == "fail@example.org" {
				return errors.New("mailbox unavailable")
			}
			return nil
		}}
		// Two senders at once (as two processes would) deliver each message once.
		var wg sync.WaitGroup
		for i := 0; i < 2; i++ {
			wg.Add(1)
			go func() { defer wg.Done(); s.RunOnce(ctx) }()
		}
		wg.Wait()
		if got["a@example.org"] != 1 || got["b@example.org"] != 1 {
			t.Fatalf("deliveries: %v", got)
		}
		msgs, total, err := mail.Recent(ctx, d.Q(), "fail@example.org", 10, 0)
		if err != nil || total != 1 || msgs[0].SentAt != nil || msgs[0].LastError == "" {
			t.Fatalf("failed message: %+v %v", msgs, err)
		}
		// Delivered messages are not sent again.
		if n, _ := s.RunOnce(ctx); n != 0 {
			t.Fatalf("resent %d", n)
		}
	})
}

// Subjects are built from names and titles people typed; a line break in
// one must not make the action fail (a booking on an event whose title
// had one used to answer "email subject has a line break") and must be
// stored as one line.
func TestEnqueueSubjectIsOneLine(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		if err := mail.Enqueue(ctx, d.W(), mail.Message{To: "a@example.org", Subject: "Booked: Bad\r\nTitle\u2028here", Body: "Hi", Kind: "test"}); err != nil {
			t.Fatal(err)
		}
		msgs, _, err := mail.Recent(ctx, d.Q(), "a@example.org", 10, 0)
		if err != nil || len(msgs) != 1 || msgs[0].Subject != "Booked: Bad Title here" {
			t.Fatalf("stored %+v %v", msgs, err)
		}
	})
}
