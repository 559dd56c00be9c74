// Package stil reads the STIL (Styrelsen for It og Læring) UNI-Login export
// WS-17 "wsieksport" v7, export kind "fuld myndighed" (full, for the
// authority), into the organisation model.
//
// The usual input is a saved export: one XML document per institution, either
// the bare UNILoginExportFullMyndighed element, the whole SOAP response
// envelope, or a file holding several exports under any wrapper element.
// Decode reads all of them in one pass, streaming person by person, and
// returns one Export per institution; Result.Snapshot merges them into an
// orgmodel.Snapshot (a person at two institutions becomes one Person with two
// Affiliations).
//
// # Field mapping
//
//   - Institution: InstitutionNumber (text, leading zeros kept) and
//     InstitutionName. The export does not say what kind of institution it
//     is: Options.InstitutionTypes wins, otherwise the type is inferred from the
//     student roles (Barn: DAYCARE, Studerende: FU, otherwise SCHOOL).
//   - Group: GroupId, GroupName, GroupType (Hovedgruppe, Årgang, Retning, Hold,
//     SFO, Team, Andet), GroupLevel (text: "0".."10", "DT", ...), Line,
//     FromDate/ToDate. ToDate is the last day of the group, so the half-open
//     orgmodel.Period ends the day after. A main group (Hovedgruppe) gets the
//     export's school year and, for a numeric level, the start year (the year
//     its pupils started 0th grade: first year of the school year minus the
//     level).
//   - Person: FirstName, FamilyName, AliasFirstName, AliasFamilyName with the
//     protected attribute (navne- og adressebeskyttelse, name protection: the
//     model keeps both; orgmodel.Person.Names gives directories the aliases),
//     CivilRegistrationNumber (CPR, always text: "0101011234" keeps its
//     leading zero; "010101-1234" is normalised; the date part is checked, the
//     modulus-11 rule is not), EmailAddress, UserId (UNI-Login user id).
//   - Employee: every Role (several allowed), Occupation as title, GroupId.
//     Student: Role, Level, MainGroupId, GroupId, ContactPerson. Extern: Role,
//     GroupId. Each becomes one orgmodel.Affiliation of that kind.
//   - ContactPerson (parents and others, with relation, childCustody and
//     accessLevel) has no place in orgmodel yet; they are returned in
//     Export.ContactPersons for callers that need them.
//
// # Person ID
//
// orgmodel.Person.ID must be stable across exports and institutions and ends
// up in directory keys ("user/<id>"). The UNI-Login user id (Person/UserId, or
// UNILogin/UserId in older shapes) is national, stable and not sensitive, so
// it is the ID. Without one, the institution-local LocalPersonId is used as
// "<institution>:<LocalPersonId>" — stable, but such a person cannot be
// recognised at a second institution. The CPR number is never used as an ID,
// so that it never reaches directory keys or logs.
//
// # Errors
//
// A document that is not well-formed XML fails as a whole. Everything else is
// per record: a *RecordError names the element path (with positions, e.g.
// .../InstitutionPerson[12]/Student/MainGroupId), the input line, the
// institution and the person or group ID. A bad person or group is left out
// and the rest of the institution is used; with Options.Strict any problem
// makes the whole institution fail (Export.Err), so that a caller keeps its
// previous data for it.
//
// # Fetching exports
//
// Fetching an export from the service (SOAP over HTTPS, signed with
// WS-Security X.509) is behind the Fetcher interface; see Client and Signer.
//
// This package does not store snapshots, compare them over time or guard
// against a sudden drop in head count: see packages orgmodel/history (the
// guard and change events) and adapters/snapstore (their storage).
package stil
