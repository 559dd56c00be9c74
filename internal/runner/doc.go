// Package runner wires the orgsync pipeline for the starter binaries:
// load a snapshot and the deployment state, read the target, assign
// usernames, carry class identities over a year roll, build the desired
// state, plan, check the safety thresholds, print the plan, and apply it
// only when asked. It also maps the outcome to the documented exit codes.
//
// Between runs the state file keeps the usernames given, class identities,
// the previous snapshot (without CPR numbers) for the year roll, and the
// failures of the last apply, so that a change failing the same way again
// is reported as persistent (ExitPersistent). With an audit log, intents a
// crashed run left open are reconciled before anything else is applied.
// Job.Taken lets a target name usernames held outside what it reads (the
// whole AD domain); a username in the state that someone else holds is
// given up for the next free one.
//
// It is internal: vendors assemble the same steps from the public packages
// (see the README's library example); the binaries under examples/ share
// this one implementation so that they behave alike.
package runner
