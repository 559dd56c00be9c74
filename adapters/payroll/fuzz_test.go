package payroll

import (
	"bytes"
	"errors"
	"os"
	"path/filepath"
	"strings"
	"testing"
)

func checkFuzz(t *testing.T, emps []Employment, err error, where ...string) {
	var pe *ParseError
	if errors.As(err, &pe) {
		for _, p := range pe.Problems {
			ok := false
			for _, w := range where {
				ok = ok || strings.HasPrefix(p.Where, w)
			}
			if !ok {
				t.Fatalf("problem does not name its record: %v", p)
			}
		}
	}
	for _, e := range emps {
		if e.EmployeeNumber == "" || (!e.Leave.IsZero() && !e.Entry.IsZero() && e.Leave.Before(e.Entry)) {
			t.Fatalf("returned an invalid employment %+v", e)
		}
	}
}

// FuzzReadOPUS: never panics; problems name their record.
func FuzzReadOPUS(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "opus.xml"))
	f.Add(b)
	f.Add([]byte(`<kmd><employee id="1"><cpr>0101010101</cpr><leaveDate>2020-01-01</leaveDate><entryDate>2021-01-01</entryDate></employee></kmd>`))
	f.Fuzz(func(t *testing.T, data []byte) {
		emps, err := ReadOPUS(bytes.NewReader(data))
		checkFuzz(t, emps, err, "employee[")
	})
}

// FuzzReadCSV: never panics; problems name their record.
func FuzzReadCSV(f *testing.F) {
	b, _ := os.ReadFile(filepath.Join("testdata", "employments.csv"))
	f.Add(b)
	f.Add([]byte("employee_id,cpr\n1,0101010101\n\"2,x\n"))
	f.Fuzz(func(t *testing.T, data []byte) {
		emps, err := ReadCSV(bytes.NewReader(data))
		checkFuzz(t, emps, err, "line ")
	})
}
