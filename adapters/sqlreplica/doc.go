// Package sqlreplica keeps a relational replica of the organisation model
// in MariaDB or MySQL, for municipalities that query their school and
// daycare data locally with plain SQL.
//
// # Tables
//
// One row per object of the model, close to the structure of STIL's WS-17
// export (run `go run ./examples/sql-replica -schema` for the full DDL):
//
//	institutions  number, name, type (SCHOOL, DAYCARE, FU, MUNICIPALITY), abbreviation, valid_from, valid_to
//	persons       person_id, name, given_name, family_name, username, email, uni_id, protected,
//	              cpr_type, birth_date, gender, global_role (student|employee|external),
//	              cpr and address (protected fields, see below)
//	affiliations  person_id, institution, unit_id, roles (comma-separated STIL roles), role_kind,
//	              level, main_group_id, title, source, valid_from, valid_to
//	org_groups    group_id, institution, name, type (Hovedgruppe, Årgang, Hold, SFO, ...), level,
//	              line, school_year, start_year, valid_from, valid_to
//	memberships   group_key, member_key (org_groups.obj_key, persons.obj_key): the persons
//	              an affiliation links to a group
//	contacts      student_id, contact_id, relation, child_custody, access_level, given_name,
//	              family_name, protected, cpr and address (protected)
//
// Every table but memberships also has id (surrogate key), obj_key
// (orgsync's stable key, e.g. "person/p00000017"; NULL on rows added by
// hand, which orgsync never changes), disabled and disabled_date (a row no
// longer in the model: a leaver, a retired class; deleted after the
// retention), managed and updated_at. Dates are DATE columns, NULL when
// open; the validity columns carry the model's periods, so "who is a pupil
// today" is a query:
//
//	SELECT p.person_id, p.given_name, p.family_name, a.institution, a.level
//	FROM persons p JOIN affiliations a ON a.person_id = p.person_id
//	WHERE a.role_kind = 'student' AND p.disabled = 0 AND a.disabled = 0
//	  AND (a.valid_from IS NULL OR a.valid_from <= CURDATE())
//	  AND (a.valid_to IS NULL OR a.valid_to > CURDATE());
//
// There are no foreign keys: rows of leavers stay (disabled) for the
// retention while rows that point at them go, and the plan orders the
// changes.
//
// # Protected fields
//
// CPR numbers, addresses and the real names of name-protected persons are
// written only with Options.WriteProtected; without it the cpr and address
// columns stay empty and a protected person's row holds the alias names
// (Person.Disclosable). The protected flag is always written.
//
// # Incremental maintenance
//
// The replica is a diff.Target and passes the conformance suite
// diff/targettest: Objects projects the snapshot onto one diff.Object per
// row (groups carry their members), Read returns the rows, and Sync plans
// with diff.Compute and applies with diff.Apply. A changed person is one
// Update of one row, touching only the changed columns; a new member is one
// memberships row. Changes applied concurrently are written together in one
// transaction (group commit) with multi-row INSERTs; when a batch fails it
// is rolled back and its changes are applied one by one, each in its own
// transaction, so every change has its own outcome.
//
// # Delta reads
//
// Reading a 60,000-person replica (some 225,000 rows and memberships)
// takes longer than the few hundred changes of an ordinary day. A Replica
// therefore remembers the rows between runs: what it read, with every
// change it applied folded in (a new row with the id the INSERT gave it, a
// membership added or removed, a deleted row gone; an updated row is read
// again by key, as the database stored it). A long-lived process (the
// broker, or sql-replica -every) then reads only replica_stamps and the few
// rows it changed, not the tables. Replica.LastRead says which kind of
// read the last run did.
//
// Others may write to the replica too. Triggers (migration 3) count, per
// table, every row written by anyone but orgsync in replica_stamps;
// orgsync's own transactions set the session variable @orgsync_replica,
// which the triggers skip, and count themselves in the row "~orgsync", so
// that a second orgsync process is noticed too. When a counter differs
// from what the Replica expects, the next Read reads every table (a full
// read); so does every Options.FullReadEvery-th read (default 100), the
// first read of a process, and the read after a change whose outcome is
// unknown (the connection broke during a commit). A test checks that the
// rows and the plan of delta reads equal those of full reads over rounds
// of random changes and foreign writes.
//
// # Migrations
//
// Open runs Migrate: the schema_migrations table records the versions
// applied; each migration is a list of idempotent statements (CREATE ...
// IF NOT EXISTS), so one interrupted half-way runs again. Migrations only
// go forward; a database with a newer schema than the program is refused
// (ErrSchema). Concurrent migrators are serialised by a named lock.
//
// Privileges: the account needs SELECT, INSERT, UPDATE, DELETE, CREATE,
// INDEX and, for migration 3's triggers, TRIGGER on the replica's
// database. With binary logging on (replication, point-in-time recovery),
// MariaDB and MySQL also ask whoever creates a trigger for the SUPER
// privilege unless the server runs with log_bin_trust_function_creators=1;
// a DBA can instead run the migration once (sql-replica -schema prints the
// DDL, triggers in DELIMITER blocks for the mysql client) and insert its
// version into schema_migrations.
package sqlreplica
