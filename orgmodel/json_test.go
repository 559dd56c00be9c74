package orgmodel_test

import (
	"errors"
	"strings"
	"testing"

	"github.com/orgsync/orgsync/orgmodel"
)

func TestReadSnapshotJSON(t *testing.T) {
	tests := []struct {
		name, in string
		wantErr  string // "" = no error
	}{
		{"minimal", `{"schoolYear": "2025/26"}`, ""},
		{"unknown field", `{"schoolYear": "2025/26", "affilations": []}`, `unknown field "affilations"`},
		{"trailing data", `{"schoolYear": "2025/26"} {}`, "data after the snapshot"},
		{"not json", `schoolYear`, "invalid character"},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			s, err := orgmodel.ReadSnapshotJSON(strings.NewReader(tt.in))
			if tt.wantErr == "" {
				if err != nil || s.SchoolYear != "2025/26" {
					t.Fatalf("got %v, %v", s, err)
				}
				return
			}
			if err == nil || !errors.Is(err, orgmodel.ErrInvalid) || !strings.Contains(err.Error(), tt.wantErr) {
				t.Fatalf("err = %v, want ErrInvalid with %q", err, tt.wantErr)
			}
		})
	}
}

func FuzzReadSnapshotJSON(f *testing.F) {
	f.Add(`{"schoolYear": "2025/26", "persons": [{"id": "1"}]}`)
	f.Add(`{"institutions": [{"number": "1"}], "groups": [{"id": "g", "institution": "1"}]}`)
	f.Fuzz(func(t *testing.T, in string) {
		s, err := orgmodel.ReadSnapshotJSON(strings.NewReader(in))
		if err == nil {
			_ = s.Validate() // never panics on what was read
		}
	})
}
