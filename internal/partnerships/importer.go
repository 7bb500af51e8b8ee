package partnerships

import (
	"context"
	"database/sql"
	"encoding/csv"
	"errors"
	"fmt"
	"io"
	"os"
	"sort"
	"strings"
	"time"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
)

// ImportColumns are the columns of a partnerships CSV, one row per membership.
var ImportColumns = []string{"partnership_ref", "name", "model", "status", "start_date", "end_date", "member_identifier", "member_role", "joined", "left"}

// Importers are the `partnerhub import` kinds of this feature.
func (s *Service) Importers() map[string]func(ctx context.Context, file string, dryRun bool, out io.Writer) error {
	return map[string]func(ctx context.Context, file string, dryRun bool, out io.Writer) error{
		"partnerships": func(ctx context.Context, file string, dryRun bool, out io.Writer) error {
			f, err := os.Open(file)
			if err != nil {
				return err
			}
			defer f.Close()
			_, err = Import(ctx, s.DB, f, dryRun, out)
			return err
		},
	}
}

// ImportResult counts what an import did (or would do, on a dry run).
type ImportResult struct {
	Rows, Rejected               int
	Created, Updated, Unchanged  int
	MembersAdded, MembersAlready int
	Problems                     []string
}

var errDryRun = errors.New("dry run")

type importRow struct {
	line                     int
	ref, name, model, status string
	start, end, joined, left *time.Time
	identifier, role         string
	orgID                    int64
}

// Import reads a partnerships CSV. Every bad row is reported with its line
// number and reason and the good rows are kept; it all happens in one
// transaction (an interrupted import writes nothing), and a dry run writes
// nothing at all. Rows are matched on partnership_ref (import_ref), so
// importing the same file twice changes nothing the second time.
func Import(ctx context.Context, d *db.DB, r io.Reader, dryRun bool, out io.Writer) (*ImportResult, error) {
	cr := csv.NewReader(r)
	cr.FieldsPerRecord = -1
	header, err := cr.Read()
	if err != nil {
		return nil, fmt.Errorf("read the header row: %w", err)
	}
	col := map[string]int{}
	for i, h := range header {
		col[strings.ToLower(strings.TrimSpace(strings.TrimPrefix(h, "\ufeff")))] = i
	}
	var missing []string
	for _, c := range ImportColumns {
		if _, ok := col[c]; !ok {
			missing = append(missing, c)
		}
	}
	if len(missing) > 0 {
		return nil, fmt.Errorf("the file has no column %s (columns needed: %s)", strings.Join(missing, ", "), strings.Join(ImportColumns, ", "))
	}
	res := &ImportResult{}
	problemLines := map[string]int{}
	reject := func(line int, format string, args ...any) {
		res.Rejected++
		msg := fmt.Sprintf("line %d: %s", line, fmt.Sprintf(format, args...))
		problemLines[msg] = line
		res.Problems = append(res.Problems, msg)
	}
	var rows []importRow
	for {
		rec, err := cr.Read()
		line, _ := cr.FieldPos(0)
		if err == io.EOF {
			break
		}
		if err != nil {
			var pe *csv.ParseError
			if errors.As(err, &pe) {
				reject(pe.Line, "the row could not be read as CSV (%v)", pe.Err)
				continue
			}
			return nil, err
		}
		res.Rows++
		get := func(c string) string {
			if i := col[c]; i < len(rec) {
				return strings.TrimSpace(rec[i])
			}
			return ""
		}
		row := importRow{line: line, ref: get("partnership_ref"), name: get("name"), model: strings.ToLower(get("model")), status: strings.ToLower(get("status")),
			identifier: strings.ToUpper(get("member_identifier")), role: strings.ToLower(get("member_role"))}
		var reasons []string
		date := func(c string) *time.Time {
			v := get(c)
			if v == "" {
				return nil
			}
			t, err := time.Parse(time.DateOnly, v)
			if err != nil {
				reasons = append(reasons, fmt.Sprintf("%s %q is not a date in the form YYYY-MM-DD", c, v))
				return nil
			}
			return &t
		}
		row.start, row.end, row.joined, row.left = date("start_date"), date("end_date"), date("joined"), date("left")
		if row.ref == "" {
			reasons = append(reasons, "partnership_ref is empty")
		}
		if row.name == "" {
			reasons = append(reasons, "name is empty")
		}
		if !in(Models, row.model) {
			reasons = append(reasons, fmt.Sprintf("model %q is not one of %s", row.model, strings.Join(Models, ", ")))
		}
		if !in(Statuses, row.status) {
			reasons = append(reasons, fmt.Sprintf("status %q is not one of %s", row.status, strings.Join(Statuses, ", ")))
		}
		if !in(MemberRoles, row.role) {
			reasons = append(reasons, fmt.Sprintf("member_role %q is not one of %s", row.role, strings.Join(MemberRoles, ", ")))
		}
		if row.start != nil && row.end != nil && row.end.Before(*row.start) {
			reasons = append(reasons, "end_date is before start_date")
		}
		if row.joined != nil && row.left != nil && row.left.Before(*row.joined) {
			reasons = append(reasons, "left is before joined")
		}
		if row.status == "ended" && row.end == nil && get("end_date") == "" {
			reasons = append(reasons, "status is ended but end_date is empty")
		}
		if row.status != "proposed" && row.status != "forming" && row.start == nil && get("start_date") == "" && row.status != "" {
			reasons = append(reasons, "start_date is empty (only proposed or forming partnerships may have none)")
		}
		if row.identifier == "" {
			reasons = append(reasons, "member_identifier is empty")
		} else {
			err := d.Q().QueryRowContext(ctx, `SELECT organisation_id FROM org_identifiers WHERE UPPER(identifier) = $1`, row.identifier).Scan(&row.orgID)
			if errors.Is(err, sql.ErrNoRows) {
				reasons = append(reasons, fmt.Sprintf("no organisation in the directory has the identifier %s", row.identifier))
			} else if err != nil {
				return nil, err
			}
		}
		if len(reasons) > 0 {
			reject(line, "%s", strings.Join(reasons, "; "))
			continue
		}
		rows = append(rows, row)
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
		if f.name != row.name || f.model != row.model || f.status != row.status || isoDate(f.start) != isoDate(row.start) || isoDate(f.end) != isoDate(row.end) {
			reject(row.line, "partnership %s has a different name, model, status or dates on line %d", row.ref, f.line)
			continue
		}
		kept = append(kept, *row)
	}
	err = d.Write(ctx, func(tx *db.Tx) error {
		ids := map[string]int64{}
		for _, ref := range order {
			f := first[ref]
			p := &Partnership{Name: f.name, Model: f.model, Status: f.status, Start: f.start, End: f.end, Visibility: "public", Origin: "other", ImportRef: ref}
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
				if cur.Name == p.Name && cur.Model == p.Model && cur.Status == p.Status && isoDate(cur.Start) == isoDate(p.Start) && isoDate(cur.End) == isoDate(p.End) {
					res.Unchanged++
					continue
				}
				cur.Name, cur.Model, cur.Status, cur.Start, cur.End = p.Name, p.Model, p.Status, p.Start, p.End
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
				pid, row.orgID, row.role, dateArg(row.joined), dateArg(row.left)).Scan(&n); err != nil {
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
		if dryRun {
			return errDryRun
		}
		return nil
	})
	if err != nil && !errors.Is(err, errDryRun) {
		return res, err
	}
	sort.SliceStable(res.Problems, func(i, j int) bool { return problemLines[res.Problems[i]] < problemLines[res.Problems[j]] })
	for _, p := range res.Problems {
		fmt.Fprintln(out, p)
	}
	verb := "Imported"
	if dryRun {
		verb = "Dry run (nothing written): would import"
	}
	fmt.Fprintf(out, "%s %d rows: %d partnerships created, %d updated, %d unchanged; %d memberships added, %d already there; %d rows rejected.\n",
		verb, res.Rows, res.Created, res.Updated, res.Unchanged, res.MembersAdded, res.MembersAlready, res.Rejected)
	if res.Rejected > 0 {
		return res, fmt.Errorf("%d of %d rows were rejected (listed above); the other rows were %s", res.Rejected, res.Rows, map[bool]string{true: "checked", false: "imported"}[dryRun])
	}
	return res, nil
}
