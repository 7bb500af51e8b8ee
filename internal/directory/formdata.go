package directory

import (
	"context"
	"sync"

	"partnerhub/internal/db"
	"partnerhub/internal/taxonomy"
	"partnerhub/internal/web"
)

// formData is what the directory's search form and the partner finder's
// form show whatever was asked: the three vocabularies' terms as the
// filters' choices, and when the registers were last refreshed. Reading
// them was four statements a request (and escaping some 50 terms' options
// again) on both pages; they are now read again only when the database
// has changed since (db.StateVersion: every commit, by this process or
// another, moves it), so a renamed or retired term shows on the next
// page, as before. Nothing a search finds is kept.
type formData struct {
	voc       map[string][]taxonomy.Term
	refreshes []Refresh
	// The choices made from voc: the search form's selects and the
	// finder's checkboxes (each made once for the entry, on first use).
	options, checks func() map[string]*web.Choices
}

// formCache keeps the latest formData and the version it was read at.
type formCache struct {
	mu   sync.Mutex
	ok   bool
	ver  db.StateVersion
	data *formData
}

// formData returns the forms' data, read again when the database has
// changed since it was read.
func (s *Service) formData(ctx context.Context) (*formData, error) {
	// The version is read first: what is read after it is at least as
	// new, so an entry is never older than the version it is kept under.
	ver, err := s.DB.StateVersion(ctx)
	if err != nil {
		return nil, err
	}
	c := &s.forms
	c.mu.Lock()
	if c.ok && c.ver == ver {
		fd := c.data
		c.mu.Unlock()
		return fd, nil
	}
	c.mu.Unlock()
	voc, err := vocabularies(ctx, s.q())
	if err != nil {
		return nil, err
	}
	refreshes, err := Refreshes(ctx, s.q())
	if err != nil {
		return nil, err
	}
	fd := &formData{voc: voc, refreshes: refreshes}
	fd.options = sync.OnceValue(func() map[string]*web.Choices {
		return map[string]*web.Choices{
			taxonomy.Services: termOptions(voc[taxonomy.Services]), taxonomy.ClientGroups: termOptions(voc[taxonomy.ClientGroups]),
			taxonomy.Themes: termOptions(voc[taxonomy.Themes]),
		}
	})
	fd.checks = sync.OnceValue(func() map[string]*web.Choices {
		return map[string]*web.Choices{
			taxonomy.Services:     termChecks("service", "svc", voc[taxonomy.Services]),
			taxonomy.ClientGroups: termChecks("client_group", "cg", voc[taxonomy.ClientGroups]),
			taxonomy.Themes:       termChecks("theme", "th", voc[taxonomy.Themes]),
			"ward":                wardChecks(),
		}
	})
	c.mu.Lock()
	c.ok, c.ver, c.data = true, ver, fd
	c.mu.Unlock()
	return fd, nil
}
