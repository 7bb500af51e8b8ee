package ocds

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"runtime"
	"sort"
	"strconv"
	"strings"
	"sync"
	"sync/atomic"

	"github.com/santhosh-tekuri/jsonschema/v6"
	"golang.org/x/text/language"
	"golang.org/x/text/message"
)

// The schema files are copied unchanged from ../shared/standards/ocds-1.1.5
// (see SOURCES.md there): OCDS 1.1.5 core, the UK extension used by Find a
// Tender and Contracts Finder, and the suitability extension it builds on.
//
//go:embed schema/*.json
var schemaFS embed.FS

// Schema URLs as the package schemas refer to them.
const (
	releasePackageShallowURL = "partnerhub:release-package-shallow.json"
	releaseSchemaURL         = "https://standard.open-contracting.org/schema/1__1__5/release-schema.json"
	releasePackageURL        = "https://standard.open-contracting.org/schema/1__1__5/release-package-schema.json"
	recordPackageURL         = "https://standard.open-contracting.org/schema/1__1__5/record-package-schema.json"
	versionedReleaseURL      = "https://standard.open-contracting.org/schema/1__1__5/versioned-release-validation-schema.json"
	UKExtensionURL           = "https://raw.githubusercontent.com/cabinetoffice/ocds_uk_extension/main/extension.json"
	SuitabilityExtensionURL  = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_suitability_extension/master/extension.json"
	LotsExtensionURL         = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_lots_extension/master/extension.json"
	OtherRequirementsURL     = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_otherRequirements_extension/master/extension.json"
	BidExtensionURL          = "https://raw.githubusercontent.com/open-contracting-extensions/ocds_bid_extension/master/extension.json"
)

// Extensions lists the extensions every package Partnerhub publishes
// declares: the suitability and UK extensions (merged into the schema the
// packages are validated against) and the lots and other-requirements
// extensions whose fields (tender.lots, tender.otherRequirements) the UK
// extension depends on, and the bid extension (bids, awards' relatedBids).
var Extensions = []string{SuitabilityExtensionURL, UKExtensionURL, LotsExtensionURL, OtherRequirementsURL, BidExtensionURL}

// MergePatch applies an RFC 7386 JSON Merge Patch to target and returns
// the result: objects merge key by key, null removes a key, anything else
// (arrays included) replaces. target is modified when it is an object.
func MergePatch(target, patch any) any {
	p, ok := patch.(map[string]any)
	if !ok {
		return patch
	}
	t, ok := target.(map[string]any)
	if !ok {
		t = map[string]any{}
	}
	for k, v := range p {
		if v == nil {
			delete(t, k)
			continue
		}
		t[k] = MergePatch(t[k], v)
	}
	return t
}

func readSchema(name string) map[string]any {
	b, err := schemaFS.ReadFile("schema/" + name)
	if err != nil {
		panic(err)
	}
	var m map[string]any
	if err := json.Unmarshal(b, &m); err != nil {
		panic(fmt.Sprintf("ocds: %s: %v", name, err))
	}
	return m
}

// ReleaseSchema is the OCDS 1.1.5 release schema with the suitability,
// UK and bid extensions merged in (JSON Merge Patch, in that order: the UK
// extension adds vcse to the suitability object). The UK extension refers
// to #/definitions/Location from the location extension, which is not
// among the files here; it is added as an open object so the schema
// compiles, and its contents are not checked.
func ReleaseSchema() map[string]any {
	s := readSchema("release-schema.json")
	MergePatch(s, readSchema("suitability-extension-release-schema.json"))
	MergePatch(s, readSchema("uk-extension-release-schema.json"))
	// The bid extension's schema is not in ../shared/standards: the file
	// here was written from its published release schema, for the fields
	// Partnerhub writes (bid-extension-release-schema.json says which).
	MergePatch(s, readSchema("bid-extension-release-schema.json"))
	defs := s["definitions"].(map[string]any)
	if _, ok := defs["Location"]; !ok {
		defs["Location"] = map[string]any{"type": "object"}
	}
	return s
}

type schemas struct {
	release, releasePackage, recordPackage *jsonschema.Schema
	// releasePackageShallow is the release package schema with any item
	// in "releases": the package's own fields, releases checked apart
	// (validateReleasePackage).
	releasePackageShallow *jsonschema.Schema
	rules                 rules
}

var (
	compiled    *schemas
	compileErr  error
	compileOnce sync.Once
)

// loader serves the schemas from the embedded files, never the network.
type loader map[string]any

func (l loader) Load(url string) (any, error) {
	if v, ok := l[url]; ok {
		return v, nil
	}
	return nil, fmt.Errorf("ocds: schema %s is not available offline", url)
}

// toSchemaDoc turns a decoded document into the form the compiler wants
// (numbers as json.Number).
func toSchemaDoc(m map[string]any) any {
	b, _ := json.Marshal(m)
	v, err := jsonschema.UnmarshalJSON(bytes.NewReader(b))
	if err != nil {
		panic(err)
	}
	return v
}

func loadSchemas() (*schemas, error) {
	compileOnce.Do(func() {
		rel := ReleaseSchema()
		shallow := readSchema("release-package-schema.json")
		shallow["properties"].(map[string]any)["releases"].(map[string]any)["items"] = map[string]any{}
		l := loader{
			releasePackageShallowURL: toSchemaDoc(shallow),
			releaseSchemaURL:         toSchemaDoc(rel),
			releasePackageURL:        toSchemaDoc(readSchema("release-package-schema.json")),
			recordPackageURL:         toSchemaDoc(readSchema("record-package-schema.json")),
			// Not among the published files; records' versionedRelease
			// is accepted as it is.
			versionedReleaseURL: map[string]any{},
		}
		c := jsonschema.NewCompiler()
		c.DefaultDraft(jsonschema.Draft4)
		c.AssertFormat()
		c.UseLoader(l)
		s := &schemas{rules: mergeRules(rel)}
		var err error
		if s.release, err = c.Compile(releaseSchemaURL); err != nil {
			compileErr = err
			return
		}
		if s.releasePackage, err = c.Compile(releasePackageURL); err != nil {
			compileErr = err
			return
		}
		if s.recordPackage, err = c.Compile(recordPackageURL); err != nil {
			compileErr = err
			return
		}
		if s.releasePackageShallow, err = c.Compile(releasePackageShallowURL); err != nil {
			compileErr = err
			return
		}
		compiled = s
	})
	return compiled, compileErr
}

var printer = message.NewPrinter(language.English)

// Problem is one thing wrong with a file, at a JSON path ("$" is the
// whole document; "$.releases[0].tender.value.amount").
type Problem struct {
	Path    string
	Message string
}

func (p Problem) String() string { return p.Path + ": " + p.Message }

// validate checks v (decoded with UseNumber) against sch and returns the
// problems found, one per failing leaf, sorted by path.
func validate(sch *jsonschema.Schema, v any) []Problem {
	err := sch.Validate(v)
	if err == nil {
		return nil
	}
	ve, ok := err.(*jsonschema.ValidationError)
	if !ok {
		return []Problem{{Path: "$", Message: err.Error()}}
	}
	seen := map[string]bool{}
	var out []Problem
	var walk func(e *jsonschema.ValidationError)
	walk = func(e *jsonschema.ValidationError) {
		if len(e.Causes) == 0 {
			p := Problem{Path: jsonPath(e.InstanceLocation), Message: e.ErrorKind.LocalizedString(printer)}
			if !seen[p.String()] {
				seen[p.String()] = true
				out = append(out, p)
			}
			return
		}
		for _, c := range e.Causes {
			walk(c)
		}
	}
	walk(ve)
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// validateReleasePackage is validate(s.releasePackage, obj) with the
// releases checked against the release schema side by side, on every
// core: the package's fields (and the releases' count and uniqueness)
// against the package schema, then each release on its own, its problems'
// paths under $.releases[i]. The problems are the same, sorted by path.
func validateReleasePackage(s *schemas, obj any) []Problem {
	out := validate(s.releasePackageShallow, obj)
	m, _ := obj.(map[string]any)
	list, _ := m["releases"].([]any)
	each := make([][]Problem, len(list))
	var next atomic.Int64
	var wg sync.WaitGroup
	for range min(runtime.GOMAXPROCS(0), len(list)) {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for i := int(next.Add(1) - 1); i < len(list); i = int(next.Add(1) - 1) {
				each[i] = validate(s.release, list[i])
			}
		}()
	}
	wg.Wait()
	for i, ps := range each {
		for _, p := range ps {
			out = append(out, Problem{Path: "$.releases[" + strconv.Itoa(i) + "]" + strings.TrimPrefix(p.Path, "$"), Message: p.Message})
		}
	}
	sort.SliceStable(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// jsonPath writes an instance location as $.a.b[0].c.
func jsonPath(tokens []string) string {
	var b strings.Builder
	b.WriteString("$")
	for _, t := range tokens {
		if t != "" && strings.Trim(t, "0123456789") == "" {
			b.WriteString("[" + t + "]")
			continue
		}
		b.WriteString("." + t)
	}
	return b.String()
}
