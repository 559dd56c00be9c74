package os2mo

import (
	"testing"

	"github.com/vektah/gqlparser/v2"

	"github.com/orgsync/orgsync/adapters/os2mo/internal/schema"
)

// TestQueriesValidAgainstPinnedSchema validates every operation the package
// sends against the pinned OS2mo schema subset.
func TestQueriesValidAgainstPinnedSchema(t *testing.T) {
	s := schema.Load()
	for name, q := range allQueries() {
		doc, errs := gqlparser.LoadQuery(s, q)
		if len(errs) > 0 {
			t.Errorf("%s: %v", name, errs)
			continue
		}
		if doc.Operations.ForName(name) == nil {
			t.Errorf("%s: operation name differs", name)
		}
	}
	if _, errs := gqlparser.LoadQuery(s, `query X { org_units { objects { uuid validities { no_such_field } } } }`); len(errs) == 0 {
		t.Error("a query with an unknown field passed validation")
	}
}
