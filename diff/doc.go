// Package diff compares the desired state of a directory with its actual
// state and produces a Plan of changes; it also checks a plan against the
// safety rails (thresholds, protected accounts) and applies it to a Target.
//
// The model is deliberately small: a directory holds Objects — containers
// (OUs, org units), users and groups, plus target-specific kinds an adapter
// may add — each with a stable Key that orgsync owns, a Name, a Parent
// container, flat attributes (Attrs, kept sorted by name: an adapter that
// reads objects builds them with Attrs.Set or AttrsFrom) and, for groups,
// members. A Change is one step
// (create, update, move, rename, disable, enable, delete, add or remove a
// member) with the object before and after and a reason kept for people.
//
// Ownership is the first rule: only objects that carry orgsync's management
// mark (Object.Managed) are ever changed; an unmarked object is adopted only
// by an explicit, configured match. Nothing is deleted that a disable would
// do: an object that disappears from the desired state is disabled and moved
// to a dated quarantine container, and deleted only after its retention.
//
// Apply runs a plan stage by stage; a failed change blocks only the later
// changes that depend on it (Status Blocked, with the reason chain in
// Result.Cause), and a change failing the same way as in the previous run
// (ApplyOptions.Previous) is Persistent. With an Auditor it writes the
// audit trail ahead: an intent record before each change is sent and an
// outcome record after, in one hash chain (JSONLAuditor, VerifyAuditLog);
// intents a crash leaves open are completed by the next run from what it
// reads (Reconcile, ApplyOptions.Open). The format is described in
// docs/AUDIT.md of the repository.
//
// diff is part of the pure core: it does no I/O of its own and never reads
// the clock (callers pass now). Targets do the I/O behind the small
// interfaces declared here. The projection from the organisation model to
// desired objects lives in the subpackage desired.
package diff
