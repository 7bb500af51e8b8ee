package partnerships

import (
	"context"

	"partnerhub/internal/db"
)

// The consortium definition is also a document of the library (issue 18):
// its versions and criteria stay here, one record, and the library reads
// them through (partnerships cannot import the library, so the library
// hooks in here, wired in internal/app).

// DefinitionHooks are told, in the same transaction, when a version of the
// definition is adopted: the library keeps its document's review date.
type DefinitionHook func(ctx context.Context, tx *db.Tx, d *Definition) error

// DefinitionDoc describes the library document of the definition: its
// page and its owner (empty: the administrators).
type DefinitionDoc struct{ URL, Owner string }

// AddDefinitionHook registers a hook run when a version is adopted.
func (s *Service) AddDefinitionHook(h DefinitionHook) {
	s.definitionHooks = append(s.definitionHooks, h)
}

// SetDefinitionDoc names where the definition's library document is, for
// the definition page's link; ok false leaves the link out.
func (s *Service) SetDefinitionDoc(f func(ctx context.Context) (DefinitionDoc, bool)) {
	s.definitionDoc = f
}

func (s *Service) runDefinitionHooks(ctx context.Context, tx *db.Tx, d *Definition) error {
	for _, h := range s.definitionHooks {
		if err := h(ctx, tx, d); err != nil {
			return err
		}
	}
	return nil
}

// CriterionCounts counts, for each criterion of one version, the public consortia
// that confirm they meet it.
func CriterionCounts(ctx context.Context, q db.Querier, defID int64) (map[int64]int, error) {
	out := map[int64]int{}
	rows, err := q.QueryContext(ctx, `SELECT m.criterion_id, COUNT(*) FROM consortium_criteria_met m JOIN consortium_criteria c ON c.id = m.criterion_id
		JOIN partnerships p ON p.id = m.partnership_id WHERE c.definition_id = $1 AND p.visibility = 'public' GROUP BY m.criterion_id`, defID)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	for rows.Next() {
		var id int64
		var n int
		if err := rows.Scan(&id, &n); err != nil {
			return nil, err
		}
		out[id] = n
	}
	return out, rows.Err()
}
