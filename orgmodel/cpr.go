package orgmodel

import (
	"errors"
	"time"
)

// ErrCPR is matched (errors.Is) by every error ValidCPR, CPRBirthDate and
// NormaliseCPR return, as is ErrInvalid. The error
// texts never repeat the number: a CPR is personal data.
var ErrCPR = errors.New("invalid cpr")

var (
	errCPRLength = cprError("must be ten digits")
	errCPRDigits = cprError("must contain only the digits 0-9")
	errCPRDate   = cprError("date part is not a valid date")
)

type cprError string

func (e cprError) Error() string        { return "cpr: " + string(e) }
func (e cprError) Is(target error) bool { return target == ErrCPR || target == ErrInvalid }

// ValidCPR checks a CPR number (personnummer) in the model's form: exactly
// ten ASCII digits DDMMYYSSSS as text (leading zeros matter), with no dash.
// The date part is checked as a calendar date whose century follows from the
// seventh digit (the first digit of the serial):
//
//	0-3        1900-1999
//	4 and 9    2000-2036 for YY 00-36, else 1937-1999
//	5-8        2000-2057 for YY 00-57, else 1858-1899
//
// There is deliberately no modulus-11 check: since 2007 numbers that fail it
// are issued. Use NormaliseCPR for input with a dash (DDMMYY-SSSS).
func ValidCPR(s string) error {
	_, err := CPRBirthDate(s)
	return err
}

// CPRBirthDate returns the date of birth encoded in a CPR number in the
// model's ten-digit form, at midnight UTC, or an error wrapping ErrCPR.
func CPRBirthDate(s string) (time.Time, error) {
	if len(s) != 10 {
		return time.Time{}, errCPRLength
	}
	for i := 0; i < len(s); i++ {
		if s[i] < '0' || s[i] > '9' {
			return time.Time{}, errCPRDigits
		}
	}
	d := func(i int) int { return int(s[i] - '0') }
	day := d(0)*10 + d(1)
	month := d(2)*10 + d(3)
	yy := d(4)*10 + d(5)
	year := cprCentury(d(6), yy) + yy
	if month < 1 || month > 12 || day < 1 || day > daysIn(year, time.Month(month)) {
		return time.Time{}, errCPRDate
	}
	return time.Date(year, time.Month(month), day, 0, 0, 0, 0, time.UTC), nil
}

// cprCentury returns the century of a CPR's birth year from the seventh
// digit and the two-digit year.
func cprCentury(seventh, yy int) int {
	switch {
	case seventh <= 3:
		return 1900
	case seventh == 4 || seventh == 9:
		if yy <= 36 {
			return 2000
		}
		return 1900
	default: // 5-8
		if yy <= 57 {
			return 2000
		}
		return 1800
	}
}

func daysIn(year int, m time.Month) int {
	switch m {
	case time.February:
		if year%4 == 0 && (year%100 != 0 || year%400 == 0) {
			return 29
		}
		return 28
	case time.April, time.June, time.September, time.November:
		return 30
	}
	return 31
}

// NormaliseCPR turns a CPR number as people write it into the model's form:
// a single dash after the date part (DDMMYY-SSSS) is removed, and the result
// is checked with ValidCPR. Nothing else is tolerated (no spaces, no other
// separators), so that a typing mistake is reported rather than guessed at.
func NormaliseCPR(s string) (string, error) {
	if len(s) == 11 && s[6] == '-' {
		s = s[:6] + s[7:]
	}
	if err := ValidCPR(s); err != nil {
		return "", err
	}
	return s, nil
}
