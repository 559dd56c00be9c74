package agentlog

import (
	"encoding/json"
	"log/slog"
	"regexp"
	"strings"
)

// Hidden replaces the value of a secret or sensitive attribute, as the
// audit log writes it; CPRHidden replaces a CPR-like number in free text.
const (
	Hidden    = "(hidden)"
	CPRHidden = "(cpr)"
)

// secretWords are the parts of a key name that make its value secret or
// sensitive: the audit log's rule (password, pwd, secret, cpr) plus what a
// client's own log meets besides (tokens, keys, authorization headers).
var secretWords = []string{"password", "passwd", "pwd", "secret", "token", "apikey", "api_key", "api-key", "authorization", "credential", "privatekey", "private_key", "cpr"}

// SecretKey reports whether a key or attribute name names a value that
// never goes to the local log: its lower case holds one of the secret
// words (password, pwd, secret, token, api key, authorization,
// credential, private key, cpr).
func SecretKey(k string) bool {
	k = strings.ToLower(k)
	for _, w := range secretWords {
		if strings.Contains(k, w) {
			return true
		}
	}
	return false
}

// secretPair finds "key=value", "key: value" and JSON "key":"value" in free
// text where the key holds a secret word. Group 1 is everything up to the
// value, group 2 an optional Bearer/Basic scheme, group 3 the value.
var secretPair = regexp.MustCompile(`(?i)((?:password|passwd|pwd|secret|token|api[_-]?key|authorization|credential|private[_-]?key|cpr)[a-z0-9_.-]*\\?["']?\s*[:=]\s*)((?:bearer|basic)\s+)?(\((?:hidden|cpr)\)|\\"(?:[^"\\]|\\\\)*?\\"|"(?:[^"\\]|\\.)*"|'[^']*'|[^\s,;&}\])"']+)`)

// Redact returns s with the values of secret keys in key=value, key: value
// and JSON form replaced by Hidden, and every CPR-like number (six digits
// that read as a date DDMMYY, an optional '-' or space, four digits, not
// inside a longer run of digits) replaced by CPRHidden. It errs on the safe
// side: a ten-digit number that happens to start with a valid date is
// hidden too. Redact(Redact(s)) == Redact(s).
func Redact(s string) string {
	s = redactCPR(s)
	if containsFold(s) {
		s = secretPair.ReplaceAllStringFunc(s, func(m string) string {
			sub := secretPair.FindStringSubmatch(m)
			v := sub[3]
			switch {
			case strings.HasPrefix(v, `\"`):
				return sub[1] + `\"` + Hidden + `\"`
			case strings.HasPrefix(v, `"`):
				return sub[1] + `"` + Hidden + `"`
			case strings.HasPrefix(v, `'`):
				return sub[1] + `'` + Hidden + `'`
			}
			return sub[1] + Hidden
		})
	}
	return s
}

// containsFold is a cheap pre-check before the regular expression.
func containsFold(s string) bool {
	l := strings.ToLower(s)
	for _, w := range []string{"pass", "pwd", "secret", "token", "key", "authorization", "credential", "cpr"} {
		if strings.Contains(l, w) {
			return true
		}
	}
	return false
}

func isDigit(b byte) bool { return '0' <= b && b <= '9' }

// digitRun returns the end of the run of ASCII digits starting at i.
func digitRun(s string, i int) int {
	for i < len(s) && isDigit(s[i]) {
		i++
	}
	return i
}

// plausibleDate reports whether six digits read as DDMMYY.
func plausibleDate(d string) bool {
	day := int(d[0]-'0')*10 + int(d[1]-'0')
	month := int(d[2]-'0')*10 + int(d[3]-'0')
	return day >= 1 && day <= 31 && month >= 1 && month <= 12
}

// nextCPR returns the start and end of the first CPR-like number in s at
// or after from, or -1, -1.
func nextCPR(s string, from int) (int, int) {
	for i := from; i < len(s); i++ {
		if !isDigit(s[i]) || (i > 0 && isDigit(s[i-1])) {
			continue
		}
		end := digitRun(s, i)
		switch end - i {
		case 10:
			if plausibleDate(s[i : i+6]) {
				return i, end
			}
		case 6:
			if end+5 <= len(s) && (s[end] == '-' || s[end] == ' ') && digitRun(s, end+1) == end+5 && plausibleDate(s[i:end]) {
				return i, end + 5
			}
		}
		i = end - 1
	}
	return -1, -1
}

func redactCPR(s string) string {
	i, j := nextCPR(s, 0)
	if i < 0 {
		return s
	}
	var b strings.Builder
	b.Grow(len(s))
	last := 0
	for i >= 0 {
		b.WriteString(s[last:i])
		b.WriteString(CPRHidden)
		last = j
		i, j = nextCPR(s, j)
	}
	b.WriteString(s[last:])
	return b.String()
}

// ReplaceAttr is a slog.HandlerOptions.ReplaceAttr that keeps personal
// data and secrets out of a log: an attribute whose key (or enclosing
// group) names a secret (SecretKey) is written as Hidden, and every other
// string, error, Stringer or structured value, and the message itself,
// goes through Redact. The time and level are left alone.
func ReplaceAttr(groups []string, a slog.Attr) slog.Attr {
	if len(groups) == 0 && (a.Key == slog.TimeKey || a.Key == slog.LevelKey || a.Key == slog.SourceKey) {
		return a
	}
	secret := SecretKey(a.Key)
	for _, g := range groups {
		secret = secret || SecretKey(g)
	}
	if len(groups) == 0 && a.Key == slog.MessageKey {
		secret = false
	}
	v := a.Value.Resolve()
	if secret {
		if v.Kind() == slog.KindString && v.String() == "" {
			return a
		}
		return slog.String(a.Key, Hidden)
	}
	switch v.Kind() {
	case slog.KindInt64, slog.KindUint64:
		if t := v.String(); len(t) >= 9 {
			// A CPR with a leading zero day loses it as a number.
			if i, j := nextCPR(t, 0); (i == 0 && j == len(t)) || (len(t) == 9 && plausibleDate("0"+t[:5])) {
				return slog.String(a.Key, CPRHidden)
			}
		}
	case slog.KindString:
		return slog.String(a.Key, Redact(v.String()))
	case slog.KindAny:
		switch x := v.Any().(type) {
		case error:
			return slog.String(a.Key, Redact(x.Error()))
		case interface{ String() string }:
			return slog.String(a.Key, Redact(x.String()))
		case nil:
			return a
		default:
			b, err := json.Marshal(x)
			if err != nil {
				return slog.String(a.Key, Hidden)
			}
			r := Redact(string(b))
			if json.Valid([]byte(r)) {
				return slog.Any(a.Key, json.RawMessage(r))
			}
			return slog.String(a.Key, r)
		}
	}
	return slog.Attr{Key: a.Key, Value: v}
}
