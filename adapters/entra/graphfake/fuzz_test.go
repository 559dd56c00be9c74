package graphfake

import (
	"strings"
	"testing"
)

// FuzzParseFilter: the $filter parser never panics, and a clause built
// from any value with quotes escaped matches exactly that value.
func FuzzParseFilter(f *testing.F) {
	for _, s := range []string{"companyName eq 'orgsync'", "a/b eq 'x''y' and c eq true", "x eq null", "n eq 3", "bad", "eq eq eq", "a eq '"} {
		f.Add(s, "v")
	}
	f.Fuzz(func(t *testing.T, filter, value string) {
		_, _, _ = parseFilter(filter) // must not panic
		pred, _, err := parseFilter("extension_x_key eq '" + strings.ReplaceAll(value, "'", "''") + "'")
		if err != nil {
			t.Fatalf("escaped value %q: %v", value, err)
		}
		if !pred(map[string]any{"extension_x_key": value}) {
			t.Errorf("escaped value %q does not match itself", value)
		}
	})
}
