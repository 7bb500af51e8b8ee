package accounts

import (
	"maps"
	"sync"
	"sync/atomic"
	"time"

	"partnerhub/internal/db"
	"partnerhub/internal/web"
)

// The signed-in identity (session, user, memberships, whether a second
// factor is needed) is kept per session for a short while, so a signed-in
// page does not pay its identity queries on every request.
//
// Every write that changes who someone is or what they may do calls
// IdentityChanged: sign-out, disabling, password and e-mail changes, admin
// rights, memberships and roles, two-factor set-up and removal, assessors,
// an organisation's sector (commissioners), erasure. It empties every
// identity cache of this process, now and again when the transaction
// commits, so no request started before the commit can keep the old
// identity. A cached identity is also used only while the database's
// state version (db.StateVersion) is the one it was read at: any commit,
// including one by another process (a second instance on PostgreSQL, the
// CLI disabling a user), makes it read again. identityTTL bounds it
// besides.

// identityTTL is how long a cached identity is used.
const identityTTL = 30 * time.Second

// identityCacheMax bounds the cached sessions; a full cache is emptied.
const identityCacheMax = 10000

// identityEpoch counts identity changes in this process.
var identityEpoch atomic.Uint64

// IdentityChanged drops every cached identity. q is the transaction (or
// database) the change is written through: a *db.Tx drops them once more
// after it commits.
func IdentityChanged(q db.Querier) {
	identityEpoch.Add(1)
	if tx, ok := q.(*db.Tx); ok {
		tx.AfterCommit(func() { identityEpoch.Add(1) })
	}
}

type cachedIdentity struct {
	id        web.Identity
	lastSeen  time.Time
	expires   time.Time
	fetched   time.Time
	epoch     uint64
	version   db.StateVersion
	versioned bool // version was read (else the entry is not kept)
}

type identityCache struct {
	mu sync.Mutex
	m  map[string]*cachedIdentity
}

// get returns a copy of the session's identity if it is cached, still
// fresh, no identity change happened since it was read and the database
// is still at version v.
func (c *identityCache) get(hash string, now time.Time, v db.StateVersion) (*cachedIdentity, bool) {
	c.mu.Lock()
	defer c.mu.Unlock()
	e, ok := c.m[hash]
	if !ok {
		return nil, false
	}
	if e.epoch != identityEpoch.Load() || e.version != v || now.Sub(e.fetched) > identityTTL || now.Before(e.fetched) {
		delete(c.m, hash)
		return nil, false
	}
	cp := *e
	cp.id.Orgs = maps.Clone(e.id.Orgs)
	return &cp, true
}

// put keeps an identity read while identityEpoch was epoch.
func (c *identityCache) put(hash string, e cachedIdentity) {
	if e.epoch != identityEpoch.Load() || !e.versioned {
		return // changed while it was read, or no version to check it by
	}
	e.id.Orgs = maps.Clone(e.id.Orgs)
	c.mu.Lock()
	defer c.mu.Unlock()
	if c.m == nil || len(c.m) >= identityCacheMax {
		c.m = map[string]*cachedIdentity{}
	}
	c.m[hash] = &e
}

// touch records a new sliding expiry of a cached session.
func (c *identityCache) touch(hash string, lastSeen, expires time.Time) {
	c.mu.Lock()
	defer c.mu.Unlock()
	if e, ok := c.m[hash]; ok {
		e.lastSeen, e.expires = lastSeen, expires
	}
}
