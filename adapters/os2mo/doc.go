// Package os2mo reads a municipality's organisation from OS2mo
// (Medarbejder og Organisation) over its GraphQL API, merges it with the
// school data from STIL into one orgmodel.Snapshot, and writes the accounts
// orgsync gives OS2mo's employees back to OS2mo as IT-user bindings.
//
// # The API
//
// The client speaks to one pinned API version, /graphql/v22 (APIVersion),
// authenticated with OAuth 2.0 client credentials against OS2mo's Keycloak
// (golang.org/x/oauth2/clientcredentials). Every query it sends is listed in
// queries.go and validated in a test against the pinned schema subset in
// internal/schema (written from the public OS2mo/os2mo repository; its
// head names the source). Collections are read with cursor paging (limit,
// cursor, page_info.next_cursor), up to four at a time. A refused token (a
// token may expire mid-read) is replaced and the request repeated;
// transport errors, 5xx and 429 are retried with back-off. Errors wrap
// ErrAuth, ErrGraphQL, ErrTransport or ErrConfig and name the collection
// and page.
//
// # Reading
//
// Client.Read reads a Window of validity: Window{From: now} gives the
// present and every future-dated change (an engagement starting next month
// is an affiliation whose period starts then; a manager change is two
// manager records), so that changes take effect on their day without
// another read. OS2mo's "to" is the last valid day; the model's period ends
// the day after. Mapping turns OS2mo into the model:
//
//	org unit        -> orgmodel.Unit (parent, unit type and level names, the
//	                   org_unit_hierarchy class mapped to a parallel hierarchy;
//	                   the name valid at Window.From, Valid spanning all validities)
//	employee        -> orgmodel.Person (uuid, CPR, given name, surname)
//	engagement      -> orgmodel.Affiliation per validity (unit, job function as
//	                   Title, role by job function or engagement type,
//	                   EmploymentType, Primary, Source "os2mo")
//	association     -> orgmodel.Affiliation with OtherEmployeeRole (optional)
//	manager         -> orgmodel.Manager per validity (level, type, responsibilities)
//	IT user (AD)    -> Binding, and the person's reserved Username
//	IT user (UNI)   -> the person's UNI-ID (optional)
//	address (email) -> the person's Email (optional)
//
// All units and affiliations belong to Mapping.Institution, the
// municipality.
//
// # Merging with STIL
//
// MergeSTIL makes one snapshot of both sources. An OS2mo employee is the
// same person as a STIL record when, in this order, the UNI-ID from OS2mo's
// UNI-Login IT user equals the STIL record's id or UNI-ID, the username of
// OS2mo's AD IT user equals the STIL record's reserved username, or the CPR
// numbers are equal. The merged person keeps the STIL id and gets the
// affiliations and managerial positions of both; MergeRules.Authority says
// per field which source wins (default STIL, except the username: OS2mo's
// AD binding). MergeReport.OS2moIDs lists the persons write-back may touch.
//
// # Write-back
//
// After a run, AccountsOf picks the accounts of OS2mo persons from the
// target's actual objects and Client.WriteBack writes them to OS2mo as IT
// users of the AD system (user_key = username, external_id = the target's
// object id, for AD the objectGUID), as OS2mo's AD integration does:
// idempotent (an equal binding is left alone, so a second run sends no
// mutation), only for persons the caller says orgsync manages.
//
// The fake in os2mofake serves the same schema for tests and benchmarks.
package os2mo
