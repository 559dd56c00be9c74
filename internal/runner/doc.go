// Package runner wires the orgsync pipeline for the starter binaries:
// load a snapshot and the deployment state, read the target, assign
// usernames, carry class identities over a year roll, build the desired
// state, plan, check the safety thresholds, print the plan, and apply it
// only when asked. It also maps the outcome to the documented exit codes.
//
// It is internal: vendors assemble the same steps from the public packages
// (see the README's library example); the binaries under examples/ share
// this one implementation so that they behave alike.
package runner
