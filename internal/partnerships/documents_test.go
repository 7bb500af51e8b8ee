package partnerships_test

import (
	"bytes"
	"net/url"
	"os"
	"path/filepath"
	"strings"
	"testing"

	"partnerhub/internal/apptest"
	"partnerhub/internal/db"
	"partnerhub/internal/db/dbtest"
)

// consortium makes a consortium led by lead@x.org and returns its client.
func consortium(t *testing.T, env *apptest.Env) *apptest.Client {
	t.Helper()
	env.User("lead@x.org", false)
	lead := env.Org("Hub Trust", "vcs", map[string]string{"lead@x.org": "owner"})
	c := env.As("lead@x.org")
	c.PostForm("/partnerships", url.Values{"name": {"Hub Consortium"}, "model": {"hub_and_spoke_consortium"}, "status": {"active"}, "visibility": {"members"},
		"origin": {"other"}, "start_date": {"2020-01-01"}, "lead": {itoa(lead.ID)}}).Status(t, 303)
	return c
}

func TestOversizedDocumentIsAnsweredOnTheFormWithTheTitleKept(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		c := consortium(t, env)
		c.Get("/partnerships/hub-consortium").Status(t, 200).Contains(t, "A PDF, Word (.docx), OpenDocument text (.odt) or plain text file, up to 5 MB.")
		pdf := append([]byte("%PDF-1.4\n"), bytes.Repeat([]byte("x"), 6<<20)...)
		// Over the document limit; then over the server's whole body limit
		// (10 MB), which used to be a bare error page offering "Sign in".
		for _, body := range [][]byte{pdf, append(pdf, bytes.Repeat([]byte("x"), 6<<20)...)} {
			upload(c, "/partnerships/hub-consortium/documents", "Consortium agreement 2026", "big.pdf", body).Status(t, 413).
				Contains(t, "The selected file must be smaller than 5 MB", `value="Consortium agreement 2026"`, "Sign out", `href="#document"`).NotContains(t, ">Sign in<")
		}
	})
}

func TestDeletedPartnershipsDocumentsLeaveTheDisk(t *testing.T) {
	dbtest.Each(t, func(t *testing.T, d *db.DB) {
		env := apptest.New(t, d)
		c := consortium(t, env)
		upload(c, "/partnerships/hub-consortium/documents", "Agreement", "agreement.html", []byte("Our agreement <script>alert(1)</script>")).Status(t, 303)
		var stored, name, ctype string
		if err := d.Q().QueryRowContext(env.Ctx, `SELECT stored_name, filename, content_type FROM consortium_documents`).Scan(&stored, &name, &ctype); err != nil {
			t.Fatal(err)
		}
		// Named from the sniffed type, never the uploader's extension.
		if name != "agreement.txt" || !strings.HasSuffix(stored, ".txt") || ctype != "text/plain; charset=utf-8" {
			t.Fatalf("stored %q as %q (%s)", stored, name, ctype)
		}
		path := filepath.Join(env.App.Config.UploadDir(), "consortia", stored)
		if _, err := os.Stat(path); err != nil {
			t.Fatal(err)
		}
		c.PostForm("/partnerships/hub-consortium/delete", nil).Status(t, 303)
		if _, err := os.Stat(path); !os.IsNotExist(err) {
			t.Fatalf("the deleted partnership's document is still on disk: %v", err)
		}
	})
}
