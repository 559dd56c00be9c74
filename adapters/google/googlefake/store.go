package googlefake

import (
	"encoding/json"
	"fmt"
	"sort"
	"strings"
	"time"
)

// store is the fake's state. Every access happens with Fake.mu held.
type store struct {
	opts Options
	seq  int

	users    map[string]*user  // by id
	emails   map[string]string // lower-case email or alias -> user or group id
	ous      map[string]*orgUnit
	kids     map[string]map[string]string // parent ou id -> lower-case name -> child id
	rootOU   string
	schemas  map[string]*schema           // by name
	groups   map[string]*group            // by id
	licences map[string]map[string]string // product -> user id -> sku

	drives   map[string]*sharedDrive
	files    map[string]*file
	perms    map[string][]*permission // file or drive id -> permissions
	requests map[string]string        // actor + requestId -> drive id

	index map[string]*user // users.list search index under Options.SearchLag

	courses map[string]*course // Classroom courses by id (classroom.go)
}

type userName struct {
	GivenName   string `json:"givenName,omitempty"`
	FamilyName  string `json:"familyName,omitempty"`
	FullName    string `json:"fullName,omitempty"`
	DisplayName string `json:"displayName,omitempty"`
}

type user struct {
	ID                        string
	PrimaryEmail              string
	Name                      userName
	Password                  string
	HashFunction              string
	ChangePasswordAtNextLogin bool
	Suspended                 bool
	SuspensionReason          string
	OUID                      string
	IncludeInGAL              bool
	Organizations             json.RawMessage
	ExternalIDs               json.RawMessage
	CustomSchemas             map[string]map[string]any
	Aliases                   []string
	CreationTime              string
	IsAdmin                   bool
}

type orgUnit struct {
	ID               string
	Name             string
	Description      string
	ParentID         string
	BlockInheritance bool
}

type schemaField struct {
	FieldID        string `json:"fieldId"`
	FieldName      string `json:"fieldName"`
	FieldType      string `json:"fieldType"`
	MultiValued    bool   `json:"multiValued,omitempty"`
	Indexed        *bool  `json:"indexed,omitempty"`
	ReadAccessType string `json:"readAccessType,omitempty"`
	DisplayName    string `json:"displayName,omitempty"`
	Kind           string `json:"kind"`
	Etag           string `json:"etag,omitempty"`
}

type schema struct {
	SchemaID    string         `json:"schemaId"`
	SchemaName  string         `json:"schemaName"`
	DisplayName string         `json:"displayName,omitempty"`
	Fields      []*schemaField `json:"fields"`
	Kind        string         `json:"kind"`
	Etag        string         `json:"etag"`
}

type group struct {
	ID          string
	Email       string
	Name        string
	Description string
	ExternalIDs json.RawMessage
	Aliases     []string
	Members     []*member
}

type member struct {
	ID    string // user or group id
	Role  string
	Type  string // USER or GROUP
	Added int
}

type sharedDrive struct {
	ID          string
	Name        string
	CreatedTime string
	Hidden      bool
}

type file struct {
	ID            string
	Name          string
	MimeType      string
	DriveID       string
	Parents       []string
	Properties    map[string]string
	AppProperties map[string]string
	Description   string
	Trashed       bool
	CreatedTime   string
}

type permission struct {
	ID          string
	Type        string // user, group, domain, anyone
	Role        string
	Email       string
	Domain      string
	DisplayName string
}

func newStore(o Options) *store {
	s := &store{
		opts:     o,
		users:    map[string]*user{},
		emails:   map[string]string{},
		ous:      map[string]*orgUnit{},
		kids:     map[string]map[string]string{},
		schemas:  map[string]*schema{},
		groups:   map[string]*group{},
		licences: map[string]map[string]string{},
		drives:   map[string]*sharedDrive{},
		files:    map[string]*file{},
		perms:    map[string][]*permission{},
		requests: map[string]string{},
	}
	s.rootOU = "id:00root00"
	s.ous[s.rootOU] = &orgUnit{ID: s.rootOU, Name: o.Domain}
	admin := &user{
		ID: s.newID("1"), PrimaryEmail: o.Admin, Name: userName{GivenName: "Admin", FamilyName: "Istrator", FullName: "Admin Istrator"},
		OUID: s.rootOU, IncludeInGAL: true, IsAdmin: true, CreationTime: o.Now().UTC().Format(time.RFC3339),
	}
	s.users[admin.ID] = admin
	s.emails[strings.ToLower(admin.PrimaryEmail)] = admin.ID
	s.catchUp()
	return s
}

// newID returns a fresh identifier with a prefix.
func (s *store) newID(prefix string) string {
	s.seq++
	return fmt.Sprintf("%s%020d", prefix, s.seq)
}

func (s *store) now() string { return s.opts.Now().UTC().Format("2006-01-02T15:04:05.000Z") }

// customer reports whether id names this fake's customer.
func (s *store) customer(id string) bool { return id == "my_customer" || id == s.opts.CustomerID }

// domainOK reports whether an email is in one of the fake's domains.
func (s *store) domainOK(email string) bool {
	_, d, ok := strings.Cut(strings.ToLower(email), "@")
	if !ok {
		return false
	}
	if d == strings.ToLower(s.opts.Domain) {
		return true
	}
	for _, x := range s.opts.ExtraDomains {
		if d == strings.ToLower(x) {
			return true
		}
	}
	return false
}

// validEmail checks the syntax of an address the way Google's "Invalid
// Input: primary_user_email" does for the cases that matter here.
func validEmail(e string) bool {
	local, dom, ok := strings.Cut(e, "@")
	if !ok || local == "" || dom == "" || len(local) > 64 || strings.Contains(dom, "@") {
		return false
	}
	if local[0] == '.' || local[len(local)-1] == '.' || strings.Contains(local, "..") {
		return false
	}
	for _, c := range local {
		switch {
		case c >= 'a' && c <= 'z', c >= 'A' && c <= 'Z', c >= '0' && c <= '9':
		case strings.ContainsRune(".-_+'", c):
		default:
			return false
		}
	}
	return true
}

// ouPath returns an org unit's full path.
func (s *store) ouPath(id string) string {
	if id == s.rootOU || id == "" {
		return "/"
	}
	var parts []string
	for cur := s.ous[id]; cur != nil && cur.ID != s.rootOU; cur = s.ous[cur.ParentID] {
		parts = append(parts, cur.Name)
	}
	for i, j := 0, len(parts)-1; i < j; i, j = i+1, j-1 {
		parts[i], parts[j] = parts[j], parts[i]
	}
	return "/" + strings.Join(parts, "/")
}

// ouByPath finds an org unit by path ("/a/b", "a/b") or id ("id:…").
func (s *store) ouByPath(p string) *orgUnit {
	if strings.HasPrefix(p, "id:") {
		return s.ous[p]
	}
	p = "/" + strings.Trim(p, "/")
	if p == "/" {
		return s.ous[s.rootOU]
	}
	cur := s.ous[s.rootOU]
	for _, name := range strings.Split(strings.Trim(p, "/"), "/") {
		next := s.ous[s.kids[cur.ID][strings.ToLower(name)]]
		if next == nil {
			return nil
		}
		cur = next
	}
	return cur
}

// link and unlink maintain the child index of org units.
func (s *store) link(o *orgUnit) {
	if s.kids[o.ParentID] == nil {
		s.kids[o.ParentID] = map[string]string{}
	}
	s.kids[o.ParentID][strings.ToLower(o.Name)] = o.ID
}

func (s *store) unlink(o *orgUnit) { delete(s.kids[o.ParentID], strings.ToLower(o.Name)) }

// underOU reports whether org unit id is ou or one of its descendants.
func (s *store) underOU(id, ou string) bool {
	for cur := id; cur != ""; {
		if cur == ou {
			return true
		}
		o := s.ous[cur]
		if o == nil {
			return false
		}
		cur = o.ParentID
	}
	return false
}

// userByKey finds a user by id, primary email or alias.
func (s *store) userByKey(k string) *user {
	if u, ok := s.users[k]; ok {
		return u
	}
	if id, ok := s.emails[strings.ToLower(k)]; ok {
		return s.users[id]
	}
	return nil
}

// groupByKey finds a group by id, email or alias.
func (s *store) groupByKey(k string) *group {
	if g, ok := s.groups[k]; ok {
		return g
	}
	if id, ok := s.emails[strings.ToLower(k)]; ok {
		return s.groups[id]
	}
	return nil
}

// emailOf returns the primary email of a user or group id.
func (s *store) emailOf(id string) string {
	if u, ok := s.users[id]; ok {
		return u.PrimaryEmail
	}
	if g, ok := s.groups[id]; ok {
		return g.Email
	}
	return ""
}

// isMember reports whether principal id is a member of group g, directly or
// through nested groups.
func (s *store) isMember(g *group, id string, depth int) bool {
	if depth > 10 {
		return false
	}
	for _, m := range g.Members {
		if m.ID == id {
			return true
		}
		if m.Type == "GROUP" && s.isMember(s.groups[m.ID], id, depth+1) {
			return true
		}
	}
	return false
}

// sortedUsers returns every user sorted by primary email.
func (s *store) sortedUsers() []*user {
	out := make([]*user, 0, len(s.users))
	for _, u := range s.users {
		out = append(out, u)
	}
	sort.Slice(out, func(i, j int) bool {
		return strings.ToLower(out[i].PrimaryEmail) < strings.ToLower(out[j].PrimaryEmail)
	})
	return out
}
