// Package orgmodel is the authoritative organisation model that orgsync keeps
// every directory in step with: institutions (schools, daycares, youth
// education, the municipality), organisation units in several parallel
// hierarchies, persons, their affiliations with STIL roles, and groups such as
// classes (hovedgrupper, main groups).
//
// Every fact that can change carries a validity Period, so that a start date
// next month or a leaver at the end of term takes effect on its date: queries
// take an explicit "at time.Time" and the package never reads the clock.
//
// A Snapshot is a plain value that serialises to JSON. Validate reports every
// problem at once, each naming the record and the field. Derived views (global
// role, primary institution, the logical group catalogue) are computed from a
// validated Snapshot:
//
//   - GlobalRole, Roles, InstitutionsOf and PrimaryInstitution answer per
//     person at a time, with a RolePolicy deciding which kind wins (student
//     by default);
//   - Catalogue computes the twelve kinds of logical group of the school
//     data brokers (all students, per class, per cohort, ...) with stable
//     keys and sorted member IDs, in one pass over the persons; on request
//     also the teachers of each class (ClassEmployees) and a group per STIL
//     group that is not a class (SourceGroups: Hold, Team, Årgang, Retning,
//     SFO; the municipality picks the types).
//
// School data beyond names: birth date, gender, photo id, address and phone
// numbers (each with its protection flag) on Person, the institution's own
// details (local person id, source, e-mail, short name, student number,
// location) on Affiliation, and contact persons (parents) in
// Snapshot.Contacts. Person.Disclosable is what may leave orgsync: alias
// names and no address for a protected person, no protected phone number.
// A replacement CPR is kept apart (Person.ReplacementID, never CPR), and
// several person records of one human (one CPR under two UNI-Login ids)
// are linked with Person.SameAs.
//
// Names belong to the Person: where the reference broker prefers the name a
// school reports over a daycare's, the source adapter that merges records
// applies that rule when it builds the Person (see PrimaryInstitution for the
// order of institutions).
//
// The snapshot's index is built by Index or Validate, or on first use by a
// lookup; after that, reads may run concurrently. Build the index before
// sharing a Snapshot between goroutines, and again after changing it.
//
// Package synth generates synthetic municipalities of any size.
//
// orgmodel is part of the pure core: it does no I/O and imports no vendor SDK.
// It is not a store, not a source parser (see the adapters) and not a
// directory projection (see package diff/desired).
//
// The role model of the Danish "Begrebsmodel til brugerstyring" (users, user
// roles, rules, assignments with restrictions, attestation) is meant to be
// added beside Person as further slices of Snapshot that refer to persons,
// institutions and units by ID; nothing here assumes one person is one
// account.
package orgmodel
