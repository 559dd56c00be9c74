// Package snapstore stores organisation snapshots over time, with the
// guard's proposals and approvals, and runs the domain logic of package
// orgmodel/history over them.
//
// It provides:
//
//   - FileStore (the embedded default: one JSON file per snapshot, atomic
//     writes through internal/atomicfile) and SQLStore (MariaDB/MySQL
//     through database/sql).
//   - History, which ties them to orgmodel/history: Commit guards a new
//     snapshot against the latest stored one (history.Guard), stores the
//     result and returns the events (history.Changes), proposals and year
//     change (history.DetectYearChange); Approve lets a held institution
//     through at the next commit.
//   - Purger and Minimiser, which keep the stored history within the
//     retention: a person gone from every source is purged from every
//     snapshot (history.Gone), and a snapshot replaced long ago loses its
//     protected fields (history.Minimise); each run that changes anything
//     writes one count-only audit record.
//
// The domain types (Event, Guard, Proposal, Approval, YearChange, ...) live
// in orgmodel/history; snapstore re-exports them under the same names so
// that callers of History need one import.
//
// What it is not: a source parser (see adapters/stil, adapters/localimport),
// a directory projection or a plan engine (see package diff). Events
// describe the organisation model, not directory objects.
package snapstore
