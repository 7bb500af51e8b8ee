package ocds

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// rules are the merge rules the release schema declares, by field path
// (array levels are transparent: "tender.items.classification"):
// wholeListMerge arrays are replaced, never merged by id; omitWhenMerged
// fields (id, date, tag) do not enter the compiled release.
type rules struct {
	whole, omit map[string]bool
}

// mergeRules walks the release schema (following #/definitions refs,
// each at most once along a path) and collects its merge rules.
func mergeRules(schema map[string]any) rules {
	r := rules{whole: map[string]bool{}, omit: map[string]bool{}}
	defs, _ := schema["definitions"].(map[string]any)
	var walk func(node map[string]any, path string, seen map[string]bool)
	walk = func(node map[string]any, path string, seen map[string]bool) {
		if node == nil {
			return
		}
		if node["wholeListMerge"] == true {
			r.whole[path] = true
		}
		if node["omitWhenMerged"] == true {
			r.omit[path] = true
		}
		if ref, ok := node["$ref"].(string); ok && strings.HasPrefix(ref, "#/definitions/") {
			name := strings.TrimPrefix(ref, "#/definitions/")
			if !seen[name] {
				next := map[string]bool{name: true}
				for k := range seen {
					next[k] = true
				}
				d, _ := defs[name].(map[string]any)
				walk(d, path, next)
			}
		}
		if items, ok := node["items"].(map[string]any); ok {
			walk(items, path, seen)
		}
		props, _ := node["properties"].(map[string]any)
		for k, v := range props {
			p := k
			if path != "" {
				p = path + "." + k
			}
			child, _ := v.(map[string]any)
			walk(child, p, seen)
		}
	}
	walk(schema, "", map[string]bool{})
	return r
}

func join(path, k string) string {
	if path == "" {
		return k
	}
	return path + "." + k
}

// Compile merges the releases of one contracting process into a compiled
// release by the OCDS 1.1 merge rules: releases in date order (a stable
// sort, so releases with the same date keep file order); objects merge
// field by field; a null removes a field; an array of objects that all
// have an id merges item by item on id (new ids appended); any other array,
// and any wholeListMerge array, replaces the one before; id, date and tag
// are omitted and the result gets tag ["compiled"], the latest date, and
// id "{ocid}-{date}". The releases are not modified.
func Compile(releases []map[string]any) (map[string]any, error) {
	if len(releases) == 0 {
		return nil, fmt.Errorf("ocds: no releases to compile")
	}
	s, err := loadSchemas()
	if err != nil {
		return nil, err
	}
	sorted := append([]map[string]any(nil), releases...)
	sort.SliceStable(sorted, func(i, j int) bool {
		return releaseTime(sorted[i]).Before(releaseTime(sorted[j]))
	})
	ocid, _ := sorted[0]["ocid"].(string)
	out := map[string]any{}
	var date string
	for _, rel := range sorted {
		if o, _ := rel["ocid"].(string); o != ocid {
			return nil, fmt.Errorf("ocds: releases of different processes (%q and %q) cannot be compiled together", ocid, o)
		}
		if d, ok := rel["date"].(string); ok {
			date = d
		}
		mergeInto(out, rel, "", s.rules)
	}
	out["ocid"] = ocid
	out["date"] = date
	out["id"] = ocid + "-" + date
	out["tag"] = []any{"compiled"}
	return out, nil
}

func releaseTime(r map[string]any) time.Time {
	d, _ := r["date"].(string)
	t, err := time.Parse(time.RFC3339, d)
	if err != nil {
		return time.Time{}
	}
	return t
}

func mergeInto(dst, src map[string]any, path string, r rules) {
	for k, v := range src {
		p := join(path, k)
		if r.omit[p] {
			continue
		}
		switch v := v.(type) {
		case nil:
			delete(dst, k)
		case map[string]any:
			d, ok := dst[k].(map[string]any)
			if !ok {
				d = map[string]any{}
				dst[k] = d
			}
			mergeInto(d, v, p, r)
		case []any:
			if !r.whole[p] && len(v) > 0 && allHaveIDs(v) {
				dst[k] = mergeByID(dst[k], v, p, r)
			} else {
				dst[k] = copyArray(v, p, r)
			}
		default:
			dst[k] = v
		}
	}
}

func allHaveIDs(a []any) bool {
	for _, x := range a {
		m, ok := x.(map[string]any)
		if !ok || m["id"] == nil {
			return false
		}
	}
	return true
}

// idKey keeps the id's JSON type apart: "1" and 1 are different ids.
func idKey(v any) string {
	switch v := v.(type) {
	case string:
		return "s:" + v
	case json.Number:
		return "n:" + v.String()
	default:
		return fmt.Sprintf("%T:%v", v, v)
	}
}

func mergeByID(prev any, src []any, path string, r rules) []any {
	old, _ := prev.([]any)
	if !allHaveIDs(old) {
		old = nil
	}
	out := append([]any(nil), old...)
	at := map[string]int{}
	for i, x := range out {
		at[idKey(x.(map[string]any)["id"])] = i
	}
	for _, x := range src {
		m := x.(map[string]any)
		key := idKey(m["id"])
		if i, ok := at[key]; ok {
			merged := copyObject(out[i].(map[string]any))
			mergeInto(merged, m, path, r)
			out[i] = merged
			continue
		}
		n := map[string]any{}
		mergeInto(n, m, path, r)
		at[key] = len(out)
		out = append(out, n)
	}
	return out
}

// copyArray copies a replacing array, dropping nulls inside its objects.
func copyArray(a []any, path string, r rules) []any {
	out := make([]any, len(a))
	for i, x := range a {
		if m, ok := x.(map[string]any); ok {
			n := map[string]any{}
			mergeInto(n, m, path, r)
			out[i] = n
			continue
		}
		out[i] = x
	}
	return out
}

func copyObject(m map[string]any) map[string]any {
	out := make(map[string]any, len(m))
	for k, v := range m {
		switch v := v.(type) {
		case map[string]any:
			out[k] = copyObject(v)
		case []any:
			a := make([]any, len(v))
			for i, x := range v {
				if o, ok := x.(map[string]any); ok {
					a[i] = copyObject(o)
				} else {
					a[i] = x
				}
			}
			out[k] = a
		default:
			out[k] = v
		}
	}
	return out
}
