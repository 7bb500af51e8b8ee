// Package markdown turns text that members write (opportunity descriptions,
// library documents, news, plans) into safe HTML. It is the one place the
// site renders Markdown: goldmark parses CommonMark with GitHub tables and
// strikethrough, raw HTML in the source is dropped by the parser, and the
// result passes through a bluemonday policy as a second line of defence, so
// script, iframes, event handlers and javascript: links never reach a page.
package markdown

import (
	"bytes"
	"html/template"
	"strings"
	"sync"

	"github.com/microcosm-cc/bluemonday"
	"github.com/yuin/goldmark"
	"github.com/yuin/goldmark/ast"
	"github.com/yuin/goldmark/extension"
	"github.com/yuin/goldmark/parser"
	"github.com/yuin/goldmark/text"
)

// Heading is one entry of a document's contents list.
type Heading struct {
	Level int    // 2 to 4; level-1 headings are treated as level 2
	Text  string // plain text of the heading
	ID    string // the anchor the rendered heading carries
}

// Doc is rendered Markdown with its contents list.
type Doc struct {
	HTML     template.HTML
	Contents []Heading
}

var (
	once   sync.Once
	md     goldmark.Markdown
	policy *bluemonday.Policy
)

func setup() {
	md = goldmark.New(
		goldmark.WithExtensions(extension.Table, extension.Strikethrough, extension.Linkify),
		goldmark.WithParserOptions(parser.WithAutoHeadingID()),
		// No html.WithUnsafe: raw HTML blocks and inline HTML are omitted.
	)
	p := bluemonday.UGCPolicy()
	p.AllowAttrs("id").Matching(bluemonday.SpaceSeparatedTokens).OnElements("h1", "h2", "h3", "h4", "h5", "h6")
	p.RequireNoFollowOnLinks(true)
	p.AddTargetBlankToFullyQualifiedLinks(false)
	policy = p
}

// Render converts Markdown to sanitised HTML with its contents list.
// Headings get stable ids ("funding-and-bids", "funding-and-bids-1", ...)
// so a contents list can link to them.
func Render(src string) Doc {
	once.Do(setup)
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	var contents []Heading
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		h, ok := n.(*ast.Heading)
		if !ok {
			return ast.WalkContinue, nil
		}
		level := h.Level
		if level < 2 {
			level = 2
		}
		if level <= 4 {
			id, _ := h.AttributeString("id")
			idStr := ""
			if b, ok := id.([]byte); ok {
				idStr = string(b)
			}
			contents = append(contents, Heading{Level: level, Text: plainText(h, source), ID: idStr})
		}
		return ast.WalkSkipChildren, nil
	})
	var buf bytes.Buffer
	if err := md.Renderer().Render(&buf, source, doc); err != nil {
		return Doc{HTML: template.HTML(template.HTMLEscapeString(src))}
	}
	return Doc{HTML: template.HTML(policy.SanitizeBytes(buf.Bytes())), Contents: contents}
}

// HTML renders Markdown to sanitised HTML; the template function "markdown".
func HTML(src string) template.HTML { return Render(src).HTML }

// Plain returns the text of Markdown without its markup, for summaries,
// search documents, feeds and emails.
func Plain(src string) string {
	once.Do(setup)
	source := []byte(src)
	doc := md.Parser().Parse(text.NewReader(source))
	var b strings.Builder
	_ = ast.Walk(doc, func(n ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			if n.Type() == ast.TypeBlock && b.Len() > 0 && !strings.HasSuffix(b.String(), "\n") {
				b.WriteString("\n")
			}
			return ast.WalkContinue, nil
		}
		switch t := n.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
			if t.SoftLineBreak() || t.HardLineBreak() {
				b.WriteString(" ")
			}
		case *ast.String:
			b.Write(t.Value)
		case *ast.CodeSpan:
			for c := t.FirstChild(); c != nil; c = c.NextSibling() {
				if tx, ok := c.(*ast.Text); ok {
					b.Write(tx.Segment.Value(source))
				}
			}
			return ast.WalkSkipChildren, nil
		case *ast.RawHTML, *ast.HTMLBlock:
			return ast.WalkSkipChildren, nil
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}

func plainText(n ast.Node, source []byte) string {
	var b strings.Builder
	_ = ast.Walk(n, func(c ast.Node, entering bool) (ast.WalkStatus, error) {
		if !entering {
			return ast.WalkContinue, nil
		}
		switch t := c.(type) {
		case *ast.Text:
			b.Write(t.Segment.Value(source))
		case *ast.String:
			b.Write(t.Value)
		}
		return ast.WalkContinue, nil
	})
	return strings.TrimSpace(b.String())
}
