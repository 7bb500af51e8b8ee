package partnerships

import (
	"context"

	"partnerhub/internal/db"
)

// RelatedSource lets another feature list its records about a partnership
// on the partnership's page (the library's news articles about it), the
// way MeasureSource adds figures to the measures.
type RelatedSource struct {
	Heading string // the section's heading, e.g. "News"
	Links   func(ctx context.Context, q db.Querier, partnershipID int64) ([]RelatedLink, error)
}

// RelatedLink is one record shown in a RelatedSource's section.
type RelatedLink struct{ Title, Href, Meta string }

// relatedSection is a RelatedSource's section with its links.
type relatedSection struct {
	Heading string
	Links   []RelatedLink
}

// AddRelated adds a feature's section to every partnership page. Call it
// while the program is wired, before serving.
func (s *Service) AddRelated(src RelatedSource) { s.Related = append(s.Related, src) }

// relatedSections runs every source for a partnership; a source with no
// links adds no section.
func (s *Service) relatedSections(ctx context.Context, pid int64) ([]relatedSection, error) {
	var out []relatedSection
	for _, src := range s.Related {
		links, err := src.Links(ctx, s.DB.Q(), pid)
		if err != nil {
			return nil, err
		}
		if len(links) > 0 {
			out = append(out, relatedSection{Heading: src.Heading, Links: links})
		}
	}
	return out, nil
}
