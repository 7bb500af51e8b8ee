package partnerships

import (
	"context"
	"database/sql"
	"errors"
	"fmt"
	"io"
	"os"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/importing"
)

// ImportColumns are the columns of a partnerships CSV, one row per membership.
var ImportColumns = []string{"partnership_ref", "name", "model", "status", "start_date", "end_date", "member_identifier", "member_role", "joined", "left"}

// ImportOptionalColumns may be left out of a partnerships CSV: origin (how
// the partnership came about, "other" when empty or missing; an imported
// partnership keeps its origin when the column is left out).
var ImportOptionalColumns = []string{"origin"}

// Importers are the `partnerhub import` kinds of this feature.
func (s *Service) Importers() map[string]importing.Func {
	return map[string]importing.Func{
		"partnerships": func(ctx context.Context, file string, dryRun bool) (*importing.Report, error) {
			f, err := os.Open(file)
			if err != nil {
				return nil, err
			}
			defer f.Close()
			res, err := Import(ctx, s.DB, f, dryRun)
			if err != nil {
				return nil, err
			}
			return res.Report, nil
		},
	}
}

// ImportResult is an import's report (Created, Updated and Unchanged
// count partnerships; Rows and Rejected count membership rows) with the
// memberships it added.
type ImportResult struct {
	*importing.Report
	MembersAdded, MembersAlready int
}

// The enumerated columns, accepted as codes or as the labels the pages
// show ("Consortium as a new legal body", "Lead").
var (
	modelEnum  = importing.NewEnum(Models, label)
	statusEnum = importing.NewEnum(Statuses, label)
	roleEnum   = importing.NewEnum(MemberRoles, label)
	originEnum = importing.NewEnum(Origins, label)
)

func label(code string) string { return codeLabels[code] }

type importRow struct {
	line                     int
	ref, name, model, status string
	origin                   string // "" when the file does not say
	start, end, joined, left *time.Time
	identifier, role         string
	orgID                    int64
}

// Import reads a partnerships CSV. Every bad row is reported with its line
// number and reason and the good rows are kept; it all happens in one
// transaction (an interrupted import writes nothing), and a dry run writes
// nothing at all. Rows are matched on partnership_ref (import_ref), so
// importing the same file twice changes nothing the second time. An error
// means the file was refused whole and nothing was written.
func Import(ctx context.Context, d *db.DB, r io.Reader, dryRun bool) (*ImportResult, error) {
	data, err := io.ReadAll(r)
	if err != nil {
		return nil, err
	}
	src, err := importing.NewCSV(data, 0)
	if err != nil {
		return nil, err
	}
	if err := src.Header().Require(ImportColumns...); err != nil {
		return nil, err
	}
	res := &ImportResult{Report: &importing.Report{Format: "Partnerships CSV", DryRun: dryRun}}
	var rows []importRow
	err = importing.Each(src, res.Report, func(rec *importing.Record) error {
		get := func(c string) string { return strings.TrimSpace(rec.Get(c)) }
		line := rec.Line
		row := importRow{line: line, ref: get("partnership_ref"), name: get("name"), identifier: strings.ToUpper(get("member_identifier"))}
		var reasons []string
		column := ""
		bad := func(col, reason string) {
			if column == "" {
				column = col
			}
			reasons = append(reasons, reason)
		}
		enum := func(e *importing.Enum, c string) string {
			code, err := e.Code(get(c))
			if err != nil {
				bad(c, c+" "+err.Error())
			}
			return code
		}
		row.model, row.status, row.role = enum(modelEnum, "model"), enum(statusEnum, "status"), enum(roleEnum, "member_role")
		if get("origin") != "" {
			row.origin = enum(originEnum, "origin")
		}
		date := func(c string) *time.Time {
			v := get(c)
			if v == "" {
				return nil
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				bad(c, fmt.Sprintf("%s %q is not a date in the form YYYY-MM-DD", c, v))
				return nil
			}
			return &t
		}
		row.start, row.end, row.joined, row.left = date("start_date"), date("end_date"), date("joined"), date("left")
		if row.ref == "" {
			bad("partnership_ref", "partnership_ref is empty")
		}
		if row.name == "" {
			bad("name", "name is empty")
		}
		if get("model") == "" {
			bad("model", fmt.Sprintf("model is empty (one of %s)", modelEnum.Describe()))
		}
		if get("status") == "" {
			bad("status", fmt.Sprintf("status is empty (one of %s)", statusEnum.Describe()))
		}
		if get("member_role") == "" {
			bad("member_role", fmt.Sprintf("member_role is empty (one of %s)", roleEnum.Describe()))
		}
		if row.start != nil && row.end != nil && row.end.Before(*row.start) {
			bad("end_date", "end_date is before start_date")
		}
		if row.joined != nil && row.left != nil && row.left.Before(*row.joined) {
			bad("left", "left is before joined")
		}
		if row.status == "ended" && row.end == nil && get("end_date") == "" {
			bad("end_date", "status is ended but end_date is empty")
		}
		if row.status != "proposed" && row.status != "forming" && row.start == nil && get("start_date") == "" && row.status != "" {
			bad("start_date", "start_date is empty (only proposed or forming partnerships may have none)")
		}
		if row.identifier == "" {
			bad("member_identifier", "member_identifier is empty")
		} else {
			err := d.Q().QueryRowContext(ctx, `SELECT organisation_id FROM org_identifiers WHERE UPPER(identifier) = $1`, row.identifier).Scan(&row.orgID)
			if errors.Is(err, sql.ErrNoRows) {
				bad("member_identifier", fmt.Sprintf("no organisation in the directory has the identifier %s", row.identifier))
			} else if err != nil {
				return err
			}
		}
		if len(reasons) > 0 {
			res.Reject(line, column, strings.Join(reasons, "; "))
			return nil
		}
		rows = append(rows, row)
		return nil
	})
	if err != nil {
		return nil, err
	}
	// The first good row of a reference defines the partnership; later
	// rows that disagree with it are rejected.
	first := map[string]*importRow{}
	var order []string
	var kept []importRow
	for i := range rows {
		row := &rows[i]
		f, ok := first[row.ref]
		if !ok {
			first[row.ref] = row
			order = append(order, row.ref)
			kept = append(kept, *row)
			continue
		}
		if f.name != row.name || f.model != row.model || f.status != row.status || isoDate(f.start) != isoDate(row.start) || isoDate(f.end) != isoDate(row.end) || (row.origin != "" && f.origin != row.origin) {
			res.Reject(row.line, "partnership_ref", fmt.Sprintf("partnership %s has a different name, model, status, dates or origin on line %d", row.ref, f.line))
			continue
		}
		kept = append(kept, *row)
	}
	err = importing.Apply(ctx, d.Write, res.Report, func(tx *db.Tx) error {
		ids := map[string]int64{}
		for _, ref := range order {
			f := first[ref]
			origin := f.origin
			if origin == "" {
				origin = "other"
			}
			p := &Partnership{Name: f.name, Model: f.model, Status: f.status, Start: f.start, End: f.end, Visibility: "public", Origin: origin, ImportRef: ref}
			var id int64
			var oldStatus string
			err := tx.QueryRowContext(ctx, `SELECT id, status FROM partnerships WHERE import_ref = $1`, ref).Scan(&id, &oldStatus)
			switch {
			case errors.Is(err, sql.ErrNoRows):
				if err := Insert(ctx, tx, p, 0); err != nil {
					return fmt.Errorf("line %d: %s", f.line, apperr.Message(err))
				}
				res.Created++
				ids[ref] = p.ID
				if err := audit.Record(ctx, tx, 0, "partnership.import", "partnership", p.ID, "created from "+ref); err != nil {
					return err
				}
			case err != nil:
				return err
			default:
				ids[ref] = id
				cur, err := ByID(ctx, tx, id)
				if err != nil {
					return err
				}
				if f.origin == "" {
					p.Origin = cur.Origin // the file does not say: kept
				}
				if cur.Name == p.Name && cur.Model == p.Model && cur.Status == p.Status && isoDate(cur.Start) == isoDate(p.Start) && isoDate(cur.End) == isoDate(p.End) && cur.Origin == p.Origin {
					res.Unchanged++
					continue
				}
				if cur.Origin != p.Origin {
					cur.OriginEventID = nil
				}
				cur.Name, cur.Model, cur.Status, cur.Start, cur.End, cur.Origin = p.Name, p.Model, p.Status, p.Start, p.End, p.Origin
				if err := Update(ctx, tx, cur, oldStatus, 0, "Imported"); err != nil {
					return fmt.Errorf("line %d: %s", f.line, apperr.Message(err))
				}
				res.Updated++
				if err := audit.Record(ctx, tx, 0, "partnership.import", "partnership", id, "updated from "+ref); err != nil {
					return err
				}
			}
		}
		for _, row := range kept {
			pid := ids[row.ref]
			var n int
			if err := tx.QueryRowContext(ctx, `SELECT COUNT(*) FROM partnership_members WHERE partnership_id = $1 AND organisation_id = $2 AND role = $3
				AND (joined_on = $4 OR (joined_on IS NULL AND $4 IS NULL)) AND (left_on = $5 OR (left_on IS NULL AND $5 IS NULL))`,
				pid, row.orgID, row.role, db.NullDay(row.joined), db.NullDay(row.left)).Scan(&n); err != nil {
				return err
			}
			if n > 0 {
				res.MembersAlready++
				continue
			}
			m := Member{PartnershipID: pid, OrgID: row.orgID, Role: row.role, Joined: row.joined, Left: row.left}
			if err := InsertMember(ctx, tx, &m); err != nil {
				return fmt.Errorf("line %d: %s", row.line, apperr.Message(err))
			}
			res.MembersAdded++
		}
		return nil
	})
	res.Sort()
	if err != nil {
		return nil, err
	}
	added, already := "memberships added", "memberships already there"
	if dryRun {
		added = "memberships would be added"
	}
	res.Also = []importing.Count{{Label: added, N: res.MembersAdded}, {Label: already, N: res.MembersAlready}}
	return res, nil
}
