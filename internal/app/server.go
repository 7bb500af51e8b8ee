package app

import (
	"net/http"

	"partnerhub/internal/web"
)

// HTTPServer returns the configured http.Server for the app.
func HTTPServer(a *App, addr string) *http.Server {
	return web.HTTPServer(addr, a.Handler, a.Logger)
}
