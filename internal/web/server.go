// Package web is Partnerhub's HTTP shell: the route table with an access
// policy per route, middleware (request ids, logs, metrics, security
// headers, body limits, cross-origin protection, panics), rendering of
// embedded templates, static assets and error pages.
package web

import (
	"context"
	"crypto/rand"
	"encoding/base64"
	"encoding/hex"
	"errors"
	"fmt"
	"log/slog"
	"net"
	"net/http"
	"net/netip"
	"runtime/debug"
	"strings"
	"sync"
	"time"

	"github.com/prometheus/client_golang/prometheus/promhttp"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/config"
	"partnerhub/internal/db"
)

// Server carries what every handler needs. It holds no global state.
type Server struct {
	Config  config.Config
	Logger  *slog.Logger
	DB      *db.DB
	Auth    Auth
	R       *Renderer
	Static  *Static
	metrics *metrics
	routes  []Route
	nav     []NavItem
	related map[string][]RelatedSource
	// resolvers read the objects of ObjectRole policies, by kind.
	resolvers map[string]Resolver
	// strong are the route paths, besides the admin area, that privileged
	// people may use only after a second factor (RequireSecondFactor).
	strong map[string]bool

	staticPages sync.Map // page name -> rendered bytes for anonymous visitors

	views *viewRecord // with RecordViews: the data types each page got

	cachedRoutes map[string]bool // patterns of the routes the page cache serves (Cached)
	pages        pageCache       // pagecache.go
}

// New builds a server shell. Auth is set by the accounts feature before
// Handler is called.
func New(cfg config.Config, logger *slog.Logger, d *db.DB) (*Server, error) {
	st, err := NewStatic()
	if err != nil {
		return nil, err
	}
	rd, err := NewRenderer(st)
	if err != nil {
		return nil, err
	}
	s := &Server{Config: cfg, Logger: logger, DB: d, R: rd, Static: st, metrics: newMetrics(d)}
	s.pages.counter = s.metrics.pageCache
	if cfg.CheckViews {
		s.RecordViews()
	}
	return s, nil
}

// CoreRoutes are the shell's own routes.
func (s *Server) CoreRoutes() []Route {
	return []Route{
		{"GET", "/static/", Public, func(w http.ResponseWriter, r *http.Request) error { s.Static.serve(w, r); return nil }},
		{"GET", "/healthz", Public, func(w http.ResponseWriter, r *http.Request) error {
			w.Header().Set("Content-Type", "text/plain; charset=utf-8")
			_, err := w.Write([]byte("ok\n"))
			return err
		}},
		{"GET", "/readyz", Public, s.readyz},
	}
}

// MetricsRoutes serve the Prometheus metrics to platform admins (request
// counts per route tell an outsider which features are used and how much).
// A scraper without an admin session reads them from the separate listen
// address --metrics-addr instead (MetricsHandler).
func (s *Server) MetricsRoutes() []Route {
	return []Route{
		{"GET", "/metrics", Admin, func(w http.ResponseWriter, r *http.Request) error {
			s.MetricsHandler().ServeHTTP(w, r)
			return nil
		}},
	}
}

// MetricsHandler is the bare Prometheus handler, for the --metrics-addr
// listener, which should be reachable only from the monitoring network.
func (s *Server) MetricsHandler() http.Handler {
	return promhttp.HandlerFor(s.metrics.reg, promhttp.HandlerOpts{})
}

func (s *Server) readyz(w http.ResponseWriter, r *http.Request) error {
	ctx, cancel := context.WithTimeout(r.Context(), 2*time.Second)
	defer cancel()
	w.Header().Set("Content-Type", "text/plain; charset=utf-8")
	w.Header().Set("Cache-Control", "no-store")
	if err := s.DB.Ping(ctx); err != nil {
		s.Logger.Warn("readiness check failed", "err", err)
		w.WriteHeader(http.StatusServiceUnavailable)
		w.Write([]byte("database unavailable\n"))
		return nil
	}
	w.Write([]byte("ready\n"))
	return nil
}

// Routes returns the route table the handler was built from.
func (s *Server) Routes() []Route { return s.routes }

// Handler builds the HTTP handler from the route table. It fails when a
// route has no policy or a pattern is declared twice.
func (s *Server) Handler(routes []Route) (http.Handler, error) {
	if s.Auth == nil {
		return nil, errors.New("web: no Auth configured")
	}
	all := append(s.CoreRoutes(), routes...)
	if err := checkRoutes(all); err != nil {
		return nil, err
	}
	if err := s.checkResolvers(all); err != nil {
		return nil, err
	}
	s.routes = all
	mux := http.NewServeMux()
	for _, rt := range all {
		mux.Handle(rt.Pattern(), s.wrap(rt))
	}
	mux.Handle("/", s.wrap(Route{Method: "", Path: "/", Policy: Public, Handler: func(w http.ResponseWriter, r *http.Request) error {
		// The path may exist for other methods: answer 405 with Allow.
		var allow []string
		for _, m := range []string{"GET", "POST", "PUT", "PATCH", "DELETE"} {
			if m == r.Method {
				continue
			}
			probe := r.Clone(r.Context())
			probe.Method = m
			if _, pattern := mux.Handler(probe); pattern != "/" && pattern != "" {
				allow = append(allow, m)
			}
		}
		if len(allow) > 0 {
			w.Header().Set("Allow", strings.Join(allow, ", "))
			return errMethod
		}
		return errNotFound
	}}))
	cop := http.NewCrossOriginProtection()
	cop.SetDenyHandler(http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		s.Error(w, r, apperr.Errorf(apperr.EFORBIDDEN, "Cross-site requests are not allowed. Go back, reload the page and try again."))
	}))
	var h http.Handler = cop.Handler(mux)
	h = s.limitBody(h)
	h = s.securityHeaders(h)
	h = s.recoverer(h)
	h = compress(h)
	h = s.logRequests(h)
	return h, nil
}

type reqInfo struct {
	route string
}

type infoKey struct{}

// wrap applies identification, the route's policy and error rendering.
func (s *Server) wrap(rt Route) http.Handler {
	pattern := rt.Pattern()
	if rt.Method == "" {
		pattern = ""
	}
	cached := s.cachedRoutes[pattern] && s.DB != nil
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		if info, ok := r.Context().Value(infoKey{}).(*reqInfo); ok {
			info.route = pattern
		}
		if strings.HasPrefix(rt.Path, "/static/") || rt.Path == "/healthz" || rt.Path == "/readyz" {
			if err := rt.Handler(w, r); err != nil {
				s.Error(w, r, err)
			}
			return
		}
		if s.DB != nil && len(r.Header["Cookie"]) > 0 {
			// The identity and the page cache check their entries against
			// one reading of the database's state version.
			r = r.WithContext(s.DB.WithVersionMemo(r.Context()))
		}
		id, err := s.Auth.Identify(r)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		ctx := WithIdentity(r.Context(), id)
		if id != nil {
			name := id.Email
			if id.Token != "" {
				name += " (API token: " + id.Token + ")"
			}
			ctx = audit.WithActor(ctx, audit.Actor{UserID: id.UserID, Name: name, RequestID: RequestID(ctx)})
			w.Header().Set("Cache-Control", "no-store")
		} else {
			ctx = audit.WithActor(ctx, audit.Actor{RequestID: RequestID(ctx)})
		}
		r = r.WithContext(ctx)
		var fill *pageFill
		if cached {
			var hit bool
			if hit, fill = s.lookupPage(w, r, id); hit {
				return
			}
		}
		r2, err := s.authorize(w, r, rt.Policy)
		if err != nil {
			s.Error(w, r, err)
			return
		}
		if r2 == nil {
			return
		}
		if done, err := s.secondFactorGate(w, r2, rt, id); done || err != nil {
			if err != nil {
				s.Error(w, r2, err)
			}
			return
		}
		if fill != nil {
			if err := s.fillPage(fill, w, r2, rt.Handler); err != nil {
				s.Error(w, r2, err)
			}
			return
		}
		if err := rt.Handler(w, r2); err != nil {
			s.Error(w, r2, err)
		}
	})
}

type statusWriter struct {
	http.ResponseWriter
	status int
	bytes  int
}

func (w *statusWriter) WriteHeader(code int) {
	if w.status == 0 {
		w.status = code
	}
	w.ResponseWriter.WriteHeader(code)
}

func (w *statusWriter) Write(b []byte) (int, error) {
	if w.status == 0 {
		w.status = http.StatusOK
	}
	n, err := w.ResponseWriter.Write(b)
	w.bytes += n
	return n, err
}

func (w *statusWriter) Unwrap() http.ResponseWriter { return w.ResponseWriter }

func newID() string {
	b := make([]byte, 8)
	rand.Read(b)
	return hex.EncodeToString(b)
}

func (s *Server) logRequests(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		start := time.Now()
		rid := newID()
		info := &reqInfo{}
		ctx := context.WithValue(r.Context(), requestIDKey, rid)
		ctx = context.WithValue(ctx, infoKey{}, info)
		w.Header().Set("X-Request-Id", rid)
		sw := &statusWriter{ResponseWriter: w}
		next.ServeHTTP(sw, r.WithContext(ctx))
		if sw.status == 0 {
			sw.status = http.StatusOK
		}
		d := time.Since(start)
		s.metrics.observe(info.route, r.Method, sw.status, d)
		lvl := slog.LevelInfo
		if strings.HasPrefix(r.URL.Path, "/static/") || r.URL.Path == "/healthz" || r.URL.Path == "/metrics" {
			lvl = slog.LevelDebug
		}
		s.Logger.Log(ctx, lvl, "request", "request_id", rid, "method", r.Method, "path", r.URL.Path, "route", info.route,
			"status", sw.status, "bytes", sw.bytes, "duration_ms", float64(d.Microseconds())/1000, "ip", s.ClientIP(r))
	})
}

func (s *Server) recoverer(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		defer func() {
			if v := recover(); v != nil {
				if v == http.ErrAbortHandler {
					panic(v)
				}
				s.Logger.Error("panic", "request_id", RequestID(r.Context()), "panic", fmt.Sprint(v), "stack", string(debug.Stack()))
				s.Error(w, r, apperr.Wrap(apperr.EINTERNAL, "", fmt.Errorf("panic: %v", v)))
			}
		}()
		next.ServeHTTP(w, r)
	})
}

// newNonce makes a request's CSP nonce. It uses the URL-safe base64
// alphabet, which CSP's nonce grammar allows and html/template writes
// unchanged (it writes '+' as "&#43;"), so that the page cache finds the
// nonce in a page. A variable so that a test can force a given one.
var newNonce = func() string {
	nb := make([]byte, 16)
	rand.Read(nb)
	return base64.RawURLEncoding.EncodeToString(nb)
}

func (s *Server) securityHeaders(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		nonce := newNonce()
		h := w.Header()
		h.Set("Content-Security-Policy", "default-src 'self'; script-src 'self' 'nonce-"+nonce+"'; style-src 'self'; img-src 'self' data:; font-src 'self'; connect-src 'self'; object-src 'none'; base-uri 'none'; form-action 'self'; frame-ancestors 'none'")
		h.Set("X-Content-Type-Options", "nosniff")
		h.Set("Referrer-Policy", "strict-origin-when-cross-origin")
		h.Set("X-Frame-Options", "DENY")
		h.Set("Cross-Origin-Opener-Policy", "same-origin")
		h.Set("Permissions-Policy", "camera=(), microphone=(), geolocation=(), payment=()")
		if s.IsSecure(r) {
			h.Set("Strict-Transport-Security", "max-age=63072000; includeSubDomains")
		}
		next.ServeHTTP(w, r.WithContext(context.WithValue(r.Context(), nonceKey, nonce)))
	})
}

func (s *Server) limitBody(next http.Handler) http.Handler {
	return http.HandlerFunc(func(w http.ResponseWriter, r *http.Request) {
		limit := s.Config.MaxBodyBytes
		if limit <= 0 {
			limit = 10 << 20
		}
		// An upload form over the limit is answered by its handler, on the
		// form, with what was typed kept (uploads.ReadForm reads up to the
		// limit); any other body over it is refused before it is read.
		if r.ContentLength > limit && !strings.HasPrefix(r.Header.Get("Content-Type"), "multipart/form-data") {
			s.Error(w, r, apperr.Errorf(apperr.ETOOLARGE, "The request body is larger than this server accepts."))
			return
		}
		if r.Body != nil {
			r.Body = http.MaxBytesReader(w, r.Body, limit)
		}
		next.ServeHTTP(w, r)
	})
}

// ParseForm parses a form body, turning an oversized body into a 413 error
// and a malformed one into a 400-class error.
func ParseForm(r *http.Request) error {
	if err := r.ParseForm(); err != nil {
		var mbe *http.MaxBytesError
		if errors.As(err, &mbe) {
			return apperr.Errorf(apperr.ETOOLARGE, "The request body is larger than this server accepts.")
		}
		return apperr.Errorf(apperr.EINVALID, "The form could not be read.")
	}
	return nil
}

// ClientIP is the caller's address, from X-Forwarded-For when trusted.
//
// Each proxy appends the address it was called from, so only the right-most
// entries were written by proxies we trust; whatever is left of them came
// from the client, which can write anything there. The client is the entry
// Config.ProxyHops places from the right (or the left-most when there are
// fewer, all of them appended by trusted proxies). An entry that is not an
// IP address is not believed: the peer's address is used instead.
func (s *Server) ClientIP(r *http.Request) string {
	if s.Config.TrustProxy {
		var hops []string
		for _, h := range r.Header.Values("X-Forwarded-For") {
			hops = append(hops, strings.Split(h, ",")...)
		}
		if len(hops) > 0 {
			n := max(s.Config.ProxyHops, 1)
			ip, err := netip.ParseAddr(strings.TrimSpace(hops[max(len(hops)-n, 0)]))
			if err == nil {
				return ip.Unmap().String()
			}
		}
	}
	host, _, err := net.SplitHostPort(r.RemoteAddr)
	if err != nil {
		return r.RemoteAddr
	}
	return host
}

// IsSecure reports whether cookies should be Secure for this request.
func (s *Server) IsSecure(r *http.Request) bool {
	if s.Config.SecureCookie || r.TLS != nil {
		return true
	}
	return s.Config.TrustProxy && r.Header.Get("X-Forwarded-Proto") == "https"
}

// HTTPServer returns an http.Server with timeouts set.
func HTTPServer(addr string, h http.Handler, logger *slog.Logger) *http.Server {
	return &http.Server{
		Addr:              addr,
		Handler:           h,
		ReadHeaderTimeout: 10 * time.Second,
		ReadTimeout:       60 * time.Second,
		WriteTimeout:      120 * time.Second,
		IdleTimeout:       120 * time.Second,
		MaxHeaderBytes:    64 << 10,
		ErrorLog:          slog.NewLogLogger(logger.Handler(), slog.LevelWarn),
	}
}
