package web

import (
	"net/http"

	"github.com/klauspost/compress/gzhttp"
)

// compressedTypes are the text types worth compressing; images, fonts,
// archives and other already-compressed bodies are sent as they are.
var compressedTypes = []string{
	"text/html", "text/css", "text/plain", "text/csv", "text/calendar", "text/javascript",
	"application/javascript", "application/json", "application/problem+json", "application/ld+json",
	"application/xml", "image/svg+xml",
}

// compressMinSize: bodies smaller than this are sent uncompressed (a gzip
// header and trailer would cost more than they save).
const compressMinSize = 1024

// compress gzips text responses for clients that accept it (Vary:
// Accept-Encoding on every answer that could be compressed). A compressed
// answer's strong ETag gets the suffix "-gzip", so that it never matches
// the uncompressed representation's.
func compress(next http.Handler) http.Handler {
	wrap, err := gzhttp.NewWrapper(gzhttp.MinSize(compressMinSize), gzhttp.ContentTypes(compressedTypes), gzhttp.SuffixETag("-gzip"))
	if err != nil {
		panic(err) // only for invalid options, which are constants here
	}
	return wrap(next)
}
