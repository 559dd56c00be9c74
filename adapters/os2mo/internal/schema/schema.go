// Package schema holds the pinned subset of OS2mo's GraphQL schema (SDL) that
// the os2mo adapter's queries are validated against and the fake serves.
package schema

import (
	_ "embed"
	"sync"

	"github.com/vektah/gqlparser/v2"
	"github.com/vektah/gqlparser/v2/ast"
)

// SDL is the schema subset; see the head of schema.graphql for its source.
//
//go:embed schema.graphql
var SDL string

var load = sync.OnceValue(func() *ast.Schema {
	return gqlparser.MustLoadSchema(&ast.Source{Name: "os2mo-v22.graphql", Input: SDL})
})

// Load returns the parsed schema.
func Load() *ast.Schema { return load() }
