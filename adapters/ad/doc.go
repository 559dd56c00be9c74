// Package ad is orgsync's Active Directory adapter: a diff.Target that
// reads and changes users, security groups and OUs over LDAPS with
// github.com/go-ldap/ldap/v3. It is proven against a real Samba AD DC
// (.ci/servers/samba.sh) and speaks nothing Samba-specific.
//
// What it manages. Only objects under Config.Base that carry the
// management mark: the attribute Config.Mark (default adminDescription,
// present on every AD class) holding Config.MarkPrefix + Key, e.g.
// "orgsync:user/1234". The mark is written in the same add that creates
// an object, so a crash never leaves an unmarked object of ours behind,
// and Read gets every Key back from the directory itself. Everything else
// — objects without the mark, members of our groups that we do not
// manage — is never changed. Unmanaged users under Base with the adoption
// attribute (Config.AdoptBy: CPR attribute by default, or sAMAccountName)
// are offered to the plan as adoption candidates.
//
// How Keys become DNs. The root container (Key "") is Config.Base; a
// container is "OU=<name>" below its parent's DN, users and groups are
// "CN=<name>" (a user's name is "{first} {last} ({username})" from
// package diff/desired). Values are escaped with naming.EscapeDN. The
// Client keeps a Key → DN map, filled by Read and kept current by Apply;
// an object moved by someone else between Read and Apply is found again
// by its mark.
//
// Attributes. The neutral attributes of diff.Object map to AD attributes
// through Config.Attributes (see AttributeMap and DefaultAttributes);
// attributes without a mapping are kept in Config.Store, those in
// AttributeMap.Omit are not written at all, and Client.Prepare drops what
// is not stored from the desired state so that plans converge. List
// attributes (institutions, roles) are written one value per item where
// the AD attribute is multi-valued (departmentNumber, businessCategory).
//
// Limits. Dial reads the limits of every attribute it writes from the
// live schema (rangeUpper and isSingleValued; see LoadLimits), and
// Prepare enforces them before anything is sent: names (cn/ou, givenName,
// sn, displayName) longer than the limit are shortened UTF-16-aware,
// other values are left out and reported as a Problem naming the record
// and field, so that one long value never blocks anyone else. A user's
// sAMAccountName is at most 20 characters (the SAM rule, not the schema).
// Dial also warns when Config.UPNDomain is not a UPN suffix of the forest
// (UPNSuffixes): AD accepts such a userPrincipalName, but nobody can log on
// with it.
//
// Uniqueness. sAMAccountName is unique in the domain: Usernames reads
// every account under Config.Domain (default: the domain of Base), and the
// runner keeps new usernames off them (runner.Job.Taken). Groups orgsync
// creates get a sAMAccountName from Config.GroupSAM ("{name}-{hash}": the
// name shortened so that the whole fits 20 characters, and 6 hex digits
// of the Key's hash) instead of the "$38A2…" AD invents.
//
// Users moved by hand. A user an administrator moved into the OU of
// another of their own institutions is left there: Read reports such a
// user with the desired parent (known from Prepare). A user moved
// anywhere else is reported where it is, and the plan moves it back —
// also out of the base: Read finds managed objects by their mark anywhere
// under Config.Domain, so one moved out by hand is moved back (or, with
// Config.Strays "leave", left there and logged), never created again.
//
// Connections. LDAPS with certificate verification (Config.CAFile for a
// private CA), or ldap:// with StartTLS; plain LDAP is refused, and
// passwords are only sent over an encrypted connection. Apply spreads its
// work over Config.PoolSize connections, redials dropped ones, abandons a
// request when its context ends (closing the connection, since go-ldap's
// calls take no context), and retries temporary failures (busy,
// unavailable, dropped connection) Config.Retries times with exponential
// backoff before reporting diff.ErrTemporary; diff.Apply may retry again
// on top. LDAP result codes become the core's sentinels: 32 ErrNotFound,
// 68 ErrExists, 19/21/53/64/65/… ErrConstraint, 51/52/81/… ErrTemporary.
// Values AD refuses come back as *Error naming the Key and, when known,
// the attribute.
//
// Reading. Read is one paged subtree search under Base (and one for
// stray managed objects under Config.Domain). It runs on a
// connection of its own with a small LDAP decoder that slices attribute
// values out of each message instead of building go-ldap's packet tree
// (about a sixth of the client CPU); everything else goes through go-ldap.
//
// Reading what changed. ReadDelta returns what Read would, reading only
// the entries whose uSNChanged is above the highestCommittedUSN the
// Client's previous read started at and taking the rest from that read:
// one search over the domain with the show-deleted control (tombstones
// included), by equality on each update sequence number since when they
// are at most 2,000 (an indexed look-up, so a delta costs what changed),
// else by the open range. It reads
// everything when it cannot be sure: no earlier read, another domain
// controller answering, a managed OU renamed, moved or deleted, tombstones
// not readable. provision.Job.Delta reads through it; keep a full run on a
// schedule. The rights the service account needs are in docs/AD-RIGHTS.md.
//
// Not for: Kerberos/GSSAPI binds, Entra ID (see adapters/entra), DirSync
// change tracking (ReadDelta polls uSNChanged instead, which needs no
// domain-wide right) and OpenLDAP's generic schema.
package ad
