// Package memdir is orgsync's embedded default directory: an in-memory
// tree of containers, users and groups, persisted as a JSON file, that
// implements diff.Target with the same semantics as a real directory. It
// lets the main job and the quickstart run without a server, and is the
// reference the adapter conformance suite (diff/targettest) is written
// against.
//
// It is not a database: the whole directory is held in memory and Save
// rewrites the file (atomically, through a temporary file and a rename).
// Names need not be unique within a container. Initial passwords are not
// modelled.
package memdir

import (
	"cmp"
	"context"
	"encoding/json"
	"errors"
	"fmt"
	"io/fs"
	"os"
	"slices"
	"strconv"
	"sync"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/internal/atomicfile"
)

// UnmanagedParentPrefix prefixes the Parent of an object read from the
// directory whose container carries no management mark (and so has no
// Key): "unmanaged:" followed by the container's ID.
const UnmanagedParentPrefix = "unmanaged:"

// Dir is an in-memory directory. It is safe for concurrent use.
type Dir struct {
	mu   sync.RWMutex
	path string
	next int64
	objs map[string]*record // by ID
	keys map[string]string  // Key -> ID of managed objects
}

var _ diff.Target = (*Dir)(nil)

// record is an object as stored: parent and members by ID.
type record struct {
	ID          string     `json:"id"`
	Kind        diff.Kind  `json:"kind"`
	Key         string     `json:"key,omitempty"`
	Name        string     `json:"name"`
	ParentID    string     `json:"parentId,omitempty"`
	Attrs       diff.Attrs `json:"attrs,omitempty"`
	MemberIDs   []string   `json:"memberIds,omitempty"`
	Disabled    bool       `json:"disabled,omitempty"`
	Institution string     `json:"institution,omitempty"`
	Managed     bool       `json:"managed,omitempty"`
}

// file is the JSON form of a Dir.
type file struct {
	Version int       `json:"version"`
	Next    int64     `json:"next"`
	Objects []*record `json:"objects"`
}

const fileVersion = 1

// New returns an empty directory that is not tied to a file.
func New() *Dir {
	return &Dir{objs: map[string]*record{}, keys: map[string]string{}}
}

// Open loads the directory stored at path; a missing file is an empty
// directory. Save writes back to path.
func Open(path string) (*Dir, error) {
	d := New()
	d.path = path
	b, err := os.ReadFile(path)
	if errors.Is(err, fs.ErrNotExist) {
		return d, nil
	}
	if err != nil {
		return nil, fmt.Errorf("memdir: open: %w", err)
	}
	var f file
	if err := json.Unmarshal(b, &f); err != nil {
		return nil, fmt.Errorf("memdir: open %s: %w", path, err)
	}
	if f.Version != fileVersion {
		return nil, fmt.Errorf("memdir: open %s: unknown version %d", path, f.Version)
	}
	d.next = f.Next
	for i, r := range f.Objects {
		if r == nil || r.ID == "" {
			return nil, fmt.Errorf("memdir: open %s: object %d has no id", path, i)
		}
		if _, dup := d.objs[r.ID]; dup {
			return nil, fmt.Errorf("memdir: open %s: object %d: duplicate id %q", path, i, r.ID)
		}
		d.objs[r.ID] = r
		if r.Managed && r.Key != "" {
			if _, dup := d.keys[r.Key]; dup {
				return nil, fmt.Errorf("memdir: open %s: object %q: duplicate key %q", path, r.ID, r.Key)
			}
			d.keys[r.Key] = r.ID
		}
	}
	if err := d.check(); err != nil {
		return nil, fmt.Errorf("memdir: open %s: %w", path, err)
	}
	return d, nil
}

// check verifies that parents and members refer to stored objects and
// that no object is its own ancestor.
func (d *Dir) check() error {
	for _, r := range d.objs {
		if r.ParentID != "" && d.objs[r.ParentID] == nil {
			return fmt.Errorf("object %q: parent %q does not exist", r.ID, r.ParentID)
		}
		for _, m := range r.MemberIDs {
			if d.objs[m] == nil {
				return fmt.Errorf("object %q: member %q does not exist", r.ID, m)
			}
		}
	}
	for _, r := range d.objs {
		n := 0
		for p := r.ParentID; p != ""; p = d.objs[p].ParentID {
			if p == r.ID || n > len(d.objs) {
				return fmt.Errorf("object %q is inside itself", r.ID)
			}
			n++
		}
	}
	return nil
}

// Path returns the file the directory is saved to ("" for New).
func (d *Dir) Path() string { return d.path }

// Save writes the directory to its file atomically (internal/atomicfile: a
// temporary file in the same folder, synced, renamed over the old file, the
// folder synced), readable by the owner only.
func (d *Dir) Save() error {
	if d.path == "" {
		return errors.New("memdir: save: directory has no file (use Open)")
	}
	d.mu.RLock()
	f := file{Version: fileVersion, Next: d.next, Objects: make([]*record, 0, len(d.objs))}
	for _, r := range d.objs {
		f.Objects = append(f.Objects, r)
	}
	slices.SortFunc(f.Objects, func(a, b *record) int { return compareIDs(a.ID, b.ID) })
	b, err := json.MarshalIndent(f, "", " ")
	d.mu.RUnlock()
	if err != nil {
		return fmt.Errorf("memdir: save: %w", err)
	}
	if err := atomicfile.WriteFile(d.path, append(b, '\n'), 0o600); err != nil {
		return fmt.Errorf("memdir: save: %w", err)
	}
	return nil
}

// compareIDs orders IDs "o1" < "o2" < "o10".
func compareIDs(a, b string) int {
	if r := cmp.Compare(len(a), len(b)); r != 0 {
		return r
	}
	return cmp.Compare(a, b)
}

func (d *Dir) newID() string {
	d.next++
	return "o" + strconv.FormatInt(d.next, 10)
}

// Put stores an object directly, bypassing the plan: for seeding
// unmanaged (foreign) objects and test fixtures. obj.Parent and
// obj.Members are Keys of managed objects or IDs; an empty obj.ID gets a
// new one. A managed obj needs a unique Key. Put returns the object's ID.
func (d *Dir) Put(obj diff.Object) (string, error) {
	d.mu.Lock()
	defer d.mu.Unlock()
	if obj.Kind == "" {
		return "", errors.New("memdir: put: object has no kind")
	}
	parent, err := d.resolveAny(obj.Parent)
	if err != nil {
		return "", fmt.Errorf("memdir: put %q: parent: %w", obj.Name, err)
	}
	r := &record{ID: obj.ID, Kind: obj.Kind, Name: obj.Name, ParentID: parent, Attrs: obj.Attrs.Clone(),
		Disabled: obj.Disabled, Institution: obj.Institution, Managed: obj.Managed}
	for _, m := range obj.Members {
		id, err := d.resolveAny(m)
		if err != nil {
			return "", fmt.Errorf("memdir: put %q: member: %w", obj.Name, err)
		}
		r.MemberIDs = append(r.MemberIDs, id)
	}
	if r.ID == "" {
		r.ID = d.newID()
	} else if _, dup := d.objs[r.ID]; dup {
		return "", fmt.Errorf("memdir: put %q: id %q: %w", obj.Name, r.ID, diff.ErrExists)
	}
	if obj.Managed {
		if obj.Key == "" {
			return "", fmt.Errorf("memdir: put %q: managed object without key", obj.Name)
		}
		if _, dup := d.keys[obj.Key]; dup {
			return "", fmt.Errorf("memdir: put %q: key %q: %w", obj.Name, obj.Key, diff.ErrExists)
		}
		r.Key = obj.Key
		d.keys[obj.Key] = r.ID
	}
	d.objs[r.ID] = r
	return r.ID, nil
}

// resolveAny turns a managed Key or an ID into an ID; "" is the root.
func (d *Dir) resolveAny(ref string) (string, error) {
	if ref == "" {
		return "", nil
	}
	if id, ok := d.keys[ref]; ok {
		return id, nil
	}
	if _, ok := d.objs[ref]; ok {
		return ref, nil
	}
	return "", fmt.Errorf("%q: %w", ref, diff.ErrNotFound)
}

// Read returns every object: managed ones with their Key, unmanaged ones
// with an empty Key (all are adoption candidates). Parents and members are
// given as Keys; a member without a Key is left out, a parent without one
// is given as UnmanagedParentPrefix+ID. Objects are sorted by ID.
func (d *Dir) Read(ctx context.Context) ([]diff.Object, error) {
	if err := ctx.Err(); err != nil {
		return nil, fmt.Errorf("memdir: read: %w", err)
	}
	return d.Objects(), nil
}

// Objects returns every object, like Read.
func (d *Dir) Objects() []diff.Object {
	d.mu.RLock()
	defer d.mu.RUnlock()
	out := make([]diff.Object, 0, len(d.objs))
	for _, r := range d.objs {
		out = append(out, d.view(r))
	}
	slices.SortFunc(out, func(a, b diff.Object) int { return compareIDs(a.ID, b.ID) })
	return out
}

// Get returns the object with the given managed Key.
func (d *Dir) Get(key string) (diff.Object, bool) {
	d.mu.RLock()
	defer d.mu.RUnlock()
	id, ok := d.keys[key]
	if !ok {
		return diff.Object{}, false
	}
	return d.view(d.objs[id]), true
}

// Len returns the number of objects.
func (d *Dir) Len() int {
	d.mu.RLock()
	defer d.mu.RUnlock()
	return len(d.objs)
}

func (d *Dir) view(r *record) diff.Object {
	o := diff.Object{Kind: r.Kind, Key: r.Key, Name: r.Name, Attrs: r.Attrs.Clone(), Disabled: r.Disabled,
		Institution: r.Institution, Managed: r.Managed, ID: r.ID}
	if r.ParentID != "" {
		if p := d.objs[r.ParentID]; p != nil && p.Managed {
			o.Parent = p.Key
		} else {
			o.Parent = UnmanagedParentPrefix + r.ParentID
		}
	}
	for _, m := range r.MemberIDs {
		if mr := d.objs[m]; mr != nil && mr.Managed {
			o.Members = append(o.Members, mr.Key)
		}
	}
	slices.Sort(o.Members)
	return o
}

// Apply carries out one change (see the semantics in package diff).
func (d *Dir) Apply(ctx context.Context, c diff.Change) error {
	if err := ctx.Err(); err != nil {
		return fmt.Errorf("memdir: %s %s: %w", c.Action, c.Key, err)
	}
	d.mu.Lock()
	defer d.mu.Unlock()
	if err := d.apply(c); err != nil {
		return fmt.Errorf("memdir: %s %s %s: %w", c.Action, c.Kind, c.Key, err)
	}
	return nil
}

func (d *Dir) apply(c diff.Change) error {
	switch c.Action {
	case diff.Create:
		return d.create(c)
	case diff.Adopt:
		return d.adopt(c)
	}
	r, err := d.lookup(c)
	if err != nil {
		return err
	}
	switch c.Action {
	case diff.Update:
		for _, a := range c.Attrs {
			if a.Name == "" {
				return fmt.Errorf("attribute without a name: %w", diff.ErrInvalidPlan)
			}
			setAttr(r, a.Name, a.After)
		}
	case diff.Rename:
		if c.After == nil || c.After.Name == "" {
			return fmt.Errorf("rename without a name: %w", diff.ErrInvalidPlan)
		}
		r.Name = c.After.Name
	case diff.Move:
		if c.After == nil {
			return fmt.Errorf("move without after: %w", diff.ErrInvalidPlan)
		}
		pid, err := d.container(c.After.Parent)
		if err != nil {
			return err
		}
		for p := pid; p != ""; p = d.objs[p].ParentID {
			if p == r.ID {
				return fmt.Errorf("parent %q is inside the object: %w", c.After.Parent, diff.ErrConstraint)
			}
		}
		r.ParentID = pid
	case diff.Enable:
		r.Disabled = false
		r.Attrs.Delete(diff.AttrDisabledDate)
	case diff.Disable:
		date := ""
		if c.After != nil {
			date = c.After.Attrs.Get(diff.AttrDisabledDate)
		}
		if date == "" {
			return fmt.Errorf("disable without %s: %w", diff.AttrDisabledDate, diff.ErrInvalidPlan)
		}
		if r.Kind == diff.User {
			r.Disabled = true
		}
		setAttr(r, diff.AttrDisabledDate, date)
	case diff.AddMember, diff.RemoveMember:
		if r.Kind != diff.Group {
			return fmt.Errorf("a %s has no members: %w", r.Kind, diff.ErrConstraint)
		}
		mid, ok := d.keys[c.Member]
		if !ok {
			if c.Action == diff.RemoveMember {
				return nil // an object that does not exist is no member
			}
			return fmt.Errorf("member %q: %w", c.Member, diff.ErrNotFound)
		}
		i := slices.Index(r.MemberIDs, mid)
		if c.Action == diff.AddMember && i < 0 {
			r.MemberIDs = append(r.MemberIDs, mid)
		}
		if c.Action == diff.RemoveMember && i >= 0 {
			r.MemberIDs = slices.Delete(r.MemberIDs, i, i+1)
		}
	case diff.Delete:
		for _, o := range d.objs {
			if o.ParentID == r.ID {
				return fmt.Errorf("container is not empty: %w", diff.ErrConstraint)
			}
		}
		delete(d.objs, r.ID)
		delete(d.keys, r.Key)
		for _, o := range d.objs {
			if i := slices.Index(o.MemberIDs, r.ID); i >= 0 {
				o.MemberIDs = slices.Delete(o.MemberIDs, i, i+1)
			}
		}
	default:
		return fmt.Errorf("unknown action: %w", diff.ErrInvalidPlan)
	}
	return nil
}

// lookup finds the managed object a change is about. An object that
// exists without the management mark (c.Before.ID) is refused with
// ErrUnmanaged.
func (d *Dir) lookup(c diff.Change) (*record, error) {
	id, ok := d.keys[c.Key]
	if !ok {
		if c.Before != nil && c.Before.ID != "" {
			if r := d.objs[c.Before.ID]; r != nil && !r.Managed {
				return nil, diff.ErrUnmanaged
			}
		}
		return nil, diff.ErrNotFound
	}
	r := d.objs[id]
	if c.Kind != "" && r.Kind != c.Kind {
		return nil, fmt.Errorf("object is a %s: %w", r.Kind, diff.ErrInvalidPlan)
	}
	return r, nil
}

// container resolves a parent Key to the ID of a managed container; ""
// is the root.
func (d *Dir) container(key string) (string, error) {
	if key == "" {
		return "", nil
	}
	id, ok := d.keys[key]
	if !ok {
		return "", fmt.Errorf("parent %q: %w", key, diff.ErrNotFound)
	}
	if k := d.objs[id].Kind; k != diff.Container {
		return "", fmt.Errorf("parent %q is a %s: %w", key, k, diff.ErrConstraint)
	}
	return id, nil
}

func (d *Dir) create(c diff.Change) error {
	if c.After == nil {
		return fmt.Errorf("create without after: %w", diff.ErrInvalidPlan)
	}
	if _, dup := d.keys[c.Key]; dup {
		return diff.ErrExists
	}
	pid, err := d.container(c.After.Parent)
	if err != nil {
		return err
	}
	a := c.After
	r := &record{ID: d.newID(), Kind: a.Kind, Key: c.Key, Name: a.Name, ParentID: pid, Attrs: a.Attrs.Clone(),
		Institution: a.Institution, Managed: true}
	if r.Kind == "" {
		r.Kind = c.Kind
	}
	r.Attrs = slices.DeleteFunc(r.Attrs, func(x diff.Attr) bool { return x.Value == "" })
	if r.Kind == diff.User {
		r.Disabled = a.Disabled
	}
	// Groups are created empty: members come as AddMember changes.
	d.objs[r.ID] = r
	d.keys[c.Key] = r.ID
	return nil
}

func (d *Dir) adopt(c diff.Change) error {
	if c.Before == nil || c.Before.ID == "" {
		return fmt.Errorf("adopt without before id: %w", diff.ErrInvalidPlan)
	}
	r := d.objs[c.Before.ID]
	if r == nil {
		return fmt.Errorf("id %q: %w", c.Before.ID, diff.ErrNotFound)
	}
	if r.Managed {
		if r.Key == c.Key {
			return nil // already adopted
		}
		return fmt.Errorf("id %q is already managed as %q: %w", r.ID, r.Key, diff.ErrExists)
	}
	if _, dup := d.keys[c.Key]; dup {
		return diff.ErrExists
	}
	r.Managed = true
	r.Key = c.Key
	d.keys[c.Key] = r.ID
	return nil
}

func setAttr(r *record, name, value string) {
	if value == "" {
		r.Attrs.Delete(name)
		return
	}
	r.Attrs.Set(name, value)
}
