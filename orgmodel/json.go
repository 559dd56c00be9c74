package orgmodel

import (
	"encoding/json"
	"errors"
	"fmt"
	"io"
)

// ReadSnapshotJSON reads a Snapshot written as JSON (encoding/json of a
// Snapshot, as examples/stil-import writes it) and indexes it. It is the
// one loader for snapshot files: the pipeline (package provision) and the
// snapshot store (adapters/snapstore) both use it.
//
// Unknown fields are an error, so that a misspelt field (a hand-edited
// file, or "affilations") is reported instead of silently read as
// missing data, which would plan disabling everyone it held. Trailing
// data after the snapshot is an error too. Errors match ErrInvalid; the
// snapshot is not validated (call Validate).
func ReadSnapshotJSON(r io.Reader) (*Snapshot, error) {
	dec := json.NewDecoder(r)
	dec.DisallowUnknownFields()
	var s Snapshot
	if err := dec.Decode(&s); err != nil {
		return nil, fmt.Errorf("read snapshot: %w: %w", ErrInvalid, err)
	}
	if _, err := dec.Token(); !errors.Is(err, io.EOF) {
		return nil, fmt.Errorf("read snapshot: %w: data after the snapshot", ErrInvalid)
	}
	s.Index()
	return &s, nil
}
