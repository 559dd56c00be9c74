// Package graphfake is an in-process fake of the part of Microsoft Graph
// (v1.0) that the Entra ID adapter uses, served over net/http/httptest and
// speaking Graph's real JSON shapes, so that the adapter's tests run the real
// msgraph-sdk-go client against it.
//
// It implements:
//
//   - users: POST, GET (by id or userPrincipalName), PATCH, DELETE, list with
//     $filter (eq clauses joined by "and", on any property including
//     extension_{appId}_{name} and schemaExtension/property paths), $select,
//     $top, $count and absolute @odata.nextLink paging;
//   - groups: the same, plus members/owners ($ref add and remove, list),
//     members@odata.bind and owners@odata.bind at creation (at most 20), and
//     PUT /groups/{id}/team, which answers 404 while a group is "young";
//   - passwords (password.go): Entra's password policy for cloud accounts
//     on every passwordProfile.password, User-PasswordProfile.ReadWrite.All
//     for a PATCH of the password profile, and PasswordIs for tests;
//   - administrative units under /directory/administrativeUnits with members,
//     and a new group created inside a unit (POST …/members with a group
//     body);
//   - directory extension properties and schema extensions (refused when not
//     registered, if a registry is configured);
//   - JSON batching on /$batch: at most 20 requests, relative URLs, per-item
//     headers, dependsOn (424 when a dependency failed), a per-item status
//     and headers, and per-item 429 with Retry-After inside a 200 envelope;
//   - delta queries on /users/delta and /groups/delta: an initial round that
//     pages through every object, then only the changed properties, deleted
//     objects with @removed, group members with members@delta, and
//     @odata.deltaLink tokens that ExpireDeltaTokens turns into 400
//     syncStateNotFound;
//   - errors in Graph's shape {"error":{"code":…,"message":…}};
//   - fault injection: a share of requests throttled (429 with
//     Options.RetryAfter), unavailable (503), dropped connections, "lost
//     responses" (the write takes effect but the client sees a failure)
//     and whole $batch envelopes failed with 424, decided by a hash of the
//     seed, the request and how often it was seen, so a run is
//     reproducible whatever the goroutine schedule;
//   - request counters, in total and per method and route, for cost
//     measurements.
//
// # Fidelity
//
// Where Graph is strict or awkward, so is the fake. Each row: the
// behaviour, the public documentation it rests on, whether it is modelled,
// and the test in this package that shows it.
//
//   - Advanced-only filters. A $filter on a user property whose eq is
//     served only as an advanced query (companyName among them) is refused
//     with 400 Request_UnsupportedQuery unless the request carries both
//     ConsistencyLevel: eventual and $count=true (in a batch, in the item's
//     own headers); with both, the answer carries @odata.count. Directory
//     extension properties filter by default. "Advanced query capabilities
//     on Microsoft Entra ID objects",
//     https://learn.microsoft.com/graph/aad-advanced-queries (property
//     table and "Error handling for advanced queries"). Modelled for users;
//     the group and administrative-unit tables are not (the adapter filters
//     those on extensions only). TestAdvancedQueryRequired.
//   - Replication lag (Options.Lag). A new object is missed by its first
//     Lag look-ups — GET, PATCH or DELETE by id, a filtered list — answered
//     404 Request_ResourceNotFound, and by references to it, answered 400
//     "The source resource object or one of the objects being referenced do
//     not exist."; uniqueness of userPrincipalName is enforced at once.
//     "Designing for eventual consistency for Microsoft Entra",
//     https://devblogs.microsoft.com/identity/designing-for-eventual-consistency-for-microsoft-entra/,
//     and "Add members" (group-post-members), whose note quotes the 400.
//     How long the real window lasts is not documented beyond "typically
//     brief"; the fake counts look-ups instead of time, and unfiltered
//     lists and delta rounds are not delayed (not modelled).
//     TestReplicationLag.
//   - Batch answers in any order (Options.ReorderBatch answers in reverse).
//     "Combine multiple HTTP requests using JSON batching",
//     https://learn.microsoft.com/graph/json-batching ("responses might
//     appear in a different order"). TestBatchReorderedAndFailedEnvelope.
//   - A throttled batch failing as a whole with 424 (Faults.
//     BatchFailedDependency), with Retry-After and none of its items run.
//     Graph's throttling guidance said so ("Throttling and batching",
//     https://learn.microsoft.com/graph/throttling); the current text and
//     microsoft-graph-docs-contrib issue 8883 ("Batch docs incorrect re
//     return code") say the envelope answers 200 with 429 items instead.
//     Both are modelled (per-item 429 with Faults.ItemThrottle), since a
//     client must survive either, and a third shape dev-proxy issue 8
//     ("Provide 424 failures for $batch requests") describes: one item 429
//     with Retry-After, the others 424 without one
//     (Faults.BatchThrottledItems). TestBatchReorderedAndFailedEnvelope.
//   - A request that depends on a failed one answers 424 (dependsOn). JSON
//     batching page, as above. TestBatchItemsDependsOnAndLimits.
//   - Value limits. The local part of userPrincipalName allows only A–Z
//     a–z 0–9 ' . - _ ! # ^ ~; mailNickname at most 64 characters and none
//     of @ ( ) \ [ ] " ; : < > , or space; employeeId at most 16;
//     companyName 64 (and a few more lengths from the same page). "user
//     resource type", https://learn.microsoft.com/graph/api/resources/user,
//     and "Create group" for the group mailNickname. Graph's exact message
//     for an over-long employeeId or companyName is not documented; the fake
//     answers 400 "Invalid value specified for property '…'". TestValuesRefused.
//   - Expired delta links answer 400 with code syncStateNotFound. "Duration
//     of change tracking tokens for identity and education resources",
//     https://devblogs.microsoft.com/microsoft365dev/duration-of-change-tracking-tokens-for-identity-and-education-resources/
//     (seven days; "BadRequest response with the error code
//     syncStateNotFound"). TestDeltaRounds.
//   - A team from a group younger than ~15 minutes answers 404. "Create
//     team from group" (team-put-teams). Tested by the adapter's tests
//     (YoungGroupAttempts).
//   - Direct licence assignment needs a usageLocation. POST
//     /users/{id}/assignLicense (addLicenses, removeLicenses, both
//     required) adding a licence to a user without usageLocation answers
//     400. "user: assignLicense" (https://learn.microsoft.com/graph/api/user-assignlicense)
//     and "user resource type" (usageLocation: "Required for users that
//     are assigned licenses due to legal requirement"). Any GUID counts as
//     a subscribed SKU with free units and removing a licence the user
//     lacks is a no-op (not modelled: subscribedSkus, consumed units).
//     TestAssignLicenseNeedsUsageLocation.
//   - Archiving a team is asynchronous: POST /teams/{id}/archive and
//     /unarchive answer 202 Accepted with a Location of the operation;
//     the archived team is read-only for its members. "Archive team"
//     (https://learn.microsoft.com/graph/api/team-archive) and "Unarchive
//     team" (team-unarchive). The fake completes the operation at once
//     (the operation resource is not modelled) and answers 404 for a
//     group without a team. TestArchiveTeam.
//   - A team from a group with a template is POST /teams with
//     template@odata.bind (teamsTemplates('educationClass') and the other
//     base templates) and group@odata.bind, answered 202 Accepted with a
//     Location, under the same young-group rule as PUT /groups/{id}/team.
//     "Create team" (https://learn.microsoft.com/graph/api/team-post,
//     example "create a team from group") and "Get started with Teams
//     templates" (base template types). The fake stores the template in
//     the group's property teamTemplate and refuses unknown templates
//     with 400. TestCreateTeamFromTemplate.
//   - Objects synced from on-premises (onPremisesSyncEnabled true, seeded
//     with Seed): a PATCH touching a property the sync owns, or anything
//     of a synced group, and a DELETE answer 400 Request_BadRequest
//     "Unable to update the specified properties for on-premises mastered
//     Directory Sync objects or objects currently undergoing migration.";
//     usageLocation and extension properties stay writable. The message as
//     Graph returns it is quoted in "Office 365 – Graph, DirSync, and
//     attribute modifications", https://timmcmic.blog/2023/07/10/office-365-graph-dirsync-and-attribute-modifications/;
//     the source of authority rule in "Manage users with directory
//     synchronization", https://learn.microsoft.com/training/modules/manage-synchronized/2-manage-users-directory-synchronization.
//     Which properties a given Connect configuration syncs varies; the
//     fake takes the usual set (onprem.go). SyncRefusals lists refused
//     writes. Member changes of synced groups are not refused (not
//     modelled). TestSyncedUserRefusesSyncOwnedWrites.
//   - Creating a group inside an administrative unit. POST
//     /directory/administrativeUnits/{id}/members with a body of
//     @odata.type #microsoft.graph.group creates the group and makes it a
//     member of the unit in one request; v1.0 documents it for groups
//     only, so a user body (or one without @odata.type) answers 400. It
//     needs Group.Create or Group.ReadWrite.All together with
//     AdministrativeUnit.Read.All (or its ReadWrite), and the Groups
//     Administrator or User Administrator role scoped on the unit: without
//     the role (Options.NoUnitRole) it answers 403
//     Authorization_RequestDenied. "Add a member" (administrativeunit-post-members),
//     https://learn.microsoft.com/graph/api/administrativeunit-post-members
//     ("Permissions to create a new group" and the group property table).
//     That page lists the group's core properties only; whether Graph takes
//     members@odata.bind and extension properties in this body as POST
//     /groups does is not documented — the fake accepts what POST /groups
//     accepts (not established). Graph's message for a non-group body is
//     not documented; the fake's is its own. TestCreateGroupInUnit.
//
// Not modelled: authentication, $expand, $orderby, $search, other
// operators than eq, the advanced-query rules of groups and units, lag of
// lists and delta rounds, and the per-tenant write quotas; only the
// properties listed in this package are accepted. graphfake imports only
// the standard library so that it compiles in seconds; it must not import
// msgraph-sdk-go.
package graphfake
