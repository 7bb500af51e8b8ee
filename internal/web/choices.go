package web

import (
	"html/template"
	"strings"
)

// Choice is one option of a select, or one checkbox of a group: its
// value, the words shown and, for a checkbox, the id's suffix (the value
// when empty).
type Choice struct {
	Value, Label, ID string
}

// Choices are a select's options or a group of checkboxes, escaped once
// when made. A template writes them with one call instead of a range with
// three or four actions per choice, each escaped through a reflective
// call: the directory's filters (about 400 local authorities and 50
// terms) were most of its page's rendering (issue 20, target 2).
type Choices struct {
	values []string
	pre    []string // the HTML up to where the mark goes
	post   []string // the HTML after it
	mark   string   // " selected" or " checked"
}

// escaper escapes text and quoted attribute values exactly as
// html/template does (its htmlReplacementTable), so that a page reads
// the same as when its template wrote each choice.
var escaper = strings.NewReplacer("\x00", "\uFFFD", `"`, "&#34;", "&", "&amp;", "'", "&#39;", "+", "&#43;", "<", "&lt;", ">", "&gt;")

// OptionChoices are <option> elements, as a template would write
// <option value="{{.Value}}"{{if eq .Value $v}} selected{{end}}>{{.Label}}</option>.
func OptionChoices(cs []Choice) *Choices {
	c := &Choices{mark: " selected"}
	for _, x := range cs {
		c.values = append(c.values, x.Value)
		c.pre = append(c.pre, `<option value="`+escaper.Replace(x.Value)+`"`)
		c.post = append(c.post, `>`+escaper.Replace(x.Label)+`</option>`)
	}
	return c
}

// CheckboxChoices are checkboxes named name, each in its ph-check div
// with its label, with the id idPrefix-ID, as a template would write
// <div class="ph-check"><input type="checkbox" id="{{$p}}-{{.ID}}" name="{{$n}}" value="{{.Value}}"{{if checked}} checked{{end}}><label for="{{$p}}-{{.ID}}">{{.Label}}</label></div>.
func CheckboxChoices(name, idPrefix string, cs []Choice) *Choices {
	c := &Choices{mark: " checked"}
	n := escaper.Replace(name)
	for _, x := range cs {
		id := x.ID
		if id == "" {
			id = x.Value
		}
		id = escaper.Replace(idPrefix + "-" + id)
		c.values = append(c.values, x.Value)
		c.pre = append(c.pre, `<div class="ph-check"><input type="checkbox" id="`+id+`" name="`+n+`" value="`+escaper.Replace(x.Value)+`"`)
		c.post = append(c.post, `><label for="`+id+`">`+escaper.Replace(x.Label)+`</label></div>`)
	}
	return c
}

// Select writes the options with those whose value is v selected.
func (c *Choices) Select(v string) template.HTML {
	return c.write(func(x string) bool { return x == v })
}

// Check writes the choices with those whose value is one of vs marked
// (vs: a form's values for the field, as url.Values holds them).
func (c *Choices) Check(vs []string) template.HTML {
	return c.write(func(x string) bool {
		for _, v := range vs {
			if v == x {
				return true
			}
		}
		return false
	})
}

func (c *Choices) write(marked func(string) bool) template.HTML {
	if c == nil {
		return ""
	}
	n := 0
	for i := range c.pre {
		n += len(c.pre[i]) + len(c.post[i]) + len(c.mark)
	}
	var b strings.Builder
	b.Grow(n)
	for i, v := range c.values {
		b.WriteString(c.pre[i])
		if marked(v) {
			b.WriteString(c.mark)
		}
		b.WriteString(c.post[i])
	}
	return template.HTML(b.String())
}
