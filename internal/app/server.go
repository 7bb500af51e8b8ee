package app

import (
	"net/http"

	"partnerhub/internal/web"
)

// HTTPServer returns the configured http.Server for the app.
func HTTPServer(a *App, addr string) *http.Server {
	return web.HTTPServer(addr, a.Handler, a.Logger)
}

// MetricsServer returns the http.Server of the --metrics-addr listener: it
// answers GET /metrics (Prometheus text format) without sign-in and 404 to
// everything else.
func MetricsServer(a *App, addr string) *http.Server {
	mux := http.NewServeMux()
	mux.Handle("GET /metrics", a.Web.MetricsHandler())
	return web.HTTPServer(addr, mux, a.Logger)
}
