// Package app wires Partnerhub together: the web shell, every feature, the
// route table and the background jobs. cmd/partnerhub and the tests build
// the whole program through Build.
package app

import (
	"context"
	"log/slog"
	"net/http"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/jobs"
	"partnerhub/internal/mail"
	"partnerhub/internal/web"
)

// App is one running Partnerhub.
type App struct {
	Config   config.Config
	Logger   *slog.Logger
	DB       *db.DB
	Web      *web.Server
	Accounts *accounts.Service
	Jobs     *jobs.Scheduler
	Mail     *mail.Sender
	Handler  http.Handler
}

// Build assembles the program over an open, migrated database.
func Build(cfg config.Config, logger *slog.Logger, d *db.DB) (*App, error) {
	w, err := web.New(cfg, logger, d)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, DB: d, Web: w}
	a.Accounts = accounts.New(d, w)
	w.Auth = a.Accounts

	features := []feature{a.Accounts}
	for _, f := range features {
		if err := f.Templates(w.R); err != nil {
			return nil, err
		}
	}
	h, err := w.Handler(a.RouteTable(features))
	if err != nil {
		return nil, err
	}
	a.Handler = h

	a.Mail = &mail.Sender{DB: d, SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Logger: logger}
	a.Jobs = jobs.New(d, logger)
	a.Jobs.Register(jobs.Job{Name: "mail", Every: 10 * time.Second, Run: func(ctx context.Context) error {
		_, err := a.Mail.RunOnce(ctx)
		return err
	}})
	a.Jobs.Register(jobs.Job{Name: "cleanup", Every: time.Hour, Run: a.Accounts.Cleanup})
	return a, nil
}

type feature interface {
	Templates(*web.Renderer) error
	Routes() []web.Route
}

// RouteTable is every feature's routes: the one table that the
// authorization tests walk. The web shell adds its own core routes.
func (a *App) RouteTable(features []feature) []web.Route {
	routes := a.Web.InfoRoutes()
	for _, f := range features {
		routes = append(routes, f.Routes()...)
	}
	return routes
}
