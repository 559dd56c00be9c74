package orgsync_test

import (
	"go/ast"
	"go/parser"
	"go/token"
	"path/filepath"
	"slices"
	"strconv"
	"strings"
	"testing"
)

// archRule is one architecture rule: what it forbids, why, and the check
// that reports each violation in a package.
type archRule struct {
	name  string
	why   string
	check func(t *testing.T, p pkg) []string
}

// archRules are the layout rules beyond purity (see arch_test.go), each
// with its reason. CONTRIBUTING.md lists them for people.
var archRules = []archRule{
	{
		name: "adapters do not import each other",
		why: "an adapter is one technology around the core; wiring adapters together is the job " +
			"of binaries and the pipeline. An adapter importing another drags in its dependencies " +
			"(msgraph-sdk-go, the Google API) and couples their releases. An adapter may import its " +
			"own subpackages, such as the protocol fakes graphfake and googlefake; tests included.",
		check: func(t *testing.T, p pkg) []string {
			own := adapterOf(p.ImportPath)
			if own == "" {
				return nil
			}
			var bad []string
			for _, imp := range concat(p.Imports, p.TestImports, p.XTestImports) {
				if other := adapterOf(imp); other != "" && other != own {
					bad = append(bad, "imports "+imp)
				}
			}
			return bad
		},
	},
	{
		name: "diff does not import orgmodel",
		why: "the plan engine knows directory objects (containers, users, groups), not schools: " +
			"so it serves any organisation model and orgmodel can change without touching the " +
			"planner. diff/desired is the one bridge: the projection from a snapshot to objects.",
		check: func(t *testing.T, p pkg) []string {
			if !inTree(p.ImportPath, "diff") || inTree(p.ImportPath, "diff/desired") {
				return nil
			}
			for _, dep := range p.Deps {
				if inTree(dep, "orgmodel") {
					return []string{"depends on " + dep}
				}
			}
			return nil
		},
	},
	{
		name: "core randomness is injectable",
		why: "plans, usernames and synthetic data must be reproducible in tests and explainable " +
			"afterwards, so every random draw in the core comes from a source the caller can " +
			"inject. crypto/rand is only the default for a nil source, in naming/random.go; " +
			"math/rand may only build seeded generators, never use its global source.",
		check: func(t *testing.T, p pkg) []string {
			if !isCore(p.ImportPath) {
				return nil
			}
			var bad []string
			for _, name := range p.GoFiles {
				bad = append(bad, randomUse(t, filepath.Join(p.Dir, name), p.ImportPath+"/"+name)...)
			}
			return bad
		},
	},
}

// TestArchRules runs every rule of archRules over the module.
func TestArchRules(t *testing.T) {
	pkgs := goList(t, "-test=false", "./...")
	for _, r := range archRules {
		t.Run(r.name, func(t *testing.T) {
			for _, p := range pkgs {
				for _, v := range r.check(t, p) {
					t.Errorf("%s %s: breaks %q, because %s", p.ImportPath, v, r.name, r.why)
				}
			}
		})
	}
}

// randomFile is the one core file that may import crypto/rand.
const randomFile = module + "/naming/random.go"

// seededOnly are the names of math/rand and math/rand/v2 a core package
// may use: types and constructors of generators seeded by the caller.
var seededOnly = []string{"New", "NewPCG", "NewChaCha8", "NewSource", "NewZipf", "Rand", "Source", "PCG", "ChaCha8", "Zipf"}

// randomUse reports the uses of a random source in one file that a caller
// could not replace.
func randomUse(t *testing.T, path, name string) []string {
	f, err := parser.ParseFile(token.NewFileSet(), path, nil, 0)
	if err != nil {
		t.Fatal(err)
	}
	local := map[string]string{} // local package name -> import path
	var bad []string
	for _, imp := range f.Imports {
		ip, _ := strconv.Unquote(imp.Path.Value)
		switch ip {
		case "crypto/rand":
			if name != randomFile {
				bad = append(bad, name+" imports crypto/rand; take an io.Reader from the caller (naming's randomSource is the one default)")
			}
		case "math/rand", "math/rand/v2":
			n := filepath.Base(strings.TrimSuffix(ip, "/v2"))
			if imp.Name != nil {
				n = imp.Name.Name
			}
			local[n] = ip
		}
	}
	ast.Inspect(f, func(n ast.Node) bool {
		sel, ok := n.(*ast.SelectorExpr)
		if !ok {
			return true
		}
		if id, ok := sel.X.(*ast.Ident); ok && local[id.Name] != "" && !slices.Contains(seededOnly, sel.Sel.Name) {
			bad = append(bad, name+" uses "+local[id.Name]+"."+sel.Sel.Name+", the global random source; build a generator from a caller's seed")
		}
		return true
	})
	return bad
}

// adapterOf returns the adapter an import path belongs to ("entra" for
// adapters/entra/graphfake), or "".
func adapterOf(path string) string {
	rest, ok := strings.CutPrefix(path, module+"/adapters/")
	if !ok {
		return ""
	}
	return strings.Split(rest, "/")[0]
}

// inTree reports whether path is the module's package dir or one below it.
func inTree(path, dir string) bool {
	return path == module+"/"+dir || strings.HasPrefix(path, module+"/"+dir+"/")
}

func isCore(path string) bool {
	return inTree(path, "orgmodel") || inTree(path, "diff") || inTree(path, "naming") || inTree(path, "yearroll")
}

func concat(s ...[]string) []string { return slices.Concat(s...) }
