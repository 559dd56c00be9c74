package google

import (
	"context"
	"path/filepath"
	"strings"
	"testing"
)

func TestClientOptions(t *testing.T) {
	ctx := context.Background()
	noEnv := func(string) string { return "" }
	// A fake's endpoint without a key: no authentication.
	if o, err := ClientOptions(ctx, Config{Endpoint: "http://127.0.0.1:1"}, "", "", noEnv); err != nil || len(o) != 1 {
		t.Fatalf("endpoint: %v %v", o, err)
	}
	missing := filepath.Join(t.TempDir(), "missing.json")
	for _, tc := range []struct {
		name, keyFile, subject string
		getenv                 func(string) string
		want                   string
	}{
		{"no key", "", "admin@x", noEnv, "google.keyFile or $" + KeyFileEnv},
		{"missing file", missing, "admin@x", noEnv, "google.keyFile: "},
		{"key from env", "", "admin@x", func(k string) string {
			if k == KeyFileEnv {
				return missing
			}
			return ""
		}, "google.keyFile: "},
	} {
		_, err := ClientOptions(ctx, Config{}, tc.keyFile, tc.subject, tc.getenv)
		if err == nil || !strings.Contains(err.Error(), tc.want) {
			t.Errorf("%s: error %v, want one with %q", tc.name, err, tc.want)
		}
	}
}
