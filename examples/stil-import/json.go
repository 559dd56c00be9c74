package main

import (
	"encoding/json"

	"github.com/orgsync/orgsync/orgmodel"
)

func jsonIndent(s *orgmodel.Snapshot) ([]byte, error) {
	if s == nil {
		return nil, errNil
	}
	b, err := json.MarshalIndent(s, "", "  ")
	if err != nil {
		return nil, err
	}
	return append(b, '\n'), nil
}
