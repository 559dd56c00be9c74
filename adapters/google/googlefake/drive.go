package googlefake

import (
	"encoding/json"
	"fmt"
	"net/http"
	"regexp"
	"slices"
	"sort"
	"strings"
)

const drv = "/drive/v3"

// FolderMimeType is the MIME type of a Drive folder.
const FolderMimeType = "application/vnd.google-apps.folder"

func (f *Fake) driveRoutes() {
	s := f.st
	f.method("POST "+drv+"/drives", "drive.drives.create", true, s.createDrive)
	f.method("GET "+drv+"/drives", "drive.drives.list", false, s.listDrives)
	f.method("GET "+drv+"/drives/{driveId}", "drive.drives.get", false, s.getDrive)
	f.method("PATCH "+drv+"/drives/{driveId}", "drive.drives.update", true, s.updateDrive)
	f.method("DELETE "+drv+"/drives/{driveId}", "drive.drives.delete", true, s.deleteDrive)
	f.method("POST "+drv+"/files", "drive.files.create", true, s.createFile)
	f.method("GET "+drv+"/files", "drive.files.list", false, s.listFiles)
	f.method("GET "+drv+"/files/{fileId}", "drive.files.get", false, s.getFile)
	f.method("PATCH "+drv+"/files/{fileId}", "drive.files.update", true, s.updateFile)
	f.method("DELETE "+drv+"/files/{fileId}", "drive.files.delete", true, s.deleteFile)
	f.method("POST "+drv+"/files/{fileId}/permissions", "drive.permissions.create", true, s.createPermission)
	f.method("GET "+drv+"/files/{fileId}/permissions", "drive.permissions.list", false, s.listPermissions)
	f.method("DELETE "+drv+"/files/{fileId}/permissions/{permissionId}", "drive.permissions.delete", true, s.deletePermission)
	f.method("PATCH "+drv+"/files/{fileId}/permissions/{permissionId}", "drive.permissions.update", true, s.updatePermission)
}

func flag(r *http.Request, name string) bool { return r.URL.Query().Get(name) == "true" }

// member reports whether the acting admin can reach drive id through its
// permissions (directly or through a group).
func (s *store) member(driveID string) bool {
	actor := s.userByKey(s.opts.Admin)
	for _, p := range s.perms[driveID] {
		switch p.Type {
		case "user":
			if strings.EqualFold(p.Email, s.opts.Admin) {
				return true
			}
		case "group":
			if g := s.groupByKey(p.Email); g != nil && actor != nil && s.isMember(g, actor.ID, 0) {
				return true
			}
		}
	}
	return false
}

func (s *store) driveJSON(d *sharedDrive) map[string]any {
	return map[string]any{"kind": "drive#drive", "id": d.ID, "name": d.Name, "createdTime": d.CreatedTime, "hidden": d.Hidden}
}

// drive finds a drive the caller may administer.
func (s *store) drive(r *http.Request) (*sharedDrive, error) {
	d := s.drives[r.PathValue("driveId")]
	if d == nil || (!flag(r, "useDomainAdminAccess") && !s.member(d.ID)) {
		return nil, notFound("Shared drive not found: %s", r.PathValue("driveId"))
	}
	return d, nil
}

func (s *store) createDrive(r *http.Request, body []byte) (int, any, error) {
	rid := r.URL.Query().Get("requestId")
	if rid == "" {
		e := errf(400, "required", "Required parameter: requestId")
		e.location = "requestId"
		return 0, nil, e
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	name, _, _ := str(m, "name")
	if strings.TrimSpace(name) == "" {
		return 0, nil, errf(400, "required", "Required: name")
	}
	key := strings.ToLower(s.opts.Admin) + "\x00" + rid
	if _, seen := s.requests[key]; seen {
		return 0, nil, duplicate("A shared drive with this request ID already exists: %s", rid)
	}
	d := &sharedDrive{ID: s.newID("0A"), Name: name, CreatedTime: s.now()}
	s.drives[d.ID] = d
	s.requests[key] = d.ID
	admin := s.userByKey(s.opts.Admin)
	s.perms[d.ID] = []*permission{{ID: "p" + admin.ID, Type: "user", Role: "organizer", Email: admin.PrimaryEmail, DisplayName: admin.Name.GivenName + " " + admin.Name.FamilyName}}
	return 200, s.driveJSON(d), nil
}

var (
	qNameEq       = regexp.MustCompile(`^name\s*=\s*'((?:[^'\\]|\\.)*)'$`)
	qNameContains = regexp.MustCompile(`^name\s+contains\s+'((?:[^'\\]|\\.)*)'$`)
	qHas          = regexp.MustCompile(`^(properties|appProperties)\s+has\s*\{\s*key\s*=\s*'((?:[^'\\]|\\.)*)'\s+and\s+value\s*=\s*'((?:[^'\\]|\\.)*)'\s*\}$`)
	qTrashed      = regexp.MustCompile(`^trashed\s*=\s*(true|false)$`)
	qHidden       = regexp.MustCompile(`^hidden\s*=\s*(true|false)$`)
	qMime         = regexp.MustCompile(`^mimeType\s*(=|!=)\s*'((?:[^'\\]|\\.)*)'$`)
	qParent       = regexp.MustCompile(`^'((?:[^'\\]|\\.)*)'\s+in\s+parents$`)
)

func unesc(v string) string { return strings.NewReplacer(`\'`, `'`, `\\`, `\`).Replace(v) }

// splitAnd splits a Drive query on "and" outside quotes and braces.
func splitAnd(q string) []string {
	var out []string
	depth, quote, start := 0, false, 0
	for i := 0; i < len(q); i++ {
		c := q[i]
		switch {
		case c == '\\' && quote:
			i++
		case c == '\'':
			quote = !quote
		case quote:
		case c == '{':
			depth++
		case c == '}':
			depth--
		case depth == 0 && i+5 <= len(q) && strings.EqualFold(q[i:i+5], " and "):
			out = append(out, strings.TrimSpace(q[start:i]))
			start = i + 5
			i += 4
		}
	}
	if t := strings.TrimSpace(q[start:]); t != "" {
		out = append(out, t)
	}
	return out
}

func badQuery() error {
	e := invalid("Invalid Value")
	e.location = "q"
	return e
}

// driveQuery compiles the drives.list q subset: name =, name contains,
// hidden =.
func driveQuery(q string) (func(*sharedDrive) bool, error) {
	var preds []func(*sharedDrive) bool
	for _, t := range splitAnd(q) {
		switch {
		case qNameEq.MatchString(t):
			v := unesc(qNameEq.FindStringSubmatch(t)[1])
			preds = append(preds, func(d *sharedDrive) bool { return d.Name == v })
		case qNameContains.MatchString(t):
			v := strings.ToLower(unesc(qNameContains.FindStringSubmatch(t)[1]))
			preds = append(preds, func(d *sharedDrive) bool { return strings.Contains(strings.ToLower(d.Name), v) })
		case qHidden.MatchString(t):
			v := qHidden.FindStringSubmatch(t)[1] == "true"
			preds = append(preds, func(d *sharedDrive) bool { return d.Hidden == v })
		default:
			return nil, badQuery()
		}
	}
	return func(d *sharedDrive) bool {
		for _, p := range preds {
			if !p(d) {
				return false
			}
		}
		return true
	}, nil
}

func (s *store) listDrives(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	max, err := maxResults(r, "pageSize", 10, 100)
	if err != nil {
		return 0, nil, err
	}
	match, err := driveQuery(q.Get("q"))
	if err != nil {
		return 0, nil, err
	}
	admin := flag(r, "useDomainAdminAccess")
	var all []*sharedDrive
	for _, d := range s.drives {
		if (admin || s.member(d.ID)) && match(d) {
			all = append(all, d)
		}
	}
	sort.Slice(all, func(i, j int) bool { return all[i].ID < all[j].ID })
	pg, next := page(all, func(d *sharedDrive) string { return d.ID }, q.Get("pageToken"), max)
	arr := make([]any, len(pg))
	for i, d := range pg {
		arr[i] = s.driveJSON(d)
	}
	out := map[string]any{"kind": "drive#driveList", "drives": arr}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, out, nil
}

func (s *store) getDrive(r *http.Request, _ []byte) (int, any, error) {
	d, err := s.drive(r)
	if err != nil {
		return 0, nil, err
	}
	return 200, s.driveJSON(d), nil
}

func (s *store) updateDrive(r *http.Request, body []byte) (int, any, error) {
	d, err := s.drive(r)
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	if v, ok, err := str(m, "name"); err != nil {
		return 0, nil, err
	} else if ok {
		if strings.TrimSpace(v) == "" {
			return 0, nil, invalid("Invalid Value: name")
		}
		d.Name = v
	}
	return 200, s.driveJSON(d), nil
}

func (s *store) deleteDrive(r *http.Request, _ []byte) (int, any, error) {
	d, err := s.drive(r)
	if err != nil {
		return 0, nil, err
	}
	var items []string
	for id, f := range s.files {
		if f.DriveID == d.ID {
			items = append(items, id)
		}
	}
	if len(items) > 0 {
		if !flag(r, "allowItemDeletion") {
			return 0, nil, errf(403, "cannotDeleteNonemptyDrive", "The shared drive cannot be deleted because it contains one or more items.")
		}
		if !flag(r, "useDomainAdminAccess") {
			return 0, nil, errf(403, "insufficientAdministratorPrivileges", "allowItemDeletion requires useDomainAdminAccess.")
		}
	}
	for _, id := range items {
		delete(s.files, id)
		delete(s.perms, id)
	}
	delete(s.drives, d.ID)
	delete(s.perms, d.ID)
	return 204, nil, nil
}

// ---- files ----

func (s *store) fileJSON(f *file) map[string]any {
	m := map[string]any{
		"kind": "drive#file", "id": f.ID, "name": f.Name, "mimeType": f.MimeType,
		"driveId": f.DriveID, "teamDriveId": f.DriveID, "parents": f.Parents,
		"trashed": f.Trashed, "createdTime": f.CreatedTime,
	}
	if len(f.Properties) > 0 {
		m["properties"] = f.Properties
	}
	if len(f.AppProperties) > 0 {
		m["appProperties"] = f.AppProperties
	}
	if f.Description != "" {
		m["description"] = f.Description
	}
	return m
}

// item finds a file or drive root by id, checking shared-drive support and
// access.
func (s *store) item(r *http.Request, id string) (driveID string, f *file, err error) {
	nf := notFound("File not found: %s.", id)
	nf.location = "fileId"
	if d := s.drives[id]; d != nil {
		if !flag(r, "supportsAllDrives") || (!flag(r, "useDomainAdminAccess") && !s.member(d.ID)) {
			return "", nil, nf
		}
		return d.ID, nil, nil
	}
	f = s.files[id]
	if f == nil || !flag(r, "supportsAllDrives") || (!flag(r, "useDomainAdminAccess") && !s.member(f.DriveID)) {
		return "", nil, nf
	}
	return f.DriveID, f, nil
}

// stringMap decodes properties/appProperties; null values delete keys.
func stringMap(raw json.RawMessage, into map[string]string) (map[string]string, error) {
	var in map[string]*string
	if err := json.Unmarshal(raw, &in); err != nil {
		return nil, invalid("Invalid properties")
	}
	if into == nil {
		into = map[string]string{}
	}
	for k, v := range in {
		if v == nil {
			delete(into, k)
			continue
		}
		if len(k)+len(*v) > 124 {
			return nil, invalid("The size of the property %s exceeds 124 bytes", k)
		}
		into[k] = *v
	}
	if len(into) > 30 {
		return nil, invalid("Too many properties")
	}
	return into, nil
}

func (s *store) createFile(r *http.Request, body []byte) (int, any, error) {
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	f := &file{CreatedTime: s.now()}
	f.Name, _, _ = str(m, "name")
	f.MimeType, _, _ = str(m, "mimeType")
	if f.MimeType == "" {
		f.MimeType = "application/octet-stream"
	}
	if f.Name == "" {
		f.Name = "Untitled"
	}
	f.Description, _, _ = str(m, "description")
	var parents []string
	if raw, ok := m["parents"]; ok {
		if err := json.Unmarshal(raw, &parents); err != nil || len(parents) != 1 {
			return 0, nil, invalid("A shared drive item must have exactly one parent.")
		}
	}
	if len(parents) == 0 {
		return 0, nil, errf(403, "insufficientFilePermissions", "The acting user has no My Drive in this fake; give a shared drive parent.")
	}
	driveID, parent, err := s.item(r, parents[0])
	if err != nil {
		return 0, nil, err
	}
	if parent != nil && parent.MimeType != FolderMimeType {
		return 0, nil, invalid("The parent %s is not a folder.", parents[0])
	}
	f.DriveID, f.Parents = driveID, parents
	for _, k := range []string{"properties", "appProperties"} {
		if raw, ok := m[k]; ok {
			p, err := stringMap(raw, nil)
			if err != nil {
				return 0, nil, err
			}
			if k == "properties" {
				f.Properties = p
			} else {
				f.AppProperties = p
			}
		}
	}
	f.ID = s.newID("1F")
	s.files[f.ID] = f
	return 200, project(s.fileJSON(f), r.URL.Query().Get("fields"), defaultFile), nil
}

func (s *store) getFile(r *http.Request, _ []byte) (int, any, error) {
	_, f, err := s.item(r, r.PathValue("fileId"))
	if err != nil {
		return 0, nil, err
	}
	if f == nil {
		d := s.drives[r.PathValue("fileId")]
		return 200, project(map[string]any{"kind": "drive#file", "id": d.ID, "name": d.Name, "mimeType": FolderMimeType, "driveId": d.ID}, r.URL.Query().Get("fields"), defaultFile), nil
	}
	return 200, project(s.fileJSON(f), r.URL.Query().Get("fields"), defaultFile), nil
}

func (s *store) updateFile(r *http.Request, body []byte) (int, any, error) {
	_, f, err := s.item(r, r.PathValue("fileId"))
	if err != nil {
		return 0, nil, err
	}
	if f == nil {
		return 0, nil, errf(403, "insufficientFilePermissions", "The root of a shared drive cannot be changed through files.update.")
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	nf := *f
	nf.Properties, nf.AppProperties = clone(f.Properties), clone(f.AppProperties)
	if v, ok, _ := str(m, "name"); ok {
		if strings.TrimSpace(v) == "" {
			return 0, nil, invalid("Invalid Value: name")
		}
		nf.Name = v
	}
	if v, ok, _ := str(m, "description"); ok {
		nf.Description = v
	}
	if v, ok, _ := boolean(m, "trashed"); ok {
		nf.Trashed = v
	}
	for _, k := range []string{"properties", "appProperties"} {
		if raw, ok := m[k]; ok {
			dst := &nf.Properties
			if k == "appProperties" {
				dst = &nf.AppProperties
			}
			p, err := stringMap(raw, *dst)
			if err != nil {
				return 0, nil, err
			}
			*dst = p
		}
	}
	q := r.URL.Query()
	if add := q.Get("addParents"); add != "" {
		driveID, parent, err := s.item(r, add)
		if err != nil {
			return 0, nil, err
		}
		if driveID != f.DriveID || (parent != nil && parent.MimeType != FolderMimeType) {
			return 0, nil, errf(403, "teamDrivesParentLimit", "Items can only be moved to a folder of the same shared drive here.")
		}
		if q.Get("removeParents") != f.Parents[0] {
			return 0, nil, errf(403, "teamDrivesParentLimit", "A shared drive item must have exactly one parent.")
		}
		nf.Parents = []string{add}
	}
	*f = nf
	return 200, project(s.fileJSON(f), q.Get("fields"), defaultFile), nil
}

func clone(m map[string]string) map[string]string {
	if m == nil {
		return nil
	}
	c := make(map[string]string, len(m))
	for k, v := range m {
		c[k] = v
	}
	return c
}

func (s *store) deleteFile(r *http.Request, _ []byte) (int, any, error) {
	_, f, err := s.item(r, r.PathValue("fileId"))
	if err != nil {
		return 0, nil, err
	}
	if f == nil {
		return 0, nil, errf(403, "insufficientFilePermissions", "Use drives.delete for a shared drive.")
	}
	var drop func(id string)
	drop = func(id string) {
		for cid, c := range s.files {
			if slices.Contains(c.Parents, id) {
				drop(cid)
			}
		}
		delete(s.files, id)
		delete(s.perms, id)
	}
	drop(f.ID)
	return 204, nil, nil
}

// fileQuery compiles the files.list q subset: properties/appProperties
// has {key and value}, trashed =, mimeType = / !=, 'id' in parents, name =,
// name contains.
func fileQuery(q string) (func(*file) bool, error) {
	var preds []func(*file) bool
	for _, t := range splitAnd(q) {
		switch {
		case qHas.MatchString(t):
			mm := qHas.FindStringSubmatch(t)
			which, k, v := mm[1], unesc(mm[2]), unesc(mm[3])
			preds = append(preds, func(f *file) bool {
				p := f.Properties
				if which == "appProperties" {
					p = f.AppProperties
				}
				got, ok := p[k]
				return ok && got == v
			})
		case qTrashed.MatchString(t):
			v := qTrashed.FindStringSubmatch(t)[1] == "true"
			preds = append(preds, func(f *file) bool { return f.Trashed == v })
		case qMime.MatchString(t):
			mm := qMime.FindStringSubmatch(t)
			neg, v := mm[1] == "!=", unesc(mm[2])
			preds = append(preds, func(f *file) bool { return (f.MimeType == v) != neg })
		case qParent.MatchString(t):
			v := unesc(qParent.FindStringSubmatch(t)[1])
			preds = append(preds, func(f *file) bool { return slices.Contains(f.Parents, v) })
		case qNameEq.MatchString(t):
			v := unesc(qNameEq.FindStringSubmatch(t)[1])
			preds = append(preds, func(f *file) bool { return f.Name == v })
		case qNameContains.MatchString(t):
			v := strings.ToLower(unesc(qNameContains.FindStringSubmatch(t)[1]))
			preds = append(preds, func(f *file) bool { return strings.Contains(strings.ToLower(f.Name), v) })
		default:
			return nil, badQuery()
		}
	}
	return func(f *file) bool {
		for _, p := range preds {
			if !p(f) {
				return false
			}
		}
		return true
	}, nil
}

func (s *store) listFiles(r *http.Request, _ []byte) (int, any, error) {
	q := r.URL.Query()
	all, drives := flag(r, "includeItemsFromAllDrives"), flag(r, "supportsAllDrives")
	if all && !drives {
		e := invalid("The includeItemsFromAllDrives parameter can only be set to true if supportsAllDrives is also true.")
		e.location = "includeItemsFromAllDrives"
		return 0, nil, e
	}
	corpora := q.Get("corpora")
	if corpora == "" {
		corpora = "user"
	}
	var inCorpus func(*file) bool
	switch corpora {
	case "user", "domain":
		inCorpus = func(f *file) bool { return all && s.member(f.DriveID) }
	case "allDrives":
		if !all {
			e := invalid("The corpora allDrives requires includeItemsFromAllDrives.")
			e.location = "corpora"
			return 0, nil, e
		}
		inCorpus = func(f *file) bool { return s.member(f.DriveID) && s.searchedDrive(f.DriveID) }
	case "drive":
		id := q.Get("driveId")
		if id == "" || !all {
			e := invalid("The corpora drive requires driveId and includeItemsFromAllDrives.")
			e.location = "driveId"
			return 0, nil, e
		}
		if s.drives[id] == nil || !s.member(id) {
			return 0, nil, notFound("Shared drive not found: %s", id)
		}
		inCorpus = func(f *file) bool { return f.DriveID == id }
	default:
		e := invalid("Invalid Value")
		e.location = "corpora"
		return 0, nil, e
	}
	match, err := fileQuery(q.Get("q"))
	if err != nil {
		return 0, nil, err
	}
	max, err := maxResults(r, "pageSize", 100, 1000)
	if err != nil {
		return 0, nil, err
	}
	var list []*file
	for _, f := range s.files {
		if inCorpus(f) && match(f) {
			list = append(list, f)
		}
	}
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	pg, next := page(list, func(f *file) string { return f.ID }, q.Get("pageToken"), max)
	arr := make([]any, len(pg))
	for i, f := range pg {
		arr[i] = s.fileJSON(f)
	}
	out := map[string]any{"kind": "drive#fileList", "incompleteSearch": corpora == "allDrives" && s.opts.IncompleteSearch, "files": arr}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, project(out, q.Get("fields"), defaultFileList), nil
}

// ---- permissions ----

var driveRoles = map[string]bool{"organizer": true, "fileOrganizer": true, "writer": true, "commenter": true, "reader": true}

func (s *store) permJSON(p *permission) map[string]any {
	m := map[string]any{"kind": "drive#permission", "id": p.ID, "type": p.Type, "role": p.Role, "deleted": false}
	if p.Email != "" {
		m["emailAddress"] = p.Email
	}
	if p.Domain != "" {
		m["domain"] = p.Domain
	}
	if p.DisplayName != "" {
		m["displayName"] = p.DisplayName
	}
	return m
}

func (s *store) createPermission(r *http.Request, body []byte) (int, any, error) {
	id := r.PathValue("fileId")
	_, f, err := s.item(r, id)
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	p := &permission{}
	p.Type, _, _ = str(m, "type")
	p.Role, _, _ = str(m, "role")
	p.Email, _, _ = str(m, "emailAddress")
	p.Domain, _, _ = str(m, "domain")
	if !driveRoles[p.Role] || (f != nil && p.Role == "organizer") {
		return 0, nil, invalid("The provided role %q is not valid here.", p.Role)
	}
	switch p.Type {
	case "user", "group":
		pid, typ := s.principal(p.Email)
		if pid == "" {
			return 0, nil, errf(400, "invalidSharingRequest", "Bad Request. User message: \"Sorry, the items were not shared because %s is not a known account.\"", p.Email)
		}
		if strings.ToLower(typ) != p.Type {
			return 0, nil, errf(400, "invalidSharingRequest", "Bad Request. User message: \"%s is a %s, not a %s.\"", p.Email, strings.ToLower(typ), p.Type)
		}
		p.ID, p.Email = "p"+pid, s.emailOf(pid)
		if u := s.users[pid]; u != nil {
			p.DisplayName = u.Name.GivenName + " " + u.Name.FamilyName
		} else {
			p.DisplayName = s.groups[pid].Name
		}
	case "domain":
		if p.Domain == "" {
			return 0, nil, errf(400, "required", "Required: domain")
		}
		p.ID = "d" + p.Domain
	case "anyone":
		p.ID = "anyoneWithLink"
	default:
		return 0, nil, invalid("The provided permission type %q is not valid.", p.Type)
	}
	for _, old := range s.perms[id] {
		if old.ID == p.ID {
			old.Role = p.Role // sharing again with the same principal updates the role
			return 200, project(s.permJSON(old), r.URL.Query().Get("fields"), defaultPermission), nil
		}
	}
	s.perms[id] = append(s.perms[id], p)
	return 200, project(s.permJSON(p), r.URL.Query().Get("fields"), defaultPermission), nil
}

func (s *store) listPermissions(r *http.Request, _ []byte) (int, any, error) {
	id := r.PathValue("fileId")
	if _, _, err := s.item(r, id); err != nil {
		return 0, nil, err
	}
	max, err := maxResults(r, "pageSize", 100, 100)
	if err != nil {
		return 0, nil, err
	}
	list := slices.Clone(s.perms[id])
	sort.Slice(list, func(i, j int) bool { return list[i].ID < list[j].ID })
	pg, next := page(list, func(p *permission) string { return p.ID }, r.URL.Query().Get("pageToken"), max)
	arr := make([]any, len(pg))
	for i, p := range pg {
		arr[i] = s.permJSON(p)
	}
	out := map[string]any{"kind": "drive#permissionList", "permissions": arr}
	if next != "" {
		out["nextPageToken"] = next
	}
	return 200, project(out, r.URL.Query().Get("fields"), defaultPermissionList), nil
}

func (s *store) deletePermission(r *http.Request, _ []byte) (int, any, error) {
	id := r.PathValue("fileId")
	if _, _, err := s.item(r, id); err != nil {
		return 0, nil, err
	}
	pid := r.PathValue("permissionId")
	n := len(s.perms[id])
	s.perms[id] = slices.DeleteFunc(s.perms[id], func(p *permission) bool { return p.ID == pid })
	if len(s.perms[id]) == n {
		return 0, nil, notFound("Permission not found: %s.", pid)
	}
	return 204, nil, nil
}

func (s *store) updatePermission(r *http.Request, body []byte) (int, any, error) {
	id := r.PathValue("fileId")
	_, f, err := s.item(r, id)
	if err != nil {
		return 0, nil, err
	}
	m, err := decodeObject(body)
	if err != nil {
		return 0, nil, err
	}
	role, _, _ := str(m, "role")
	if !driveRoles[role] || (f != nil && role == "organizer") {
		return 0, nil, invalid("The provided role %q is not valid here.", role)
	}
	for _, p := range s.perms[id] {
		if p.ID == r.PathValue("permissionId") {
			p.Role = role
			return 200, project(s.permJSON(p), r.URL.Query().Get("fields"), defaultPermission), nil
		}
	}
	return 0, nil, notFound("Permission not found: %s.", r.PathValue("permissionId"))
}

// ---- partial responses ----

const (
	defaultFile           = "kind,id,name,mimeType"
	defaultFileList       = "kind,nextPageToken,incompleteSearch,files(kind,id,name,mimeType)"
	defaultPermission     = "kind,id,type,role"
	defaultPermissionList = "kind,nextPageToken,permissions(kind,id,type,role)"
)

// fieldTree is a parsed fields selector: name -> sub-selection (nil = all).
type fieldTree map[string]fieldTree

func parseFields(spec string) fieldTree {
	t := fieldTree{}
	var rec func(i int) (fieldTree, int)
	rec = func(i int) (fieldTree, int) {
		cur := fieldTree{}
		name := strings.Builder{}
		flush := func(sub fieldTree) {
			n := strings.TrimSpace(name.String())
			if n != "" {
				// "a/b" selects b inside a.
				parts := strings.Split(n, "/")
				node := cur
				for _, p := range parts[:len(parts)-1] {
					if node[p] == nil {
						node[p] = fieldTree{}
					}
					node = node[p]
				}
				node[parts[len(parts)-1]] = sub
			}
			name.Reset()
		}
		for i < len(spec) {
			switch c := spec[i]; c {
			case ',':
				flush(nil)
				i++
			case '(':
				sub, j := rec(i + 1)
				flush(sub)
				i = j
				if i < len(spec) && spec[i] == ',' {
					i++
				}
			case ')':
				flush(nil)
				return cur, i + 1
			default:
				name.WriteByte(c)
				i++
			}
		}
		flush(nil)
		return cur, i
	}
	t, _ = rec(0)
	return t
}

// project applies a fields selector (or the default one) to a response.
func project(v map[string]any, fields, def string) map[string]any {
	if fields == "*" {
		return v
	}
	if fields == "" {
		fields = def
	}
	return apply(v, parseFields(fields)).(map[string]any)
}

func apply(v any, t fieldTree) any {
	if t == nil {
		return v
	}
	switch x := v.(type) {
	case map[string]any:
		if _, all := t["*"]; all {
			return x
		}
		out := map[string]any{}
		for k, sub := range t {
			if val, ok := x[k]; ok {
				out[k] = apply(val, sub)
			}
		}
		return out
	case []any:
		out := make([]any, len(x))
		for i, e := range x {
			out[i] = apply(e, t)
		}
		return out
	}
	return v
}

// ---- inspection for tests ----

// DriveInfo is a shared drive as tests see it.
type DriveInfo struct {
	ID, Name string
	// Permissions maps email (or domain) to role.
	Permissions map[string]string
}

// Drives returns every shared drive, sorted by name.
func (f *Fake) Drives() []DriveInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []DriveInfo
	for _, d := range f.st.drives {
		out = append(out, DriveInfo{ID: d.ID, Name: d.Name, Permissions: f.st.permMap(d.ID)})
	}
	sort.Slice(out, func(i, j int) bool {
		return out[i].Name < out[j].Name || (out[i].Name == out[j].Name && out[i].ID < out[j].ID)
	})
	return out
}

func (s *store) permMap(id string) map[string]string {
	m := map[string]string{}
	for _, p := range s.perms[id] {
		k := p.Email
		if k == "" {
			k = p.Domain
		}
		m[k] = p.Role
	}
	return m
}

// FileInfo is a Drive file or folder as tests see it.
type FileInfo struct {
	ID, Name, MimeType, DriveID, Parent string
	Properties                          map[string]string
	Permissions                         map[string]string
}

// Files returns every file in shared drives, sorted by drive and name.
func (f *Fake) Files() []FileInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []FileInfo
	for _, x := range f.st.files {
		out = append(out, FileInfo{ID: x.ID, Name: x.Name, MimeType: x.MimeType, DriveID: x.DriveID, Parent: x.Parents[0], Properties: clone(x.Properties), Permissions: f.st.permMap(x.ID)})
	}
	sort.Slice(out, func(i, j int) bool {
		if out[i].DriveID != out[j].DriveID {
			return out[i].DriveID < out[j].DriveID
		}
		return out[i].Name < out[j].Name || (out[i].Name == out[j].Name && out[i].ID < out[j].ID)
	})
	return out
}

// CreateDrive makes a shared drive directly (e.g. a hand-made drive that
// the adapter must leave alone), shared with the admin as organizer.
func (f *Fake) CreateDrive(name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	d := &sharedDrive{ID: f.st.newID("0A"), Name: name, CreatedTime: f.st.now()}
	f.st.drives[d.ID] = d
	admin := f.st.userByKey(f.opts.Admin)
	f.st.perms[d.ID] = []*permission{{ID: "p" + admin.ID, Type: "user", Role: "organizer", Email: admin.PrimaryEmail}}
	return d.ID
}

// DeleteFileByID removes a file directly, bypassing the API (to simulate a
// crash that left a drive without its marker, or tampering).
func (f *Fake) DeleteFileByID(id string) {
	f.mu.Lock()
	defer f.mu.Unlock()
	delete(f.st.files, id)
	delete(f.st.perms, id)
}

// String names the fake and its domain.
func (f *Fake) String() string { return fmt.Sprintf("googlefake(%s)", f.opts.Domain) }
