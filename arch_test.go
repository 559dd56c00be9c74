package orgsync_test

import (
	"encoding/json"
	"go/ast"
	"go/parser"
	"go/token"
	"os/exec"
	"path/filepath"
	"strings"
	"testing"
)

// goList runs "go list -json" on the patterns and decodes the packages.
func goList(t *testing.T, args ...string) []pkg {
	t.Helper()
	cmd := exec.Command("go", append([]string{"list", "-json"}, args...)...)
	out, err := cmd.Output()
	if err != nil {
		if ee, ok := err.(*exec.ExitError); ok {
			t.Fatalf("go list %v: %v\n%s", args, err, ee.Stderr)
		}
		t.Fatalf("go list %v: %v", args, err)
	}
	dec := json.NewDecoder(strings.NewReader(string(out)))
	var pkgs []pkg
	for dec.More() {
		var p pkg
		if err := dec.Decode(&p); err != nil {
			t.Fatal(err)
		}
		pkgs = append(pkgs, p)
	}
	return pkgs
}

type pkg struct {
	ImportPath   string
	Name         string
	Doc          string
	Deps         []string
	Imports      []string
	TestImports  []string
	XTestImports []string
	Standard     bool
	GoFiles      []string
	Dir          string
}

const module = "github.com/orgsync/orgsync"

// corePatterns are the pure core packages and their subpackages.
var corePatterns = []string{"./orgmodel/...", "./diff/...", "./naming/...", "./yearroll/..."}

// TestCoreIsPure fails when a core package (or anything it imports) is
// outside the standard library, golang.org/x and the core itself: no vendor
// SDK, no adapter, and above all never msgraph-sdk-go. The one module
// package outside the core it may import, internal/problem, is held to the
// same rule.
func TestCoreIsPure(t *testing.T) {
	for _, p := range goList(t, append(corePatterns, "./internal/problem")...) {
		for _, dep := range p.Deps {
			if allowedCoreDep(dep) {
				continue
			}
			t.Errorf("core package %s depends on %s; the core may import only the standard library, golang.org/x and other core packages", p.ImportPath, dep)
		}
	}
}

func allowedCoreDep(dep string) bool {
	if !strings.Contains(strings.Split(dep, "/")[0], ".") {
		return true // standard library
	}
	if strings.HasPrefix(dep, "golang.org/x/") {
		return true
	}
	// internal/problem is the module's one "list of problems" error, a
	// leaf that imports only the standard library (checked below).
	if dep == module+"/internal/problem" {
		return true
	}
	for _, core := range []string{"orgmodel", "diff", "naming", "yearroll"} {
		if dep == module+"/"+core || strings.HasPrefix(dep, module+"/"+core+"/") {
			return true
		}
	}
	return false
}

// TestCoreNoIO fails when a core package imports a package that does I/O
// on its own (files, network, processes, the clock's wall time is checked by
// review). Writing to an io.Writer a caller hands in is fine. Only direct
// imports count: fmt itself imports os.
func TestCoreNoIO(t *testing.T) {
	forbidden := []string{"os", "os/exec", "os/signal", "net", "net/http", "database/sql", "syscall", "io/ioutil", "io/fs", "path/filepath"}
	for _, p := range goList(t, corePatterns...) {
		for _, dep := range p.Imports {
			for _, f := range forbidden {
				if dep == f {
					t.Errorf("core package %s depends on %s: the core does no I/O", p.ImportPath, dep)
				}
			}
		}
	}
}

// TestOnlyEntraImportsGraph keeps msgraph-sdk-go (minutes and gigabytes to
// compile) out of everything but the Entra adapter and its binary.
func TestOnlyEntraImportsGraph(t *testing.T) {
	for _, p := range goList(t, "./...") {
		if strings.HasPrefix(p.ImportPath, module+"/adapters/entra") && !strings.Contains(p.ImportPath, "graphfake") ||
			strings.HasPrefix(p.ImportPath, module+"/examples/entra-sync") {
			continue
		}
		for _, dep := range p.Deps {
			if strings.HasPrefix(dep, "github.com/microsoftgraph/") {
				t.Errorf("%s depends on %s; only adapters/entra may import msgraph-sdk-go", p.ImportPath, dep)
				break
			}
		}
	}
}

// TestPackageComments fails for a package without a package comment.
func TestPackageComments(t *testing.T) {
	for _, p := range goList(t, "./...") {
		if len(p.GoFiles) == 0 {
			continue
		}
		if strings.TrimSpace(p.Doc) == "" {
			t.Errorf("package %s has no package comment", p.ImportPath)
		}
	}
}

// TestCoreReadsNoClock fails when non-test code of a core package reads the
// wall clock; the core takes "now" from its caller so that plans are
// reproducible and future-dated facts can be tested.
func TestCoreReadsNoClock(t *testing.T) {
	for _, p := range goList(t, corePatterns...) {
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
			if err != nil {
				t.Fatal(err)
			}
			ast.Inspect(f, func(n ast.Node) bool {
				sel, ok := n.(*ast.SelectorExpr)
				if !ok {
					return true
				}
				if id, ok := sel.X.(*ast.Ident); ok && id.Name == "time" {
					switch sel.Sel.Name {
					case "Now", "Since", "Until":
						t.Errorf("%s reads the clock with time.%s; take now from the caller", path, sel.Sel.Name)
					}
				}
				return true
			})
		}
	}
}

// TestExportedNamesHaveDocComments fails for an exported type, function,
// method, constant or variable in non-test code without a doc comment. A
// comment on a const/var block documents the names inside it.
func TestExportedNamesHaveDocComments(t *testing.T) {
	for _, p := range goList(t, "./...") {
		for _, name := range p.GoFiles {
			path := filepath.Join(p.Dir, name)
			f, err := parser.ParseFile(token.NewFileSet(), path, nil, parser.ParseComments)
			if err != nil {
				t.Fatal(err)
			}
			if f.Name.Name == "main" {
				continue
			}
			for _, decl := range f.Decls {
				switch d := decl.(type) {
				case *ast.FuncDecl:
					if d.Name.IsExported() && d.Doc == nil && exportedRecv(d) {
						t.Errorf("%s: func %s has no doc comment", path, d.Name.Name)
					}
				case *ast.GenDecl:
					for _, spec := range d.Specs {
						switch s := spec.(type) {
						case *ast.TypeSpec:
							if s.Name.IsExported() && s.Doc == nil && d.Doc == nil {
								t.Errorf("%s: type %s has no doc comment", path, s.Name.Name)
							}
						case *ast.ValueSpec:
							for _, n := range s.Names {
								if n.IsExported() && s.Doc == nil && d.Doc == nil && s.Comment == nil {
									t.Errorf("%s: %s has no doc comment", path, n.Name)
								}
							}
						}
					}
				}
			}
		}
	}
}

// exportedRecv reports whether a method's receiver type is exported (a
// method of an unexported type is not part of the API).
func exportedRecv(d *ast.FuncDecl) bool {
	if d.Recv == nil || len(d.Recv.List) == 0 {
		return true
	}
	typ := d.Recv.List[0].Type
	if s, ok := typ.(*ast.StarExpr); ok {
		typ = s.X
	}
	if g, ok := typ.(*ast.IndexExpr); ok {
		typ = g.X
	}
	id, ok := typ.(*ast.Ident)
	return !ok || id.IsExported()
}
