package atomicfile_test

import (
	"os"
	"path/filepath"
	"testing"

	"github.com/orgsync/orgsync/internal/atomicfile"
)

func TestWriteFile(t *testing.T) {
	dir := t.TempDir()
	path := filepath.Join(dir, "state.json")
	for _, content := range []string{"first\n", "second, longer\n", ""} {
		if err := atomicfile.WriteFile(path, []byte(content), 0o640); err != nil {
			t.Fatal(err)
		}
		got, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		if string(got) != content {
			t.Errorf("content = %q, want %q", got, content)
		}
	}
	fi, err := os.Stat(path)
	if err != nil {
		t.Fatal(err)
	}
	if fi.Mode().Perm() != 0o640 {
		t.Errorf("mode = %v, want 0640", fi.Mode().Perm())
	}
	onlyFile(t, dir, "state.json")
}

// TestWriteFileFailureKeepsOldContent: when the rename cannot happen (the
// target is a directory), the error names the path, the old target is
// untouched and no temporary file is left behind.
func TestWriteFileFailureKeepsOldContent(t *testing.T) {
	dir := t.TempDir()
	target := filepath.Join(dir, "target")
	if err := os.Mkdir(target, 0o755); err != nil {
		t.Fatal(err)
	}
	if err := os.WriteFile(filepath.Join(target, "keep"), []byte("x"), 0o600); err != nil {
		t.Fatal(err)
	}
	err := atomicfile.WriteFile(target, []byte("new"), 0o600)
	if err == nil {
		t.Fatal("WriteFile over a non-empty directory succeeded")
	}
	if fi, serr := os.Stat(target); serr != nil || !fi.IsDir() {
		t.Errorf("target changed: %v, %v", fi, serr)
	}
	onlyFile(t, dir, "target")

	if err := atomicfile.WriteFile(filepath.Join(dir, "missing", "f"), nil, 0o600); err == nil {
		t.Error("WriteFile into a missing directory succeeded")
	}
}

func TestWriteJSON(t *testing.T) {
	path := filepath.Join(t.TempDir(), "v.json")
	if err := atomicfile.WriteJSON(path, map[string]int{"a": 1}, 0o600); err != nil {
		t.Fatal(err)
	}
	got, _ := os.ReadFile(path)
	if want := "{\n  \"a\": 1\n}\n"; string(got) != want {
		t.Errorf("WriteJSON wrote %q, want %q", got, want)
	}
	if err := atomicfile.WriteJSON(path, func() {}, 0o600); err == nil {
		t.Error("WriteJSON of a func succeeded")
	}
}

func onlyFile(t *testing.T, dir, name string) {
	t.Helper()
	ents, err := os.ReadDir(dir)
	if err != nil {
		t.Fatal(err)
	}
	if len(ents) != 1 || ents[0].Name() != name {
		var names []string
		for _, e := range ents {
			names = append(names, e.Name())
		}
		t.Errorf("directory holds %v, want only %s (temporary files left behind?)", names, name)
	}
}
