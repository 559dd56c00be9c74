package oneroster

import (
	"archive/zip"
	"bytes"
	"errors"
	"flag"
	"io"
	"os"
	"path/filepath"
	"strings"
	"testing"
	"time"

	"github.com/google/go-cmp/cmp"
	"github.com/orgsync/orgsync/adapters/oneroster/orcheck"
	"github.com/orgsync/orgsync/orgmodel"
	"github.com/orgsync/orgsync/orgmodel/synth"
)

var update = flag.Bool("update", false, "rewrite golden files")

var fixedTime = time.Date(2025, 9, 15, 12, 0, 0, 0, time.UTC)

func unzip(t testing.TB, data []byte) map[string][]byte {
	t.Helper()
	zr, err := zip.NewReader(bytes.NewReader(data), int64(len(data)))
	if err != nil {
		t.Fatal(err)
	}
	out := map[string][]byte{}
	for _, f := range zr.File {
		rc, err := f.Open()
		if err != nil {
			t.Fatal(err)
		}
		out[f.Name], err = io.ReadAll(rc)
		rc.Close()
		if err != nil {
			t.Fatal(err)
		}
	}
	return out
}

func TestTinyGolden(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	files := unzip(t, data)
	names := append([]string{"manifest.csv"}, DataFiles...)
	if len(files) != len(names) {
		t.Fatalf("zip has %d files, want %d", len(files), len(names))
	}
	for _, name := range names {
		golden := filepath.Join("testdata", "tiny", name)
		if *update {
			if err := os.MkdirAll(filepath.Dir(golden), 0o755); err != nil {
				t.Fatal(err)
			}
			if err := os.WriteFile(golden, files[name], 0o644); err != nil {
				t.Fatal(err)
			}
			continue
		}
		want, err := os.ReadFile(golden)
		if err != nil {
			t.Fatal(err)
		}
		if diff := cmp.Diff(string(want), string(files[name])); diff != "" {
			t.Errorf("%s differs from golden (-want +got):\n%s", name, diff)
		}
	}
}

// TestIndependentCheck runs exports of several municipalities through the
// independent reader in package orcheck.
func TestIndependentCheck(t *testing.T) {
	for _, cfg := range []synth.Config{synth.Tiny, {Seed: 2, Persons: 4000}} {
		s := synth.Generate(cfg)
		data, err := Zip(s, Options{At: synth.ReferenceTime(s.SchoolYear)}, fixedTime)
		if err != nil {
			t.Fatal(err)
		}
		r, err := orcheck.Check(data)
		if err != nil {
			t.Fatal(err)
		}
		if err := r.Err(); err != nil {
			t.Fatalf("%d persons: %v", cfg.Persons, err)
		}
		for _, f := range DataFiles {
			if r.Rows[f] == 0 {
				t.Errorf("%d persons: %s is empty", cfg.Persons, f)
			}
		}
		files := unzip(t, data)
		if !bytes.Contains(files["users.csv"], []byte(`,teacher,`)) || !bytes.Contains(files["classes.csv"], []byte(`,homeroom,`)) {
			t.Error("no teachers or no homerooms")
		}
	}
}

// TestListQuoting: a user at two schools has their orgs as one quoted list.
func TestListQuoting(t *testing.T) {
	s := synth.Generate(synth.Config{Seed: 1, Persons: 4000})
	data, err := Zip(s, Options{}, fixedTime)
	if err != nil {
		t.Fatal(err)
	}
	users := string(unzip(t, data)["users.csv"])
	if !strings.Contains(users, `,"org-2`) || !strings.Contains(users, `,org-2`) {
		t.Fatalf("no quoted two-school list in users.csv")
	}
}

func TestBadData(t *testing.T) {
	s := synth.Generate(synth.Tiny)
	var pupil string
	for _, a := range s.Affiliations {
		if a.Kind() == orgmodel.Student && strings.HasPrefix(a.Institution, "2") {
			pupil = a.PersonID
			break
		}
	}
	for i := range s.Persons {
		if s.Persons[i].ID == pupil {
			s.Persons[i].FamilyName = ""
		}
	}
	data, err := Zip(s, Options{}, fixedTime)
	if !errors.Is(err, ErrInvalid) || !strings.Contains(err.Error(), "person "+pupil+": familyName") || data != nil {
		t.Fatalf("err = %v (zip %d bytes), want ErrInvalid naming %s and familyName", err, len(data), pupil)
	}
	s = synth.Generate(synth.Tiny)
	s.SchoolYear = "2025"
	if _, err := Build(s, Options{}); !errors.Is(err, ErrInvalid) {
		t.Errorf("bad school year: err = %v", err)
	}
}

func TestGrade(t *testing.T) {
	for in, want := range map[string]string{"0": "KG", "1": "01", "10": "10", "12": "12", "13": "", "x": "", "-1": ""} {
		if got := Grade(in); got != want {
			t.Errorf("Grade(%q) = %q, want %q", in, got, want)
		}
	}
}

func BenchmarkZip60k(b *testing.B) {
	s := synth.Generate(synth.Medium)
	at := synth.ReferenceTime(s.SchoolYear)
	b.ReportAllocs()
	var n int
	for b.Loop() {
		data, err := Zip(s, Options{At: at}, fixedTime)
		if err != nil {
			b.Fatal(err)
		}
		n = len(data)
	}
	b.ReportMetric(float64(n), "zip-bytes")
}
