package graphfake

import (
	"encoding/base64"
	"encoding/json"
	"fmt"
	"strconv"
	"strings"
)

// parseFilter parses the OData $filter subset the adapter sends: clauses
// "path eq value" joined by "and", where path is a property name or
// "complexProperty/name" and value is a quoted string (” escapes a quote),
// true, false, null or a number. Comparison of strings ignores case, as
// Graph's does for directory properties. It also returns the first segment
// of every clause's path, for the advanced-query check.
func parseFilter(f string) (func(map[string]any) bool, []string, error) {
	f = strings.TrimSpace(f)
	if f == "" {
		return func(map[string]any) bool { return true }, nil, nil
	}
	type clause struct {
		path []string
		val  any
	}
	var cs []clause
	rest := f
	for rest != "" {
		// path
		sp := strings.IndexByte(rest, ' ')
		if sp <= 0 {
			return nil, nil, fmt.Errorf("syntax error at %q", rest)
		}
		path := rest[:sp]
		rest = strings.TrimLeft(rest[sp:], " ")
		op, after, found := strings.Cut(rest, " ")
		if !found || !strings.EqualFold(op, "eq") {
			return nil, nil, fmt.Errorf("only eq is supported, got %q", op)
		}
		rest = strings.TrimLeft(after, " ")
		var val any
		switch {
		case strings.HasPrefix(rest, "'"):
			var b strings.Builder
			i := 1
			for ; i < len(rest); i++ {
				if rest[i] == '\'' {
					if i+1 < len(rest) && rest[i+1] == '\'' {
						b.WriteByte('\'')
						i++
						continue
					}
					break
				}
				b.WriteByte(rest[i])
			}
			if i >= len(rest) {
				return nil, nil, fmt.Errorf("unterminated string in %q", f)
			}
			val = b.String()
			rest = rest[i+1:]
		default:
			lit, r, _ := strings.Cut(rest, " ")
			rest = " " + r
			switch lit {
			case "true":
				val = true
			case "false":
				val = false
			case "null":
				val = nil
			default:
				n, err := strconv.ParseFloat(lit, 64)
				if err != nil {
					return nil, nil, fmt.Errorf("bad literal %q", lit)
				}
				val = n
			}
		}
		cs = append(cs, clause{strings.Split(path, "/"), val})
		rest = strings.TrimSpace(rest)
		if rest == "" {
			break
		}
		and, r, found := strings.Cut(rest, " ")
		if !found || !strings.EqualFold(and, "and") {
			return nil, nil, fmt.Errorf("only 'and' joins clauses, got %q", and)
		}
		rest = strings.TrimSpace(r)
	}
	props := make([]string, len(cs))
	for i, c := range cs {
		props[i] = c.path[0]
	}
	return func(props map[string]any) bool {
		for _, c := range cs {
			var v any = props
			for _, p := range c.path {
				m, _ := v.(map[string]any)
				v = m[p]
			}
			switch want := c.val.(type) {
			case string:
				got, ok := v.(string)
				if !ok || !strings.EqualFold(got, want) {
					return false
				}
			default:
				if v != want {
					return false
				}
			}
		}
		return true
	}, props, nil
}

// token is a skip or delta token.
type token struct {
	Epoch int   `json:"e"`
	Off   int   `json:"o,omitempty"`
	From  int64 `json:"f,omitempty"` // delta: changes after this sequence number
	To    int64 `json:"t,omitempty"` // delta: up to and including this one
	Init  bool  `json:"i,omitempty"` // delta: initial round
}

func (t token) encode() string {
	b, _ := json.Marshal(t)
	return base64.RawURLEncoding.EncodeToString(b)
}

func (t *token) decode(s string) bool {
	b, err := base64.RawURLEncoding.DecodeString(s)
	if err != nil {
		return false
	}
	return json.Unmarshal(b, t) == nil
}
