package google

import (
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"unicode/utf8"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"github.com/orgsync/orgsync/naming"
)

// Prepare shapes a desired state for Google Workspace (diff.Preparer), the
// step between the projection (package diff/desired) and diff.Compute,
// which the pipeline (package provision) runs. It returns new objects and
// leaves desired unchanged:
//
//   - users get includeInGlobalAddressList ("false" for students unless
//     Config.ShowStudents) and, when licences are configured, the licence
//     for their global role; given and family names are cut to Google's 60
//     characters; attributes the adapter cannot store are dropped (so that
//     they cannot cause a change on every run);
//   - groups without an email get one from their name (transliterated,
//     lower case) at GroupDomain; names are cut to 75 characters;
//   - org unit names lose the "/" Google forbids in them;
//   - shared drives (and folders) are added from the groups by the
//     configured drive model, with the groups as members. Their keys derive
//     from the group keys, so a class renamed by the year roll renames its
//     drive, which keeps its id.
func (c *Client) Prepare(desired []diff.Object) []diff.Object { return c.cfg.Prepare(desired) }

var _ diff.Preparer = (*Client)(nil)

// Prepare is Client.Prepare for a configuration without a client (tests,
// planning offline): the same result with c's settings.
func (c Config) Prepare(desired []diff.Object) []diff.Object {
	cfg, _ := c.withDefaults()
	out := make([]diff.Object, 0, len(desired)+len(desired)/8)
	instName := map[string]string{}
	for _, o := range desired {
		if o.Kind == diff.Container {
			for _, pre := range []string{"ou/inst/", "ou/employees/", "ou/students/"} {
				if n, ok := strings.CutPrefix(o.Key, pre); ok && !strings.Contains(n, "/") && instName[n] == "" {
					instName[n] = o.Name
				}
			}
		}
	}
	maps.Copy(instName, cfg.InstitutionNames)
	for _, o := range desired {
		o = o.Clone()
		switch o.Kind {
		case diff.User:
			o.Attrs = slices.DeleteFunc(o.Attrs, func(a diff.Attr) bool { return !userAttrKnown(a.Name) })
			o.Attrs.Set(attr.GivenName, cut(o.Attrs.Get(attr.GivenName), 60))
			o.Attrs.Set(attr.FamilyName, cut(o.Attrs.Get(attr.FamilyName), 60))
			if d, ok := o.Attrs.Lookup(attr.DisplayName); ok {
				o.Attrs.Set(attr.DisplayName, cut(d, 256))
			}
			gal := "true"
			if o.Attrs.Get(attr.GlobalRole) == attr.RoleStudent && !cfg.ShowStudents {
				gal = "false"
			}
			o.Attrs.Set(AttrGAL, gal)
			if cfg.Licences.Product != "" {
				o.Attrs.Set(AttrLicence, cfg.Licences.sku(o.Attrs.Get(diff.AttrGlobalRole)))
			}
		case diff.Group:
			if o.Attrs.Get(attr.Email) == "" {
				o.Attrs.Set(attr.Email, groupLocal(o)+"@"+cfg.GroupDomain)
			}
			o.Name = cut(o.Name, 75)
		case diff.Container:
			o.Name = strings.ReplaceAll(o.Name, "/", "-")
		}
		out = append(out, o)
	}
	return append(out, cfg.drives(out, instName)...)
}

// drives derives the shared drives and folders of the drive model.
func (c Config) drives(objs []diff.Object, instName map[string]string) []diff.Object {
	d := c.Drives
	var out []diff.Object
	isClass := func(g diff.Object) bool { return slices.Contains(d.ClassKinds, g.Attrs.Get(attr.CatalogueKind)) }
	isStaff := func(g diff.Object) bool { return slices.Contains(d.StaffKinds, g.Attrs.Get(attr.CatalogueKind)) }
	inst := func(g diff.Object) string {
		if i := g.Attrs.Get(attr.Institution); i != "" {
			return i
		}
		return g.Institution
	}
	switch d.Model {
	case DrivePerGroup:
		for _, g := range objs {
			if g.Kind != diff.Group || !(isClass(g) || isStaff(g)) {
				continue
			}
			role := d.ClassRole
			if isStaff(g) {
				role = d.StaffRole
			}
			out = append(out, diff.Object{
				Kind: Drive, Key: "drive/" + strings.TrimPrefix(g.Key, "group/"), Name: g.Name,
				Attrs: diff.AttrsFrom(map[string]string{AttrRole: role, "group": g.Key}), Members: []string{g.Key}, Institution: inst(g),
			})
		}
	case DrivePerInstitution:
		drives := map[string]*diff.Object{}
		driveFor := func(num string) *diff.Object {
			if dr, ok := drives[num]; ok {
				return dr
			}
			name := instName[num]
			if name == "" {
				name = num
			}
			dr := &diff.Object{Kind: Drive, Key: "drive/inst/" + num, Name: name, Attrs: diff.AttrsFrom(map[string]string{AttrRole: d.StaffRole}), Institution: num}
			drives[num] = dr
			return dr
		}
		for _, g := range objs {
			if g.Kind != diff.Group || inst(g) == "" {
				continue
			}
			switch {
			case isStaff(g):
				dr := driveFor(inst(g))
				dr.Members = append(dr.Members, g.Key)
			case isClass(g):
				dr := driveFor(inst(g))
				year := g.Attrs.Get(attr.SchoolYear)
				key, name := "folder/"+strings.TrimPrefix(g.Key, "group/"), g.Name
				if year != "" {
					key, name = key+"/"+year, name+" "+year
				}
				out = append(out, diff.Object{
					Kind: Folder, Key: key, Name: name,
					Attrs: diff.AttrsFrom(map[string]string{AttrRole: d.ClassRole, AttrDrive: dr.Key, "group": g.Key}), Members: []string{g.Key}, Institution: inst(g),
				})
			}
		}
		for _, num := range slices.Sorted(maps.Keys(drives)) {
			dr := drives[num]
			slices.Sort(dr.Members)
			out = append(out, *dr)
		}
	}
	return out
}

// groupLocal makes the local part of a group address. A class group's
// address names the year the class started and its line
// ("klasse-2021a-200001-alle"), so it survives the year roll, when the
// class is renamed (4A -> 5A) and another class takes its old name: Google
// keeps a changed address as an alias, which would block the next class
// from taking it. Other groups are named after their name and institution.
func groupLocal(o diff.Object) string {
	inst := o.Attrs.Get(attr.Institution)
	if inst == "" {
		inst = o.Institution
	}
	level, err := strconv.Atoi(o.Attrs.Get(attr.ClassLevel))
	year, yerr := strconv.Atoi(strings.SplitN(o.Attrs.Get(attr.SchoolYear), "-", 2)[0])
	if err == nil && yerr == nil && inst != "" {
		tail := o.Key[strings.LastIndex(o.Key, "/")+1:]
		switch tail {
		case "all":
			tail = "alle"
		case "students":
			tail = "elever"
		}
		return slug(fmt.Sprintf("klasse %d%s %s %s", year-level, o.Attrs.Get(attr.ClassLine), inst, tail))
	}
	local := slug(o.Name)
	if inst != "" {
		local = strings.Trim(cut(local, 50), "-") + "-" + slug(inst)
	}
	if strings.Trim(local, "-") == "" {
		local = slug(strings.ReplaceAll(o.Key, "/", "-"))
	}
	return local
}

// cut shortens s to at most n characters.
func cut(s string, n int) string {
	if utf8.RuneCountInString(s) <= n {
		return s
	}
	r := []rune(s)
	return strings.TrimSpace(string(r[:n]))
}

// slug turns a name into an email local part (naming.Slug: Danish letters
// spelt out, accents dropped, single dashes between words).
func slug(s string) string { return naming.Slug(s, 60) }
