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
//     model keeps both; orgmodel.Person.Names and Person.Disclosable give
//     directories the aliases and leave the address out),
//     CivilRegistrationNumber (CPR, always text: "0101011234" keeps its
//     leading zero; "010101-1234" is normalised; the date part is checked, the
//     modulus-11 rule is not) with CivilRegistrationNumberType, EmailAddress
//     (Person.Email from the first institution, Affiliation.Email for each),
//     UserId (UNI-Login user id), BirthDate, Gender, PhotoId, Address (seven
//     fields) and Home/Work/MobilePhoneNumber, each with its own protected
//     flag.
//   - InstitutionPerson: @source and LocalPersonId on each Affiliation.
//   - Employee: every Role (several allowed), ShortName, Occupation as
//     title, Location, GroupId. Student: Role, StudentNumber, Level,
//     Location, MainGroupId, GroupId, ContactPerson. Extern: Role, GroupId.
//     Each becomes one orgmodel.Affiliation of that kind.
//   - ContactPerson (parents and others, with relation, childCustody and
//     accessLevel and a whole Person) becomes an orgmodel.Contact in
//     Snapshot.Contacts (Export.ContactPersons per institution).
//   - exportDateTime, accessLevel and every ImportSource (source,
//     sourceDateTime, schoolYear): on orgmodel.Institution (ExportedAt,
//     AccessLevel, Sources).
//
// testdata/v7-fields.txt lists every element and attribute of the v7
// schema, with its source; ExportJSON writes a snapshot back in the
// export's shape, and a test checks that the round trip keeps every value
// of testdata/every-field.xml.
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
// # Errors and per-record isolation
//
// A document that is not well-formed XML fails as a whole. Everything else is
// per record: a *RecordError names the element path (with positions, e.g.
// .../InstitutionPerson[12]/Student/MainGroupId), its Field, the input line,
// the institution and the person or group ID (never the CPR); it marshals
// to JSON for machine readers. A bad person or group is left out (Skipped)
// and the rest of the institution is used; a warning (not Skipped) reports
// a record kept with a value dropped or replaced.
//
// An institution is held back as a whole (Export.Err; with
// MergeOptions.Previous its previous data stays in force, never the other
// institutions'): when its export lists no person (ErrEmptyExport: never
// read as "everyone left"), has no ImportSource (ErrNoImportSource: the
// school year is unknown), no InstitutionNumber, more than
// Options.MaxBadShare (default 5 %) of its groups and persons had to be left
// out (ErrTooManyBad), is older than the export last applied (ErrStale), or
// the model still rejects its data (Result.Build). Options.Strict holds an
// institution back on any problem at all.
//
// # Quirks of real exports, and what Decode does
//
//   - No InstitutionName (optional in the schema): the institution number is
//     the name, with a warning.
//   - CivilRegistrationNumberType CPR_REPLACEMENT_ID: the value goes into
//     orgmodel.Person.ReplacementID, never into CPR, whatever it looks like;
//     CPRType records the type.
//   - One CPR under several UNI-Login user ids: each is its own person (and
//     account); Merge links them as one human (Person.SameAs to the record
//     with the lowest ID), or with SharedCPRHold keeps only that one and
//     holds the others back as problems.
//   - A GroupType or role the model does not know: kept as "other"
//     (orgmodel.Andet with Group.RawType; OtherStudentRole,
//     OtherEmployeeRole or OtherExternalRole by where the role stood, with
//     Affiliation.RawRoles), with a warning.
//   - A student whose MainGroupId names no group, or a group that is not a
//     Hovedgruppe: that affiliation is left out.
//
// # Identities that change, and usernames
//
// With MergeOptions.Previous, a person whose identifier changed stays the
// same person (same ID, so the same account), with a notice wrapping
// ErrIdentityChanged. Precedence: the same ID (UNI-Login user id) first —
// so a replacement CPR that becomes a real one changes nothing else —,
// then the same real CPR as a previous person no longer listed under their
// ID (a new UNI-Login id, or a user id for a person who had only a local
// id), then the same replacement id. Only one-to-one matches are used.
//
// MergeOptions.UNILoginUsernames makes the UNI-Login user id the username
// (Person.Username wins over the naming standards). Existing directory
// accounts are adopted by UNI-ID as well as by CPR and username through
// diff.Options.AdoptBy, e.g. []string{"uniId", "cpr", "username"}: the
// projection writes the UNI-ID as the user attribute "uniId".
//
// # Fetching exports
//
// Client calls the service's eksporterXmlFuldMyndighed operation as its
// WSDL describes it: SOAP 1.1, SOAPAction ActionFuldMyndighed, instnr and
// filtre (CPR numbers included unless Filters.OmitCPR; actor types and
// grade levels optional), the UdbydersystemId header. X509Signer adds the
// WS-Security header the service requires: the certificate as an X.509
// BinarySecurityToken, a wsu:Timestamp, and an RSA-SHA256 signature over
// Timestamp and Body with exclusive canonicalisation (from
// github.com/russellhaering/goxmldsig); a test checks it with xmlsec1.
// STIL allows 4 exports per institution per day: with Client.Quota (e.g. a
// DailyQuota) a fetch beyond that fails with ErrQuota, naming when the next
// one is allowed, before anything is sent. Package stiltest is a fake
// service that refuses unsigned, altered and expired requests.
//
// This package does not store snapshots, compare them over time or guard
// against a sudden drop in head count: see packages orgmodel/history (the
// guard and change events) and adapters/snapstore (their storage).
package stil
