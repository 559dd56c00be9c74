package orgsync_test

import (
	"os"
	"os/exec"
	"path/filepath"
	"regexp"
	"strings"
	"testing"
)

// readmeProgram returns the Go program in README.md's "Using the library"
// section.
func readmeProgram(t *testing.T) string {
	t.Helper()
	b, err := os.ReadFile("README.md")
	if err != nil {
		t.Fatal(err)
	}
	_, sec, ok := strings.Cut(string(b), "## Using the library")
	if !ok {
		t.Fatal(`README.md has no "## Using the library" section`)
	}
	m := regexp.MustCompile("(?s)```go\n(.*?)```").FindStringSubmatch(sec)
	if m == nil {
		t.Fatal("the library section has no go block")
	}
	return m[1]
}

// TestLibraryAsAnotherModule builds the README's library example as a
// module of its own (its go.mod replaces orgsync by this checkout), so it
// can use the public packages only, runs it, and checks that the second
// run of the pipeline against the embedded directory plans nothing. It
// needs the module cache that building this module filled (no network:
// GOPROXY=off).
func TestLibraryAsAnotherModule(t *testing.T) {
	if testing.Short() {
		t.Skip("builds a module: not in -short")
	}
	gobin, err := exec.LookPath("go")
	if err != nil {
		t.Skip("no go command")
	}
	root, err := filepath.Abs(".")
	if err != nil {
		t.Fatal(err)
	}
	gomod, err := os.ReadFile("go.mod")
	if err != nil {
		t.Fatal(err)
	}
	goLine := regexp.MustCompile(`(?m)^go \S+$`).Find(gomod)
	sum, err := os.ReadFile("go.sum")
	if err != nil {
		t.Fatal(err)
	}
	dir := t.TempDir()
	files := map[string]string{
		"go.mod": "module example.com/vendor\n\n" + string(goLine) + "\n\nrequire github.com/orgsync/orgsync v0.0.0\n\n" +
			"replace github.com/orgsync/orgsync => " + root + "\n",
		"go.sum":  string(sum),
		"main.go": readmeProgram(t),
	}
	for name, text := range files {
		if err := os.WriteFile(filepath.Join(dir, name), []byte(text), 0o644); err != nil {
			t.Fatal(err)
		}
	}
	cmd := exec.Command(gobin, "run", ".")
	cmd.Dir = dir
	cmd.Env = append(os.Environ(), "GOFLAGS=-mod=mod", "GOPROXY=off", "GOSUMDB=off", "GOWORK=off")
	var stderr strings.Builder
	cmd.Stderr = &stderr
	out, err := cmd.Output()
	if err != nil {
		t.Fatalf("go run: %v\n%s%s", err, out, stderr.String())
	}
	lines := strings.Split(strings.TrimSpace(string(out)), "\n")
	if len(lines) != 2 || !strings.HasPrefix(lines[0], "run 1: ") || strings.Contains(lines[0], "no changes") || lines[1] != "run 2: no changes" {
		t.Errorf("output:\n%s\nwant run 1 with changes, then \"run 2: no changes\"", out)
	}
}
