// Package rolemodel is the role model of the Danish public sector's concept
// model for user management (Begrebsmodel til brugerstyring, version 1.1):
// users, user roles, access rights, access rules, IT systems, role
// assignments with restrictions and attestations, delegations, and
// assignments derived from a person's place in the organisation model.
//
// It is part of the pure core: no I/O, no clock (every function that
// depends on time takes "at" or "now"), no vendor SDK. It answers
//
//   - is the catalogue sound (Compile and Model.Validate report every
//     problem at once: inheritance cycles, unknown names, assignments
//     outside a validity, restrictions naming unknown units, assigners
//     without the delegation);
//   - what may a user do at a time, and why (Model.Evaluate: effective roles
//     and rights, each explained by the assignment, the inheritance path and
//     the restrictions);
//   - would a plan break a segregation-of-duties rule (Result.CheckSoD, a
//     typed *SoDError that errors.Is ErrSoD, refused like a threshold);
//   - which directory groups follow from the roles (Result.Groups: logical
//     groups that diff/desired builds like any other group, so that roles
//     reach AD, Entra and Google through the same plan);
//   - which assignments a manager must attest, by when, and what follows
//     from the decisions (Campaign.Status);
//   - what an identity provider should say about a user (Result.Claims).
//
// It is not a store, a scheduler or a web service: the catalogue file format
// lives in rolemodel/catalog, the claims endpoint in rolemodel/claims, and
// campaign scheduling, reminder mails and decision pages in the broker.
//
// Derived assignments (a role given to an organisation unit, a STIL role or
// a job title) reach persons through their affiliations in an
// orgmodel.Snapshot, for as long as the affiliation is valid. They are given
// to the person's default user, whose ID is the person ID (a catalogue User
// with that ID may describe it further).
package rolemodel
