// Package catalog reads a municipality's role catalogue (rolemodel.Catalogue)
// from the YAML file it keeps under version control, and from CSV for the
// first load (e.g. an export of an older role catalogue). It also reads
// attestation decisions. It does no validation beyond the file's shape:
// compile the result with rolemodel.Compile and validate it with
// Model.Validate. The format is documented by testdata/example.yaml.
//
// It sits outside the pure core (it imports a YAML library), beside
// rolemodel.
package catalog

import (
	"bytes"
	"errors"
	"fmt"
	"io"

	"gopkg.in/yaml.v3"

	"github.com/orgsync/orgsync/rolemodel"
)

// ErrFormat is wrapped by every error about a file's shape.
var ErrFormat = errors.New("role catalogue format")

// Version is the catalogue file format version this package reads.
const Version = 1

// file is the YAML document: a version and the catalogue.
type file struct {
	Version             int `yaml:"version"`
	rolemodel.Catalogue `yaml:",inline"`
}

// Parse reads a YAML catalogue. Unknown fields are errors (a misspelt
// field would otherwise silently drop a restriction).
func Parse(data []byte) (rolemodel.Catalogue, error) {
	var f file
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&f); err != nil {
		if errors.Is(err, io.EOF) {
			return rolemodel.Catalogue{}, fmt.Errorf("%w: empty file", ErrFormat)
		}
		return rolemodel.Catalogue{}, fmt.Errorf("%w: %w", ErrFormat, err)
	}
	if f.Version != Version {
		return rolemodel.Catalogue{}, fmt.Errorf("%w: field version: %d, want %d", ErrFormat, f.Version, Version)
	}
	return f.Catalogue, nil
}

// Marshal writes a catalogue as YAML in the format Parse reads.
func Marshal(c rolemodel.Catalogue) ([]byte, error) {
	return yaml.Marshal(file{Version: Version, Catalogue: c})
}

// ParseDecisions reads attestation decisions: a YAML list of
// {assignment, user, keep, by, at}.
func ParseDecisions(data []byte) ([]rolemodel.Decision, error) {
	var ds []rolemodel.Decision
	dec := yaml.NewDecoder(bytes.NewReader(data))
	dec.KnownFields(true)
	if err := dec.Decode(&ds); err != nil && !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("%w: decisions: %w", ErrFormat, err)
	}
	for i, d := range ds {
		if d.Assignment == "" || d.User == "" || d.At.IsZero() {
			return nil, fmt.Errorf("%w: decision #%d: assignment, user and at are required", ErrFormat, i+1)
		}
	}
	return ds, nil
}
