package accounts

import (
	"context"
	"sync"
	"time"

	"partnerhub/internal/db"
)

// Sessions slide: each use moves a session's expiry to SessionTTL from
// now, written at most every touchEvery per session. Written one at a
// time, those writes were commits like any other, and every commit moves
// the database's state version, which empties every session's cached
// pages and identities (web's page cache, identity_cache.go): with many
// people signed in, the caches were emptied several times a second.
//
// So a session's new expiry is kept in memory and written with every other
// one waiting, in one transaction, touchFlushEvery after the first of them
// was kept (and when the server stops, FlushSessionTouches). The caches are
// then emptied at most once per touchFlushEvery by expiry writes, however
// many people are signed in. Nothing else changes: the batch is an ordinary
// commit (it moves the state version like any other), and it only extends
// sessions that still exist and have not expired by the time it runs, so
// it never brings back one that was signed out, or ended some other way,
// while its touch waited.
//
// A session whose stored expiry is less than touchUrgent away is written at
// once, as before, so a waiting touch can never let the stored expiry pass
// (the retention job deletes expired sessions, and an identity read again
// from the database checks it).

// touchEvery is how often a session's sliding expiry is written at most.
const touchEvery = 5 * time.Minute

// touchFlushEvery is how long a session's new expiry waits in memory.
const touchFlushEvery = time.Minute

// touchUrgent: a session whose stored expiry is nearer than this is
// written at once.
const touchUrgent = time.Hour

type sessionTouch struct{ lastSeen, expires time.Time }

type sessionTouches struct {
	mu      sync.Mutex
	pending map[string]sessionTouch // by session id hash
	timer   *time.Timer
	// flushing is held while a batch is written, so FlushSessionTouches
	// at shutdown returns only after a timer's batch already under way.
	flushing sync.Mutex
}

// touchSession records that the session hash was used at now: its expiry
// becomes now+ttl. stored is its expiry as the database has it.
func (s *Service) touchSession(ctx context.Context, hash string, now, stored time.Time, ttl time.Duration) {
	t := sessionTouch{lastSeen: now, expires: now.Add(ttl)}
	s.identities.touch(hash, t.lastSeen, t.expires)
	if stored.Sub(now) < touchUrgent {
		writeTouch(ctx, s.DB.W(), hash, t, now)
		return
	}
	c := &s.touches
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.pending == nil {
		c.pending = map[string]sessionTouch{}
	}
	c.pending[hash] = t
	if c.timer == nil {
		c.timer = time.AfterFunc(touchFlushEvery, func() {
			ctx, cancel := context.WithTimeout(context.Background(), 30*time.Second)
			defer cancel()
			if err := s.FlushSessionTouches(ctx); err != nil && s.Web != nil && s.Web.Logger != nil {
				s.Web.Logger.Error("writing the sessions' last use", "err", err)
			}
		})
	}
}

// FlushSessionTouches writes the sessions' sliding expiries waiting in
// memory (the server calls it when it stops). A session signed out or
// expired since is left as it is.
func (s *Service) FlushSessionTouches(ctx context.Context) error {
	c := &s.touches
	c.flushing.Lock()
	defer c.flushing.Unlock()
	c.mu.Lock()
	pending := c.pending
	c.pending = nil
	if c.timer != nil {
		c.timer.Stop()
		c.timer = nil
	}
	c.mu.Unlock()
	if len(pending) == 0 {
		return nil
	}
	now := db.Now()
	return s.DB.Write(ctx, func(tx *db.Tx) error {
		for hash, t := range pending {
			if err := writeTouch(ctx, tx, hash, t, now); err != nil {
				return err
			}
		}
		return nil
	})
}

// writeTouch writes a session's new expiry, unless the session is gone or
// its stored expiry has passed at now (then it ended, and stays ended), or
// a later use of it was written already (a batch that waited never
// overwrites a newer touch). The expiry is now+ttl of this use, so a
// smaller --session-ttl shortens a session at its next touch, as before
// the batches.
func writeTouch(ctx context.Context, q db.Querier, hash string, t sessionTouch, now time.Time) error {
	_, err := q.ExecContext(ctx, `UPDATE sessions SET last_seen_at = $1, expires_at = $2 WHERE id_hash = $3 AND expires_at > $4 AND last_seen_at < $1`,
		t.lastSeen, t.expires, hash, now)
	return db.Err(err, "")
}
