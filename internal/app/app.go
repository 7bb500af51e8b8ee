// Package app wires Partnerhub together: the web shell, every feature, the
// route table and the background jobs. cmd/partnerhub and the tests build
// the whole program through Build.
package app

import (
	"context"
	"fmt"
	"log/slog"
	"net/http"
	"sort"
	"time"

	"partnerhub/internal/accounts"
	"partnerhub/internal/assess"
	"partnerhub/internal/bids"
	"partnerhub/internal/config"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
	"partnerhub/internal/events"
	"partnerhub/internal/grants"
	"partnerhub/internal/importing"
	"partnerhub/internal/jobs"
	"partnerhub/internal/library"
	"partnerhub/internal/mail"
	"partnerhub/internal/notify"
	"partnerhub/internal/ocds"
	"partnerhub/internal/opportunities"
	"partnerhub/internal/outcomes"
	"partnerhub/internal/partnerships"
	"partnerhub/internal/privacy"
	"partnerhub/internal/retention"
	"partnerhub/internal/secretkey"
	"partnerhub/internal/strategy"
	"partnerhub/internal/web"
)

// App is one running Partnerhub.
type App struct {
	Config        config.Config
	Logger        *slog.Logger
	DB            *db.DB
	Web           *web.Server
	Accounts      *accounts.Service
	Directory     *directory.Service
	Partnerships  *partnerships.Service
	Events        *events.Service
	Assess        *assess.Service
	Opportunities *opportunities.Service
	OCDS          *ocds.Service
	Outcomes      *outcomes.Service
	Bids          *bids.Service
	Jobs          *jobs.Scheduler
	Mail          *mail.Sender
	Handler       http.Handler
	Library       *library.Service
	Grants        *grants.Service
	Strategy      *strategy.Service
	// Retention deletes what is past its retention period (daily job);
	// features with personal data of their own Register their rules.
	Retention *retention.Service
	// Importers are the `partnerhub import KIND FILE` commands by kind.
	Importers map[string]ImportFunc
}

// ImportFunc imports a file; with dryRun it reports and writes nothing.
type ImportFunc = importing.Func

// feature is what every feature package's Service provides.
type feature interface {
	Templates(*web.Renderer) error
	Routes() []web.Route
}

// Optional feature parts.
type (
	withJobs      interface{ Jobs() []jobs.Job }
	withNav       interface{ Nav() []web.NavItem }
	withImporters interface {
		Importers() map[string]ImportFunc
	}
)

// Build assembles the program over an open, migrated database.
//
// It refuses a configuration with no data directory and no
// PARTNERHUB_SECRET_KEY (config.RequireSecretKey): it seals any plain
// two-factor secret it finds, and a key made up for this process would
// lose them. The commands check it earlier too, for a usage error before
// opening the database; this check is for the ones that forget.
func Build(cfg config.Config, logger *slog.Logger, d *db.DB) (*App, error) {
	if err := cfg.RequireSecretKey(); err != nil {
		return nil, err
	}
	w, err := web.New(cfg, logger, d)
	if err != nil {
		return nil, err
	}
	a := &App{Config: cfg, Logger: logger, DB: d, Web: w, Importers: map[string]ImportFunc{}}
	a.Accounts = accounts.New(d, w)
	// The server's key seals two-factor secrets; plain ones written before
	// sealing (or by a demo given no key) are sealed now.
	if a.Accounts.Key, err = secretkey.Load(cfg.DataDir, cfg.SecretKey); err != nil {
		return nil, fmt.Errorf("secret key: %w", err)
	}
	if n, err := accounts.SealTOTPSecrets(context.Background(), d, a.Accounts.Key); err != nil {
		return nil, fmt.Errorf("seal two-factor secrets: %w", err)
	} else if n > 0 {
		logger.Info("sealed two-factor secrets stored in plain text", "count", n)
	}
	w.Auth = a.Accounts
	a.Directory = directory.New(d, w)
	a.Partnerships = partnerships.New(d, w)
	a.Events = events.New(d, w)
	a.Assess = assess.New(d, w)
	// Two-factor sign-in is required of admins and assessors: the admin
	// area and the assessors' routes ask for it (web/secondfactor.go).
	a.Accounts.Privileged = append(a.Accounts.Privileged, assess.IsAssessor)
	w.RequireSecondFactor(assess.ReviewerPaths...)
	a.Opportunities = opportunities.New(d, w)
	// Every change to a published opportunity adds an OCDS release.
	a.OCDS = ocds.New(d, w, a.Opportunities.Store)
	a.Accounts.OrgPanels = append(a.Accounts.OrgPanels, a.Opportunities.FitsPanel)
	a.Outcomes = outcomes.New(d, w)
	// Commissioners' KPIs on contracts a consortium won, and the
	// directory's filter by outcomes ladder step (issue 17).
	a.Outcomes.RequiredKPIs = bids.DeliveredKPIs
	directory.SetStepFilter(directory.StepFilter{Labels: outcomes.StepNames(), SQL: outcomes.StepFilterSQL})
	a.Library = library.New(d, w)
	// News about a consortium, an event or an opportunity shows on its page.
	for _, kind := range []string{"partnership", "event", "opportunity"} {
		w.AddRelated(kind, library.RelatedNews(kind))
	}
	// The consortium definition is a library document read through from partnerships.
	a.Partnerships.AddDefinitionHook(library.DefinitionAdopted)
	a.Partnerships.SetDefinitionDoc(a.Library.DefinitionDoc)
	a.Grants = grants.New(d, w)
	a.Bids = bids.New(d, w, a.Opportunities.Store)
	// Awarded opportunities' releases carry their bids and awards.
	a.OCDS.AddSection(bids.ReleaseSection)
	// Awards in imported OCDS releases are recorded and matched to bids.
	a.OCDS.OnImportedAwards(bids.ImportedAwards)
	a.Partnerships.AddPageLink(bids.ImpactLink)
	a.Accounts.OrgPanels = append(a.Accounts.OrgPanels, a.Bids.Panel)
	a.Accounts.OrgPanels = append(a.Accounts.OrgPanels, a.Partnerships.InvitationsPanel)
	// The other features' figures among the strategy's measures (one list,
	// which the demo's reports use too); the strategy as data and the State
	// of the Sector report read them all.
	for _, src := range strategy.MeasureSources() {
		a.Partnerships.AddMeasureSource(src)
	}
	a.Strategy = strategy.New(d, w, a.Partnerships)
	// The signed-in home (/home) gathers each feature's "what needs doing".
	a.Accounts.Todos = append(a.Accounts.Todos, a.Events.Todos, a.Assess.Todos, a.Directory.Todos,
		a.Partnerships.Todos, a.Library.Todos, a.Bids.Todos, a.Opportunities.Todos, a.Outcomes.Todos)

	a.Mail = &mail.Sender{DB: d, SMTPURL: cfg.SMTPURL, From: cfg.MailFrom, Logger: logger}
	a.Jobs = jobs.New(d, logger)
	a.Jobs.Register(jobs.Job{Name: "mail", Every: 10 * time.Second, Run: func(ctx context.Context) error {
		_, err := a.Mail.RunOnce(ctx)
		return err
	}})
	a.Retention = retention.New(d, cfg, logger)
	a.Jobs.Register(a.Retention.Job())

	features := []feature{a.Accounts, a.Directory, a.Partnerships, a.Events, a.Assess, a.Opportunities, a.OCDS, a.Outcomes, a.Library, a.Grants, a.Bids, a.Strategy, notify.New(d, w),
		privacy.New(d, w, a.Accounts)}
	var routes []web.Route
	routes = append(routes, w.InfoRoutes()...)
	routes = append(routes, w.MetricsRoutes()...)
	for _, f := range features {
		if err := f.Templates(w.R); err != nil {
			return nil, err
		}
		routes = append(routes, f.Routes()...)
		if n, ok := f.(withNav); ok {
			for _, item := range n.Nav() {
				w.AddNav(item)
			}
		}
		if j, ok := f.(withJobs); ok {
			for _, job := range j.Jobs() {
				a.Jobs.Register(job)
			}
		}
		if im, ok := f.(withImporters); ok {
			for k, fn := range im.Importers() {
				a.Importers[k] = fn
			}
		}
	}
	h, err := w.Handler(routes)
	if err != nil {
		return nil, err
	}
	a.Handler = h
	return a, nil
}

// ImportKinds lists the import kinds, sorted.
func (a *App) ImportKinds() []string {
	var out []string
	for k := range a.Importers {
		out = append(out, k)
	}
	sort.Strings(out)
	return out
}
