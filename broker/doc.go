// Package broker is orgsync as a service a municipality runs every day:
// several clients (directories: the embedded memdir, Active Directory,
// Entra ID, Google Workspace — any diff.Target) kept in step with one
// organisation snapshot, each on its own rhythm, with the controls an
// administrator needs. It builds on the pipeline (package provision); a
// Broker never plans or applies by itself.
//
// # What the broker keeps per client
//
//   - a schedule: a delta interval (Client.Delta) and a nightly full sync
//     (Client.FullSyncHour); Tick runs the clients that are due, Loop calls
//     Tick periodically. Concurrency and safety thresholds are the client's
//     provision.Config;
//   - its pending changes (Pending): the plan it would apply now, with the
//     year-roll explanation and the institutions held back;
//   - its last run's report and error state (Status);
//   - whether it is paused (Pause, Resume): a paused client is not run and
//     nothing is applied to it; on Resume the next plan holds everything
//     that changed meanwhile.
//
// # Why a desired-state plan and no event queue
//
// The reference school data broker turns source changes into events ("pupil
// moved to 5B") and queues them per client; a paused or failing client
// accumulates a backlog that must be replayed in order, an event lost in a
// crash is a change never made, and one replayed twice is a duplicate.
// orgsync keeps no queue: every run computes the desired state from the
// current snapshot and compares it with what the target holds now
// (diff.Compute). A client paused for a week gets one plan with the net
// effect of the week; a crash loses nothing, because the next run sees what
// was and was not applied (and the write-ahead audit reconciles the change in
// flight); nothing is ever replayed, so nothing is duplicated; and what a
// client is about to do is always answerable (Pending), which a queue of
// events is not.
//
// # Year-roll lock
//
// When an institution's school year moves forward in the source
// (snapstore.DetectYearChange), SetSnapshot locks it: every client keeps
// the institution at the data it had before (the runs are given the new
// snapshot with that institution's units, groups, affiliations and contacts
// taken from the held one) while the rest of the municipality keeps
// syncing. The Lock carries the explanation of the institution's year roll
// (which class becomes which). Release ends the lock and carries the
// matched classes' identities into every client's state, so that the
// groups are renamed, not recreated.
//
// # Approvals
//
// A run whose plan a safety threshold refuses applies nothing and turns the
// plan into an Approval item (which client, when, why, what). The same plan
// refused again is the same item; a different plan supersedes it. Approve
// applies exactly the item's plan once, as a provision.SavedPlan: when the
// target changed since the plan was made, nothing is applied (status
// "stale", diff.ErrStalePlan) and the next run makes a new plan. The item
// is marked decided before anything is applied, so a crash during the
// apply never applies it a second time.
//
// # Keep-alive list
//
// AddKeepAlive keeps a person active until a date although the source drops
// them: the person and their affiliations, as they were when the entry was
// made, are carried into the snapshot the clients get, until the entry
// expires.
//
// # Primary-institution override
//
// SetPrimary chooses by hand the primary institution of a person with
// affiliations at several (where the account lives and what it says);
// it is given to the pipeline as provision.Job.Primary and holds while
// the person has an affiliation there.
//
// # State
//
// Everything is kept in a Store: values (JSON) under keys. FileStore, one
// file per key written atomically, is the embedded default; MemoryStore is
// for tests; the suite in broker/storetest is what any other store (e.g.
// MariaDB) must pass. Each item is a record of its own:
//
//	client/<name>/status   a client's Status (paused, last runs)
//	client/<name>/state    a client's provision.State
//	lock/<institution>     a year-roll Lock; its data under Lock.Held
//	held/<inst>/<n>-<rnd>  the snapshot a lock holds
//	approval/<id>          an Approval without its plan
//	approval-plan/<id>     the approval's provision.SavedPlan
//	approval-next          the last approval number given out
//	keepalive/<person>     a KeepAlive entry
//	primary/<person>       a Primary override
//	source-version         which key holds the current source snapshot
//	source/<n>-<rnd>       the source snapshot (the previous one is deleted)
//
// A record is read where it is used and changed by a compare-and-swap
// (Swapper.Swap): read, change, write back only if it is still what was
// read, else again from the newer one. A new source snapshot is written
// under a new key and made current by swapping "source-version", so a
// reader never sees half of one; each instance keeps the snapshots in
// memory and reloads the source when the version changed. State kept by
// code outside this file layout follows the same rules: a key of its own
// per item, and a Swap (not a Get and a Put) to change one.
//
// Earlier versions kept every record in one value, "broker", and the
// source under "source"; New splits them once (both instances may do it
// at once: every record is created only where none exists).
//
// broker/mariadb is the production store (MariaDB), shared by several
// instances.
//
// # Run history
//
// Every run of a client — scheduled, manual, or the apply of an approved
// plan — is recorded (RunRecord: start, end, outcome, the plan's changes
// per action and kind, applied, failed and blocked counts, the approval
// item) under a key of its own, "runs/<client>/<start>-<n>" (start in
// UTC, sortable; n tells apart two runs of one instant), so that no record
// is rewritten and instances sharing a Store never overwrite each other's.
// Options.RunHistory keeps the last 500 runs per client and none older
// than 90 days by default; Runs reads them, newest first.
//
// HeadCounts, given to Sources.OnAccepted, likewise keeps each
// institution's head count per accepted snapshot under
// "headcounts/<time>-<n>" (the last 60), the trend on the UI's
// institutions page, read back by Load when the broker starts.
//
// # Dry runs and plans made ahead
//
// Pending plans a client against its target now, which for a large
// municipality takes as long as a run's planning (seconds). DryRun does
// the same on demand and keeps the plan; with Options.PlanAhead the broker
// also plans each client in the background after every snapshot, run,
// pause, resume, release and approval. Planned returns that plan while nothing it
// depends on in the broker changed since (the snapshot, the client's last
// run and pause, locks, keep-alive list, primary overrides, the client's
// approvals), so a page shows the pending changes at once, saying when they
// were planned. A change made to the target by hand is seen by the next
// plan, not by the one kept. WaitPlans waits for the plans in flight.
//
// # Several instances
//
// Instances that share a Store share the clients through a Leaser
// (Options.Leases; broker/mariadb.Leases keeps them in the database): Tick
// takes or renews the lease of every client and runs only those this
// instance holds, so one instance applies a given client at a time; a
// dead instance's leases expire and the others take its clients over at
// their next Tick, and a clean shutdown (Loop returning) gives them up at
// once (ClaimReleaser). A run whose lease is lost meanwhile is cancelled
// at its next change; the write-ahead audit log reconciles the change in
// flight. An administrator may act on any instance: a pause, a keep-alive
// entry, a primary override or a rejection made on one is in the store
// for all. Approving an item and releasing a lock apply to the clients,
// so they take the clients' leases first and succeed on the instance
// that holds them (another answers ErrLeased, 409 in the API, and
// nothing is done); an approval is decided by a swap, so two instances
// approving one item at once apply it once. Many municipalities in one
// service are broker/tenant's.
//
// # Agent clients
//
// A client whose directory the broker cannot reach (AD inside the
// municipality) is an AgentClient: Agents issues its plans (the desired
// state under a sequence number kept at "agent/<client>/seq" before it is
// handed out), and the client's outbound-only agent (broker/agent, ad-sync
// agent) applies them and reports back; a start or report of any plan but
// the last issued is refused with ErrStale. An administrator may ask the
// agent for its local log bundle (RequestLogs), which it uploads with its
// next plan ("agent/<client>/logs/<id>").
//
// The clock is injected (Options.Clock) everywhere, so tests drive time.
package broker
