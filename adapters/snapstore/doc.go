// Package snapstore keeps organisation snapshots over time and says what
// changed between them.
//
// It provides:
//
//   - Changes: the change events between two snapshots, per institution —
//     create, update (with the changed fields) and remove of the institution,
//     its groups and its people — in a deterministic order. Saving a snapshot
//     that changed nothing yields no event (the reference broker emits an
//     update for any save).
//   - Guard: the "too few people" safety valve. When an institution's head
//     count drops to a configured share (default 50 %) of the previous
//     snapshot's, or it vanishes, the institution is held back: its previous
//     data stays in force and a Proposal lists who would be created and
//     removed, for an administrator to approve.
//   - DetectYearChange: a change of school year between two snapshots, per
//     institution, which is the caller's cue to run the year roll.
//   - FileStore (the embedded default: one JSON file per snapshot, atomic
//     writes) and SQLStore (MariaDB/MySQL through database/sql).
//   - History, which ties them together: Commit guards a new snapshot
//     against the latest stored one, stores the result and returns the
//     events, proposals and year change; Approve lets a held institution
//     through at the next commit.
//
// What it is not: a source parser (see adapters/stil, adapters/localimport),
// a directory projection or a plan engine (see package diff). Events
// describe the organisation model, not directory objects.
package snapstore
