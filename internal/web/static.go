package web

import (
	"crypto/sha256"
	"embed"
	"encoding/hex"
	"io/fs"
	"mime"
	"net/http"
	"path"
	"strings"
)

//go:embed static
var staticFS embed.FS

// Static serves embedded assets under content-hashed URLs
// (/static/app.3f2a9c1e.css) with a year-long immutable cache lifetime.
type Static struct {
	byURL  map[string]string // hashed URL path -> file name
	byName map[string]string // file name -> hashed URL
}

// NewStatic hashes every embedded asset.
func NewStatic() (*Static, error) {
	s := &Static{byURL: map[string]string{}, byName: map[string]string{}}
	err := fs.WalkDir(staticFS, "static", func(p string, d fs.DirEntry, err error) error {
		if err != nil || d.IsDir() {
			return err
		}
		b, err := staticFS.ReadFile(p)
		if err != nil {
			return err
		}
		sum := sha256.Sum256(b)
		name := strings.TrimPrefix(p, "static/")
		ext := path.Ext(name)
		u := "/static/" + strings.TrimSuffix(name, ext) + "." + hex.EncodeToString(sum[:])[:12] + ext
		s.byURL[u] = p
		s.byName[name] = u
		return nil
	})
	return s, err
}

// URL returns the hashed URL of an asset; an unknown asset panics at
// template execution, which start-up rendering tests catch.
func (s *Static) URL(name string) string {
	u, ok := s.byName[name]
	if !ok {
		panic("unknown static asset " + name)
	}
	return u
}

func (s *Static) serve(w http.ResponseWriter, r *http.Request) {
	p, ok := s.byURL[r.URL.Path]
	if !ok {
		http.NotFound(w, r)
		return
	}
	b, _ := staticFS.ReadFile(p)
	ct := mime.TypeByExtension(path.Ext(p))
	if ct == "" {
		ct = "application/octet-stream"
	}
	w.Header().Set("Content-Type", ct)
	w.Header().Set("Cache-Control", "public, max-age=31536000, immutable")
	w.Write(b)
}
