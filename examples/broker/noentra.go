//go:build !entra

package main

// entraConfig is a client's "entra" section. This build has no Entra ID
// client type (build with -tags entra, see entra.go): a client of type
// entra is a configuration error, so the section is not looked into.
type entraConfig map[string]any
