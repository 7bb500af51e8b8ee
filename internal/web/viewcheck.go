package web

import (
	"fmt"
	"reflect"
	"sort"
	"strings"
	"sync"
	"text/template/parse"
)

// The view check. A template that reads .D.Foo from a view struct without
// a field or method Foo fails only when that line runs, which may be on a
// branch no test reaches. With RecordViews on (tests), the Server records
// the type of the data each page was rendered with, and CheckViews walks
// the page's whole parse tree, every branch, checking each field chain
// that starts at .D (or $.D) against that type.

// viewRecord is the set of data types each page was rendered with.
type viewRecord struct {
	mu    sync.Mutex
	types map[string]map[reflect.Type]bool
}

// RecordViews makes the server remember which type of data each page is
// rendered with, for CheckViews. Tests turn it on (apptest, and
// PARTNERHUB_CHECK_VIEWS=1 for the browser tests); it costs a lock and a
// map look-up per page otherwise spared.
func (s *Server) RecordViews() {
	if s.views == nil {
		s.views = &viewRecord{types: map[string]map[reflect.Type]bool{}}
	}
}

// recordView notes that page name was rendered with data; the first time
// a page gets a type, its problems are logged as errors too (the browser
// tests, which run the binary, fail on an error in its log).
func (s *Server) recordView(name string, data any) {
	if s.views == nil || data == nil {
		return
	}
	typ := reflect.TypeOf(data)
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	if s.views.types[name] == nil {
		s.views.types[name] = map[reflect.Type]bool{}
	}
	if s.views.types[name][typ] {
		return
	}
	s.views.types[name][typ] = true
	if s.Logger != nil {
		for _, p := range s.R.CheckView(name, typ) {
			s.Logger.Error("view check", "problem", p)
		}
	}
}

// CheckViews checks every page rendered since RecordViews against the
// types of data it was given, and returns one line per field its template
// reads that the type lacks. Map data is not checked (its keys are known
// only at run time).
func (s *Server) CheckViews() []string {
	if s.views == nil {
		return nil
	}
	s.views.mu.Lock()
	defer s.views.mu.Unlock()
	var out []string
	for name, types := range s.views.types {
		for typ := range types {
			out = append(out, s.R.CheckView(name, typ)...)
		}
	}
	sort.Strings(out)
	return out
}

var pageType = reflect.TypeOf(&Page{})

// CheckView checks page name's template against view type d (the type of
// Page.D), as CheckViews does.
func (rd *Renderer) CheckView(name string, d reflect.Type) []string {
	lp, ok := rd.pages[name]
	if !ok {
		return []string{fmt.Sprintf("%s: no such page", name)}
	}
	t, err := lp.load()
	if err != nil {
		return []string{fmt.Sprintf("%s: %v", name, err)}
	}
	c := &viewChecker{page: name, d: d, tmpl: func(n string) *parse.Tree {
		if x := t.Lookup(n); x != nil {
			return x.Tree
		}
		return nil
	}, seen: map[walked]bool{}, found: map[string]bool{}}
	c.template("layout.html", pageType)
	return c.problems
}

// viewChecker walks templates with the static type of dot where it is
// known (nil where it is not: a map's values, an interface, a function's
// result), and reports field chains that cannot resolve on a known type.
type viewChecker struct {
	page     string
	d        reflect.Type // the view type: what .D holds
	tmpl     func(name string) *parse.Tree
	seen     map[walked]bool
	found    map[string]bool
	problems []string
}

// walked is a template already walked with a type of dot.
type walked struct {
	name string
	dot  reflect.Type
}

type scope struct {
	tree *parse.Tree
	dot  reflect.Type
	root reflect.Type // $
	vars map[string]reflect.Type
}

func (s scope) with(dot reflect.Type) scope {
	vars := make(map[string]reflect.Type, len(s.vars))
	for k, v := range s.vars {
		vars[k] = v
	}
	return scope{tree: s.tree, dot: dot, root: s.root, vars: vars}
}

func (c *viewChecker) template(name string, dot reflect.Type) {
	if dot == nil {
		return // nothing known to check against
	}
	key := walked{name, dot}
	if c.seen[key] {
		return
	}
	c.seen[key] = true
	tr := c.tmpl(name)
	if tr == nil || tr.Root == nil {
		return
	}
	c.node(scope{tree: tr, dot: dot, root: dot, vars: map[string]reflect.Type{"$": dot}}, tr.Root)
}

func (c *viewChecker) node(s scope, n parse.Node) {
	switch n := n.(type) {
	case *parse.ListNode:
		if n == nil {
			return
		}
		for _, x := range n.Nodes {
			c.node(s, x)
		}
	case *parse.ActionNode:
		c.pipe(s, n.Pipe)
	case *parse.IfNode:
		c.pipe(s, n.Pipe)
		c.node(s.with(s.dot), n.List)
		c.node(s.with(s.dot), n.ElseList)
	case *parse.WithNode:
		inner := s.with(nil)
		inner.dot = c.pipe(s, n.Pipe)
		c.declare(inner, n.Pipe, inner.dot)
		c.node(inner, n.List)
		c.node(s.with(s.dot), n.ElseList)
	case *parse.RangeNode:
		t := c.pipe(s, n.Pipe)
		key, elem := rangeTypes(t)
		inner := s.with(elem)
		switch len(n.Pipe.Decl) {
		case 1:
			inner.vars[n.Pipe.Decl[0].Ident[0]] = elem
		case 2:
			inner.vars[n.Pipe.Decl[0].Ident[0]] = key
			inner.vars[n.Pipe.Decl[1].Ident[0]] = elem
		}
		c.node(inner, n.List)
		c.node(s.with(s.dot), n.ElseList)
	case *parse.TemplateNode:
		var arg reflect.Type
		if n.Pipe != nil {
			arg = c.pipe(s, n.Pipe)
		}
		c.template(n.Name, arg)
	case *parse.BreakNode, *parse.ContinueNode, *parse.TextNode, *parse.CommentNode:
	}
}

// declare records the variables a pipeline declares ({{$x := ...}} in an
// action are handled by pipe; with's declarations get its dot's type).
func (c *viewChecker) declare(s scope, p *parse.PipeNode, t reflect.Type) {
	if p == nil {
		return
	}
	for _, v := range p.Decl {
		s.vars[v.Ident[0]] = t
	}
}

// pipe checks a pipeline and returns its static type (nil when unknown).
func (c *viewChecker) pipe(s scope, p *parse.PipeNode) reflect.Type {
	if p == nil {
		return nil
	}
	var t reflect.Type
	for i, cmd := range p.Cmds {
		for _, a := range cmd.Args {
			c.arg(s, a)
		}
		if i == 0 && len(cmd.Args) == 1 {
			t = c.typeOf(s, cmd.Args[0])
		} else {
			t = nil // a function's result, or a value piped on
		}
	}
	if len(p.Cmds) > 1 && isEscaper(p.Cmds[1:]) {
		t = c.typeOf(s, p.Cmds[0].Args[0])
		if len(p.Cmds[0].Args) != 1 {
			t = nil
		}
	}
	if !p.IsAssign {
		for _, v := range p.Decl {
			s.vars[v.Ident[0]] = t
		}
	} else {
		for _, v := range p.Decl {
			if _, ok := s.vars[v.Ident[0]]; ok {
				s.vars[v.Ident[0]] = nil // reassigned: its type may change
			}
		}
	}
	return t
}

// isEscaper reports whether the commands are html/template's escapers,
// appended to output pipelines once a template has run.
func isEscaper(cmds []*parse.CommandNode) bool {
	for _, c := range cmds {
		id, ok := c.Args[0].(*parse.IdentifierNode)
		if !ok || !strings.HasPrefix(id.Ident, "_html_template_") {
			return false
		}
	}
	return true
}

// arg checks the field chains inside one argument.
func (c *viewChecker) arg(s scope, n parse.Node) {
	switch n := n.(type) {
	case *parse.PipeNode:
		c.pipe(s.with(s.dot), n)
	case *parse.ChainNode:
		c.arg(s, n.Node)
	case *parse.FieldNode, *parse.VariableNode:
		c.typeOf(s, n)
	}
}

// typeOf resolves a field chain's type, reporting a field that does not
// exist on a known type. It returns nil when the type is not known.
func (c *viewChecker) typeOf(s scope, n parse.Node) reflect.Type {
	switch n := n.(type) {
	case *parse.DotNode:
		return s.dot
	case *parse.FieldNode:
		return c.chain(s, n, s.dot, ".", n.Ident)
	case *parse.VariableNode:
		t, ok := s.vars[n.Ident[0]]
		if !ok {
			return nil
		}
		return c.chain(s, n, t, n.Ident[0], n.Ident[1:])
	case *parse.ChainNode:
		if p, ok := n.Node.(*parse.PipeNode); ok {
			return c.chain(s, n, c.pipe(s.with(s.dot), p), "(...)", n.Field)
		}
		return nil
	}
	return nil
}

// chain follows fields from t; only chains through the view (a Page's
// D) are reported, so a change to the layout's own types is not.
func (c *viewChecker) chain(s scope, n parse.Node, t reflect.Type, start string, fields []string) reflect.Type {
	viewed := t != nil && t != pageType
	for i, f := range fields {
		if t == nil {
			return nil
		}
		next, ok := field(t, f)
		if t == pageType && f == "D" {
			next, ok, viewed = c.d, true, true
		}
		if !ok {
			if viewed {
				c.report(s, n, start, fields[:i+1], t)
			}
			return nil
		}
		t = next
	}
	return t
}

func (c *viewChecker) report(s scope, n parse.Node, start string, fields []string, t reflect.Type) {
	loc, _ := s.tree.ErrorContext(n)
	chain := start + "." + strings.Join(fields, ".")
	if start == "." {
		chain = "." + strings.Join(fields, ".")
	}
	msg := fmt.Sprintf("%s (data %s): %s: %s: %s has no field or method %s", c.page, c.d, loc, chain, t, fields[len(fields)-1])
	if !c.found[msg] {
		c.found[msg] = true
		c.problems = append(c.problems, msg)
	}
}

// field is the type of t.name as a template evaluates it: a method (of
// the type or its pointer) gives its first result, a struct field (also
// promoted from an embedded struct) its type, a map its value type.
// ok is false when name cannot resolve on t. A nil type means unknown.
func field(t reflect.Type, name string) (reflect.Type, bool) {
	if m, ok := t.MethodByName(name); ok {
		return result(m.Type), true
	}
	if t.Kind() != reflect.Pointer && t.Kind() != reflect.Interface {
		if m, ok := reflect.PointerTo(t).MethodByName(name); ok {
			return result(m.Type), true
		}
	}
	base := t
	if base.Kind() == reflect.Pointer {
		base = base.Elem()
	}
	switch base.Kind() {
	case reflect.Interface:
		return nil, true // the dynamic type decides
	case reflect.Map:
		if base.Key().Kind() != reflect.String {
			return nil, true
		}
		return known(base.Elem()), true
	case reflect.Struct:
		if sf, ok := base.FieldByName(name); ok && sf.IsExported() {
			return known(sf.Type), true
		}
		return nil, false
	}
	return nil, false
}

// known is t, or nil for an interface type (whose dynamic type decides).
func known(t reflect.Type) reflect.Type {
	if t.Kind() == reflect.Interface && t.NumMethod() == 0 {
		return nil
	}
	return t
}

func result(ft reflect.Type) reflect.Type {
	if ft.NumOut() == 0 {
		return nil
	}
	return known(ft.Out(0))
}

// rangeTypes are the key and element types of ranging over t.
func rangeTypes(t reflect.Type) (key, elem reflect.Type) {
	if t == nil {
		return nil, nil
	}
	if t.Kind() == reflect.Pointer {
		t = t.Elem()
	}
	switch t.Kind() {
	case reflect.Slice, reflect.Array:
		return reflect.TypeOf(0), known(t.Elem())
	case reflect.Map:
		return known(t.Key()), known(t.Elem())
	case reflect.Chan:
		return nil, known(t.Elem())
	case reflect.Int, reflect.Int8, reflect.Int16, reflect.Int32, reflect.Int64,
		reflect.Uint, reflect.Uint8, reflect.Uint16, reflect.Uint32, reflect.Uint64:
		return t, t
	case reflect.Func:
		if t.NumIn() == 1 && t.In(0).Kind() == reflect.Func { // iter.Seq
			y := t.In(0)
			if y.NumIn() == 1 {
				return nil, known(y.In(0))
			}
			if y.NumIn() == 2 {
				return known(y.In(0)), known(y.In(1))
			}
		}
	}
	return nil, nil
}
