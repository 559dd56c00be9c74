package orgmodel_test

import (
	"errors"
	"fmt"
	"strings"
	"testing"
	"time"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestValidCPR(t *testing.T) {
	tests := []struct {
		name string
		cpr  string
		born string // "" when invalid
	}{
		{"1900s with seventh digit 0", "0101701234", "1970-01-01"},
		{"1900s with seventh digit 3", "3112993999", "1999-12-31"},
		{"seventh digit 4, year 00-36 is 2000s", "0102054000", "2005-02-01"},
		{"seventh digit 4, year 37-99 is 1900s", "0102504000", "1950-02-01"},
		{"seventh digit 9, year 36 is 2036", "0101369000", "2036-01-01"},
		{"seventh digit 9, year 37 is 1937", "0101379000", "1937-01-01"},
		{"seventh digit 5, year 57 is 2057", "0101575000", "2057-01-01"},
		{"seventh digit 8, year 58 is 1858", "0101588000", "1858-01-01"},
		{"leap day 2000 (seventh digit 4)", "2902004000", "2000-02-29"},
		{"leap day 1996", "2902961234", "1996-02-29"},
		{"leading zeros kept", "0101000001", "1900-01-01"},
		{"fails modulus 11 but is valid", "0101701235", "1970-01-01"},
		{"no leap day 1900", "2902001234", ""},
		{"no 29 February 1899 (seventh digit 5)", "2902995000", ""},
		{"leap day 1800s year 96 (1896)", "2902965000", "1896-02-29"},
		{"day 00", "0001701234", ""},
		{"day 32", "3201701234", ""},
		{"month 13", "0113701234", ""},
		{"31 April", "3104701234", ""},
		{"dash not accepted", "010170-1234", ""},
		{"nine digits", "010170123", ""},
		{"eleven digits", "01017012345", ""},
		{"letter", "01017O1234", ""},
		{"space", "010170 123", ""},
		{"empty", "", ""},
		{"non-ASCII digit", "０１０１７０１２３４", ""},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			err := orgmodel.ValidCPR(tt.cpr)
			if (err == nil) != (tt.born != "") {
				t.Fatalf("ValidCPR(%q) = %v, want valid=%v", tt.cpr, err, tt.born != "")
			}
			if err != nil {
				if !errors.Is(err, orgmodel.ErrCPR) || !errors.Is(err, orgmodel.ErrInvalid) {
					t.Errorf("error %v does not match ErrCPR and ErrInvalid", err)
				}
				if tt.cpr != "" && strings.Contains(err.Error(), tt.cpr) {
					t.Errorf("error %q repeats the CPR", err)
				}
				return
			}
			b, err := orgmodel.CPRBirthDate(tt.cpr)
			if err != nil {
				t.Fatal(err)
			}
			if got := b.Format(time.DateOnly); got != tt.born {
				t.Errorf("CPRBirthDate(%q) = %s, want %s", tt.cpr, got, tt.born)
			}
		})
	}
}

func TestNormaliseCPR(t *testing.T) {
	tests := []struct {
		name, in, want string
		wantErr        bool
	}{
		{"ten digits unchanged", "0101701234", "0101701234", false},
		{"one dash removed", "010170-1234", "0101701234", false},
		{"dash in the wrong place", "01017-01234", "", true},
		{"two dashes", "010170--1234", "", true},
		{"space instead of dash", "010170 1234", "", true},
		{"dash and bad date", "320170-1234", "", true},
		{"leading space", " 0101701234", "", true},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := orgmodel.NormaliseCPR(tt.in)
			if (err != nil) != tt.wantErr || got != tt.want {
				t.Errorf("NormaliseCPR(%q) = %q, %v; want %q, error %v", tt.in, got, err, tt.want, tt.wantErr)
			}
		})
	}
}

func FuzzNormaliseCPR(f *testing.F) {
	for _, s := range []string{"0101701234", "010170-1234", "2902004000", "", "-", "3104701234", "0101588000"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, s string) {
		got, err := orgmodel.NormaliseCPR(s)
		if err != nil {
			if !errors.Is(err, orgmodel.ErrCPR) {
				t.Fatalf("error %v does not wrap ErrCPR", err)
			}
			if got != "" {
				t.Fatalf("NormaliseCPR(%q) returned %q with an error", s, got)
			}
			return
		}
		if len(got) != 10 || strings.Trim(got, "0123456789") != "" {
			t.Fatalf("NormaliseCPR(%q) = %q, not ten digits", s, got)
		}
		if err := orgmodel.ValidCPR(got); err != nil {
			t.Fatalf("normalised %q is not valid: %v", got, err)
		}
		if again, err := orgmodel.NormaliseCPR(got); err != nil || again != got {
			t.Fatalf("not idempotent: %q -> %q, %v", got, again, err)
		}
		b, err := orgmodel.CPRBirthDate(got)
		if err != nil {
			t.Fatal(err)
		}
		if b.Format("020106") != got[:6] {
			t.Fatalf("birth date %s does not round-trip to %s", b, got[:6])
		}
	})
}

func ExampleNormaliseCPR() {
	cpr, err := orgmodel.NormaliseCPR("241299-4012")
	fmt.Println(cpr, err)
	born, _ := orgmodel.CPRBirthDate(cpr)
	fmt.Println(born.Format(time.DateOnly))
	_, err = orgmodel.NormaliseCPR("310299-4012")
	fmt.Println(err)
	// Output:
	// 2412994012 <nil>
	// 1999-12-24
	// cpr: date part is not a valid date
}
