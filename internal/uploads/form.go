package uploads

import (
	"errors"
	"io"
	"mime"
	"net/http"
	"net/url"
	"strings"

	"partnerhub/internal/apperr"
)

// Policy is what one upload field accepts.
type Policy struct {
	Field    string // the form field of the file
	Max      int64  // largest file, in bytes
	Types    []Type // allow-list, checked against the sniffed type
	Fallback string // display name for a file whose own name has nothing left
}

// Hint is the sentence shown beside the field: the accepted types and the
// limit, so nobody learns the limit from an error.
func (p Policy) Hint() string {
	s := Labels(p.Types)
	return strings.ToUpper(s[:1]) + s[1:] + ", up to " + Size(p.Max) + "."
}

// TooLargeMessage is the field error for a file over the limit.
func (p Policy) TooLargeMessage() string {
	return "The selected file must be smaller than " + Size(p.Max)
}

// Part is a file as it arrived: the name the browser sent and its bytes,
// or TooLarge when it was over the limit (its bytes then dropped).
type Part struct {
	Name     string
	Data     []byte
	TooLarge bool
}

// Form is a read upload form: its text fields and its files by field.
type Form struct {
	Values url.Values
	Files  map[string]*Part
	// Cut is set when the request body ended at the server's body limit:
	// a file was too large and fields after it could not be read.
	Cut bool
}

const (
	maxFieldBytes  = 64 << 10
	maxFieldsBytes = 1 << 20
)

// ReadForm reads a multipart form holding files of at most max bytes
// each. A larger file is not an error here: it is marked TooLarge and the
// rest of the form is still read (up to the server's body limit), so the
// page can answer on the form, with what was typed kept. The text fields
// are also put in r.PostForm for handlers and templates that read it.
// A body that is not a multipart form is an EINVALID error.
func ReadForm(r *http.Request, max int64) (*Form, error) {
	f := &Form{Values: url.Values{}, Files: map[string]*Part{}}
	r.PostForm = f.Values
	ct, _, _ := mime.ParseMediaType(r.Header.Get("Content-Type"))
	if ct != "multipart/form-data" {
		return f, apperr.Errorf(apperr.EINVALID, "Select a file to upload")
	}
	mr, err := r.MultipartReader()
	if err != nil {
		return f, apperr.Errorf(apperr.EINVALID, "Select a file to upload")
	}
	var fieldBytes int64
	for {
		p, err := mr.NextPart()
		if err == io.EOF {
			break
		}
		if err != nil {
			if cut(err) {
				f.Cut = true
				break
			}
			return f, apperr.Errorf(apperr.EINVALID, "The form could not be read. Try again.")
		}
		name := p.FormName()
		if name == "" {
			p.Close()
			continue
		}
		if !isFilePart(p.Header.Get("Content-Disposition")) {
			b, err := io.ReadAll(io.LimitReader(p, maxFieldBytes+1))
			if cut(err) {
				f.Cut = true
				break
			}
			fieldBytes += int64(len(b))
			if err != nil || len(b) > maxFieldBytes || fieldBytes > maxFieldsBytes {
				return f, apperr.Errorf(apperr.ETOOLARGE, "The form is larger than this server accepts")
			}
			f.Values.Add(name, string(b))
			continue
		}
		part := &Part{Name: p.FileName()}
		b, err := io.ReadAll(io.LimitReader(p, max+1))
		if cut(err) {
			part.TooLarge = true
			f.Files[name] = part
			f.Cut = true
			break
		}
		if err != nil {
			return f, apperr.Errorf(apperr.EINVALID, "The file could not be read. Try again.")
		}
		if int64(len(b)) > max {
			part.TooLarge = true
			// Read on past the file, up to the server's body limit, so the
			// fields after it are kept too.
			if _, err := io.Copy(io.Discard, p); err != nil {
				f.Files[name] = part
				f.Cut = true
				break
			}
		} else {
			part.Data = b
		}
		if part.Name != "" || len(part.Data) > 0 || part.TooLarge {
			f.Files[name] = part
		}
	}
	return f, nil
}

// isFilePart reports a part sent by a file input: it has a filename
// parameter, empty when no file was chosen.
func isFilePart(disposition string) bool {
	return strings.Contains(disposition, "filename=")
}

func cut(err error) bool {
	var mbe *http.MaxBytesError
	return err != nil && errors.As(err, &mbe)
}

// File is an accepted upload: its sniffed type, the display name made from
// it, and its bytes.
type File struct {
	Name string
	Type Type
	Data []byte
}

// Check takes the policy's file from the form: a field error (keyed by the
// policy's field, or by field when given) when none was chosen, it is too
// large, empty, or not on the allow-list.
func (p Policy) Check(f *Form) (*File, error) {
	part := f.Files[p.Field]
	v := &apperr.Validation{}
	switch {
	case part != nil && part.TooLarge, part == nil && f.Cut:
		v.Add(p.Field, p.TooLargeMessage())
		return nil, tooLarge(v.Err())
	case part == nil || part.Name == "" && len(part.Data) == 0:
		v.Add(p.Field, "Select a file to upload")
		return nil, v.Err()
	}
	t, err := Sniff(part.Name, part.Data, p.Types)
	if err != nil {
		v.Add(p.Field, apperr.Message(err))
		return nil, v.Err()
	}
	return &File{Name: DisplayName(part.Name, t, p.Fallback), Type: t, Data: part.Data}, nil
}

// TooLarge reports whether err is a Check error for a file over the
// limit; handlers answer it on the form with status 413.
func TooLarge(err error) bool {
	var t *tooLargeErr
	return errors.As(err, &t)
}

type tooLargeErr struct{ error }

func (e *tooLargeErr) Unwrap() error { return e.error }

func tooLarge(err error) error { return &tooLargeErr{err} }

// Status is the status a form answering err is sent with: 413 for a file
// over the limit, 422 for other field errors.
func Status(err error) int {
	if TooLarge(err) {
		return http.StatusRequestEntityTooLarge
	}
	return http.StatusUnprocessableEntity
}
