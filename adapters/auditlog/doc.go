// Package auditlog keeps orgsync's accountability log: a record of every
// read of personal data (Lookup) and every change (diff.AuditRecord), in
// the hash-chained JSON-lines format of diff.JSONLAuditor (docs/AUDIT.md),
// with ed25519-signed checkpoints, sinks, a verifier, erasure by
// retention, and a gate that logs every access to the log itself.
//
// Any code that reads persons on a user's behalf (a vendor's integration,
// the broker) calls Log.Lookup with actor, role, source IP, purpose (from
// a configured list), the query as typed, the criteria (a CPR number
// searched for included), the persons returned and the client; a look-up
// that cannot be recorded must not be shown. HTTP handlers sit behind
// Middleware and call Returned; package audittest walks a route table and
// fails every route that returns data without a record.
//
// Every Options.Every records Log writes a checkpoint signed with a key
// kept outside the log, and Close writes a last one; Options.Copy sends a
// copy of each checkpoint to a second sink, so that Verify finds a log
// rewritten as a whole or cut off at a checkpoint. Verify names the first
// bad record (edited, deleted, reordered, cut off, forged checkpoint).
// Erase removes the records older than the retention and starts the rest
// with a signed erasure marker; the rest still verifies.
//
// Sinks: FileSink (append-only file, fsync per batch), SQLSink (an
// append-only MariaDB table), StreamSink (a JSON stream or syslog, for a
// SIEM), and Tee. Subpackage anomaly builds the anomaly report and spot
// checks; examples/audit is the command line.
package auditlog
