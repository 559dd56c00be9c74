package googlefake

import (
	"testing"
	"time"
)

// FuzzQueries: the users.list query, the Drive q and fields parsers never
// panic, whatever they are given.
func FuzzQueries(f *testing.F) {
	f.Add("orgsync.managed=true orgUnitPath='/Skoler/Å b'", "properties has { key='k' and value='v' } and trashed = false", "nextPageToken,files(id,name,properties)")
	f.Add("email:ab givenName:'x y'", "'0A1' in parents and mimeType != 'x'", "permissions(id,emailAddress),kind")
	f.Add("=", "name = 'it\\'s'", "a/b(c,d(e))),")
	s := newStore(Options{Domain: "skole.test", CustomerID: "C1", Admin: "admin@skole.test", Now: time.Now})
	s.schemas["orgsync"] = &schema{SchemaName: "orgsync", Fields: []*schemaField{{FieldName: "managed", FieldType: "BOOL"}}}
	f.Fuzz(func(t *testing.T, uq, dq, fields string) {
		if m, err := s.userQuery(uq); err == nil {
			for _, u := range s.users {
				m(u)
			}
		}
		if m, err := fileQuery(dq); err == nil {
			m(&file{Properties: map[string]string{"k": "v"}, Parents: []string{"0A1"}})
		}
		if m, err := driveQuery(dq); err == nil {
			m(&sharedDrive{Name: "x"})
		}
		project(map[string]any{"kind": "x", "files": []any{map[string]any{"id": "1", "name": "n"}}}, fields, defaultFileList)
		splitAnd(dq)
		splitQuery(uq)
	})
}
