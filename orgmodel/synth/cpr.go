package synth

import "time"

// cprAlloc hands out unique, well-formed fake CPR numbers. For every birth
// date and sex it counts through the serials the seventh-digit century rule
// allows, with the last digit even for women and odd for men, and skips
// serials that pass the modulus-11 check: every CPR issued before 2007
// passes it, so for anyone born before then the generated number cannot be
// a real person's.
type cprAlloc struct {
	next []uint16 // per (day since 1858-01-01, sex): next counter value
}

var cprEpoch = time.Date(1858, 1, 1, 0, 0, 0, 0, time.UTC)

const cprDays = 200 * 366 // 1858..2057

func newCPRAlloc() *cprAlloc {
	return &cprAlloc{next: make([]uint16, cprDays*2)}
}

// seventhDigits lists the seventh digits that put a birth year in its
// century, in the order they are used.
func seventhDigits(year int) []byte {
	yy := year % 100
	switch {
	case year < 1900:
		return []byte{'5', '6', '7', '8'}
	case year < 2000:
		if yy >= 37 {
			return []byte{'0', '1', '2', '3', '4', '9'}
		}
		return []byte{'0', '1', '2', '3'}
	case yy <= 36:
		return []byte{'4', '9', '5', '6', '7', '8'}
	default:
		return []byte{'5', '6', '7', '8'}
	}
}

func dayIndex(d time.Time) int { return int(d.Sub(cprEpoch).Hours() / 24) }

// format writes the CPR for a birth date and counter value n; ok is false
// when n is beyond the serials of that date.
func cprFor(birth time.Time, female bool, n int) (cpr [10]byte, ok bool) {
	digits := seventhDigits(birth.Year())
	if n/500 >= len(digits) {
		return cpr, false
	}
	put2 := func(i, v int) { cpr[i], cpr[i+1] = byte('0'+v/10), byte('0'+v%10) }
	put2(0, birth.Day())
	put2(2, int(birth.Month()))
	put2(4, birth.Year()%100)
	cpr[6] = digits[n/500]
	serial := (n%500)*2 + 1 // odd: male
	if female {
		serial--
	}
	cpr[7] = byte('0' + serial/100)
	cpr[8] = byte('0' + serial/10%10)
	cpr[9] = byte('0' + serial%10)
	return cpr, true
}

func passesMod11(cpr [10]byte) bool {
	weights := [10]int{4, 3, 2, 7, 6, 5, 4, 3, 2, 1}
	sum := 0
	for i, w := range weights {
		sum += int(cpr[i]-'0') * w
	}
	return sum%11 == 0
}

// alloc returns a fresh CPR for the birth date and sex.
func (a *cprAlloc) alloc(birth time.Time, female bool) (string, bool) {
	slot := dayIndex(birth)*2 + b2i(female)
	for n := int(a.next[slot]); ; n++ {
		c, ok := cprFor(birth, female, n)
		if !ok {
			return "", false
		}
		if !passesMod11(c) {
			a.next[slot] = uint16(n + 1)
			return string(c[:]), true
		}
	}
}

// observe records an existing CPR so that alloc never returns it again.
// It understands the numbers alloc makes; others are ignored.
func (a *cprAlloc) observe(cpr string, birth time.Time) {
	if len(cpr) != 10 {
		return
	}
	digits := seventhDigits(birth.Year())
	di := -1
	for i, d := range digits {
		if d == cpr[6] {
			di = i
		}
	}
	if di < 0 {
		return
	}
	serial := int(cpr[7]-'0')*100 + int(cpr[8]-'0')*10 + int(cpr[9]-'0')
	female := serial%2 == 0
	n := di*500 + serial/2
	slot := dayIndex(birth)*2 + b2i(female)
	if slot >= 0 && slot < len(a.next) && int(a.next[slot]) <= n {
		a.next[slot] = uint16(n + 1)
	}
}

func b2i(b bool) int {
	if b {
		return 1
	}
	return 0
}
