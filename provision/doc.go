// Package provision is the orgsync pipeline as one call: a Job brings one
// target (a diff.Target: the embedded directory, Active Directory, Entra
// ID, Google Workspace, ...) in step with an organisation snapshot, and
// keeps what must survive between runs. The starter binaries under
// examples/ and the quickstart run on it; a vendor's service can too.
//
// One Job.Run, step by step:
//
//	LoadSnapshot / Job.Snapshot     orgmodel.ReadSnapshotJSON: unknown fields are an error; validated
//	StateStore.LoadState            usernames, class identities, the previous snapshot
//	Target.Read                     the actual state (objects orgsync manages)
//	year roll                       only when the school year moved forward: yearroll.Roll, then
//	                                desired.CarryClassIDs; a school year that went backwards is
//	                                refused (ErrSchoolYearBackwards), never rolled
//	usernames                       those already in the target win over the state; a username
//	                                the state holds but another account in the target has
//	                                (Job.Taken, e.g. the whole AD domain) is given up; new persons
//	                                get one by the configured standard (naming.StandardByName),
//	                                keyed per person so that a dry run shows what the apply creates
//	payroll groups                  when Config.Payroll names an export (adapters/payroll)
//	role groups                     when Job.Roles or Config.Roles gives a role catalogue (rolemodel):
//	                                validated against the snapshot, evaluated at Job.Now with the
//	                                attestation decisions; a segregation-of-duties violation refuses
//	                                the run (rolemodel.ErrSoD) before anything is planned or applied
//	desired.Projection.Build        the desired objects
//	diff.Prepare                    the target adapts them when it is a diff.Preparer
//	diff.Compute                    the plan, with the managed totals it was computed from
//	Plan.Check                      the safety thresholds, once (Job.Override to pass them)
//	StateStore.SaveState            before anything is applied
//	diff.Apply                      dependency-aware: a failure blocks only what depends on it;
//	                                write-ahead audit (intents a crash left open are reconciled);
//	                                a change failing as in the last run is persistent
//	StateStore.SaveState            again, with this run's failures
//
// The state keeps usernames, class identities, the previous snapshot
// (without CPR numbers) for the year roll, and the last apply's failures.
//
// A dry run (Apply false) stops after the check. Its Outcome can be saved
// (WriteSavedPlan) and applied later exactly as reviewed (Job.Saved); the
// run then skips planning and refuses with diff.ErrStalePlan when the
// target changed since, touching nothing.
//
// Delta runs (Job.Delta) read the target by its ReadDelta when it is a
// DeltaReader — ad.Client reads only the entries changed since its last
// read — and cost what changed; a target without a delta read of its own
// can be wrapped by Remember, which keeps the last-known actual state
// between runs and folds in what was applied through it. Either way the
// plan is the one a full read would give (for Remember: as long as nobody
// changes the target behind its back), and a scheduled full run (Delta
// false: the broker's nightly sync) re-validates it.
//
// The package does I/O (files for the snapshot, the state, the audit log,
// the payroll export and the role catalogue) and reads the clock only for audit records
// (Job.Clock); the core packages it wires stay pure. Command-line flags,
// the YAML file and exit codes are the binaries' business
// (internal/runner).
package provision
