package main

import (
	"archive/tar"
	"bytes"
	"compress/gzip"
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"io"
	"io/fs"
	"net/http"
	"os"
	"path/filepath"
	"sort"
	"strings"
	"sync"
	"testing"

	"partnerhub/internal/backup"
	"partnerhub/internal/db"
)

// newsWriter writes news articles with an image file each, the way the
// library does (file first, then the record), through its own database
// handle, and remembers which writes were acknowledged.
type newsWriter struct {
	d   *db.DB
	dir string // uploads/news
	mu  sync.Mutex
	ack []string // slugs whose insert committed, in order
}

func (w *newsWriter) insert(ctx context.Context, slug string) error {
	img := slug + ".png"
	if err := os.WriteFile(filepath.Join(w.dir, img), []byte("image of "+slug), 0o640); err != nil {
		return err
	}
	now := db.Now()
	if _, err := w.d.W().ExecContext(ctx, `INSERT INTO news_articles (slug, title, body, category, image_name, image_type, published_at, updated_at) VALUES ($1, $1, 'b', 'general', $2, 'image/png', $3, $3)`, slug, img, now); err != nil {
		return err
	}
	w.mu.Lock()
	w.ack = append(w.ack, slug)
	w.mu.Unlock()
	return nil
}

// remove deletes an article, then its file once the delete committed.
func (w *newsWriter) remove(ctx context.Context, slug string) error {
	if _, err := w.d.W().ExecContext(ctx, `DELETE FROM news_articles WHERE slug = $1`, slug); err != nil {
		return err
	}
	return os.Remove(filepath.Join(w.dir, slug+".png"))
}

func (w *newsWriter) acked() []string {
	w.mu.Lock()
	defer w.mu.Unlock()
	return append([]string(nil), w.ack...)
}

func TestBackupUnderConcurrentWritesThenRestore(t *testing.T) {
	ctx := context.Background()
	dir := t.TempDir()
	s := serve(t, "--data-dir", dir, "--migrate")
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "keeper@example.org", "--data-dir", dir)
	d, err := db.Open(ctx, db.Options{Path: filepath.Join(dir, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer d.Close()
	w := &newsWriter{d: d, dir: filepath.Join(dir, "uploads", "news")}
	if err := os.MkdirAll(w.dir, 0o750); err != nil {
		t.Fatal(err)
	}
	// Keep writing (articles kept, and articles written then deleted with
	// their files) and reading while the backup runs.
	stop := make(chan struct{})
	errc := make(chan error, 2)
	var wg sync.WaitGroup
	wg.Add(2)
	go func() {
		defer wg.Done()
		for i := 0; ; i++ {
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			if err := w.insert(ctx, fmt.Sprintf("kept-%05d", i)); err != nil {
				errc <- err
				return
			}
			doomed := fmt.Sprintf("doomed-%05d", i)
			if err := w.insert(ctx, doomed); err != nil {
				errc <- err
				return
			}
			if err := w.remove(ctx, doomed); err != nil {
				errc <- err
				return
			}
		}
	}()
	go func() {
		defer wg.Done()
		for {
			select {
			case <-stop:
				errc <- nil
				return
			default:
			}
			if resp, err := http.Get(s.URL + "/news"); err == nil {
				resp.Body.Close()
			}
		}
	}()
	for len(w.acked()) < 40 {
		select {
		case err := <-errc:
			t.Fatal(err)
		default:
		}
	}
	before := w.acked() // every write acknowledged before the backup started
	out := filepath.Join(t.TempDir(), "partnerhub.tar.gz")
	p := mustRun(t, "", "backup", "--out", out, "--data-dir", dir)
	close(stop)
	wg.Wait()
	for range 2 {
		if err := <-errc; err != nil {
			t.Fatal(err)
		}
	}
	if !strings.Contains(p.Out.String(), "backup written to "+out) || strings.Contains(p.Err.String(), "missing") {
		t.Errorf("backup output: %s\n%s", p.Out, p.Err)
	}
	if st, _ := get(t, nil, s.URL+"/readyz"); st != 200 {
		t.Errorf("/readyz after backup: %d", st)
	}

	// Restoring into the served directory is refused and changes nothing.
	if code, p := run(t, "", "restore", "--from", out, "--data-dir", dir); code == 0 || !strings.Contains(p.Err.String(), "stop it, then restore") {
		t.Errorf("restore over a running server: exit %d: %s", code, p.Err)
	}

	to := t.TempDir()
	p = mustRun(t, "", "restore", "--from", out, "--data-dir", to)
	if !strings.Contains(p.Out.String(), "restored the backup") {
		t.Errorf("restore output: %s", p.Out)
	}
	r, err := db.Open(ctx, db.Options{Path: filepath.Join(to, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	if err := r.CheckSchema(ctx); err != nil {
		t.Fatal(err)
	}
	restored, err := db.Column[string](ctx, r.Q(), `SELECT slug FROM news_articles`)
	if err != nil {
		t.Fatal(err)
	}
	have := map[string]bool{}
	for _, slug := range restored {
		have[slug] = true
	}
	lost := 0
	for _, slug := range before {
		if strings.HasPrefix(slug, "kept-") && !have[slug] {
			lost++
		}
	}
	if lost > 0 {
		t.Errorf("%d of the %d articles acknowledged before the backup started are not in the restored database", lost, len(before))
	}
	var users int
	if err := r.Q().QueryRowContext(ctx, `SELECT COUNT(*) FROM users WHERE email = 'keeper@example.org'`).Scan(&users); err != nil || users != 1 {
		t.Errorf("the restored database lacks the user (%d, %v)", users, err)
	}
	// Every file the restored database names is there, with its bytes.
	for _, slug := range restored {
		b, err := os.ReadFile(filepath.Join(to, "uploads", "news", slug+".png"))
		if err != nil || string(b) != "image of "+slug {
			t.Errorf("%s: restored image %q, %v", slug, b, err)
		}
	}
	t.Logf("%d articles acknowledged before the backup, %d restored", len(before), len(restored))
}

// snapshot is a data directory's files and their SHA-256, lock file and
// the database's side files aside.
func snapshot(t *testing.T, dir string) string {
	t.Helper()
	var lines []string
	err := filepath.WalkDir(dir, func(p string, ent fs.DirEntry, err error) error {
		if err != nil || ent.IsDir() || ent.Name() == "partnerhub.lock" || strings.HasSuffix(p, "-shm") {
			return err
		}
		b, err := os.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		rel, _ := filepath.Rel(dir, p)
		lines = append(lines, rel+" "+hex.EncodeToString(sum[:]))
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	sort.Strings(lines)
	return strings.Join(lines, "\n")
}

// rewrite copies an archive, passing each entry's bytes through edit.
func rewrite(t *testing.T, src, dst string, edit func(name string, b []byte) []byte) {
	t.Helper()
	f, err := os.Open(src)
	if err != nil {
		t.Fatal(err)
	}
	defer f.Close()
	gz, err := gzip.NewReader(f)
	if err != nil {
		t.Fatal(err)
	}
	var buf bytes.Buffer
	gw := gzip.NewWriter(&buf)
	tw := tar.NewWriter(gw)
	tr := tar.NewReader(gz)
	for {
		h, err := tr.Next()
		if err == io.EOF {
			break
		}
		if err != nil {
			t.Fatal(err)
		}
		b, _ := io.ReadAll(tr)
		b = edit(h.Name, b)
		h.Size = int64(len(b))
		tw.WriteHeader(h)
		tw.Write(b)
	}
	tw.Close()
	gw.Close()
	if err := os.WriteFile(dst, buf.Bytes(), 0o600); err != nil {
		t.Fatal(err)
	}
}

func TestRestoreRefusesDamagedOrNewerArchivesAndChangesNothing(t *testing.T) {
	ctx := context.Background()
	src := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", src)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "backed-up@example.org", "--data-dir", src)
	d, err := db.Open(ctx, db.Options{Path: filepath.Join(src, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	w := &newsWriter{d: d, dir: filepath.Join(src, "uploads", "news")}
	os.MkdirAll(w.dir, 0o750)
	if err := w.insert(ctx, "pictured"); err != nil {
		t.Fatal(err)
	}
	d.Close()
	good := filepath.Join(t.TempDir(), "good.tar.gz")
	mustRun(t, "", "backup", "--out", good, "--data-dir", src)

	// The site to restore into, with data of its own.
	site := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", site)
	mustRun(t, "correct horse battery staple\n", "user", "create", "--email", "live@example.org", "--data-dir", site)
	os.MkdirAll(filepath.Join(site, "uploads", "news"), 0o750)
	os.WriteFile(filepath.Join(site, "uploads", "news", "live.png"), []byte("live"), 0o640)
	before := snapshot(t, site)

	tmp := t.TempDir()
	whole, _ := os.ReadFile(good)
	truncated := filepath.Join(tmp, "truncated.tar.gz")
	os.WriteFile(truncated, whole[:len(whole)*2/3], 0o600)
	notGzip := filepath.Join(tmp, "notes.txt")
	os.WriteFile(notGzip, []byte("just some notes\n"), 0o600)
	tampered := filepath.Join(tmp, "tampered.tar.gz")
	rewrite(t, good, tampered, func(name string, b []byte) []byte {
		if name == "uploads/news/pictured.png" {
			return []byte("another picture")
		}
		return b
	})
	// A backup of a database a newer Partnerhub migrated.
	newer := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", newer)
	nd, err := db.Open(ctx, db.Options{Path: filepath.Join(newer, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	if _, err := nd.W().ExecContext(ctx, `INSERT INTO schema_migrations (name, applied_at) VALUES ('9990_from_the_future', '2030-01-01T00:00:00Z')`); err != nil {
		t.Fatal(err)
	}
	nd.Close()
	newerArchive := filepath.Join(tmp, "newer.tar.gz")
	mustRun(t, "", "backup", "--out", newerArchive, "--data-dir", newer)

	for _, c := range []struct{ file, want string }{
		{truncated, "is truncated or damaged"},
		{notGzip, "is not a Partnerhub backup"},
		{tampered, "uploads/news/pictured.png does not match its SHA-256"},
		{newerArchive, "schema is newer than this Partnerhub knows (migrations 9990_from_the_future"},
		{filepath.Join(tmp, "absent.tar.gz"), "cannot read the backup"},
	} {
		code, p := run(t, "", "restore", "--from", c.file, "--data-dir", site)
		if code == 0 || !strings.Contains(p.Err.String(), c.want) || !strings.Contains(p.Err.String(), "nothing was changed") {
			t.Errorf("restore %s: exit %d, stderr %q; want a message with %q", filepath.Base(c.file), code, p.Err, c.want)
		}
		if after := snapshot(t, site); after != before {
			t.Errorf("restore %s changed the data directory:\nbefore:\n%s\nafter:\n%s", filepath.Base(c.file), before, after)
		}
	}
	if ents, _ := filepath.Glob(filepath.Join(site, ".restore-*")); len(ents) > 0 {
		t.Errorf("refused restores left staging folders: %v", ents)
	}

	p := mustRun(t, "", "restore", "--from", good, "--data-dir", site)
	if !strings.Contains(p.Out.String(), "the data it replaced is in "+filepath.Join(site, "pre-restore-")) {
		t.Errorf("restore output: %s", p.Out)
	}
	r, err := db.Open(ctx, db.Options{Path: filepath.Join(site, "partnerhub.db")})
	if err != nil {
		t.Fatal(err)
	}
	defer r.Close()
	emails, _ := db.Column[string](ctx, r.Q(), `SELECT email FROM users ORDER BY email`)
	if strings.Join(emails, " ") != "backed-up@example.org" {
		t.Errorf("users after restore: %v", emails)
	}
	if _, err := os.Stat(filepath.Join(site, "uploads", "news", "pictured.png")); err != nil {
		t.Errorf("restored upload: %v", err)
	}
	if _, err := os.Stat(filepath.Join(site, "uploads", "news", "live.png")); err == nil {
		t.Error("the replaced site's upload is still among the uploads")
	}
	prev, _ := filepath.Glob(filepath.Join(site, "pre-restore-*", "uploads", "news", "live.png"))
	if len(prev) != 1 {
		t.Error("the replaced uploads were not kept aside")
	}
}

func TestCommandsWaitForNoRestore(t *testing.T) {
	dir := t.TempDir()
	mustRun(t, "", "migrate", "--data-dir", dir)
	unlock, err := backup.Lock(dir, true) // a restore under way
	if err != nil {
		t.Fatal(err)
	}
	for _, args := range [][]string{{"migrate", "--data-dir", dir}, {"demo", "--data-dir", dir}, {"jobs", "run", "retention", "--data-dir", dir}} {
		if code, p := run(t, "", args...); code == 0 || !strings.Contains(p.Err.String(), "a restore into "+dir+" is in progress") {
			t.Errorf("%v during a restore: exit %d, %s", args, code, p.Err)
		}
	}
	if _, err := os.Stat(filepath.Join(dir, "partnerhub.db")); err != nil {
		t.Errorf("demo removed the database a restore was writing: %v", err)
	}
	unlock()
	mustRun(t, "", "migrate", "--data-dir", dir)
}
