package localimport

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

// FuzzReadCSV: never panics; every record problem names where it is.
func FuzzReadCSV(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "hr.csv"))
	f.Add(b)
	f.Add([]byte("id,kind,roles,institution\nx,employee,Lærer,1\n"))
	f.Add([]byte("id;kind;roles;cpr\n\"a;b\";employee;TAP;0101\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ReadCSV(bytes.NewReader(data))
		checkFuzz(t, recs, err, "line ")
	})
}

// FuzzReadJSON: never panics; every record problem names where it is.
func FuzzReadJSON(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "hr.json"))
	f.Add(b)
	f.Add([]byte(`{"people":[{"id":"a","kind":"external","roles":["Ekstern"],"unitId":"u"}]}`))
	f.Fuzz(func(t *testing.T, data []byte) {
		recs, err := ReadJSON(bytes.NewReader(data))
		checkFuzz(t, recs, err, "people[")
	})
}

func checkFuzz(t *testing.T, recs []Record, err error, where string) {
	var pe *ParseError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			if !strings.HasPrefix(p.Where, where) {
				t.Fatalf("problem does not name its record: %v", p)
			}
		}
	}
	for _, r := range recs {
		if ps := check(&r); len(ps) > 0 {
			t.Fatalf("returned an invalid record: %v", ps[0])
		}
	}
}
