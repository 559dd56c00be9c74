// Package history is the domain logic of organisation snapshots over time:
// what changed between two snapshots, whether a new snapshot may replace
// the previous one, and whether the school year moved on.
//
// It provides:
//
//   - Changes: the change events between two snapshots, per institution —
//     create, update (with the changed fields) and remove of the institution,
//     its groups and its people — in a deterministic order. Two equal
//     snapshots yield no event.
//   - Guard: the "too few people" safety valve. When an institution's head
//     count drops to a configured share (default 50 %) of the previous
//     snapshot's, or it vanishes, the institution is held back: its previous
//     data stays in force and a Proposal lists who would be created and
//     removed, for an administrator to approve (Approval).
//   - DetectYearChange: a change of school year between two snapshots, per
//     institution, which is the caller's cue to run the year roll.
//   - Gone and Without: the persons whose retention ended and a snapshot
//     without them (purging); MinimiseDue and Minimise: the stored
//     snapshots replaced long enough ago and a snapshot without its
//     protected fields — CPR numbers, addresses, protected names and
//     phone numbers (minimising the history).
//
// It is part of the pure core: no I/O, no clock (callers pass now). Storing
// snapshots, proposals and approvals is adapters/snapstore's job, which
// ties this package to a file or SQL store (snapstore.History).
package history
