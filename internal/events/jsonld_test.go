package events

import (
	"encoding/json"
	"fmt"
	"os"
	"reflect"
	"strings"
	"testing"
	"time"

	"partnerhub/internal/apperr"
)

func fieldsOf(err error) []apperr.FieldError { return apperr.Fields(err) }

// vocab is the part of schema.org 30.0 the event page uses.
type vocab struct {
	nodes map[string]map[string]any
}

func loadVocab(t *testing.T, path string) vocab {
	t.Helper()
	b, err := os.ReadFile(path)
	if err != nil {
		t.Fatal(err)
	}
	var doc struct {
		Graph []map[string]any `json:"@graph"`
	}
	if err := json.Unmarshal(b, &doc); err != nil {
		t.Fatal(err)
	}
	v := vocab{nodes: map[string]map[string]any{}}
	for _, n := range doc.Graph {
		v.nodes[n["@id"].(string)] = n
	}
	return v
}

func ids(x any) []string {
	switch v := x.(type) {
	case map[string]any:
		return []string{v["@id"].(string)}
	case []any:
		var out []string
		for _, e := range v {
			out = append(out, ids(e)...)
		}
		return out
	case string:
		return []string{v}
	}
	return nil
}

// ancestors returns the class and its superclasses.
func (v vocab) ancestors(class string) map[string]bool {
	out := map[string]bool{}
	var walk func(string)
	walk = func(c string) {
		if out[c] {
			return
		}
		out[c] = true
		if n := v.nodes[c]; n != nil {
			for _, p := range ids(n["rdfs:subClassOf"]) {
				walk(p)
			}
		}
	}
	walk(class)
	return out
}

func (v vocab) check(path string, obj map[string]any) error {
	typ, _ := obj["@type"].(string)
	class := "schema:" + typ
	if v.nodes[class] == nil {
		return fmt.Errorf("%s: @type %q is not a schema.org class", path, typ)
	}
	anc := v.ancestors(class)
	for k, val := range obj {
		if strings.HasPrefix(k, "@") {
			continue
		}
		prop := v.nodes["schema:"+k]
		if prop == nil || prop["@type"] != "rdf:Property" {
			return fmt.Errorf("%s.%s is not a schema.org property", path, k)
		}
		okDomain := false
		for _, d := range ids(prop["schema:domainIncludes"]) {
			if anc[d] {
				okDomain = true
			}
		}
		if !okDomain {
			return fmt.Errorf("%s.%s is not a property of %s", path, k, typ)
		}
		ranges := map[string]bool{}
		for _, r := range ids(prop["schema:rangeIncludes"]) {
			ranges[r] = true
		}
		vals := []any{val}
		if arr, ok := val.([]any); ok {
			vals = arr
		}
		for _, x := range vals {
			if err := v.checkValue(path+"."+k, x, ranges); err != nil {
				return err
			}
		}
	}
	return nil
}

func (v vocab) checkValue(path string, x any, ranges map[string]bool) error {
	switch val := x.(type) {
	case map[string]any:
		typ, _ := val["@type"].(string)
		ok := false
		for a := range v.ancestors("schema:" + typ) {
			if ranges[a] {
				ok = true
			}
		}
		if !ok {
			return fmt.Errorf("%s: a %s is not in the range %v", path, typ, ranges)
		}
		return v.check(path, val)
	case float64:
		if !ranges["schema:Integer"] && !ranges["schema:Number"] {
			return fmt.Errorf("%s: a number is not in the range %v", path, ranges)
		}
	case string:
		if strings.HasPrefix(val, "https://schema.org/") {
			inst := v.nodes["schema:"+strings.TrimPrefix(val, "https://schema.org/")]
			if inst != nil {
				for _, ty := range ids(inst["@type"]) {
					if ranges[ty] {
						return nil
					}
				}
			}
			if !ranges["schema:URL"] {
				return fmt.Errorf("%s: %s is not a member of %v", path, val, ranges)
			}
			return nil
		}
		switch {
		case ranges["schema:Text"], ranges["schema:URL"] && strings.HasPrefix(val, "http"):
		case ranges["schema:DateTime"]:
			if _, err := time.Parse(time.RFC3339, val); err != nil {
				return fmt.Errorf("%s: %q is not an ISO 8601 date-time", path, val)
			}
		default:
			return fmt.Errorf("%s: text %q is not in the range %v", path, val, ranges)
		}
	default:
		return fmt.Errorf("%s: unexpected value %#v", path, x)
	}
	return nil
}

func TestJSONLDMatchesSchemaOrg(t *testing.T) {
	v := loadVocab(t, "testdata/schemaorg-30.0-subset.jsonld")
	start := time.Date(2027, 3, 18, 9, 30, 0, 0, londonLoc())
	for _, e := range []*Event{
		{UUID: "u1", Slug: "state-of-the-sector", Title: "State of the Sector <script>", Summary: "Launch", OrganiserName: "TSSP", OrganiserSlug: "tssp",
			VenueName: "Winter Gardens", VenueAddress: "97 Church Street", VenuePostcode: "FY1 1HL", StartsAt: start, EndsAt: start.Add(6 * time.Hour),
			Capacity: 200, Booked: 150, Status: StatusPublished, Themes: []ThemeRef{{Name: "Health"}}},
		{UUID: "u2", Slug: "online", Title: "Online", OrganiserName: "TSSP", OrganiserSlug: "tssp", Online: true, StartsAt: start, EndsAt: start.Add(time.Hour), Status: StatusCancelled},
	} {
		s, err := jsonLD(e, "https://partnerhub.example")
		if err != nil {
			t.Fatal(err)
		}
		if strings.Contains(s, "<") {
			t.Fatalf("JSON-LD can close the script element: %s", s)
		}
		var obj map[string]any
		if err := json.Unmarshal([]byte(s), &obj); err != nil {
			t.Fatal(err)
		}
		if obj["@context"] != "https://schema.org" || obj["@type"] != "Event" {
			t.Fatalf("context/type: %v", obj)
		}
		for _, req := range []string{"name", "startDate", "endDate", "location", "eventStatus", "organizer"} {
			if obj[req] == nil {
				t.Fatalf("missing %s", req)
			}
		}
		if obj["startDate"] != "2027-03-18T09:30:00Z" {
			t.Fatalf("startDate %v", obj["startDate"])
		}
		if err := v.check("Event", obj); err != nil {
			t.Fatal(err)
		}
	}
	// The check itself rejects what schema.org does not define.
	for _, bad := range []map[string]any{
		{"@type": "Event", "price": "free"},                                                  // not an Event property
		{"@type": "Event", "eventStatus": "https://schema.org/OnlineEventAttendanceMode"},    // wrong enumeration
		{"@type": "Event", "maximumAttendeeCapacity": "lots"},                                // text for an Integer
		{"@type": "Event", "location": map[string]any{"@type": "Organization", "name": "x"}}, // wrong range
	} {
		if err := v.check("Event", bad); err == nil {
			t.Fatalf("validator accepted %v", bad)
		}
	}
}

// The subset in testdata must be a faithful copy of the release file.
func TestSchemaOrgSubsetIsFromRelease(t *testing.T) {
	full := "../../../shared/standards/fixtures/schemaorg-30.0/schemaorg-current-https.jsonld"
	if _, err := os.Stat(full); err != nil {
		if os.Getenv("CI") == "true" {
			t.Fatalf("schema.org release file missing: %v", err)
		}
		t.Skip("schema.org release file not available")
	}
	sub := loadVocab(t, "testdata/schemaorg-30.0-subset.jsonld")
	rel := loadVocab(t, full)
	for id, n := range sub.nodes {
		if !reflect.DeepEqual(n, rel.nodes[id]) {
			t.Fatalf("%s differs from the schema.org 30.0 release", id)
		}
	}
}
