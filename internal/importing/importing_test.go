package importing

import (
	"context"
	"errors"
	"strings"
	"testing"

	"partnerhub/internal/apperr"
	"partnerhub/internal/audit"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

func TestEnumAcceptsCodesAndLabelsInAnyCase(t *testing.T) {
	labels := map[string]string{"vcs": "Voluntary and community", "cic": "Community interest company (CIC)", "public_body": "Public body",
		"consortium_legal_body": "Consortium as a new legal body", "a": "Shared", "b": "Shared"}
	e := NewEnum([]string{"vcs", "cic", "public_body", "consortium_legal_body", "a", "b"}, func(c string) string { return labels[c] })
	for in, want := range map[string]string{
		"vcs": "vcs", " VCS ": "vcs", "voluntary and community": "vcs", "Voluntary  and Community": "vcs",
		"CIC": "cic", "cic": "cic", "community interest company": "cic", "Community interest company (CIC)": "cic",
		"public body": "public_body", "Public-Body": "public_body", "PUBLIC_BODY": "public_body",
		"consortium as a new legal body": "consortium_legal_body", "": "", "a": "a",
	} {
		if got, err := e.Code(in); err != nil || got != want {
			t.Errorf("Code(%q) = %q, %v; want %q", in, got, err, want)
		}
	}
	// A label two codes share names neither; an unknown value lists the
	// accepted ones.
	_, err := e.Code("shared")
	if err == nil || !strings.Contains(err.Error(), `"shared" is not one of vcs (Voluntary and community), cic (Community interest company (CIC)), public_body, consortium_legal_body (Consortium as a new legal body)`) {
		t.Errorf("shared label: %v", err)
	}
	var val apperr.Validation
	if got := e.Value("sector", " nope ", &val); got != "nope" || !val.Has("sector") {
		t.Errorf("Value: %q %+v", got, val)
	}
}

func TestJSONRecords(t *testing.T) {
	for name, data := range map[string]string{
		"page":   `{"total_items": 3, "contents": [{"Name": "A", "n": 2, "ok": true, "nested": {"x": 1}}, 5, {"name": null}]}`,
		"array":  "\ufeff" + `[{"Name": "A", "n": 2, "ok": true, "nested": {"x": 1}}, 5, {"name": null}]`,
		"single": `{"Name": "A", "n": 2, "ok": true, "nested": {"x": 1}}`,
	} {
		if !IsJSON([]byte(data)) {
			t.Fatalf("%s: not JSON", name)
		}
		src, err := NewJSON([]byte(data), "contents", 0)
		if err != nil {
			t.Fatal(err)
		}
		rep := &Report{}
		var got []string
		err = Each(src, rep, func(r *Record) error {
			var v struct{ Nested struct{ X int } }
			if err := r.Decode(&v); err != nil {
				return err
			}
			got = append(got, r.Get("name")+"|"+r.Get("n")+"|"+r.Get("ok")+"|"+r.Get("nested")+"|"+string(rune('0'+v.Nested.X)))
			return nil
		})
		if err != nil || got[0] != "A|2|true||1" {
			t.Errorf("%s: %q %v", name, got, err)
		}
		if name != "single" && (rep.Rows != 3 || len(rep.Rejected) != 1 || rep.Rejected[0].Line != 2 || got[1] != "||||0") {
			t.Errorf("%s: %+v %q", name, rep, got)
		}
	}
	if _, err := NewJSON([]byte(`[{}, {}, {}]`), "", 2); apperr.Code(err) != apperr.ETOOLARGE {
		t.Errorf("over the limit: %v", err)
	}
	if _, err := NewJSON([]byte(`{"contents": [`), "contents", 0); apperr.Code(err) != apperr.EINVALID {
		t.Errorf("broken JSON: %v", err)
	}
}

func TestReportAndExitCode(t *testing.T) {
	rep := &Report{Format: "CSV", Rows: 4, Created: 1, Updated: 1, Unchanged: 1, DryRun: true}
	rep.RejectErr(9, &apperr.Error{Code: apperr.EINVALID, Fields: []apperr.FieldError{{Field: "postcode", Message: "Enter a postcode"}, {Field: "wards", Message: "Unknown ward"}}})
	rep.Reject(3, "", "has 2 fields; the header has 3")
	rep.Also = []Count{{"memberships would be added", 2}, {"memberships already there", 0}}
	rep.Sort()
	want := "line 3: rejected: has 2 fields; the header has 3\n" +
		"line 9: rejected: postcode: Enter a postcode; wards: Unknown ward\n" +
		"Dry run: nothing was written.\n" +
		"CSV: 4 rows read; 1 would be created, 1 would be updated, 1 unchanged, 2 rejected; 2 memberships would be added, 0 memberships already there\n"
	if got := rep.String(); got != want {
		t.Errorf("report:\n%s\nwant:\n%s", got, want)
	}
	if rep.Rejected[1].Column != "postcode" {
		t.Errorf("column %+v", rep.Rejected[1])
	}
	rep.Unit = "item"
	if !strings.HasPrefix(rep.String(), "item 3: rejected") {
		t.Errorf("unit: %s", rep)
	}
	if c := ExitCode(rep, nil); c != ExitSome {
		t.Errorf("rows rejected: %d", c)
	}
	// A report without a format name (the registers' refresh) starts with
	// the counts, not a stray colon.
	if got := (&Report{Rows: 2, Created: 2}).Summary(); got != "2 rows read; 2 created, 0 updated, 0 unchanged, 0 rejected" {
		t.Errorf("summary without a format: %q", got)
	}
	if c := ExitCode(&Report{Rows: 2, Created: 2}, nil); c != ExitAll {
		t.Errorf("all taken: %d", c)
	}
	if c := ExitCode(nil, errors.New("refused")); c != ExitRefused {
		t.Errorf("refused: %d", c)
	}
	if c := ExitCode(rep, errors.New("write failed")); c != ExitRefused {
		t.Errorf("failed write: %d", c)
	}
}

// TestApplyIsOneTransaction: everything the write does is committed
// together; a dry run and a failure write nothing, and a failure clears
// the counts of written rows.
func TestApplyIsOneTransaction(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		ctx := context.Background()
		count := func() (n int) {
			d.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM audit_log WHERE action = 'importing.test'`).Scan(&n)
			return
		}
		write := func(rep *Report, fail error) error {
			return Apply(ctx, d.Write, rep, func(tx *db.Tx) error {
				for i := 0; i < 3; i++ {
					if err := audit.Record(ctx, tx, 0, "importing.test", "row", i, "x"); err != nil {
						return err
					}
					rep.Created++
				}
				return fail
			})
		}
		rep := &Report{DryRun: true}
		if err := write(rep, nil); err != nil || rep.Created != 3 || count() != 0 {
			t.Fatalf("dry run: %v %+v, %d written", err, rep, count())
		}
		boom := errors.New("boom")
		rep = &Report{Also: []Count{{"x", 1}}}
		if err := write(rep, boom); !errors.Is(err, boom) || rep.Created != 0 || rep.Also != nil || count() != 0 {
			t.Fatalf("failure: %v %+v, %d written", err, rep, count())
		}
		rep = &Report{}
		if err := write(rep, nil); err != nil || rep.Created != 3 || count() != 3 {
			t.Fatalf("import: %v %+v, %d written", err, rep, count())
		}
	})
}
