package web

import (
	"context"

	"partnerhub/internal/db"
)

// Related records: a feature lists its records about another feature's
// record on that record's page (the library's news about a consortium, an
// event or an opportunity) without either package importing the other.
// The program registers each source for a kind of record at start-up
// (Server.AddRelated); the page's handler asks for the sections
// (Server.RelatedSections) and its template shows them with the
// "related-sections" partial.

// RelatedSource is one feature's section on a kind of record's page.
type RelatedSource struct {
	Heading string // the section's heading, e.g. "News"
	// Links returns the feature's records about the record with id.
	Links func(ctx context.Context, q db.Querier, id int64) ([]RelatedLink, error)
}

// RelatedLink is one record shown in a section.
type RelatedLink struct{ Title, Href, Meta string }

// RelatedSection is a source's section with its links.
type RelatedSection struct {
	Heading string
	Links   []RelatedLink
}

// AddRelated adds src's section to the pages of every record of kind
// ("partnership", "event", "opportunity"). Call it before serving.
func (s *Server) AddRelated(kind string, src RelatedSource) {
	if s.related == nil {
		s.related = map[string][]RelatedSource{}
	}
	s.related[kind] = append(s.related[kind], src)
}

// RelatedSections runs every source registered for kind about the record
// id; a source with no links adds no section.
func (s *Server) RelatedSections(ctx context.Context, q db.Querier, kind string, id int64) ([]RelatedSection, error) {
	var out []RelatedSection
	for _, src := range s.related[kind] {
		links, err := src.Links(ctx, q, id)
		if err != nil {
			return nil, err
		}
		if len(links) > 0 {
			out = append(out, RelatedSection{Heading: src.Heading, Links: links})
		}
	}
	return out, nil
}
