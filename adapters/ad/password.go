package ad

import "unicode/utf16"

// unicodePwd encodes a password as AD wants it in the unicodePwd
// attribute: the password in double quotes, as UTF-16LE bytes.
func unicodePwd(pw string) string {
	u := utf16.Encode([]rune(`"` + pw + `"`))
	b := make([]byte, 2*len(u))
	for i, c := range u {
		b[2*i] = byte(c)
		b[2*i+1] = byte(c >> 8)
	}
	return string(b)
}
