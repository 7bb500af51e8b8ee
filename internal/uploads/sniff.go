// Package uploads is the one way Partnerhub takes files from people: it
// reads an upload form within a size limit (answering an oversized file on
// the form itself), decides a file's type from its bytes against an
// allow-list (looking inside Word and Excel zips, and refusing macro
// projects, executables, path entries and zip bombs there), names the
// stored file and its download from the sniffed type (never the uploader's
// extension), stores it under a random name, serves it with safe headers
// and deletes it when its record goes.
package uploads

import (
	"archive/zip"
	"bytes"
	"fmt"
	"io"
	"net/http"
	"path"
	"path/filepath"
	"strings"
	"unicode"

	"partnerhub/internal/apperr"
)

// Type is one kind of file on an allow-list.
type Type struct {
	Ext         string // stored and download extension, with the dot
	ContentType string // served Content-Type
	Label       string // how the hint names it
}

// The types Partnerhub accepts somewhere.
var (
	PDF  = Type{".pdf", "application/pdf", "PDF"}
	PNG  = Type{".png", "image/png", "PNG"}
	JPEG = Type{".jpg", "image/jpeg", "JPEG"}
	Text = Type{".txt", "text/plain; charset=utf-8", "plain text"}
	CSV  = Type{".csv", "text/csv; charset=utf-8", "CSV"}
	DOCX = Type{".docx", "application/vnd.openxmlformats-officedocument.wordprocessingml.document", "Word (.docx)"}
	XLSX = Type{".xlsx", "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", "Excel (.xlsx)"}
	ODT  = Type{".odt", "application/vnd.oasis.opendocument.text", "OpenDocument text (.odt)"}
	JSON = Type{".json", "application/json", "JSON"}
)

// Bounds inside office zips. A document expands to at most maxRatio times
// its own size (but always up to minExpanded, so small documents with
// highly compressible XML pass), and never past maxExpanded.
const (
	maxRatio    = 100
	minExpanded = 16 << 20
	maxExpanded = 256 << 20
	maxEntries  = 5000
)

// executable extensions refused inside office zips.
var execExts = map[string]bool{".exe": true, ".dll": true, ".com": true, ".scr": true, ".bat": true, ".cmd": true, ".msi": true,
	".ps1": true, ".vbs": true, ".js": true, ".jar": true, ".sh": true, ".elf": true, ".so": true, ".dylib": true, ".app": true, ".lnk": true}

// Sniff decides the type of b from its bytes against the allow-list. The
// uploader's file name is used only to choose between two textual types
// (CSV or plain text) both on the list; it never makes a type acceptable.
func Sniff(name string, b []byte, allow []Type) (Type, error) {
	if len(b) == 0 {
		return Type{}, apperr.Errorf(apperr.EINVALID, "The selected file is empty")
	}
	ct := http.DetectContentType(b)
	var found Type
	switch {
	case ct == "application/pdf":
		found = PDF
	case ct == "image/png":
		found = PNG
	case ct == "image/jpeg":
		found = JPEG
	case strings.HasPrefix(ct, "text/plain"):
		found = textType(strings.ToLower(filepath.Ext(name)), allow)
	case ct == "application/zip":
		t, err := sniffZip(b)
		if err != nil {
			return Type{}, err
		}
		found = t
	}
	if found.Ext == "" || !has(allow, found) {
		return Type{}, apperr.Errorf(apperr.EINVALID, "The selected file must be %s", Labels(allow))
	}
	return found, nil
}

// textType chooses among the textual types on the list (plain text, CSV,
// JSON: all served as inert text) by the uploader's extension.
func textType(ext string, allow []Type) Type {
	for _, t := range []Type{CSV, JSON} {
		if ext == t.Ext && has(allow, t) {
			return t
		}
	}
	for _, t := range []Type{Text, CSV, JSON} {
		if has(allow, t) {
			return t
		}
	}
	return Text
}

func has(list []Type, t Type) bool {
	for _, x := range list {
		if x == t {
			return true
		}
	}
	return false
}

// Labels names an allow-list for people: "a PDF, Word (.docx) or plain text file".
func Labels(allow []Type) string {
	var names []string
	for _, t := range allow {
		names = append(names, t.Label)
	}
	s := names[0]
	if len(names) > 1 {
		s = strings.Join(names[:len(names)-1], ", ") + " or " + names[len(names)-1]
	}
	article := "a "
	if strings.ContainsAny(s[:1], "AEIOU") && !strings.HasPrefix(s, "U") {
		article = "an "
	}
	return article + s + " file"
}

var errRefusedZip = apperr.Errorf(apperr.EINVALID, "The selected file holds something Partnerhub does not accept (a macro, a program, a file path or far too much data): save it again as a plain document")

// sniffZip recognises Word, Excel and OpenDocument files, and refuses
// one holding a macro project, an executable, an entry naming a path
// outside the document, or more data than a document expands to.
func sniffZip(b []byte) (Type, error) {
	zr, err := zip.NewReader(bytes.NewReader(b), int64(len(b)))
	if err != nil || len(zr.File) > maxEntries {
		return Type{}, nil
	}
	budget := int64(len(b)) * maxRatio
	budget = max(budget, minExpanded)
	budget = min(budget, maxExpanded)
	var t Type
	var total int64
	for _, f := range zr.File {
		if badEntryName(f.Name) {
			return Type{}, errRefusedZip
		}
		base := strings.ToLower(path.Base(f.Name))
		if base == "vbaproject.bin" || base == "vbadata.xml" || execExts[path.Ext(base)] {
			return Type{}, errRefusedZip
		}
		rc, err := f.Open()
		if err != nil {
			return Type{}, errRefusedZip
		}
		head := make([]byte, 512)
		n, _ := io.ReadFull(rc, head)
		head = head[:n]
		rest, err := io.Copy(io.Discard, io.LimitReader(rc, budget-total-int64(n)+1))
		rc.Close()
		if err != nil {
			return Type{}, errRefusedZip
		}
		total += int64(n) + rest
		if total > budget {
			return Type{}, errRefusedZip
		}
		if executable(head) {
			return Type{}, errRefusedZip
		}
		switch {
		case f.Name == "word/document.xml":
			t = DOCX
		case f.Name == "xl/workbook.xml":
			t = XLSX
		case f.Name == "mimetype" && string(head) == ODT.ContentType:
			t = ODT
		}
	}
	if t == DOCX || t == XLSX {
		// Content types must be declared, and not as a macro-enabled type.
		for _, f := range zr.File {
			if f.Name == "[Content_Types].xml" {
				return t, contentTypesOK(f)
			}
		}
		return Type{}, nil
	}
	return t, nil
}

func contentTypesOK(f *zip.File) error {
	rc, err := f.Open()
	if err != nil {
		return errRefusedZip
	}
	defer rc.Close()
	b, err := io.ReadAll(io.LimitReader(rc, 1<<20))
	if err != nil {
		return errRefusedZip
	}
	low := bytes.ToLower(b)
	if bytes.Contains(low, []byte("macroenabled")) || bytes.Contains(low, []byte("vbaproject")) {
		return errRefusedZip
	}
	return nil
}

// badEntryName reports a zip entry that is absolute, climbs out with "..",
// uses backslashes or a drive letter, or holds control characters.
func badEntryName(n string) bool {
	if n == "" || strings.HasPrefix(n, "/") || strings.ContainsAny(n, "\\\x00") || (len(n) > 1 && n[1] == ':') {
		return true
	}
	for _, seg := range strings.Split(n, "/") {
		if seg == ".." {
			return true
		}
	}
	return strings.IndexFunc(n, unicode.IsControl) >= 0
}

// executable reports the start of a Windows, Linux or macOS program or a
// script with a #! line.
func executable(head []byte) bool {
	for _, magic := range [][]byte{[]byte("MZ"), []byte("\x7fELF"), []byte("#!"), {0xfe, 0xed, 0xfa, 0xce}, {0xfe, 0xed, 0xfa, 0xcf}, {0xcf, 0xfa, 0xed, 0xfe}, {0xce, 0xfa, 0xed, 0xfe}, {0xca, 0xfe, 0xba, 0xbe}} {
		if bytes.HasPrefix(head, magic) {
			return true
		}
	}
	return false
}

// DisplayName is the name a file is listed and downloaded under: the
// uploader's name without its folders, bidirectional and other invisible
// formatting characters (so "invoice\u202egpj.exe" cannot pose as a
// picture), or anything but letters, digits, '-', '_' and '.', and with
// its extension replaced by the sniffed type's. fallback names a file
// whose name has nothing left.
func DisplayName(name string, t Type, fallback string) string {
	name = path.Base(strings.ReplaceAll(name, "\\", "/"))
	name = strings.Map(func(r rune) rune {
		switch {
		case unicode.Is(unicode.Cf, r) || unicode.IsControl(r):
			return -1
		case r == '-' || r == '_' || r == '.' || unicode.IsLetter(r) || unicode.IsDigit(r):
			return r
		}
		return '_'
	}, name)
	name = strings.TrimSuffix(name, path.Ext(name))
	name = strings.Trim(name, "._")
	if r := []rune(name); len(r) > 80 {
		name = string(r[:80])
	}
	if name == "" {
		name = fallback
	}
	return name + t.Ext
}

// Size says n bytes for people: "10 MB", "500 KB".
func Size(n int64) string {
	switch {
	case n >= 1<<20 && n%(1<<20) == 0:
		return fmt.Sprintf("%d MB", n>>20)
	case n >= 1<<20:
		return fmt.Sprintf("%.1f MB", float64(n)/(1<<20))
	case n >= 1<<10:
		return fmt.Sprintf("%d KB", n>>10)
	}
	return fmt.Sprintf("%d bytes", n)
}
