package bizenv_test

import (
	"errors"
	"fmt"
	"go/ast"
	"go/parser"
	"go/token"
	"io/fs"
	"path/filepath"
	"strings"
	"testing"

	"github.com/bizenv/bizenv"
)

func TestErrorMessageZH(t *testing.T) {
	for _, tc := range []struct {
		name string
		err  error
		want string
	}{
		{"nil", nil, ""},
		{"own message", bizenv.Errorf(bizenv.EINVALID, "bad date %q", "x").ZH("日期“%s”无效", "x"), "日期“x”无效"},
		{"wrapped", fmt.Errorf("import: %w", bizenv.Errorf(bizenv.ENOTFOUND, "no action %q", "A").ZH("没有编号为“%s”的整改事项", "A")),
			"没有编号为“A”的整改事项"},
		{"none written", bizenv.Errorf(bizenv.ENOTFOUND, "no such thing"), "未找到：no such thing"},
		{"internal", errors.New("pq: connection details"), "内部错误"},
	} {
		t.Run(tc.name, func(t *testing.T) {
			if got := bizenv.ErrorMessageZH(tc.err); got != tc.want {
				t.Errorf("got %q, want %q", got, tc.want)
			}
		})
	}
}

// TestErrorsSpeakChinese reads every non-test Go file of the module and
// fails on each *bizenv.Error made with an English message and no Chinese
// one: a call of bizenv.Errorf, or of a package's own wrapper of it (a
// function passing its format on to Errorf), that is not followed by
// .ZH(...), and an Error literal with a Message but no MessageZH. Users
// read bizenv in Chinese; a generic Chinese lead before English is not a
// message.
func TestErrorsSpeakChinese(t *testing.T) {
	fset := token.NewFileSet()
	byDir := map[string][]*ast.File{}
	err := filepath.WalkDir(".", func(path string, d fs.DirEntry, err error) error {
		if err != nil {
			return err
		}
		if d.IsDir() {
			if name := d.Name(); path != "." && (name == "testdata" || strings.HasPrefix(name, ".") || strings.HasPrefix(name, "_")) {
				return filepath.SkipDir
			}
			return nil
		}
		if !strings.HasSuffix(path, ".go") || strings.HasSuffix(path, "_test.go") {
			return nil
		}
		f, err := parser.ParseFile(fset, path, nil, 0)
		if err != nil {
			return err
		}
		byDir[filepath.Dir(path)] = append(byDir[filepath.Dir(path)], f)
		return nil
	})
	if err != nil {
		t.Fatal(err)
	}
	checked := 0
	for dir, files := range byDir {
		// In the root package the constructor is Errorf, elsewhere
		// bizenv.Errorf; a wrapper is called by its own name.
		constructors, errorType := map[string]bool{"bizenv.Errorf": true}, "bizenv.Error"
		if dir == "." {
			constructors, errorType = map[string]bool{"Errorf": true}, "Error"
		}
		forwarded := map[ast.Node]bool{} // the errors wrappers make
		for _, f := range files {
			for _, fn := range wrappers(f, constructors, errorType) {
				constructors[fn.name] = true
				forwarded[fn.made] = true
			}
		}
		for _, f := range files {
			withZH := map[ast.Expr]bool{} // the calls .ZH(...) is chained to
			ast.Inspect(f, func(n ast.Node) bool {
				if call, ok := n.(*ast.CallExpr); ok {
					if sel, ok := call.Fun.(*ast.SelectorExpr); ok && sel.Sel.Name == "ZH" {
						withZH[sel.X] = true
					}
				}
				return true
			})
			ast.Inspect(f, func(n ast.Node) bool {
				switch n := n.(type) {
				case *ast.CallExpr:
					if constructors[exprName(n.Fun)] && !forwarded[n] {
						checked++
						if !withZH[n] {
							t.Errorf("%s: %s(...) has no .ZH(...): give the error its Chinese message", fset.Position(n.Pos()), exprName(n.Fun))
						}
					}
				case *ast.CompositeLit:
					if name := exprName(n.Type); name == errorType {
						keys := map[string]bool{}
						for _, el := range n.Elts {
							if kv, ok := el.(*ast.KeyValueExpr); ok {
								keys[exprName(kv.Key)] = true
							}
						}
						if keys["Message"] && !forwarded[n] {
							checked++
							if !keys["MessageZH"] {
								t.Errorf("%s: %s{...} has a Message and no MessageZH", fset.Position(n.Pos()), name)
							}
						}
					}
				}
				return true
			})
		}
	}
	// The walk must have found the module's errors, or it checked nothing.
	if checked < 50 {
		t.Errorf("checked %d error constructions; the walk missed the module's files", checked)
	}
}

// wrapper is a function of a package that makes an error with its own
// format and arguments: it passes them on to an error constructor.
type wrapper struct {
	name string
	made ast.Node // the constructor's call or the Error literal it makes
}

// wrappers returns the functions of f, Errorf itself in the root package
// among them, whose last parameters are a format and its variadic
// arguments, and which make an error from that format: a call of one of
// constructors or an errorType literal with the format in it.
func wrappers(f *ast.File, constructors map[string]bool, errorType string) []wrapper {
	var found []wrapper
	for _, d := range f.Decls {
		fn, ok := d.(*ast.FuncDecl)
		if !ok || fn.Body == nil || fn.Recv != nil {
			continue
		}
		var params []string
		var variadic bool
		for _, field := range fn.Type.Params.List {
			_, variadic = field.Type.(*ast.Ellipsis)
			for _, n := range field.Names {
				params = append(params, n.Name)
			}
		}
		if len(params) < 2 || !variadic {
			continue
		}
		format := params[len(params)-2]
		usesFormat := func(n ast.Node) bool {
			uses := false
			ast.Inspect(n, func(n ast.Node) bool {
				if id, ok := n.(*ast.Ident); ok && id.Name == format {
					uses = true
				}
				return !uses
			})
			return uses
		}
		ast.Inspect(fn.Body, func(n ast.Node) bool {
			switch n := n.(type) {
			case *ast.CallExpr:
				if constructors[exprName(n.Fun)] && usesFormat(n) {
					found = append(found, wrapper{fn.Name.Name, n})
				}
			case *ast.CompositeLit:
				if exprName(n.Type) == errorType && usesFormat(n) {
					found = append(found, wrapper{fn.Name.Name, n})
				}
			}
			return true
		})
	}
	return found
}

// exprName returns x as written when it is a name or a qualified name,
// else "".
func exprName(x ast.Expr) string {
	switch x := x.(type) {
	case *ast.Ident:
		return x.Name
	case *ast.SelectorExpr:
		if id, ok := x.X.(*ast.Ident); ok {
			return id.Name + "." + x.Sel.Name
		}
	}
	return ""
}
