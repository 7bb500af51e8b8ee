package strategy

import (
	"context"
	"fmt"
	"os"
	"strings"

	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// Importers is `partnerhub import strategy FILE`: a strategy file (JSON,
// checked against schema/strategy.schema.json and the measures that
// exist) replaces the stored strategy in one transaction; a file with any
// problem is refused whole, naming each problem at its JSON path.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{
		"strategy": func(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
			data, err := os.ReadFile(file)
			if err != nil {
				return nil, err
			}
			return s.Import(ctx, data, dryRun)
		},
	}
}

// Import checks a strategy file and, unless dryRun, puts it in place of
// the stored strategy.
func (s *Service) Import(ctx context.Context, data []byte, dryRun bool) (*importing.Report, error) {
	known := knownKeys(s.Sources())
	doc, problems := Parse(data, func(k string) bool { _, ok := known[k]; return ok })
	if len(problems) > 0 {
		var b strings.Builder
		fmt.Fprintf(&b, "the strategy file was refused (nothing was written); %d problem(s):", len(problems))
		for _, p := range problems {
			path := p.Path
			if path == "" || path == "/" {
				path = "(the file)"
			}
			fmt.Fprintf(&b, "\n  %s: %s", path, p.Message)
		}
		return nil, fmt.Errorf("%s", b.String())
	}
	rep := &importing.Report{Format: "Partnerhub strategy JSON", Unit: "item", DryRun: dryRun}
	nOutcomes := 0
	for _, a := range doc.Aims {
		nOutcomes += len(a.Outcomes)
	}
	rep.Rows = len(doc.Aims) + nOutcomes + len(doc.Milestones)
	rep.Created = rep.Rows
	rep.Also = []importing.Count{{Label: "aims", N: len(doc.Aims)}, {Label: "outcomes", N: nOutcomes}, {Label: "milestones", N: len(doc.Milestones)}}
	rep.Notes = append(rep.Notes, "The file replaces the whole stored strategy (aims, outcomes and milestones); published State of the Sector reports keep what they showed.")
	if dryRun {
		return rep, nil
	}
	err := s.DB.Write(ctx, func(tx *db.Tx) error {
		if err := Replace(ctx, tx, doc, s.Now()); err != nil {
			return err
		}
		return audit.Record(ctx, tx, 0, "strategy.import", "strategy", 1, doc.Title)
	})
	if err != nil {
		return nil, err
	}
	return rep, nil
}
