// Package google is orgsync's Google Workspace adapter: a diff.Target that
// keeps users, org units, groups and their members, licences and shared
// drives in step with the desired state, through the Admin SDK Directory
// API, the Enterprise License Manager API and the Drive API
// (google.golang.org/api).
//
// What it writes:
//
//   - Containers are org units under Config.Root. Their path follows the
//     desired Parent chain, so both layouts of package diff/desired
//     ("institutions first": type / institution / employees, students /
//     class; "institutions last": students / institution / class and
//     employees / institution) and the dated quarantine units
//     (ou/disabled/<date>, ou/retired/<date>) map one to one.
//   - Users get primaryEmail (email, or username@Domain), given and family
//     name, display name, org unit, a random 36-character initial password
//     that must be changed at first login, contact-card organisations per
//     institution, includeInGlobalAddressList (false for students unless
//     Config.ShowStudents), an externalId and a custom schema (created when
//     missing) that hold orgsync's key and the attributes Google has no
//     field for (roles, global role, disabled date, UNI-ID, CPR when the
//     projection includes it). The schema's fields are readable by
//     administrators and the user only.
//   - Disable suspends the user, records the date and takes the licence
//     away; Enable reverses all three. Licences follow the global role
//     (Config.Licences).
//   - Groups carry an externalId (namespace = Config.Mark) with the key;
//     their description holds the remaining attributes.
//   - Shared drives (Config.Drives) are one per staff and class group or
//     one per institution with a folder per class and school year. A drive
//     has no field for a mark, so a small marker file in its root carries
//     the key; folders carry it in their properties.
//
// Ownership: Read reports only marked objects as managed, and Apply
// refuses to change anything else (diff.ErrUnmanaged) except by an Adopt.
// Objects without the mark — hand-made users, groups, OUs, drives — are
// never touched.
//
// Politeness: the Google Go client has no batch support, so every request
// goes through one transport that bounds concurrency, paces each API with a
// token bucket below the 2,400 queries/minute quota (Config.QueriesPerMinute)
// and retries 403 userRateLimitExceeded/quotaExceeded, Drive's 403
// sharingRateLimitExceeded, 429 and 5xx answers with exponential backoff
// and full jitter. Creates are idempotent: a create whose answer was lost
// is checked by its mark before it is sent again, and shared drives use a
// request id derived from the key.
//
// What the services do not promise, and how Read and Apply cope:
//
//   - User search lags writes (by up to a day and a half for custom-schema
//     queries), so Read lists all users of the customer and picks the
//     managed ones by their custom schema, instead of searching for them.
//   - A Drive search over all drives may come back incomplete
//     (incompleteSearch); Read then searches each shared drive on its own,
//     so that no marker is missed and no drive is made twice.
//   - users.patch cannot clear a repeated field (organizations); user
//     changes are sent with users.update, which has patch semantics and
//     clears a field sent as null.
//
// Client.Prepare (diff.Preparer) shapes a desired state for Google (drives
// from groups, address list and licence attributes); the pipeline
// (package provision) calls it between the projection and diff.Compute,
// and Config.Prepare does the same without a client. The subpackage googlefake is a fake Google service for
// tests.
//
// # Classroom requests
//
// Classroom (NewClassroom, with ClassroomScopes) carries out the Google
// Classroom requests an administrator queues (broker.ClassroomQueue):
// ClassroomTransfer makes another teacher the owner of a course (added as
// a teacher first, since Classroom lets only a teacher own a course; the
// old owner stays a teacher) and ClassroomArchive sets courseState
// ARCHIVED. Each is recorded in the audit log as an intent and an outcome
// (Op "classroom/<request id>", Actor the administrator). orgsync neither
// creates nor deletes classrooms.
//
// The package does not decide what should exist (that is diff/desired and
// diff), does not run on its own (see examples/google-sync) and does not
// handle mail routing or Chrome devices.
package google
