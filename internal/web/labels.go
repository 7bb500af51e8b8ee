package web

import (
	"fmt"
	"sort"
	"strings"
	"sync"
)

// Labels: stored codes ("vcs", "lead_contractor_consortium", "awarded")
// turned into words for people. Each feature registers its own codes on
// the renderer from its Templates (Renderer.AddLabels); web itself holds
// none. A code two features register with different words is refused at
// start-up, naming both, so that "draft" or "other" cannot silently show
// one feature's words on another's pages: a feature whose code means
// something else keeps it out of the shared table and names it itself (as
// events does for "other" and "draft").

type codeLabel struct{ words, feature string }

// AddLabels registers feature's words for its codes. It fails when
// another feature registered one of the codes with other words.
func (rd *Renderer) AddLabels(feature string, m map[string]string) error {
	codes := make([]string, 0, len(m))
	for code := range m {
		codes = append(codes, code)
	}
	sort.Strings(codes)
	for _, code := range codes {
		words := m[code]
		if had, ok := rd.labels[code]; ok && had.words != words {
			return fmt.Errorf("label %q: %s calls it %q but %s calls it %q; keep the code out of one feature's shared labels and name it there", code, had.feature, had.words, feature, words)
		}
	}
	for _, code := range codes {
		if _, ok := rd.labels[code]; !ok {
			rd.labels[code] = codeLabel{words: m[code], feature: feature}
		}
	}
	fallbackMu.Lock()
	for _, code := range codes {
		fallback[code] = m[code]
	}
	fallbackMu.Unlock()
	return nil
}

// Label is the words for a code (the template func "label"); a code
// nobody registered shows as itself, underscores as spaces.
func (rd *Renderer) Label(code string) string {
	if l, ok := rd.labels[code]; ok {
		return l.words
	}
	return Label(code)
}

var (
	fallbackMu sync.RWMutex
	fallback   = map[string]string{}
)

// AddLabels registers words for codes outside any renderer.
//
// Deprecated: register them with the feature's name from its Templates
// with (*Renderer).AddLabels, which refuses conflicting words at start-up.
func AddLabels(m map[string]string) {
	fallbackMu.Lock()
	defer fallbackMu.Unlock()
	for k, v := range m {
		fallback[k] = v
	}
}

// Label is the words for a code registered by any feature, for Go code
// without the renderer at hand (CSV cells, notes); a code nobody
// registered shows as itself, underscores as spaces.
func Label(code string) string {
	fallbackMu.RLock()
	l, ok := fallback[code]
	fallbackMu.RUnlock()
	if ok {
		return l
	}
	return strings.ReplaceAll(code, "_", " ")
}
