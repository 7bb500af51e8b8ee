package grants

import (
	"bytes"
	"embed"
	"encoding/json"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/santhosh-tekuri/jsonschema/v6"
)

// The 360Giving Data Standard 1.4.3 schemas, copied unchanged from
// ThreeSixtyGiving/standard (CC BY 4.0; see ../shared/standards/SOURCES.md).
//
//go:embed schema/*.json
var schemaFS embed.FS

const (
	grantSchemaURL   = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-schema.json"
	packageSchemaURL = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.3/schema/360-giving-package-schema.json"
	// The 1.4.3 package schema still refers to the 1.4.2 grant schema.
	grantSchemaURL142 = "https://raw.githubusercontent.com/ThreeSixtyGiving/standard/1.4.2/schema/360-giving-schema.json"
)

type schemas struct {
	grant *jsonschema.Schema
	// columns maps a normalised 360Giving column title ("recipient
	// org:identifier") to where its value goes in a grant.
	columns map[string]column
	// titles are the column titles as the standard spells them.
	titles []string
}

// column is one flattened column: the JSON property and, for a column of
// an object or of the first item of a list, the property inside it.
type column struct {
	prop, sub string
	list      bool   // the property is a list (the column fills its first item)
	kind      string // "number", "integer" or "" (text)
}

var (
	schemaOnce sync.Once
	schemaVal  *schemas
	schemaErr  error
)

func loadSchemas() (*schemas, error) {
	schemaOnce.Do(func() { schemaVal, schemaErr = compileSchemas() })
	return schemaVal, schemaErr
}

func compileSchemas() (*schemas, error) {
	grantJSON, err := schemaFS.ReadFile("schema/360-giving-schema.json")
	if err != nil {
		return nil, err
	}
	doc, err := jsonschema.UnmarshalJSON(bytes.NewReader(grantJSON))
	if err != nil {
		return nil, err
	}
	c := jsonschema.NewCompiler()
	c.AssertFormat()
	for _, u := range []string{grantSchemaURL, grantSchemaURL142} {
		if err := c.AddResource(u, doc); err != nil {
			return nil, err
		}
	}
	sch, err := c.Compile(grantSchemaURL)
	if err != nil {
		return nil, fmt.Errorf("360Giving schema: %w", err)
	}
	s := &schemas{grant: sch, columns: map[string]column{}}
	if err := s.flatten(grantJSON); err != nil {
		return nil, err
	}
	return s, nil
}

// flatten derives the standard's spreadsheet column titles from the
// schema's titles: "Amount Awarded" for a property, "Recipient
// Org:Identifier" for a property of the first item of a list of objects
// (or of an object), as 360Giving's own templates name them.
func (s *schemas) flatten(raw []byte) error {
	type prop struct {
		Title string          `json:"title"`
		Type  json.RawMessage `json:"type"`
		Ref   string          `json:"$ref"`
		Items *struct {
			Ref  string          `json:"$ref"`
			Type json.RawMessage `json:"type"`
		} `json:"items"`
		Properties map[string]json.RawMessage `json:"properties"`
	}
	var doc struct {
		Properties map[string]prop `json:"properties"`
		Defs       map[string]struct {
			Properties map[string]prop `json:"properties"`
		} `json:"$defs"`
	}
	if err := json.Unmarshal(raw, &doc); err != nil {
		return err
	}
	kind := func(t json.RawMessage) string {
		switch {
		case bytes.Contains(t, []byte(`"number"`)):
			return "number"
		case bytes.Contains(t, []byte(`"integer"`)):
			return "integer"
		}
		return ""
	}
	add := func(title string, c column) {
		s.columns[normTitle(title)] = c
		s.titles = append(s.titles, title)
	}
	names := make([]string, 0, len(doc.Properties))
	for k := range doc.Properties {
		names = append(names, k)
	}
	slices.Sort(names)
	for _, name := range names {
		p := doc.Properties[name]
		if p.Title == "" { // currency: its title is not given
			p.Title = strings.ToUpper(name[:1]) + name[1:]
		}
		ref, list := p.Ref, false
		if p.Items != nil && p.Items.Ref != "" {
			ref, list = p.Items.Ref, true
		}
		if ref == "" {
			add(p.Title, column{prop: name, kind: kind(p.Type)})
			continue
		}
		def, ok := doc.Defs[strings.TrimPrefix(ref, "#/$defs/")]
		if !ok || len(def.Properties) == 0 {
			add(p.Title, column{prop: name, kind: kind(p.Type)}) // currency: a string
			continue
		}
		for sub, sp := range def.Properties {
			if sp.Title == "" || sp.Ref != "" || (sp.Items != nil) {
				continue
			}
			add(p.Title+":"+sp.Title, column{prop: name, sub: sub, list: list, kind: kind(sp.Type)})
		}
	}
	slices.Sort(s.titles)
	return nil
}

// normTitle is how column titles are matched: case, spaces around the
// colon and runs of spaces do not matter.
func normTitle(t string) string {
	parts := strings.Split(t, ":")
	for i, p := range parts {
		parts[i] = strings.Join(strings.Fields(strings.ToLower(p)), " ")
	}
	return strings.Join(parts, ":")
}
