package privacy_test

import (
	"archive/zip"
	"bytes"
	"encoding/json"
	"io"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
	"partnerhub/internal/privacy"
)

// readZip returns the files of a ZIP by name.
func readZip(t *testing.T, b []byte) map[string]string {
	t.Helper()
	z, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil {
		t.Fatalf("not a ZIP (%d bytes): %v", len(b), err)
	}
	out := map[string]string{}
	for _, f := range z.File {
		r, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		c, _ := io.ReadAll(r)
		r.Close()
		out[f.Name] = string(c)
	}
	return out
}

// The export holds the person's data of every kind, with the ICO's fields,
// and no secrets and nobody else's data.
func TestExportHoldsThePersonsData(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		s, _ := seedCanary(t, env)
		var buf bytes.Buffer
		if err := privacy.Export(env.Ctx, d.Q(), s, &buf, "Partnerhub"); err != nil {
			t.Fatal(err)
		}
		files := readZip(t, buf.Bytes())
		index := files["index.html"]
		for _, want := range []string{canaryName, canaryEmail, "Lawful basis", "Retention", "Recipients", "Source", "memberships", "messages", "sessions", "audit", "organisation contacts", "news subscription"} {
			if !strings.Contains(index, want) {
				t.Errorf("index.html lacks %q", want)
			}
		}
		var account struct {
			Purpose string              `json:"purpose"`
			Rows    []map[string]string `json:"rows"`
		}
		if err := json.Unmarshal([]byte(files["data/account.json"]), &account); err != nil {
			t.Fatalf("account.json: %v", err)
		}
		if len(account.Rows) != 1 || account.Rows[0]["email"] != canaryEmail || account.Purpose == "" {
			t.Errorf("account.json: %+v", account)
		}
		if _, ok := account.Rows[0]["password_hash"]; ok {
			t.Error("the export holds the password hash")
		}
		if c := files["data/messages.csv"]; !strings.Contains(c, "Hello "+canaryName) || !strings.HasPrefix(c, "\ufeff") || !strings.Contains(c, "\r\n") {
			t.Errorf("messages.csv (want the text, a byte-order mark and CRLF as every CSV export): %q", c)
		}
		if !strings.Contains(files["data/audit.json"], "directory.profile_update") {
			t.Errorf("audit.json lacks the person's own action: %s", files["data/audit.json"])
		}
		for name, c := range files {
			if strings.Contains(c, "colleague@example.org") || strings.Contains(c, "id_hash") {
				t.Errorf("%s holds somebody else's data or a secret", name)
			}
		}
	})
}
