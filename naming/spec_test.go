package naming

import (
	"errors"
	"testing"
)

func TestStandardByName(t *testing.T) {
	tests := []struct {
		spec, prefix string
		name, text   string // the standard's Name and String
		err          error  // nil, or the sentinel the error matches
	}{
		{spec: "", name: "uni-login", text: "{name:4}{n:4}"},
		{spec: "uni-login", name: "uni-login", text: "{name:4}{n:4}"},
		{spec: "name+digits", name: "name+digits"},
		{spec: "name+digits:6", name: "name+digits"},
		{spec: "digits+name", name: "digits+name"},
		{spec: "prefix:3", prefix: "elev", name: "prefix+name"},
		{spec: "random", name: "random"},
		{spec: "{first:3}{last:3}{n}", name: "usernames.standard", text: "{first:3}{last:3}{n}"},
		{spec: "{nope}", err: ErrTemplate},
		{spec: "uni-login:2", err: ErrStandardName},
		{spec: "name+digits:x", err: ErrStandardName},
		{spec: "name+digits:0"},
		{spec: "random:99"},
		{spec: "surname-first", err: ErrStandardName},
	}
	for _, tt := range tests {
		t.Run(tt.spec, func(t *testing.T) {
			std, err := StandardByName(tt.spec, tt.prefix)
			if tt.name == "" {
				if err == nil {
					t.Fatalf("StandardByName(%q) = %v, want an error", tt.spec, std)
				}
				if tt.err != nil && !errors.Is(err, tt.err) {
					t.Errorf("error %v does not match %v", err, tt.err)
				}
				return
			}
			if err != nil {
				t.Fatal(err)
			}
			if !hasPrefix(std.Name(), tt.name) {
				t.Errorf("name %q, want %q", std.Name(), tt.name)
			}
			if tt.text != "" && std.String() != tt.text {
				t.Errorf("text %q, want %q", std.String(), tt.text)
			}
		})
	}
}

func hasPrefix(s, p string) bool { return len(s) >= len(p) && s[:len(p)] == p }

// FuzzStandardByName: any spec gives a standard or an error, never a panic.
func FuzzStandardByName(f *testing.F) {
	for _, s := range []string{"", "uni-login", "name+digits:4", "prefix:2", "random:8", "{first:3}{last:3}{n}", "x:"} {
		f.Add(s)
	}
	f.Fuzz(func(t *testing.T, spec string) {
		std, err := StandardByName(spec, "elev")
		if (std == nil) == (err == nil) {
			t.Fatalf("StandardByName(%q) = %v, %v", spec, std, err)
		}
	})
}
