// Package orgsync is a Go SDK that keeps a Danish municipality's directories
// — Active Directory, Microsoft Entra ID, Google Workspace and the embedded
// file directory — in step with one authoritative organisation model of its
// schools, daycares (dagtilbud) and administration, safely and accountably.
//
// This root package holds no code: it documents the module and carries the
// architecture tests. The data flow, one small interface per arrow; package
// provision runs it as one call (provision.Job), the binaries under
// examples/ run provision:
//
//	source (STIL export, local HR import, payroll file)   adapters/stil, adapters/localimport, adapters/payroll
//	   -> orgmodel.Snapshot     orgmodel.ReadSnapshotJSON; validated, every problem at once
//	   -> history.Guard         head-count guard against the previous snapshot (adapters/snapstore stores them)
//	   -> provision.State       usernames, class identities, previous snapshot (StateStore)
//	   -> yearroll.Roll         only when the school year moved forward: old class -> new class
//	   -> desired.Build         naming standards + layout + group catalogue
//	   -> []diff.Object         containers, users, groups, memberships
//	   -> diff.Preparer         the target adapts them (drops what it does not store, adds its kinds)
//	   -> diff.Reader.Read      the target's actual state (only objects it manages)
//	   -> diff.Compute          ordered Plan with the managed totals it was made from
//	   -> diff.Plan.Check       safety thresholds; Plan.CheckCurrent for a saved plan
//	   -> diff.Apply            bounded concurrency, retries, progress, audit
//	   -> re-plan is empty      convergence is the definition of done
//
// The core — orgmodel, diff, naming, yearroll and their subpackages — is
// pure: standard library and golang.org/x only, no I/O, no clock. Adapters
// live under adapters/, one package per technology, and never import each
// other; diff/route spreads one plan over several targets of a kind, and
// diff/attr names the attributes every adapter maps. Example binaries under
// examples/ wire them up. See README.md for the two commands that run the
// quickstart and the tests.
package orgsync
