package web

import (
	"bytes"
	"container/list"
	"net/http"
	"slices"
	"sync"
	"sync/atomic"
	"time"

	"github.com/prometheus/client_golang/prometheus"

	"partnerhub/internal/db"
)

// The page cache keeps signed-in pages' rendered answers, so a page asked
// for again with nothing changed is written from memory instead of being
// queried and rendered again. A route opts in with Server.Cached.
//
// An answer is kept for one session and one request, and for one state of
// the database:
//
//   - The key is the session (Identity.SessionHash), the whole request URI,
//     the host, whether the request came over HTTPS and the Accept header
//     (the same handler may answer HTML, JSON or CSV). One session's page
//     can never be served to another session, nor to an API token.
//   - An entry is filled at the database's state version read before the
//     page was (db.StateVersion, the same value the request's identity was
//     checked against), and served only while the version is still the
//     same. Every commit moves it, in this process or another (the CLI, a
//     second server on PostgreSQL), so signing out, a role or membership
//     change, disabling a user, a password change, and any write a page
//     shows make the cached pages unreachable.
//   - Only 200 answers to GET requests are kept, never one that sets a
//     cookie, and no request carrying a flash message is served from or
//     fills the cache (the page that shows the message also clears it).
//   - The CSP nonce is cut out of the kept page and each answer gets its
//     request's own; compression is applied after the cache, per request.
//   - Pages that show the time ("closes in 2 days") may be up to pageTTL
//     old.
//
// The cache is bounded in entries and bytes (least recently used out
// first) and counts hits, misses and bypasses (PageCacheStats and the
// partnerhub_page_cache_total metric).

// pageTTL is the longest an entry is served, whatever the version.
const pageTTL = 30 * time.Second

// Default bounds of the page cache (SetPageCacheLimits).
const (
	defaultPageEntries   = 2000
	defaultPageBytes     = 64 << 20
	defaultPageMaxAnswer = 1 << 20 // a larger answer is not kept
)

// Cached marks a GET route whose signed-in answers may be kept in the page
// cache, and returns it: s.Web.Cached(web.Get(...)) in a route table.
func (s *Server) Cached(rt Route) Route {
	if rt.Method == http.MethodGet {
		if s.cachedRoutes == nil {
			s.cachedRoutes = map[string]bool{}
		}
		s.cachedRoutes[rt.Pattern()] = true
	}
	return rt
}

// PageCacheStats are the page cache's counts.
type PageCacheStats struct {
	Hits, Misses, Bypasses, Stores uint64
	Entries                        int
	Bytes                          int64
}

// PageCacheStats reports the page cache's counts so far.
func (s *Server) PageCacheStats() PageCacheStats {
	c := &s.pages
	c.mu.Lock()
	defer c.mu.Unlock()
	return PageCacheStats{Hits: c.hits.Load(), Misses: c.misses.Load(), Bypasses: c.bypasses.Load(), Stores: c.stores.Load(),
		Entries: c.lru.Len(), Bytes: c.bytes}
}

// SetPageCacheLimits bounds the page cache: at most entries answers and
// bytes bytes of them (0 keeps the default); entries < 0 turns it off.
func (s *Server) SetPageCacheLimits(entries int, bytes int64) {
	c := &s.pages
	c.mu.Lock()
	defer c.mu.Unlock()
	c.maxEntries, c.maxBytes = entries, bytes
	c.evict()
}

type pageCache struct {
	mu         sync.Mutex
	m          map[string]*list.Element
	lru        list.List // front: most recently used; values *pageEntry
	bytes      int64
	maxEntries int
	maxBytes   int64

	hits, misses, bypasses, stores atomic.Uint64
	counter                        *prometheus.CounterVec
}

type pageEntry struct {
	key     string
	version db.StateVersion
	at      time.Time
	header  http.Header // what the handler set
	parts   [][]byte    // the body, cut where the nonce was
	size    int64
}

func (c *pageCache) limits() (int, int64) {
	n, b := c.maxEntries, c.maxBytes
	if n == 0 {
		n = defaultPageEntries
	}
	if b == 0 {
		b = defaultPageBytes
	}
	return n, b
}

func (c *pageCache) count(result string, n *atomic.Uint64) {
	n.Add(1)
	if c.counter != nil {
		c.counter.WithLabelValues(result).Inc()
	}
}

// pageKey is the cache key of a signed-in request.
func (s *Server) pageKey(r *http.Request, id *Identity) string {
	secure := "0"
	if s.IsSecure(r) {
		secure = "1"
	}
	var b bytes.Buffer
	for _, part := range []string{id.SessionHash, secure, r.Host, r.URL.RequestURI(), r.Header.Get("Accept")} {
		b.WriteString(part)
		b.WriteByte(0)
	}
	return b.String()
}

// get returns the entry for key filled at version v, if there is one.
func (c *pageCache) get(key string, v db.StateVersion, now time.Time) *pageEntry {
	c.mu.Lock()
	defer c.mu.Unlock()
	el, ok := c.m[key]
	if !ok {
		return nil
	}
	e := el.Value.(*pageEntry)
	if e.version != v || now.Sub(e.at) > pageTTL || now.Before(e.at) {
		c.remove(el)
		return nil
	}
	c.lru.MoveToFront(el)
	return e
}

func (c *pageCache) put(e *pageEntry) {
	c.mu.Lock()
	defer c.mu.Unlock()
	n, b := c.limits()
	if n < 0 || e.size > b {
		return
	}
	if c.m == nil {
		c.m = map[string]*list.Element{}
	}
	if el, ok := c.m[e.key]; ok {
		c.remove(el)
	}
	c.m[e.key] = c.lru.PushFront(e)
	c.bytes += e.size
	c.stores.Add(1)
	c.evict()
}

// evict drops the least recently used entries past the bounds.
func (c *pageCache) evict() {
	n, b := c.limits()
	for c.lru.Len() > 0 && (c.lru.Len() > max(n, 0) || c.bytes > b) {
		c.remove(c.lru.Back())
	}
}

func (c *pageCache) remove(el *list.Element) {
	e := c.lru.Remove(el).(*pageEntry)
	delete(c.m, e.key)
	c.bytes -= e.size
}

// pageFill is what fillPage keeps a missed page under.
type pageFill struct {
	key     string
	version db.StateVersion
	at      time.Time
}

// lookupPage answers a request of a cached route from the cache when it
// holds the request's page at the current state version (hit). Otherwise
// it returns how to keep the page the handler will render (nil: the
// request is not one to cache).
//
// It runs before the route's policy is applied again: an entry is only
// filled after the policy let this session have this URL, and the policy
// decides from the identity and the database, both the same while the
// state version is (the identity cache is checked against the same
// version; an expired session has no identity).
func (s *Server) lookupPage(w http.ResponseWriter, r *http.Request, id *Identity) (hit bool, fill *pageFill) {
	c := &s.pages
	if r.Method != http.MethodGet || id == nil || id.SessionHash == "" || id.Token != "" || hasFlash(r) {
		c.count("bypass", &c.bypasses)
		return false, nil
	}
	if n, _ := c.limits(); n < 0 {
		return false, nil
	}
	v, err := s.DB.StateVersion(r.Context())
	if err != nil {
		c.count("bypass", &c.bypasses)
		return false, nil // rendered uncached
	}
	key := s.pageKey(r, id)
	now := time.Now()
	e := c.get(key, v, now)
	if e == nil {
		c.count("miss", &c.misses)
		return false, &pageFill{key: key, version: v, at: now}
	}
	c.count("hit", &c.hits)
	hd := w.Header()
	for k, vs := range e.header {
		hd[k] = vs
	}
	w.WriteHeader(http.StatusOK)
	if len(e.parts) == 1 {
		w.Write(e.parts[0])
		return true, nil
	}
	nonce := []byte(Nonce(r.Context()))
	buf := bufPool.Get().(*bytes.Buffer)
	defer func() { buf.Reset(); bufPool.Put(buf) }()
	for i, p := range e.parts {
		if i > 0 {
			buf.Write(nonce)
		}
		buf.Write(p)
	}
	w.Write(buf.Bytes())
	return true, nil
}

// fillPage runs the handler and keeps its answer when it is a 200 that
// sets no cookie.
func (s *Server) fillPage(f *pageFill, w http.ResponseWriter, r *http.Request, h HandlerFunc) error {
	rec := &pageRecorder{ResponseWriter: w, before: w.Header().Clone()}
	if err := h(rec, r); err != nil {
		return err
	}
	if !rec.keep || rec.status != http.StatusOK {
		return nil
	}
	e := &pageEntry{key: f.key, version: f.version, at: f.at, header: rec.header}
	if nonce := Nonce(r.Context()); nonce != "" {
		if !nonceWrittenPlain(rec.body.Bytes(), nonce) {
			return nil
		}
		e.parts = bytes.Split(rec.body.Bytes(), []byte(nonce))
	} else {
		e.parts = [][]byte{rec.body.Bytes()}
	}
	e.size = int64(len(f.key) + rec.body.Len() + 64*len(e.header) + 24*len(e.parts) + 256)
	s.pages.put(e)
	return nil
}

// nonceWrittenPlain tells whether every nonce="..." attribute in body
// holds the request's nonce as it is. Where one does not (the nonce was
// escaped on the way out), the page cannot be cut at the nonce and must
// not be kept, or a later answer would carry this request's nonce.
func nonceWrittenPlain(body []byte, nonce string) bool {
	attr := []byte(`nonce="`)
	for {
		i := bytes.Index(body, attr)
		if i < 0 {
			return true
		}
		body = body[i+len(attr):]
		if !bytes.HasPrefix(body, []byte(nonce)) || len(body) == len(nonce) || body[len(nonce)] != '"' {
			return false
		}
	}
}

// pageRecorder passes an answer through and keeps a copy of it while it
// can be cached.
type pageRecorder struct {
	http.ResponseWriter
	before http.Header // the headers set before the handler ran
	header http.Header // those the handler set, at WriteHeader
	status int
	keep   bool
	body   bytes.Buffer
}

func (p *pageRecorder) WriteHeader(code int) {
	if p.status == 0 {
		p.status = code
		p.keep = code == http.StatusOK
		hd := p.ResponseWriter.Header()
		if _, cookie := hd["Set-Cookie"]; cookie {
			p.keep = false
		}
		if p.keep {
			p.header = http.Header{}
			for k, vs := range hd {
				if !slices.Equal(p.before[k], vs) {
					p.header[k] = slices.Clone(vs)
				}
			}
		}
	}
	p.ResponseWriter.WriteHeader(code)
}

func (p *pageRecorder) Write(b []byte) (int, error) {
	if p.status == 0 {
		p.WriteHeader(http.StatusOK)
	}
	if p.keep {
		if p.body.Len()+len(b) > defaultPageMaxAnswer {
			p.keep = false
			p.body = bytes.Buffer{}
		} else {
			p.body.Write(b)
		}
	}
	return p.ResponseWriter.Write(b)
}

func (p *pageRecorder) Unwrap() http.ResponseWriter { return p.ResponseWriter }
