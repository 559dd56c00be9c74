package googlefake

import (
	"encoding/json"
	"sort"
	"strings"
)

// UserInfo is a user as tests see it.
type UserInfo struct {
	ID, PrimaryEmail, GivenName, FamilyName, DisplayName, OrgUnitPath string
	Suspended, IncludeInGlobalAddressList, ChangePasswordAtNextLogin  bool
	HasPassword                                                       bool
	Aliases                                                           []string
	CustomSchemas                                                     map[string]map[string]any
	ExternalIDs                                                       []map[string]any
	Organizations                                                     []map[string]any
	// Licences maps product id to SKU id.
	Licences map[string]string
}

func (s *store) userInfo(u *user) UserInfo {
	in := UserInfo{
		ID: u.ID, PrimaryEmail: u.PrimaryEmail, GivenName: u.Name.GivenName, FamilyName: u.Name.FamilyName,
		DisplayName: u.Name.DisplayName, OrgUnitPath: s.ouPath(u.OUID), Suspended: u.Suspended,
		IncludeInGlobalAddressList: u.IncludeInGAL, ChangePasswordAtNextLogin: u.ChangePasswordAtNextLogin,
		HasPassword: u.Password != "", Aliases: append([]string(nil), u.Aliases...),
		CustomSchemas: map[string]map[string]any{}, Licences: map[string]string{},
	}
	for k, v := range u.CustomSchemas {
		c := map[string]any{}
		for fk, fv := range v {
			c[fk] = fv
		}
		in.CustomSchemas[k] = c
	}
	_ = json.Unmarshal(u.ExternalIDs, &in.ExternalIDs)
	_ = json.Unmarshal(u.Organizations, &in.Organizations)
	for p, l := range s.licences {
		if sku, ok := l[u.ID]; ok {
			in.Licences[p] = sku
		}
	}
	return in
}

// Users returns every user (including the admin), sorted by email.
func (f *Fake) Users() []UserInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []UserInfo
	for _, u := range f.st.sortedUsers() {
		out = append(out, f.st.userInfo(u))
	}
	return out
}

// User returns one user by email, id or alias.
func (f *Fake) User(key string) (UserInfo, bool) {
	f.mu.Lock()
	defer f.mu.Unlock()
	u := f.st.userByKey(key)
	if u == nil {
		return UserInfo{}, false
	}
	return f.st.userInfo(u), true
}

// GroupInfo is a group as tests see it.
type GroupInfo struct {
	ID, Email, Name, Description string
	Aliases                      []string
	ExternalIDs                  []map[string]any
	// Members are the members' primary emails, sorted.
	Members []string
}

// Groups returns every group, sorted by email.
func (f *Fake) Groups() []GroupInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []GroupInfo
	for _, g := range f.st.groups {
		gi := GroupInfo{ID: g.ID, Email: g.Email, Name: g.Name, Description: g.Description, Aliases: append([]string(nil), g.Aliases...)}
		_ = json.Unmarshal(g.ExternalIDs, &gi.ExternalIDs)
		for _, m := range g.Members {
			gi.Members = append(gi.Members, f.st.emailOf(m.ID))
		}
		sort.Strings(gi.Members)
		out = append(out, gi)
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Email < out[j].Email })
	return out
}

// OrgUnitInfo is an org unit as tests see it.
type OrgUnitInfo struct {
	ID, Path, Name, Description string
}

// OrgUnits returns every org unit except the root, sorted by path.
func (f *Fake) OrgUnits() []OrgUnitInfo {
	f.mu.Lock()
	defer f.mu.Unlock()
	var out []OrgUnitInfo
	for _, o := range f.st.ous {
		if o.ID == f.st.rootOU {
			continue
		}
		out = append(out, OrgUnitInfo{ID: o.ID, Path: f.st.ouPath(o.ID), Name: o.Name, Description: o.Description})
	}
	sort.Slice(out, func(i, j int) bool { return out[i].Path < out[j].Path })
	return out
}

// AddOrgUnit creates an org unit path (and missing parents) directly,
// bypassing the API and its counters. It returns the org unit id.
func (f *Fake) AddOrgUnit(path, description string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	cur := f.st.ous[f.st.rootOU]
	for _, name := range strings.Split(strings.Trim(path, "/"), "/") {
		next := f.st.ous[f.st.kids[cur.ID][strings.ToLower(name)]]
		if next == nil {
			next = &orgUnit{ID: f.st.newID("id:0"), Name: name, ParentID: cur.ID}
			f.st.ous[next.ID] = next
			f.st.link(next)
		}
		cur = next
	}
	cur.Description = description
	return cur.ID
}

// AddUser creates a user directly (e.g. a hand-made account the adapter must
// leave alone), bypassing the API and its counters. orgUnitPath must exist.
func (f *Fake) AddUser(email, given, family, orgUnitPath string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	ou := f.st.ouByPath(orgUnitPath)
	if ou == nil {
		ou = f.st.ous[f.st.rootOU]
	}
	u := &user{ID: f.st.newID("1"), PrimaryEmail: email, Name: userName{GivenName: given, FamilyName: family}, Password: "handmade-password", OUID: ou.ID, IncludeInGAL: true, CreationTime: f.st.now()}
	f.st.users[u.ID] = u
	f.st.emails[strings.ToLower(email)] = u.ID
	return u.ID
}

// AddGroup creates a group directly, bypassing the API and its counters.
func (f *Fake) AddGroup(email, name string) string {
	f.mu.Lock()
	defer f.mu.Unlock()
	g := &group{ID: f.st.newID("0g"), Email: email, Name: name}
	f.st.groups[g.ID] = g
	f.st.emails[strings.ToLower(email)] = g.ID
	return g.ID
}

// Licences returns every licence assignment as email -> "product/sku".
func (f *Fake) Licences() map[string]string {
	f.mu.Lock()
	defer f.mu.Unlock()
	out := map[string]string{}
	for p, l := range f.st.licences {
		for id, sku := range l {
			out[f.st.emailOf(id)] = p + "/" + sku
		}
	}
	return out
}
