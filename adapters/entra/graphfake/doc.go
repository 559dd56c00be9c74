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
//     $top and absolute @odata.nextLink paging;
//   - groups: the same, plus members/owners ($ref add and remove, list),
//     members@odata.bind and owners@odata.bind at creation (at most 20), and
//     PUT /groups/{id}/team, which answers 404 while a group is "young";
//   - administrative units under /directory/administrativeUnits with members;
//   - directory extension properties and schema extensions (refused when not
//     registered, if a registry is configured);
//   - JSON batching on /$batch: at most 20 requests, relative URLs, dependsOn
//     (424 when a dependency failed), a per-item status and headers, and
//     per-item 429 with Retry-After inside a 200 envelope;
//   - delta queries on /users/delta and /groups/delta: an initial round that
//     pages through every object, then only the changed properties, deleted
//     objects with @removed, group members with members@delta, and
//     @odata.deltaLink tokens that ExpireDeltaTokens turns into 410
//     syncStateNotFound;
//   - errors in Graph's shape {"error":{"code":…,"message":…}};
//   - fault injection: a share of requests throttled (429, Retry-After: 0),
//     unavailable (503), dropped connections, and "lost responses" (the
//     write takes effect but the client sees a failure), decided by a hash
//     of the seed, the request and how often it was seen, so a run is
//     reproducible whatever the goroutine schedule;
//   - request counters, in total and per method and route, for cost
//     measurements.
//
// It is not a full Graph: no authentication, no advanced-query rules (every
// property can be filtered), no $expand, $orderby or $search, no eventual
// consistency (a write is visible at once), and only the properties listed
// in this package are accepted. graphfake imports only the standard library so
// that it compiles in seconds; it must not import msgraph-sdk-go.
package graphfake
