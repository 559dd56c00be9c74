package google

import (
	"cmp"
	"context"
	"fmt"
	"maps"
	"slices"
	"strconv"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/attr"
	"golang.org/x/sync/errgroup"
	admin "google.golang.org/api/admin/directory/v1"
	drive "google.golang.org/api/drive/v3"
	"google.golang.org/api/googleapi"
	licensing "google.golang.org/api/licensing/v1"
)

// unmanagedParent is the Parent reported for an object whose container is
// not one of orgsync's: it never equals a desired key, so a plan moves the
// object back.
func unmanagedParent(path string) string { return "?" + path }

// reader collects the state of one Read.
type reader struct {
	c        *Client
	objs     map[string]*entry
	pathKey  map[string]string // org unit path -> container key
	idKey    map[string]string // user/group id -> key
	emailKey map[string]string // lower-case user/group email -> key
	out      []diff.Object
	customer string // real customer id, learnt from users
}

// Read returns every object carrying orgsync's mark: org units under Root,
// users (wherever they are), groups with their members, licences as the
// user attribute "licence", and, when a drive model is configured, shared
// drives and folders with their members. With Config.ReadUnmanaged it also
// returns unmarked users, groups and org units under Root as adoption
// candidates. Read replaces the client's key-to-id map.
func (c *Client) Read(ctx context.Context) ([]diff.Object, error) {
	r := &reader{c: c, objs: map[string]*entry{}, pathKey: map[string]string{c.cfg.Root: ""}, idKey: map[string]string{}, emailKey: map[string]string{}}
	if err := r.orgUnits(ctx); err != nil {
		return nil, err
	}
	if err := r.users(ctx); err != nil {
		return nil, err
	}
	if err := r.licences(ctx); err != nil {
		return nil, err
	}
	if err := r.groups(ctx); err != nil {
		return nil, err
	}
	if c.cfg.Drives.Model != NoDrives {
		if err := r.drives(ctx); err != nil {
			return nil, err
		}
	}
	if c.cfg.Drives.Model == DrivePerInstitution {
		r.out = hidePastYears(r.out)
	}
	slices.SortFunc(r.out, func(a, b diff.Object) int {
		return cmp.Or(cmp.Compare(a.Kind, b.Kind), cmp.Compare(a.Key, b.Key), cmp.Compare(a.ID, b.ID))
	})
	c.mu.Lock()
	c.objs = r.objs
	c.mu.Unlock()
	return r.out, nil
}

func (r *reader) parentOf(path string) string {
	if k, ok := r.pathKey[path]; ok {
		return k
	}
	return unmanagedParent(path)
}

func (r *reader) orgUnits(ctx context.Context) error {
	c := r.c
	list, err := c.dir.Orgunits.List(c.cfg.Customer).OrgUnitPath(c.cfg.Root).Type("all").Context(ctx).Do()
	if err != nil {
		return wrap("read org units", c.cfg.Root, err)
	}
	ous := list.OrganizationUnits
	// Parents before children, so that paths resolve in one pass.
	slices.SortFunc(ous, func(a, b *admin.OrgUnit) int {
		return cmp.Or(cmp.Compare(strings.Count(a.OrgUnitPath, "/"), strings.Count(b.OrgUnitPath, "/")), cmp.Compare(a.OrgUnitPath, b.OrgUnitPath))
	})
	for _, ou := range ous {
		m, ok := c.decodeMark(ou.Description)
		if ok {
			if _, dup := r.objs[m.key]; dup {
				c.cfg.Logger.Warn("google: two org units carry the same key; the second is ignored", "key", m.key, "path", ou.OrgUnitPath)
				continue
			}
			parent := r.parentOf(ou.ParentOrgUnitPath)
			r.pathKey[ou.OrgUnitPath] = m.key
			r.objs[m.key] = &entry{kind: diff.Container, id: ou.OrgUnitId, name: ou.Name, parent: parent}
			r.out = append(r.out, diff.Object{Kind: diff.Container, Key: m.key, Name: ou.Name, Parent: parent, Attrs: m.attrs, Institution: m.inst, Managed: true, ID: ou.OrgUnitId})
		} else if c.cfg.ReadUnmanaged {
			r.out = append(r.out, diff.Object{Kind: diff.Container, Name: ou.Name, Parent: r.parentOf(ou.ParentOrgUnitPath), ID: ou.OrgUnitId})
		}
	}
	return nil
}

func (r *reader) users(ctx context.Context) error {
	c := r.c
	_, err := c.dir.Schemas.Get(c.cfg.Customer, c.cfg.Mark).Context(ctx).Do()
	schema := err == nil
	if err != nil && code(err) != 404 {
		return wrap("read custom schema", c.cfg.Mark, err)
	}
	seen := map[string]bool{}
	add := func(u *admin.User) {
		if seen[u.Id] {
			return
		}
		seen[u.Id] = true
		if r.customer == "" {
			r.customer = u.CustomerId
		}
		given, family, display := "", "", ""
		if u.Name != nil {
			given, family, display = u.Name.GivenName, u.Name.FamilyName, u.Name.DisplayName
		}
		key, name, inst, attrs, ok := c.readUserSchema(u)
		if !ok {
			if c.cfg.ReadUnmanaged && !u.IsAdmin && c.underRoot(u.OrgUnitPath) {
				r.out = append(r.out, diff.Object{Kind: diff.User, Name: display, Parent: r.parentOf(u.OrgUnitPath), Disabled: u.Suspended, ID: u.Id,
					Attrs: diff.Attrs{ // in name order
						{Name: attr.DisplayName, Value: display},
						{Name: attr.Email, Value: u.PrimaryEmail},
						{Name: attr.FamilyName, Value: family},
						{Name: attr.GivenName, Value: given},
						{Name: diff.AttrUsername, Value: localPart(u.PrimaryEmail)},
					}})
			}
			return
		}
		if _, dup := r.objs[key]; dup {
			c.cfg.Logger.Warn("google: two users carry the same key; the second is ignored", "key", key, "email", u.PrimaryEmail)
			return
		}
		if empty := attrs.Get(fieldEmpty); empty != "" {
			attrs.Delete(fieldEmpty)
			for _, n := range strings.Split(empty, ",") {
				switch n {
				case "given":
					given = ""
				case "family":
					family = ""
				}
			}
		}
		attrs.Set(attr.GivenName, given)
		attrs.Set(attr.FamilyName, family)
		attrs.Set(attr.DisplayName, display)
		attrs.Set(attr.Email, u.PrimaryEmail)
		attrs.Set(AttrGAL, strconv.FormatBool(u.IncludeInGlobalAddressList))
		r.objs[key] = &entry{kind: diff.User, id: u.Id, email: u.PrimaryEmail}
		r.idKey[u.Id] = key
		r.emailKey[strings.ToLower(u.PrimaryEmail)] = key
		r.out = append(r.out, diff.Object{Kind: diff.User, Key: key, Name: name, Parent: r.parentOf(u.OrgUnitPath), Attrs: attrs, Disabled: u.Suspended, Institution: inst, Managed: true, ID: u.Id})
	}
	list := func(query string) error {
		call := c.dir.Users.List().Customer(c.cfg.Customer).Projection("full").MaxResults(500)
		if query != "" {
			call = call.Query(query)
		}
		return call.Pages(ctx, func(p *admin.Users) error {
			for _, u := range p.Users {
				add(u)
			}
			return nil
		})
	}
	// One list of every user, sorted out here, instead of a search for
	// the managed flag (query orgsync.managed=true): Google's user search
	// can lag writes by up to a day and a half, and a user missing from it
	// would be planned as a create again. A list without a query is not a
	// search.
	if !schema && !c.cfg.ReadUnmanaged {
		return nil
	}
	if err := list(""); err != nil {
		return wrap("read users", "", err)
	}
	return nil
}

// licenceCustomer is the customer id for the Licensing API, which does not
// take the my_customer alias.
func (r *reader) licenceCustomer() string {
	if r.c.cfg.Customer != "my_customer" {
		return r.c.cfg.Customer
	}
	if r.customer != "" {
		return r.customer
	}
	return r.c.cfg.Domain
}

func (r *reader) licences(ctx context.Context) error {
	c := r.c
	p := c.cfg.Licences.Product
	if p == "" {
		return nil
	}
	have := map[string]string{}
	err := c.lic.LicenseAssignments.ListForProduct(p, r.licenceCustomer()).MaxResults(1000).Pages(ctx, func(l *licensing.LicenseAssignmentList) error {
		for _, a := range l.Items {
			have[strings.ToLower(a.UserId)] = a.ProductId + "/" + a.SkuId
		}
		return nil
	})
	if err != nil {
		return wrap("read licences", p, err)
	}
	for i := range r.out {
		o := &r.out[i]
		if o.Kind != diff.User || !o.Managed {
			continue
		}
		l := have[strings.ToLower(o.Attrs.Get(attr.Email))]
		o.Attrs.Set(AttrLicence, l)
		r.objs[o.Key].licence = l
	}
	return nil
}

func (r *reader) groups(ctx context.Context) error {
	c := r.c
	var managed []*admin.Group
	err := c.dir.Groups.List().Customer(c.cfg.Customer).MaxResults(200).Pages(ctx, func(p *admin.Groups) error {
		for _, g := range p.Groups {
			key := ""
			for _, x := range g.ExternalIds {
				if x != nil && x.Namespace == c.cfg.Mark {
					key = x.Id
				}
			}
			switch {
			case key != "":
				if _, dup := r.objs[key]; dup {
					c.cfg.Logger.Warn("google: two groups carry the same key; the second is ignored", "key", key, "email", g.Email)
					continue
				}
				r.objs[key] = &entry{kind: diff.Group, id: g.Id, email: g.Email}
				r.idKey[g.Id] = key
				r.emailKey[strings.ToLower(g.Email)] = key
				managed = append(managed, g)
			case c.cfg.ReadUnmanaged:
				r.out = append(r.out, diff.Object{Kind: diff.Group, Name: g.Name, Attrs: diff.Attrs{{Name: attr.Email, Value: g.Email}}, ID: g.Id})
			}
		}
		return nil
	})
	if err != nil {
		return wrap("read groups", "", err)
	}
	objs := make([]diff.Object, len(managed))
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(c.cfg.Concurrency)
	for i, g := range managed {
		eg.Go(func() error {
			key := r.idKey[g.Id]
			m, _ := c.decodeMark(g.Description)
			attrs := m.attrs
			attrs.Set(attr.Email, g.Email)
			var members []string
			err := c.dir.Members.List(g.Id).MaxResults(200).Pages(gctx, func(p *admin.Members) error {
				for _, mem := range p.Members {
					if k, ok := r.idKey[mem.Id]; ok {
						members = append(members, k)
					}
				}
				return nil
			})
			if err != nil {
				return wrap("read members", key, err)
			}
			slices.Sort(members)
			objs[i] = diff.Object{Kind: diff.Group, Key: key, Name: g.Name, Parent: m.parent, Attrs: attrs, Members: members, Institution: m.inst, Managed: true, ID: g.Id}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	r.out = append(r.out, objs...)
	return nil
}

func (r *reader) drives(ctx context.Context) error {
	c := r.c
	names := map[string]string{}
	err := c.drv.Drives.List().UseDomainAdminAccess(true).PageSize(100).Fields("nextPageToken", "drives(id,name)").Pages(ctx, func(l *drive.DriveList) error {
		for _, d := range l.Drives {
			names[d.Id] = d.Name
		}
		return nil
	})
	if err != nil {
		return wrap("read shared drives", "", err)
	}
	marked, err := r.markedFiles(ctx, names)
	if err != nil {
		return err
	}
	slices.SortFunc(marked, func(a, b *drive.File) int { return cmp.Compare(a.Id, b.Id) })
	type item struct {
		obj   diff.Object
		entry *entry
	}
	var items []*item
	for _, f := range marked {
		key, kind := f.Properties[c.propKey()], diff.Kind(f.Properties[c.propKind()])
		m, _ := c.decodeMark(f.Description)
		if key == "" || (kind != Drive && kind != Folder) {
			continue
		}
		if _, dup := r.objs[key]; dup {
			c.cfg.Logger.Warn("google: two drive objects carry the same key; the second is ignored", "key", key, "file", f.Id)
			continue
		}
		attrs := m.attrs
		it := &item{obj: diff.Object{Kind: kind, Key: key, Parent: m.parent, Attrs: attrs, Institution: m.inst, Managed: true}}
		switch kind {
		case Drive:
			name, ok := names[f.DriveId]
			if !ok {
				continue
			}
			it.obj.Name, it.obj.ID = name, f.DriveId
			it.entry = &entry{kind: Drive, id: f.DriveId, marker: f.Id, name: name, perms: map[string]string{}, role: attrs.Get(AttrRole)}
		case Folder:
			it.obj.Name, it.obj.ID = f.Name, f.Id
			it.entry = &entry{kind: Folder, id: f.Id, drive: f.DriveId, name: f.Name, perms: map[string]string{}, role: attrs.Get(AttrRole)}
		}
		r.objs[key] = it.entry
		items = append(items, it)
	}
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(c.cfg.Concurrency)
	var mu sync.Mutex
	for _, it := range items {
		eg.Go(func() error {
			call := c.drv.Permissions.List(it.entry.id).SupportsAllDrives(true).PageSize(100).Fields("nextPageToken", "permissions(id,type,role,emailAddress)")
			if it.obj.Kind == Drive {
				call = call.UseDomainAdminAccess(true)
			}
			var members []string
			perms := map[string]string{}
			err := call.Pages(gctx, func(l *drive.PermissionList) error {
				for _, p := range l.Permissions {
					email := strings.ToLower(p.EmailAddress)
					if k, ok := r.emailKey[email]; ok {
						members = append(members, k)
						perms[email] = p.Id
					}
				}
				return nil
			})
			if err != nil {
				return wrap("read drive permissions", it.obj.Key, err)
			}
			slices.Sort(members)
			mu.Lock()
			it.obj.Members, it.entry.perms = members, perms
			mu.Unlock()
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return err
	}
	for _, it := range items {
		r.out = append(r.out, it.obj)
	}
	return nil
}

// markedFiles lists the files that carry orgsync's drive mark. One search
// over all drives (corpora=allDrives) is cheapest, but Drive may answer it
// with incompleteSearch=true, leaving out drives it did not search; a
// marker missed that way would make the plan create its drive a second
// time. Then every drive the admin can see is searched on its own
// (corpora=drive), which Drive searches completely.
func (r *reader) markedFiles(ctx context.Context, drives map[string]string) ([]*drive.File, error) {
	c := r.c
	q := fmt.Sprintf("properties has { key='%s' and value='true' } and trashed = false", c.propManaged())
	fields := []googleapi.Field{"nextPageToken", "incompleteSearch", "files(id,name,mimeType,driveId,parents,properties,description)"}
	var marked []*drive.File
	incomplete := false
	err := c.drv.Files.List().Corpora("allDrives").IncludeItemsFromAllDrives(true).SupportsAllDrives(true).Q(q).PageSize(1000).
		Fields(fields...).Pages(ctx, func(l *drive.FileList) error {
		marked = append(marked, l.Files...)
		incomplete = incomplete || l.IncompleteSearch
		return nil
	})
	if err != nil {
		return nil, wrap("read drive marks", "", err)
	}
	if !incomplete {
		return marked, nil
	}
	c.cfg.Logger.Info("google: the search over all drives was incomplete; searching each drive", "drives", len(drives))
	ids := slices.Sorted(maps.Keys(drives))
	per := make([][]*drive.File, len(ids))
	eg, gctx := errgroup.WithContext(ctx)
	eg.SetLimit(c.cfg.Concurrency)
	for i, id := range ids {
		eg.Go(func() error {
			err := c.drv.Files.List().Corpora("drive").DriveId(id).IncludeItemsFromAllDrives(true).SupportsAllDrives(true).Q(q).PageSize(1000).
				Fields(fields...).Pages(gctx, func(l *drive.FileList) error {
				per[i] = append(per[i], l.Files...)
				return nil
			})
			if code(err) == 404 {
				return nil // not a member: no drive of ours
			}
			if err != nil {
				return wrap("read drive marks", id, err)
			}
			return nil
		})
	}
	if err := eg.Wait(); err != nil {
		return nil, err
	}
	return slices.Concat(per...), nil
}

// underRoot reports whether an org unit path is Root or below it.
func (c *Client) underRoot(path string) bool {
	return c.cfg.Root == "/" || path == c.cfg.Root || strings.HasPrefix(path, c.cfg.Root+"/")
}

// localPart returns the part of an address before the @.
func localPart(email string) string {
	l, _, _ := strings.Cut(email, "@")
	return l
}
