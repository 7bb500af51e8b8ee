package web_test

import (
	"html/template"
	"net/url"
	"strings"
	"testing"

	"partnerhub/internal/web"
)

// TestChoicesWriteWhatTheTemplateWrote: Choices give the same bytes as
// the template ranges they replace, with the same escaping (quotes,
// ampersands, plus signs, angle brackets, a NUL, non-ASCII) and the same
// choices marked.
func TestChoicesWriteWhatTheTemplateWrote(t *testing.T) {
	cs := []web.Choice{
		{Value: "BPL", Label: "Blackpool"},
		{Value: `a"b&c'd+e<f>g`, Label: `Children & families <under 5> "LGBTQ+" 'x'`},
		{Value: "nul\x00", Label: "Ynys Môn\x00", ID: "ynys-mon"},
		{Value: "7", Label: "Seven"},
	}
	var rows []map[string]string
	for _, c := range cs {
		id := c.ID
		if id == "" {
			id = c.Value
		}
		rows = append(rows, map[string]string{"Value": c.Value, "Label": c.Label, "ID": id})
	}
	funcs := template.FuncMap{"checked": func(form url.Values, field, v string) bool {
		for _, x := range form[field] {
			if x == v {
				return true
			}
		}
		return false
	}}
	exec := func(src string, data any) string {
		t.Helper()
		var b strings.Builder
		if err := template.Must(template.New("x").Funcs(funcs).Parse(src)).Execute(&b, data); err != nil {
			t.Fatal(err)
		}
		return b.String()
	}
	opts := web.OptionChoices(cs)
	for _, v := range []string{"", "BPL", `a"b&c'd+e<f>g`, "nul\x00", "none"} {
		want := exec(`{{$v := .V}}{{range .Rows}}<option value="{{.Value}}"{{if eq .Value $v}} selected{{end}}>{{.Label}}</option>{{end}}`, map[string]any{"V": v, "Rows": rows})
		if got := exec(`{{.C.Select .V}}`, map[string]any{"V": v, "C": opts}); got != want {
			t.Errorf("options with %q selected:\n got %s\nwant %s", v, got, want)
		}
	}
	boxes := web.CheckboxChoices("service", "svc", cs)
	for _, form := range []url.Values{nil, {"service": {"7", "BPL"}}, {"service": {`a"b&c'd+e<f>g`}}, {"other": {"7"}}} {
		want := exec(`{{$f := .F}}{{range .Rows}}<div class="ph-check"><input type="checkbox" id="svc-{{.ID}}" name="service" value="{{.Value}}"{{if checked $f "service" .Value}} checked{{end}}><label for="svc-{{.ID}}">{{.Label}}</label></div>{{end}}`, map[string]any{"F": form, "Rows": rows})
		if got := exec(`{{.C.Check (index .F "service")}}`, map[string]any{"F": form, "C": boxes}); got != want {
			t.Errorf("checkboxes with %v checked:\n got %s\nwant %s", form, got, want)
		}
	}
	var none *web.Choices
	if got := none.Select("x"); got != "" {
		t.Errorf("nil choices wrote %q", got)
	}
}
