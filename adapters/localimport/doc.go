// Package localimport reads employees and externals from a local source (an
// HR system's extract, a spreadsheet kept by the municipality) and merges
// them with the STIL data into one organisation snapshot.
//
// # Formats
//
// Both formats carry the same record (see Record). JSON:
//
//	{"people": [
//	  {"id": "hr-1001", "kind": "employee", "givenName": "Søren",
//	   "familyName": "Østergaard", "cpr": "0302781234", "username": "soer",
//	   "email": "soeren@kommune.example", "uniId": "soer0001",
//	   "institution": "280101", "unitId": "", "roles": ["Lærer", "Leder"],
//	   "title": "Skoleleder", "from": "2024-08-01", "to": ""}
//	]}
//
// CSV (UTF-8, an optional byte-order mark, ';' or ',' as separator, detected
// from the header line; the header names the columns, in any order, with
// the JSON names; roles are separated by '|'):
//
//	id;kind;givenName;familyName;cpr;username;email;uniId;institution;unitId;roles;title;from;to
//	hr-1001;employee;Søren;Østergaard;0302781234;soer;;;280101;;Lærer|Leder;Skoleleder;2024-08-01;
//
// kind is "employee" or "external"; roles must be STIL roles of that kind
// (employee: Lærer, Pædagog, Vikar, Leder, Ledelse, TAP, Konsulent;
// external: Praktikant, Ekstern). from/to are dates (YYYY-MM-DD); to is the
// last working day (the model's half-open period ends the day after); empty
// means open. A person with several affiliations has one record per
// affiliation, repeating the id; the first record's person fields count.
// The CPR stays text. id must be stable and must not collide
// with UNI-Login user ids; prefixing it ("hr-") is recommended.
//
// Every record problem is reported at once, naming the record (JSON:
// people[i] and its id; CSV: the line and its id) and the field.
//
// # Merge
//
// Merge combines a STIL snapshot with local records under MergeRules: which
// source governs creation and removal of employees and of externals (STIL,
// local or both), which person fields STIL may enrich on a local person, and
// a keep-alive list of usernames that stay active with their previous
// affiliations even when gone from every source. Students always come from
// STIL only.
//
// This package does not store snapshots or guard against head-count drops
// (see snapstore), and it does not talk to HR systems: it reads their files.
package localimport
