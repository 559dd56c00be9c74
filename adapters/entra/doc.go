// Package entra is the Microsoft Entra ID (Azure AD) target of orgsync: a
// diff.Target that reads and changes users, security groups, Microsoft
// Teams and administrative units through Microsoft Graph v1.0 with
// github.com/microsoftgraph/msgraph-sdk-go, doing what the municipalities'
// Entra ID client of the school data broker does today.
//
// It is not a general Graph client, it resets no passwords of existing
// users and manages no guests. It gives Microsoft 365 licences by global
// role (Config.Licences): directly with assignLicense (needs
// Config.UsageLocation) or through licensing groups whose membership it
// keeps; a licence is taken away on disable and given back on enable. Importing it compiles
// msgraph-sdk-go (minutes, gigabytes): the core packages never import it.
// Its tests use the fake Graph service in the subpackage graphfake.
//
// # Objects
//
// Users: accountEnabled (Object.Disabled), displayName (attribute
// displayName, else Name), givenName, surname (familyName), mailNickname
// and userPrincipalName (username, username@Config.Domain), mail (email),
// jobTitle (title), employeeId or department (Config.UniIDProperty, from
// the neutral attribute Config.UniIDSource, default the UNI-ID), companyName
// = Config.Mark as the management mark, and on creation a random initial
// password of Config.PasswordLength characters that must be changed at the
// first sign-in. orgsync's own attributes — the Key, the Name, the global
// role, the disabled date and the rest of Config.ExtensionAttrs — live in
// directory extension properties extension_{appId}_{name} (register them
// on the application; Config.ExtensionProperties lists them) or in one
// schema extension (Config.Extensions). A user is managed when it carries
// both the mark and a key; anything else is never changed, except by an
// Adopt change.
//
// Groups: security groups (mailEnabled false), with a mailNickname derived
// from the Key that never changes, so a year-roll rename keeps the object
// id and the address. Groups of Config.TeamKinds (default: the class and
// the staff of each institution) are private Microsoft 365 groups with
// Config.TeamOwners as owners, made into a Team with PUT
// /groups/{id}/team; a new group answers 404 there for up to ~15 minutes,
// which is retried (Config.TeamRetries, TeamBackoff), and a team still
// missing is listed by PendingTeams and made by EnsureTeams on a later
// run. Config.InstitutionTeamOwners adds owners per institution (the
// school's own Teams administrators). With Config.ArchiveTeams a retired
// team group — a class the year roll did not match — has its Team
// archived (read-only, POST /teams/{id}/archive) and unarchived if it
// comes back; diff.Options.GroupRetention decides when it is deleted (0
// keeps it). Classes the year roll matched keep their group id and are
// renamed, never archived or made anew. Teams of Config.ClassTemplateKinds
// are made from the education class template (POST /teams with
// template educationClass and group@odata.bind), where the tenant has
// it; others from the group with the standard template. A group's
// attributes live in extensions; a group "email" has no
// place (Graph cannot mail-enable a security group).
//
// Groups-and-Teams-only mode (Config.GroupsOnly): where another tool
// makes the users (Entra Connect from on-premises AD, say), Read lists
// every account and Prepare binds each desired user to an existing one by
// userPrincipalName or UNI-ID (Config.MatchBy); desired users without an
// account are left out with their memberships. Bound users are reported
// as desired, so no user is ever created, changed or disabled (Apply
// refuses any user change with ErrConstraint), while groups, Teams and
// units converge with the bound accounts as members.
//
// Containers: Entra ID has no OUs. With Config.AdministrativeUnits the
// containers ou/inst/<num> (diff/desired's institutions-only layout) are
// administrative units, one per institution, and a user's or group's
// Parent is its membership of that unit, which scopes who may administer
// it. Prepare adapts any desired state to this (and drops attributes the
// configuration does not store); callers should run desired objects
// through it before planning. A group of an institution is created inside
// its unit in one request (POST /directory/administrativeUnits/{id}/members
// with the group as body), which needs the Groups Administrator role
// scoped on the unit (docs/PERMISSIONS.md); when Graph refuses that, the
// client warns once and creates and links groups in two requests.
//
// Disable sets accountEnabled=false and the disabledDate extension; a
// retired group or unit gets the date only. Delete removes the object
// (users go to the recycle bin for 30 days).
//
// # Requests, batching and faults
//
// Writes (and single look-ups) go out in JSON batches of up to
// Config.BatchSize (20) requests. Apply may be called concurrently — as
// diff.Apply does for the changes of a stage — and the client coalesces
// the requests of concurrent calls in one queue, whatever their stage or
// kind: 20 waiting requests leave at once as one $batch, fewer leave when
// the oldest has waited Config.BatchWindow (5 ms), at most
// Config.Concurrency envelopes at a time; a request re-sent after
// throttling joins the queue again and so the next envelope. Batches fill only when enough
// changes run at once: give diff.ApplyOptions.Concurrency 20 or more
// (the starter binary uses 64). AddMember calls for one group are further
// coalesced into one PATCH with members@odata.bind (up to 20 members),
// falling back to one POST members/$ref each when Graph refuses the lot.
// With BatchSize 1 every request goes alone.
//
// The SDK's retry handler retries a whole request answered 429, 503 or
// 504; a throttled item inside a batch comes back as 429 in a 200
// envelope, and the client re-sends it honouring its Retry-After (capped
// by Config.MaxRetryAfter), as it does after 503/504 and dropped
// connections, up to Config.MaxAttempts. A batch failed as a whole with
// 424 is re-sent after its Retry-After, and an item that was not run
// (424) waits as long as the longest Retry-After of its envelope. Graph
// runs nothing it answers 429 or 424, so those are re-sent at once; after
// no answer or a 5xx the write may have taken effect, so every re-sent
// write is idempotent: a create first looks the object up (a user by
// userPrincipalName, a group or unit by its key) and takes the existing
// one if it carries our key; adding a member that is already there,
// removing one that is not, and deleting a deleted object count as done.
//
// Graph is eventually consistent: right after a create, a read of the new
// object can answer 404 and a reference to it (a member add, an
// administrative-unit link, members@odata.bind) 400 "… do not exist".
// Requests that touch new objects wait and re-send on exactly these
// answers (Config.LagRetries, LagBackoff), and the look-up that guards a
// re-sent create is repeated as often before the create is sent again, so
// that a lost answer does not make a second security group (they take any
// nickname). Usernames and UNI-IDs are checked before they are sent
// (userPrincipalName characters A–Z a–z 0–9 ' . - _ ! # ^ ~, at most 64;
// employeeId at most 16): a bad value fails that person's change with
// ErrConstraint naming the key and the attribute, and the rest of the
// stage proceeds. Errors wrap the diff sentinels:
// 404 ErrNotFound, 409 and "already exists" ErrExists, other 400 and 403
// ErrConstraint, 429/5xx/no answer ErrTemporary (see GraphError). Request
// body compression of the SDK is switched off per request: its retry
// handler re-sends a compressed body uncompressed but still labelled gzip
// after a 429 or 503 (kiota-http-go issue 183), which Graph refuses.
//
// # Reads
//
// Read lists the managed users (filtered on companyName — an advanced
// query in Graph, sent with ConsistencyLevel: eventual and $count=true — or
// all users with Config.Adopt, to offer unmarked ones as adoption
// candidates),
// groups with their members (the member lists are read in batches) and
// administrative units with their members. With Config.Delta the first
// read is the initial round of /users/delta and /groups/delta and later
// reads follow the delta links, merging changed properties, @removed
// objects and members@delta into the state kept in the Client; an expired
// link (400 syncStateNotFound) falls back to a full read. The delta state
// lives in memory only: it pays off in a long-running process.
//
// # Privacy
//
// A shared tenant lets staff search every pupil in it (the lesson of the
// Gardermoen municipalities' Office 365 roll-out). What this package does
// about it, and what Graph can and cannot do:
//
//   - Router serves several tenants in one run, each institution (or
//     municipality) routed to its own tenant: the strongest separation.
//     It is the generic diff/route.Router, which routes AD forests or
//     Google domains the same way.
//   - One administrative unit per school scopes administration (a school's
//     IT staff get roles on their unit only). With Config.HiddenMembership
//     the units are created with visibility HiddenMembership, so only a
//     unit's members can list its members. Neither hides the users from
//     other users' people and address-list searches. docs/PRIVACY.md sets
//     out what each cloud allows.
//   - Config.HideStudents writes showInAddressList=false on pupils. Graph
//     documents that property with "do not use in Microsoft Graph; manage
//     it in the Microsoft 365 admin center": a tenant may ignore or refuse
//     it. Hiding an Exchange Online mailbox from the global address list
//     is the mailbox setting HiddenFromAddressListsEnabled (Exchange Online
//     PowerShell, Set-Mailbox), and separating schools' address books is
//     done with Exchange address book policies — neither is reachable
//     through Graph. Security groups are not in address lists; the class
//     Teams are created private.
//   - CPR is written (to the extension "cpr") only with Config.WriteCPR.
package entra
