// Package orgsync is a Go SDK that keeps a Danish municipality's directories
// — Active Directory, Microsoft Entra ID, Google Workspace and the embedded
// file directory — in step with one authoritative organisation model of its
// schools, daycares (dagtilbud) and administration, safely and accountably.
//
// This root package holds no code: it documents the module and carries the
// architecture tests. The data flow, one small interface per arrow:
//
//	source (STIL export, local HR import, payroll file)   adapters/stil, adapters/localimport, adapters/payroll
//	   -> orgmodel.Snapshot     validated; every problem reported at once
//	   -> history.Guard         head-count guard against the previous snapshot (adapters/snapstore stores them)
//	   -> yearroll.Roll         only at a school-year change: old class -> new class
//	   -> desired.Build         naming standards + layout + group catalogue
//	   -> []diff.Object         containers, users, groups, memberships
//	   -> diff.Reader.Read      the target's actual state (only objects it manages)
//	   -> diff.Compute          ordered Plan + diff.Plan.Check (safety thresholds)
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
