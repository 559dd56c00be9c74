package googlefake

import (
	"net/http"
)

// dir is the path prefix of the Admin SDK Directory API. The handlers live
// beside this file: users.go, orgunits.go, schemas.go and groups.go.
const dir = "/admin/directory/v1"

func (f *Fake) routes() {
	s := f.st
	// Directory: users.
	f.method("GET "+dir+"/users", "directory.users.list", false, s.listUsers)
	f.method("POST "+dir+"/users", "directory.users.insert", true, s.insertUser)
	f.method("GET "+dir+"/users/{userKey}", "directory.users.get", false, s.getUser)
	f.method("PATCH "+dir+"/users/{userKey}", "directory.users.patch", true, s.patchUser)
	f.method("PUT "+dir+"/users/{userKey}", "directory.users.update", true, s.updateUser)
	f.method("DELETE "+dir+"/users/{userKey}", "directory.users.delete", true, s.deleteUser)
	// Directory: org units.
	f.method("GET "+dir+"/customer/{customerId}/orgunits", "directory.orgunits.list", false, s.listOrgUnits)
	f.method("POST "+dir+"/customer/{customerId}/orgunits", "directory.orgunits.insert", true, s.insertOrgUnit)
	f.method("GET "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.get", false, s.getOrgUnit)
	f.method("PATCH "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.patch", true, s.patchOrgUnit)
	f.method("PUT "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.update", true, s.patchOrgUnit)
	f.method("DELETE "+dir+"/customer/{customerId}/orgunits/{path...}", "directory.orgunits.delete", true, s.deleteOrgUnit)
	// Directory: custom schemas.
	f.method("GET "+dir+"/customer/{customerId}/schemas", "directory.schemas.list", false, s.listSchemas)
	f.method("POST "+dir+"/customer/{customerId}/schemas", "directory.schemas.insert", true, s.insertSchema)
	f.method("GET "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.get", false, s.getSchema)
	f.method("PUT "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.update", true, s.updateSchema)
	f.method("PATCH "+dir+"/customer/{customerId}/schemas/{schemaKey}", "directory.schemas.patch", true, s.updateSchema)
	// Directory: groups and members.
	f.method("GET "+dir+"/groups", "directory.groups.list", false, s.listGroups)
	f.method("POST "+dir+"/groups", "directory.groups.insert", true, s.insertGroup)
	f.method("GET "+dir+"/groups/{groupKey}", "directory.groups.get", false, s.getGroup)
	f.method("PATCH "+dir+"/groups/{groupKey}", "directory.groups.patch", true, s.patchGroup)
	f.method("PUT "+dir+"/groups/{groupKey}", "directory.groups.update", true, s.patchGroup)
	f.method("DELETE "+dir+"/groups/{groupKey}", "directory.groups.delete", true, s.deleteGroup)
	f.method("GET "+dir+"/groups/{groupKey}/aliases", "directory.groups.aliases.list", false, s.listGroupAliases)
	f.method("DELETE "+dir+"/groups/{groupKey}/aliases/{alias}", "directory.groups.aliases.delete", true, s.deleteGroupAlias)
	f.method("GET "+dir+"/groups/{groupKey}/members", "directory.members.list", false, s.listMembers)
	f.method("POST "+dir+"/groups/{groupKey}/members", "directory.members.insert", true, s.insertMember)
	f.method("GET "+dir+"/groups/{groupKey}/members/{memberKey}", "directory.members.get", false, s.getMember)
	f.method("DELETE "+dir+"/groups/{groupKey}/members/{memberKey}", "directory.members.delete", true, s.deleteMember)

	f.licensingRoutes()
	f.driveRoutes()
	f.classroomRoutes()
	f.mux.HandleFunc("/", func(w http.ResponseWriter, r *http.Request) {
		writeError(w, notFound("Method not found: %s %s", r.Method, r.URL.Path))
	})
}
