package google

import (
	"bytes"
	"errors"
	"io"
	"net/http"
	"testing"

	"github.com/orgsync/orgsync/diff"
	"google.golang.org/api/googleapi"
)

func TestWrapMapsToSentinels(t *testing.T) {
	for name, tc := range map[string]struct {
		code   int
		reason string
		want   error
	}{
		"not found":       {404, "notFound", diff.ErrNotFound},
		"duplicate":       {409, "duplicate", diff.ErrExists},
		"invalid":         {400, "invalid", diff.ErrConstraint},
		"condition":       {412, "conditionNotMet", diff.ErrConstraint},
		"user rate limit": {403, "userRateLimitExceeded", diff.ErrTemporary},
		"quota":           {403, "quotaExceeded", diff.ErrTemporary},
		"sharing rate":    {403, "sharingRateLimitExceeded", diff.ErrTemporary},
		"429":             {429, "rateLimitExceeded", diff.ErrTemporary},
		"backend":         {503, "backendError", diff.ErrTemporary},
		"non-empty drive": {403, "cannotDeleteNonemptyDrive", diff.ErrConstraint},
		"forbidden":       {403, "forbidden", nil},
		"unauthenticated": {401, "authError", nil},
	} {
		t.Run(name, func(t *testing.T) {
			ge := &googleapi.Error{Code: tc.code, Errors: []googleapi.ErrorItem{{Reason: tc.reason}}}
			err := wrap("create user", "user/1", ge)
			for _, s := range []error{diff.ErrNotFound, diff.ErrExists, diff.ErrConstraint, diff.ErrTemporary} {
				if got := errors.Is(err, s); got != (s == tc.want) {
					t.Errorf("errors.Is(%v, %v) = %v", err, s, got)
				}
			}
			var back *googleapi.Error
			var mine *Error
			if !errors.As(err, &back) || !errors.As(err, &mine) || mine.Code != tc.code || mine.Reason != tc.reason {
				t.Errorf("error %v does not carry the Google error", err)
			}
		})
	}
}

func TestClassify(t *testing.T) {
	for name, tc := range map[string]struct {
		code                 int
		body                 string
		throttled, retryable bool
	}{
		"403 user rate": {403, `{"error":{"code":403,"errors":[{"reason":"userRateLimitExceeded"}]}}`, true, true},
		"403 quota":     {403, `{"error":{"code":403,"errors":[{"reason":"quotaExceeded"}]}}`, true, true},
		"403 sharing":   {403, `{"error":{"code":403,"errors":[{"reason":"sharingRateLimitExceeded"}]}}`, true, true},
		"403 forbidden": {403, `{"error":{"code":403,"errors":[{"reason":"forbidden"}]}}`, false, false},
		"403 not json":  {403, `<html>`, false, false},
		"429":           {429, ``, true, true},
		"500":           {500, ``, false, true},
		"503":           {503, ``, false, true},
		"404":           {404, `{}`, false, false},
		"409":           {409, `{}`, false, false},
	} {
		t.Run(name, func(t *testing.T) {
			resp := &http.Response{StatusCode: tc.code, Body: io.NopCloser(bytes.NewBufferString(tc.body))}
			th, re := classify(resp)
			if th != tc.throttled || re != tc.retryable {
				t.Errorf("classify = %v, %v; want %v, %v", th, re, tc.throttled, tc.retryable)
			}
			if b, _ := io.ReadAll(resp.Body); string(b) != tc.body {
				t.Errorf("body after classify = %q, want it intact", b)
			}
		})
	}
}

func TestBackoffStaysInBounds(t *testing.T) {
	c, err := Config{Domain: "x.test", Seed: 3}.withDefaults()
	if err != nil {
		t.Fatal(err)
	}
	tr := newTransport(nil, c)
	for attempt := 1; attempt <= 30; attempt++ {
		d := tr.jitter(attempt)
		limit := c.BackoffBase << min(attempt-1, 20)
		if limit > c.BackoffMax || limit <= 0 {
			limit = c.BackoffMax
		}
		if d < 0 || d > limit {
			t.Errorf("attempt %d: backoff %v outside [0, %v]", attempt, d, limit)
		}
	}
}

func TestConfigReportsEveryProblem(t *testing.T) {
	_, err := Config{Root: "Skoler", Mark: "org-sync", Licences: Licences{Student: "1"}, Drives: DriveConfig{Model: "x", ClassRole: "owner"}}.withDefaults()
	for _, field := range []string{"domain", "root", "mark", "licences.product", "drives.model", "drives.classRole"} {
		if err == nil || !bytes.Contains([]byte(err.Error()), []byte(field)) {
			t.Errorf("error %v does not name %s", err, field)
		}
	}
}

// FuzzMark: whatever a description holds, decoding never panics, and
// encoding then decoding gives the object's key, parent and attributes
// back.
func FuzzMark(f *testing.F) {
	f.Add("group/class/280017/G1/all", "ou/inst/280017/groups", "280017", "schoolYear", "2025-2026")
	f.Add("k", "", "", "a&b=c", "x=y&z")
	f.Add("ø/æ/å", "?/x", "1", "", "")
	c := &Client{cfg: Config{Mark: "orgsync"}}
	f.Fuzz(func(t *testing.T, key, parent, inst, attr, val string) {
		c.decodeMark(key + parent + attr + val) // must not panic
		c.decodeMark("orgsync " + key)
		if key == "" {
			return
		}
		o := &diff.Object{Key: key, Parent: parent, Institution: inst}
		if attr != "" && val != "" && !reservedMark[attr] {
			o.Attrs.Set(attr, val)
		}
		m, ok := c.decodeMark(c.encodeMark(o))
		if !ok || m.key != key || m.parent != parent || m.inst != inst || !m.attrs.Equal(o.Attrs) {
			t.Errorf("round trip of %+v gave %+v (ok %v)", o, m, ok)
		}
	})
}

func TestNativeNames(t *testing.T) {
	for name, tc := range map[string]struct {
		given, family, user     string
		wantG, wantF, wantEmpty string
	}{
		"both":        {"Søren", "Ærø", "soer0001", "Søren", "Ærø", ""},
		"mononym":     {"Madonna", "", "mado0001", "Madonna", "Madonna", "family"},
		"family only": {"", "Nguyễn", "nguy0001", "Nguyễn", "Nguyễn", "given"},
		"neither":     {"", "", "xxxx0001", "xxxx0001", "xxxx0001", "given,family"},
	} {
		t.Run(name, func(t *testing.T) {
			o := &diff.Object{Attrs: diff.AttrsFrom(map[string]string{"givenName": tc.given, "familyName": tc.family, diff.AttrUsername: tc.user})}
			g, f, e := nativeNames(o)
			if g != tc.wantG || f != tc.wantF || e != tc.wantEmpty {
				t.Errorf("nativeNames = %q, %q, %q; want %q, %q, %q", g, f, e, tc.wantG, tc.wantF, tc.wantEmpty)
			}
		})
	}
}
