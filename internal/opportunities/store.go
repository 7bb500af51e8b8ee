package opportunities

import (
	"context"
	"database/sql"
	"fmt"
	"slices"
	"sort"
	"strconv"
	"strings"
	"time"

	"github.com/google/uuid"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/clean"
	"partnerhub/internal/db"
	"partnerhub/internal/directory"
)

// Change is what a write did to an opportunity, told to every hook
// registered with Store.OnChange inside the same transaction (the OCDS
// publisher writes a release from it).
type Change struct {
	// Action: create, update, publish, close, cancel, award.
	Action string
	// Before is the opportunity as it was (nil on create); After as it is
	// now, with its lots and requirements.
	Before, After *Opportunity
	// Summary is the amendment's words when the opportunity was already
	// published ("" otherwise).
	Summary string
	At      time.Time
	UserID  int64
}

// ChangeHook runs inside the write transaction; an error rolls it back.
type ChangeHook func(ctx context.Context, tx *db.Tx, c Change) error

// Store writes opportunities. Reads are package functions taking a
// db.Querier. The zero Store has no hooks.
type Store struct {
	hooks []ChangeHook
}

// OnChange registers h to run on every change (call at start-up, before
// serving).
func (s *Store) OnChange(h ChangeHook) { s.hooks = append(s.hooks, h) }

func (s *Store) tell(ctx context.Context, tx *db.Tx, c Change) error {
	for _, h := range s.hooks {
		if err := h(ctx, tx, c); err != nil {
			return err
		}
	}
	return nil
}

const oppCols = `p.id, p.uuid, p.slug, p.ocid, p.kind, p.status, p.title, p.description, p.buyer_org_id, o.name, o.slug,
	p.contact_name, p.contact_email, p.value_min_pence, p.value_max_pence, p.currency, p.contract_start, p.contract_end,
	p.published_at, p.questions_close_at, p.eoi_deadline, p.submission_deadline, p.award_expected, p.procedure, p.cpv_codes,
	p.suitable_sme, p.suitable_vcse, p.reserved_vcse, p.commissioning_ready_required, p.source_url, COALESCE(p.created_by, 0),
	p.created_at, p.updated_at`

const oppFrom = ` FROM opportunities p JOIN organisations o ON o.id = p.buyer_org_id`

// scanOpp reads oppCols into an opportunity; extra receives the columns
// a query selects after them.
func scanOpp(row interface{ Scan(...any) error }, extra ...any) (*Opportunity, error) {
	var o Opportunity
	var vmin, vmax sql.NullInt64
	var cs, ce, pub, qc, eoi, sub, award sql.NullTime
	var cpv string
	err := row.Scan(append([]any{&o.ID, &o.UUID, &o.Slug, &o.OCID, &o.Kind, &o.Status, &o.Title, &o.Description, &o.BuyerID, &o.BuyerName, &o.BuyerSlug,
		&o.ContactName, &o.ContactEmail, &vmin, &vmax, &o.Currency, &cs, &ce, &pub, &qc, &eoi, &sub, &award, &o.Procedure, &cpv,
		&o.SuitableSME, &o.SuitableVCSE, &o.ReservedVCSE, &o.CommissioningReadyRequired, &o.SourceURL, &o.CreatedBy,
		&o.CreatedAt, &o.UpdatedAt}, extra...)...)
	if err != nil {
		return nil, err
	}
	o.ValueMin, o.ValueMax = db.Int64Ptr(vmin), db.Int64Ptr(vmax)
	o.ContractStart, o.ContractEnd, o.AwardExpected = db.TimePtr(cs), db.TimePtr(ce), db.TimePtr(award)
	o.PublishedAt, o.QuestionsCloseAt, o.EOIDeadline, o.SubmissionDeadline = db.TimePtr(pub), db.TimePtr(qc), db.TimePtr(eoi), db.TimePtr(sub)
	o.CPVCodes = strings.Fields(cpv)
	o.CreatedAt, o.UpdatedAt = o.CreatedAt.UTC(), o.UpdatedAt.UTC()
	return &o, nil
}

// Get loads an opportunity by id or slug, with its lots and requirements.
// Visibility (drafts) is the caller's to check.
func Get(ctx context.Context, q db.Querier, key string) (*Opportunity, error) {
	where, arg := "p.slug = $1", any(key)
	if id, err := strconv.ParseInt(key, 10, 64); err == nil {
		where, arg = "p.id = $1", id
	}
	return getWhere(ctx, q, where, arg)
}

// GetByID loads an opportunity by id.
func GetByID(ctx context.Context, q db.Querier, id int64) (*Opportunity, error) {
	return getWhere(ctx, q, "p.id = $1", id)
}

// GetByOCID loads an opportunity by its OCDS ocid.
func GetByOCID(ctx context.Context, q db.Querier, ocid string) (*Opportunity, error) {
	return getWhere(ctx, q, "p.ocid = $1", ocid)
}

func getWhere(ctx context.Context, q db.Querier, where string, arg any) (*Opportunity, error) {
	o, err := scanOpp(q.QueryRowContext(ctx, `SELECT `+oppCols+oppFrom+` WHERE `+where, arg))
	if err != nil {
		return nil, db.Err(err, "Opportunity")
	}
	if err := loadParts(ctx, q, o); err != nil {
		return nil, err
	}
	return o, nil
}

// lock loads an opportunity inside a write transaction, holding its row.
func lock(ctx context.Context, tx *db.Tx, id int64) (*Opportunity, error) {
	if tx.Dialect == db.Postgres {
		if _, err := tx.ExecContext(ctx, `SELECT id FROM opportunities WHERE id = $1 FOR UPDATE`, id); err != nil {
			return nil, err
		}
	}
	return GetByID(ctx, tx, id)
}

func loadParts(ctx context.Context, q db.Querier, o *Opportunity) error {
	rows, err := q.QueryContext(ctx, `SELECT id, position, title, description, value_pence FROM opportunity_lots WHERE opportunity_id = $1 ORDER BY position`, o.ID)
	if err != nil {
		return db.Err(err, "")
	}
	o.Lots = nil
	posByID := map[int64]int{}
	for rows.Next() {
		var l Lot
		var v sql.NullInt64
		if err := rows.Scan(&l.ID, &l.Position, &l.Title, &l.Description, &v); err != nil {
			rows.Close()
			return db.Err(err, "")
		}
		l.Value = db.Int64Ptr(v)
		posByID[l.ID] = l.Position
		o.Lots = append(o.Lots, l)
	}
	rows.Close()
	if err := rows.Err(); err != nil {
		return db.Err(err, "")
	}
	rows, err = q.QueryContext(ctx, `SELECT r.id, COALESCE(r.lot_id, 0), r.kind, r.code, COALESCE(r.term_id, 0), COALESCE(t.name, ''), r.mandatory
		FROM opportunity_requirements r LEFT JOIN taxonomy_terms t ON t.id = r.term_id
		WHERE r.opportunity_id = $1 ORDER BY r.id`, o.ID)
	if err != nil {
		return db.Err(err, "")
	}
	defer rows.Close()
	o.Requirements = nil
	for rows.Next() {
		var r Requirement
		var lot int64
		if err := rows.Scan(&r.ID, &lot, &r.Kind, &r.Code, &r.TermID, &r.Name, &r.Mandatory); err != nil {
			return db.Err(err, "")
		}
		r.LotPosition = posByID[lot]
		if r.Kind == ReqLocalAuthority {
			if la, ok := directory.LocalAuthorityByCode(r.Code); ok {
				r.Name = la.Name
			}
		}
		o.Requirements = append(o.Requirements, r)
	}
	if err := rows.Err(); err != nil {
		return db.Err(err, "")
	}
	o.KPIs, err = KPIsOf(ctx, q, o.ID)
	return err
}

// resolveRequirements checks each requirement's code against its kind
// (taxonomy terms by code or id, wards and authorities from the reference
// data, policy kinds from the directory) and canonicalises it.
func resolveRequirements(ctx context.Context, q db.Querier, reqs []Requirement) error {
	var v apperr.Validation
	for i := range reqs {
		r := &reqs[i]
		field := fmt.Sprintf("req_code_%d", i)
		switch r.Kind {
		case ReqService, ReqClientGroup, ReqTheme:
			var id int64
			var code, name string
			err := q.QueryRowContext(ctx, `SELECT id, code, name FROM taxonomy_terms WHERE vocabulary = $1 AND (code = $2 OR CAST(id AS TEXT) = $2)`, r.Kind, r.Code).Scan(&id, &code, &name)
			if err == sql.ErrNoRows {
				v.Add(field, fmt.Sprintf("Requirement %d: choose a %s from the list", i+1, strings.ToLower(Label(r.Kind))))
				continue
			} else if err != nil {
				return err
			}
			r.TermID, r.Code, r.Name = id, code, name
		case ReqWard:
			w, ok := directory.CanonicalWard(r.Code)
			if !ok {
				v.Add(field, fmt.Sprintf("Requirement %d: %q is not a Blackpool ward", i+1, r.Code))
				continue
			}
			r.Code = w
		case ReqLocalAuthority:
			la, ok := directory.LocalAuthorityByCode(r.Code)
			if !ok {
				v.Add(field, fmt.Sprintf("Requirement %d: %q is not a local authority code (like BPL)", i+1, r.Code))
				continue
			}
			r.Code, r.Name = la.Code, la.Name
		case ReqPolicy:
			if !valid(directory.PolicyKinds, r.Code) {
				v.Add(field, fmt.Sprintf("Requirement %d: choose a policy from the list", i+1))
			}
		case ReqQualityMark:
			r.Code = clean.Line(r.Code)
		case ReqReadiness:
			r.Code = ReadinessCode
		}
	}
	return v.Err()
}

func cpvText(codes []string) string { return strings.Join(codes, " ") }

func searchText(ctx context.Context, q db.Querier, o *Opportunity) (string, error) {
	var buyer string
	if err := q.QueryRowContext(ctx, `SELECT name, slug FROM organisations WHERE id = $1`, o.BuyerID).Scan(&buyer, &o.BuyerSlug); err != nil {
		if err == sql.ErrNoRows {
			return "", apperr.Errorf(apperr.EINVALID, "The buying organisation does not exist")
		}
		return "", err
	}
	o.BuyerName = buyer
	parts := []string{o.Title, buyer, o.Description, cpvText(o.CPVCodes), o.OCID}
	for _, l := range o.Lots {
		parts = append(parts, l.Title)
	}
	return strings.ToLower(strings.Join(parts, "\n")), nil
}

// Create stores a new opportunity (Status planned unless set: an import
// may create an open or awarded one, with PublishedAt set). An empty OCID
// gets OCIDPrefix + a new id. The whole record is validated first
// (Validate; CheckPublish is the publisher's choice).
func (s *Store) Create(ctx context.Context, tx *db.Tx, o *Opportunity, userID int64) error {
	if err := o.Validate(); err != nil {
		return err
	}
	if err := resolveRequirements(ctx, tx, o.Requirements); err != nil {
		return err
	}
	if err := resolveKPIs(ctx, tx, o.KPIs); err != nil {
		return err
	}
	if o.Status == "" {
		o.Status = StatusPlanned
	}
	if !valid(Statuses, o.Status) {
		return apperr.Errorf(apperr.EINVALID, "Unknown status %q", o.Status)
	}
	now := db.Now()
	o.UUID = uuid.NewString()
	if o.OCID == "" {
		o.OCID = OCIDPrefix + o.UUID
	}
	base := clean.Slug(o.Title)
	if base == "" {
		base = "opportunity"
	}
	if len(base) > 70 {
		base = strings.Trim(base[:70], "-")
	}
	slug, err := db.UniqueSlug(ctx, tx, "opportunities", base, 0)
	if err != nil {
		return err
	}
	o.Slug = slug
	st, err := searchText(ctx, tx, o)
	if err != nil {
		return err
	}
	var uid any
	if userID != 0 {
		uid = userID
		o.CreatedBy = userID
	}
	o.CreatedAt, o.UpdatedAt = now, now
	err = tx.QueryRowContext(ctx, `INSERT INTO opportunities (uuid, slug, ocid, kind, status, title, description, buyer_org_id,
		contact_name, contact_email, value_min_pence, value_max_pence, currency, contract_start, contract_end, published_at,
		questions_close_at, eoi_deadline, submission_deadline, closes_at, award_expected, procedure, cpv_codes, suitable_sme,
		suitable_vcse, reserved_vcse, commissioning_ready_required, source_url, search_text, created_by, created_at, updated_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18,$19,$20,$21,$22,$23,$24,$25,$26,$27,$28,$29,$30,$31,$31) RETURNING id`,
		o.UUID, o.Slug, o.OCID, o.Kind, o.Status, o.Title, o.Description, o.BuyerID, o.ContactName, o.ContactEmail,
		o.ValueMin, o.ValueMax, o.Currency, o.ContractStart, o.ContractEnd, o.PublishedAt, o.QuestionsCloseAt, o.EOIDeadline,
		o.SubmissionDeadline, o.ClosesAt(), o.AwardExpected, o.Procedure, cpvText(o.CPVCodes), o.SuitableSME, o.SuitableVCSE,
		o.ReservedVCSE, o.CommissioningReadyRequired, o.SourceURL, st, uid, now).Scan(&o.ID)
	if err != nil {
		return db.Err(err, "Opportunity")
	}
	if err := writeParts(ctx, tx, o, nil); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, o.BuyerID, "opportunity.create", "opportunity", o.ID, o.Title); err != nil {
		return err
	}
	// o now holds what was stored (ids, slug, buyer, names, times as
	// the database keeps them), as GetByID would read it back: no second
	// read of a row just written (an import creates thousands).
	stored(o)
	after := *o
	after.Lots = slices.Clone(o.Lots)
	after.Requirements = slices.Clone(o.Requirements)
	return s.tell(ctx, tx, Change{Action: "create", After: &after, At: now, UserID: userID})
}

// stored normalises o after Create wrote it to what getWhere would read
// back: times in UTC at the database's microsecond precision, nil slices
// for none, the requirements as written (duplicates dropped).
func stored(o *Opportunity) {
	for _, t := range []**time.Time{&o.ContractStart, &o.ContractEnd, &o.AwardExpected, &o.PublishedAt, &o.QuestionsCloseAt, &o.EOIDeadline, &o.SubmissionDeadline} {
		if *t != nil {
			v := (*t).UTC().Truncate(time.Microsecond)
			*t = &v
		}
	}
	if len(o.CPVCodes) == 0 {
		o.CPVCodes = nil
	} else {
		o.CPVCodes = strings.Fields(cpvText(o.CPVCodes))
	}
	if len(o.Lots) == 0 {
		o.Lots = nil
	}
	seen := map[string]bool{}
	var reqs []Requirement
	for _, r := range o.Requirements {
		key := fmt.Sprint(r.LotPosition, r.Kind, r.Code)
		if seen[key] {
			continue
		}
		seen[key] = true
		reqs = append(reqs, r)
	}
	o.Requirements = reqs
}

// writeParts saves lots (matched by position, so a lot keeps its id while
// its position stays) and replaces the requirements.
func writeParts(ctx context.Context, tx *db.Tx, o *Opportunity, before *Opportunity) error {
	lotIDs := map[int]int64{}
	if before != nil {
		for _, l := range before.Lots {
			lotIDs[l.Position] = l.ID
		}
	}
	for i := range o.Lots {
		l := &o.Lots[i]
		l.Position = i + 1
		if id, ok := lotIDs[l.Position]; ok {
			l.ID = id
			if _, err := tx.ExecContext(ctx, `UPDATE opportunity_lots SET title = $1, description = $2, value_pence = $3 WHERE id = $4`,
				l.Title, l.Description, l.Value, id); err != nil {
				return err
			}
			continue
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO opportunity_lots (opportunity_id, position, title, description, value_pence) VALUES ($1,$2,$3,$4,$5) RETURNING id`,
			o.ID, l.Position, l.Title, l.Description, l.Value).Scan(&l.ID); err != nil {
			return err
		}
		lotIDs[l.Position] = l.ID
	}
	if err := writeKPIs(ctx, tx, o.ID, o.KPIs); err != nil {
		return err
	}
	if before != nil { // a new opportunity has nothing to replace
		if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_requirements WHERE opportunity_id = $1`, o.ID); err != nil {
			return err
		}
		if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_lots WHERE opportunity_id = $1 AND position > $2`, o.ID, len(o.Lots)); err != nil {
			return err
		}
	}
	seen := map[string]bool{}
	for i := range o.Requirements {
		r := &o.Requirements[i]
		key := fmt.Sprint(r.LotPosition, r.Kind, r.Code)
		if seen[key] {
			continue
		}
		seen[key] = true
		var lot, term any
		if r.LotPosition > 0 {
			lot = lotIDs[r.LotPosition]
		}
		if r.TermID != 0 {
			term = r.TermID
		}
		if err := tx.QueryRowContext(ctx, `INSERT INTO opportunity_requirements (opportunity_id, lot_id, kind, code, term_id, mandatory) VALUES ($1,$2,$3,$4,$5,$6) RETURNING id`,
			o.ID, lot, r.Kind, r.Code, term, r.Mandatory).Scan(&r.ID); err != nil {
			return err
		}
	}
	return nil
}

// Update saves changes to an opportunity (o.ID). The buyer, ocid, status
// and publication date are kept from the stored row (status changes go
// through Publish, Close, Cancel and SetStatus). A published opportunity
// that is still open must keep a closing date in the future, and each
// change to a published one is recorded as an amendment: summary, or a
// list of what changed when summary is empty. Nothing changed: nothing
// written.
func (s *Store) Update(ctx context.Context, tx *db.Tx, o *Opportunity, userID int64, summary string) error {
	cur, err := lock(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	o.OCID, o.UUID, o.Slug, o.Status, o.PublishedAt = cur.OCID, cur.UUID, cur.Slug, cur.Status, cur.PublishedAt
	if o.BuyerID == 0 {
		o.BuyerID = cur.BuyerID
	}
	if cur.Status == StatusCancelled {
		return apperr.Errorf(apperr.ECONFLICT, "A cancelled opportunity cannot be changed")
	}
	if cur.Status == StatusOpen && userID != 0 {
		err = o.CheckPublish(db.Now())
	} else {
		err = o.Validate()
	}
	if err != nil {
		return err
	}
	if err := resolveRequirements(ctx, tx, o.Requirements); err != nil {
		return err
	}
	if err := resolveKPIs(ctx, tx, o.KPIs); err != nil {
		return err
	}
	changed := Diff(cur, o)
	if len(changed) == 0 {
		*o = *cur
		return nil
	}
	st, err := searchText(ctx, tx, o)
	if err != nil {
		return err
	}
	now := db.Now()
	_, err = tx.ExecContext(ctx, `UPDATE opportunities SET kind=$1, title=$2, description=$3, buyer_org_id=$4, contact_name=$5,
		contact_email=$6, value_min_pence=$7, value_max_pence=$8, currency=$9, contract_start=$10, contract_end=$11,
		questions_close_at=$12, eoi_deadline=$13, submission_deadline=$14, closes_at=$15, award_expected=$16, procedure=$17,
		cpv_codes=$18, suitable_sme=$19, suitable_vcse=$20, reserved_vcse=$21, commissioning_ready_required=$22, source_url=$23,
		search_text=$24, updated_at=$25 WHERE id=$26`,
		o.Kind, o.Title, o.Description, o.BuyerID, o.ContactName, o.ContactEmail, o.ValueMin, o.ValueMax, o.Currency,
		o.ContractStart, o.ContractEnd, o.QuestionsCloseAt, o.EOIDeadline, o.SubmissionDeadline, o.ClosesAt(), o.AwardExpected,
		o.Procedure, cpvText(o.CPVCodes), o.SuitableSME, o.SuitableVCSE, o.ReservedVCSE, o.CommissioningReadyRequired,
		o.SourceURL, st, now, o.ID)
	if err != nil {
		return db.Err(err, "Opportunity")
	}
	if err := writeParts(ctx, tx, o, cur); err != nil {
		return err
	}
	summary = clean.Text(summary)
	if cur.Published() {
		if summary == "" {
			summary = "Changed " + strings.Join(changed, ", ")
		}
		if err := addAmendment(ctx, tx, o.ID, now, summary, userID); err != nil {
			return err
		}
	} else {
		summary = ""
	}
	if err := audit.Record(ctx, tx, cur.BuyerID, "opportunity.update", "opportunity", o.ID, "changed "+strings.Join(changed, ", ")); err != nil {
		return err
	}
	after, err := GetByID(ctx, tx, o.ID)
	if err != nil {
		return err
	}
	*o = *after
	return s.tell(ctx, tx, Change{Action: "update", Before: cur, After: after, Summary: summary, At: now, UserID: userID})
}

func addAmendment(ctx context.Context, tx *db.Tx, oppID int64, at time.Time, summary string, userID int64) error {
	var uid any
	if userID != 0 {
		uid = userID
	}
	_, err := tx.ExecContext(ctx, `INSERT INTO opportunity_amendments (opportunity_id, at, summary, by_user_id) VALUES ($1,$2,$3,$4)`, oppID, at, summary, uid)
	return err
}

// Diff names the fields that differ between a and b, in form order.
func Diff(a, b *Opportunity) []string {
	var out []string
	add := func(differ bool, name string) {
		if differ {
			out = append(out, name)
		}
	}
	tp := func(x, y *time.Time) bool {
		if x == nil || y == nil {
			return (x == nil) != (y == nil)
		}
		return !x.Equal(*y)
	}
	ip := func(x, y *int64) bool {
		if x == nil || y == nil {
			return (x == nil) != (y == nil)
		}
		return *x != *y
	}
	add(a.Title != b.Title, "title")
	add(a.Kind != b.Kind, "kind")
	add(a.BuyerID != b.BuyerID, "buyer")
	add(a.Description != b.Description, "description")
	add(a.ContactName != b.ContactName || a.ContactEmail != b.ContactEmail, "contact")
	add(ip(a.ValueMin, b.ValueMin) || ip(a.ValueMax, b.ValueMax) || a.Currency != b.Currency, "value")
	add(tp(a.ContractStart, b.ContractStart) || tp(a.ContractEnd, b.ContractEnd), "contract period")
	add(tp(a.QuestionsCloseAt, b.QuestionsCloseAt), "clarification questions deadline")
	add(tp(a.EOIDeadline, b.EOIDeadline), "expression of interest deadline")
	add(tp(a.SubmissionDeadline, b.SubmissionDeadline), "submission deadline")
	add(tp(a.AwardExpected, b.AwardExpected), "expected award date")
	add(a.Procedure != b.Procedure, "procedure")
	add(cpvText(a.CPVCodes) != cpvText(b.CPVCodes), "CPV codes")
	add(a.SuitableSME != b.SuitableSME || a.SuitableVCSE != b.SuitableVCSE || a.ReservedVCSE != b.ReservedVCSE, "suitability")
	add(a.CommissioningReadyRequired != b.CommissioningReadyRequired, "commissioning readiness")
	add(a.SourceURL != b.SourceURL, "source")
	lots := len(a.Lots) != len(b.Lots)
	for i := 0; !lots && i < len(a.Lots); i++ {
		x, y := a.Lots[i], b.Lots[i]
		lots = x.Title != y.Title || x.Description != y.Description || ip(x.Value, y.Value)
	}
	add(lots, "lots")
	add(reqKey(a.Requirements) != reqKey(b.Requirements), "requirements")
	add(kpiKey(a.KPIs) != kpiKey(b.KPIs), "required KPIs")
	return out
}

func reqKey(rs []Requirement) string {
	keys := make([]string, 0, len(rs))
	seen := map[string]bool{}
	for _, r := range rs {
		k := fmt.Sprint(r.LotPosition, "|", r.Kind, "|", r.Code, "|", r.Mandatory)
		if !seen[k] {
			seen[k] = true
			keys = append(keys, k)
		}
	}
	sort.Strings(keys)
	return strings.Join(keys, ";")
}

// Publish makes a planned opportunity public at now: a pipeline notice
// stays planned with its publication date set; anything else opens. The
// CheckPublish rules apply.
func (s *Store) Publish(ctx context.Context, tx *db.Tx, id, userID int64) error {
	cur, err := lock(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status != StatusPlanned {
		return apperr.Errorf(apperr.ECONFLICT, "Only a planned opportunity can be published; this one is %s", strings.ToLower(cur.StatusLabel()))
	}
	if cur.Kind == KindPipeline && cur.Published() {
		return apperr.Errorf(apperr.ECONFLICT, "This pipeline notice is already published; change its kind to open it")
	}
	now := db.Now()
	if err := cur.CheckPublish(now); err != nil {
		return err
	}
	status := StatusOpen
	if cur.Kind == KindPipeline {
		status = StatusPlanned
	}
	pub := cur.PublishedAt
	if pub == nil {
		pub = &now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET status = $1, published_at = $2, updated_at = $3 WHERE id = $4`, status, pub, now, id); err != nil {
		return err
	}
	summary := ""
	if cur.Published() {
		summary = "Opened for " + strings.ToLower(Label(cur.Kind))
		if err := addAmendment(ctx, tx, id, now, summary, userID); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, cur, "publish", summary, now, userID)
}

func (s *Store) finish(ctx context.Context, tx *db.Tx, cur *Opportunity, action, summary string, now time.Time, userID int64) error {
	if err := audit.Record(ctx, tx, cur.BuyerID, "opportunity."+action, "opportunity", cur.ID, cur.Title); err != nil {
		return err
	}
	after, err := GetByID(ctx, tx, cur.ID)
	if err != nil {
		return err
	}
	return s.tell(ctx, tx, Change{Action: action, Before: cur, After: after, Summary: summary, At: now, UserID: userID})
}

// Cancel cancels an opportunity (not one already awarded or cancelled),
// recording reason as an amendment when it was published.
func (s *Store) Cancel(ctx context.Context, tx *db.Tx, id, userID int64, reason string) error {
	return s.setStatus(ctx, tx, id, userID, StatusCancelled, "cancel", reason, "Cancelled")
}

// Close stops an open opportunity taking expressions of interest and bids.
func (s *Store) Close(ctx context.Context, tx *db.Tx, id, userID int64, reason string) error {
	return s.setStatus(ctx, tx, id, userID, StatusClosed, "close", reason, "Closed")
}

// SetStatus moves an opportunity to status (awarded, closed, cancelled,
// open), recording summary as an amendment when it was published. For
// imports and bids; the pages use Publish, Close and Cancel.
func (s *Store) SetStatus(ctx context.Context, tx *db.Tx, id, userID int64, status, summary string) error {
	action := map[string]string{StatusAwarded: "award", StatusClosed: "close", StatusCancelled: "cancel", StatusOpen: "publish", StatusPlanned: "update"}[status]
	if action == "" {
		return apperr.Errorf(apperr.EINVALID, "Unknown status %q", status)
	}
	return s.setStatus(ctx, tx, id, userID, status, action, summary, Label(status))
}

func (s *Store) setStatus(ctx context.Context, tx *db.Tx, id, userID int64, status, action, summary, fallback string) error {
	cur, err := lock(ctx, tx, id)
	if err != nil {
		return err
	}
	switch {
	case cur.Status == status:
		return nil
	case cur.Status == StatusCancelled:
		return apperr.Errorf(apperr.ECONFLICT, "This opportunity has been cancelled")
	case status == StatusCancelled && cur.Status == StatusAwarded:
		return apperr.Errorf(apperr.ECONFLICT, "An awarded opportunity cannot be cancelled")
	case status == StatusClosed && cur.Status != StatusOpen:
		return apperr.Errorf(apperr.ECONFLICT, "Only an open opportunity can be closed")
	}
	now := db.Now()
	pub := cur.PublishedAt
	if pub == nil && status != StatusPlanned && status != StatusCancelled {
		pub = &now
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET status = $1, published_at = $2, updated_at = $3 WHERE id = $4`, status, pub, now, id); err != nil {
		return err
	}
	summary = clean.Text(summary)
	if cur.Published() {
		if summary == "" {
			summary = fallback
		} else {
			summary = fallback + ": " + summary
		}
		if err := addAmendment(ctx, tx, id, now, summary, userID); err != nil {
			return err
		}
	} else {
		summary = ""
	}
	return s.finish(ctx, tx, cur, action, summary, now, userID)
}

// Awarded records that part of an opportunity was awarded without a
// change of status (a lot of an opportunity still open for its other
// lots, or a further award of one already awarded): summary becomes an
// amendment when it is published, and the change hooks hear of an
// "award" (the OCDS hook adds a release tagged award, as it does when
// the whole opportunity is awarded).
func (s *Store) Awarded(ctx context.Context, tx *db.Tx, id, userID int64, summary string) error {
	cur, err := lock(ctx, tx, id)
	if err != nil {
		return err
	}
	if cur.Status == StatusCancelled {
		return apperr.Errorf(apperr.ECONFLICT, "This opportunity has been cancelled")
	}
	now := db.Now()
	summary = clean.Text(summary)
	if cur.Published() {
		if summary == "" {
			summary = "Awarded"
		}
		if err := addAmendment(ctx, tx, id, now, summary, userID); err != nil {
			return err
		}
	}
	return s.finish(ctx, tx, cur, "award", summary, now, userID)
}

// Amendments lists a published opportunity's changes, oldest first.
func Amendments(ctx context.Context, q db.Querier, oppID int64) ([]Amendment, error) {
	rows, err := q.QueryContext(ctx, `SELECT a.id, a.at, a.summary, COALESCE(u.name, '') FROM opportunity_amendments a
		LEFT JOIN users u ON u.id = a.by_user_id WHERE a.opportunity_id = $1 ORDER BY a.at, a.id`, oppID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []Amendment
	for rows.Next() {
		var a Amendment
		if err := rows.Scan(&a.ID, &a.At, &a.Summary, &a.By); err != nil {
			return nil, db.Err(err, "")
		}
		a.At = a.At.UTC()
		out = append(out, a)
	}
	return out, db.Err(rows.Err(), "")
}

// Documents lists an opportunity's documents, oldest first.
func Documents(ctx context.Context, q db.Querier, oppID int64) ([]Document, error) {
	rows, err := q.QueryContext(ctx, `SELECT id, title, filename, content_type, size, stored_name, uploaded_at FROM opportunity_documents
		WHERE opportunity_id = $1 ORDER BY uploaded_at, id`, oppID)
	if err != nil {
		return nil, db.Err(err, "")
	}
	defer rows.Close()
	var out []Document
	for rows.Next() {
		var d Document
		if err := rows.Scan(&d.ID, &d.Title, &d.Filename, &d.ContentType, &d.Size, &d.StoredName, &d.UploadedAt); err != nil {
			return nil, db.Err(err, "")
		}
		out = append(out, d)
	}
	return out, db.Err(rows.Err(), "")
}

// AddDocument stores a document's record (its file already saved through
// internal/uploads as d.StoredName). Adding one to a published
// opportunity is an amendment.
func (s *Store) AddDocument(ctx context.Context, tx *db.Tx, oppID, userID int64, d *Document) error {
	cur, err := lock(ctx, tx, oppID)
	if err != nil {
		return err
	}
	if cur.Status == StatusCancelled {
		return apperr.Errorf(apperr.ECONFLICT, "A cancelled opportunity cannot be changed")
	}
	var uid any
	if userID != 0 {
		uid = userID
	}
	now := db.Now()
	d.UploadedAt = now
	if err := tx.QueryRowContext(ctx, `INSERT INTO opportunity_documents (opportunity_id, title, filename, content_type, size, stored_name, uploaded_by, uploaded_at)
		VALUES ($1,$2,$3,$4,$5,$6,$7,$8) RETURNING id`, oppID, d.Title, d.Filename, d.ContentType, d.Size, d.StoredName, uid, now).Scan(&d.ID); err != nil {
		return err
	}
	summary := ""
	if cur.Published() {
		summary = "Document added: " + d.Title
		if err := addAmendment(ctx, tx, oppID, now, summary, userID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET updated_at = $1 WHERE id = $2`, now, oppID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, cur.BuyerID, "opportunity.document_upload", "opportunity_document", d.ID, d.Filename); err != nil {
		return err
	}
	after, err := GetByID(ctx, tx, oppID)
	if err != nil {
		return err
	}
	return s.tell(ctx, tx, Change{Action: "update", Before: cur, After: after, Summary: summary, At: now, UserID: userID})
}

// RemoveDocument withdraws a document from an opportunity (not a
// cancelled one), recording an amendment when it was published; the file
// leaves the disk once the transaction commits (remove is called then).
func (s *Store) RemoveDocument(ctx context.Context, tx *db.Tx, oppID, docID, userID int64, remove func(stored string)) error {
	cur, err := lock(ctx, tx, oppID)
	if err != nil {
		return err
	}
	if cur.Status == StatusCancelled {
		return apperr.Errorf(apperr.ECONFLICT, "A cancelled opportunity cannot be changed")
	}
	d, err := GetDocument(ctx, tx, oppID, docID)
	if err != nil {
		return err
	}
	if _, err := tx.ExecContext(ctx, `DELETE FROM opportunity_documents WHERE id = $1 AND opportunity_id = $2`, docID, oppID); err != nil {
		return err
	}
	now := db.Now()
	summary := ""
	if cur.Published() {
		summary = "Document withdrawn: " + d.Title
		if err := addAmendment(ctx, tx, oppID, now, summary, userID); err != nil {
			return err
		}
	}
	if _, err := tx.ExecContext(ctx, `UPDATE opportunities SET updated_at = $1 WHERE id = $2`, now, oppID); err != nil {
		return err
	}
	if err := audit.Record(ctx, tx, cur.BuyerID, "opportunity.document_remove", "opportunity_document", d.ID, d.Filename); err != nil {
		return err
	}
	after, err := GetByID(ctx, tx, oppID)
	if err != nil {
		return err
	}
	if remove != nil {
		tx.AfterCommit(func() { remove(d.StoredName) })
	}
	return s.tell(ctx, tx, Change{Action: "update", Before: cur, After: after, Summary: summary, At: now, UserID: userID})
}

// GetDocument loads one document of an opportunity.
func GetDocument(ctx context.Context, q db.Querier, oppID, id int64) (*Document, error) {
	var d Document
	err := q.QueryRowContext(ctx, `SELECT id, title, filename, content_type, size, stored_name, uploaded_at FROM opportunity_documents WHERE id = $1 AND opportunity_id = $2`, id, oppID).
		Scan(&d.ID, &d.Title, &d.Filename, &d.ContentType, &d.Size, &d.StoredName, &d.UploadedAt)
	if err != nil {
		return nil, db.Err(err, "Document")
	}
	return &d, nil
}
