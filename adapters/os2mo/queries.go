package os2mo

import (
	"fmt"
)

// query is one paged read: the operation name, the root field (collection),
// its filter type and the fields selected of each validity.
type query struct {
	op, collection, filterType, fields string
}

func (q query) text() string {
	return fmt.Sprintf(`query %s($limit: Int, $cursor: Cursor, $filter: %s, $start: DateTime, $end: DateTime) {
  %s(filter: $filter, limit: $limit, cursor: $cursor) {
    page_info { next_cursor }
    objects { uuid validities(start: $start, end: $end) { %s } }
  }
}`, q.op, q.filterType, q.collection, q.fields)
}

const validityFields = "validity { from to }"

var (
	qUnits = query{"OrgUnits", "org_units", "OrganisationUnitFilter",
		"user_key name parent_uuid unit_type_uuid org_unit_level_uuid org_unit_hierarchy " + validityFields}
	qEmployees = query{"Employees", "employees", "EmployeeFilter",
		"user_key cpr_number given_name surname " + validityFields}
	qEngagements = query{"Engagements", "engagements", "EngagementFilter",
		"user_key employee_uuid org_unit_uuid job_function_uuid engagement_type_uuid is_primary " + validityFields}
	qAssociations = query{"Associations", "associations", "AssociationFilter",
		"user_key employee_uuid org_unit_uuid association_type_uuid " + validityFields}
	qManagers = query{"Managers", "managers", "ManagerFilter",
		"user_key employee_uuid org_unit_uuid manager_type_uuid manager_level_uuid responsibility_uuids " + validityFields}
	qITUsers = query{"ITUsers", "itusers", "ITUserFilter",
		"user_key external_id employee_uuid itsystem_uuid " + validityFields}
	qAddresses = query{"Addresses", "addresses", "AddressFilter",
		"employee_uuid address_type_uuid value " + validityFields}
	qClasses = query{"Classes", "classes", "ClassFilter", "user_key name facet_uuid"}
	qFacets  = query{"Facets", "facets", "FacetFilter", "user_key"}
	qSystems = query{"ITSystems", "itsystems", "ITSystemFilter", "user_key name"}
)

const mutCreateITUser = `mutation CreateITUser($input: ITUserCreateInput!) {
  ituser_create(input: $input) { uuid }
}`

const mutUpdateITUser = `mutation UpdateITUser($input: ITUserUpdateInput!) {
  ituser_update(input: $input) { uuid }
}`

// allQueries lists every operation the package sends, for the schema test.
func allQueries() map[string]string {
	m := map[string]string{"CreateITUser": mutCreateITUser, "UpdateITUser": mutUpdateITUser}
	for _, q := range []query{qUnits, qEmployees, qEngagements, qAssociations, qManagers, qITUsers, qAddresses, qClasses, qFacets, qSystems} {
		m[q.op] = q.text()
	}
	return m
}
