package provision

import (
	"context"
	"slices"
	"sync"

	"github.com/orgsync/orgsync/diff"
)

// DeltaReader is a target that can read its actual state from what
// changed since its last read (ad.Client reads by uSNChanged; Remember
// wraps a target that cannot). ReadDelta must return what Read would
// return at the same moment; an implementation that cannot tell reads
// everything. A Job with Delta set reads through it.
type DeltaReader interface {
	ReadDelta(ctx context.Context) ([]diff.Object, error)
}

// readActual reads the target: by ReadDelta when the Job asks for a delta
// run and the target offers one, else by Read.
func (j *Job) readActual(ctx context.Context) (objs []diff.Object, delta bool, err error) {
	if dr, ok := j.Target.(DeltaReader); ok && j.Delta {
		objs, err = dr.ReadDelta(ctx)
		return objs, true, err
	}
	objs, err = j.Target.Read(ctx)
	return objs, false, err
}

// Remembered wraps a target without a delta read of its own (Google,
// memdir): it keeps the actual state the last full Read returned, folds
// in every change applied through it, and ReadDelta returns that state
// without asking the target. Changes made behind its back are not seen
// until the next full Read, so whoever uses it runs a full read on a
// schedule (the nightly run: a Job without Delta, or Forget).
//
// A change whose result only the target knows makes the state stale
// (the next ReadDelta reads everything): a Create (the target gives the
// ID) and a Move (some targets derive the institution from the parent).
// A failed change does too (it may have been half done). The others are
// folded in as package diff defines them: Update sets (empty: removes)
// attributes, Rename the name, Enable and Disable the flag (users) and
// diff.AttrDisabledDate, AddMember and RemoveMember the members, Delete
// removes the object (and it from groups), Adopt marks an object managed.
//
// Remembered passes Prepare on to the target; other optional interfaces
// of the target (such as ad.Client.Usernames) are not visible through it.
type Remembered struct {
	// Target is the directory wrapped.
	Target diff.Target

	mu    sync.Mutex
	known bool
	objs  []diff.Object
}

var _ DeltaReader = (*Remembered)(nil)

// Remember wraps t (see Remembered).
func Remember(t diff.Target) *Remembered { return &Remembered{Target: t} }

// Read reads the target and remembers what it returned.
func (r *Remembered) Read(ctx context.Context) ([]diff.Object, error) {
	objs, err := r.Target.Read(ctx)
	r.mu.Lock()
	defer r.mu.Unlock()
	if err != nil {
		r.known, r.objs = false, nil
		return nil, err
	}
	r.known, r.objs = true, cloneObjects(objs)
	return objs, nil
}

// ReadDelta returns the remembered state, or reads the target when there
// is none (first run, Forget, or a change that made it stale).
func (r *Remembered) ReadDelta(ctx context.Context) ([]diff.Object, error) {
	r.mu.Lock()
	if r.known {
		out := cloneObjects(r.objs)
		r.mu.Unlock()
		return out, ctx.Err()
	}
	r.mu.Unlock()
	return r.Read(ctx)
}

// Forget drops the remembered state: the next ReadDelta reads everything.
func (r *Remembered) Forget() {
	r.mu.Lock()
	defer r.mu.Unlock()
	r.known, r.objs = false, nil
}

// Prepare prepares desired as the target does (see diff.Prepare).
func (r *Remembered) Prepare(desired []diff.Object) []diff.Object {
	return diff.Prepare(r.Target, desired)
}

// Apply applies c to the target and folds it into the remembered state.
func (r *Remembered) Apply(ctx context.Context, c diff.Change) error {
	err := r.Target.Apply(ctx, c)
	r.mu.Lock()
	defer r.mu.Unlock()
	if !r.known {
		return err
	}
	if err != nil || !r.fold(c) {
		r.known, r.objs = false, nil
	}
	return err
}

// fold applies c to the remembered objects; false when it cannot.
func (r *Remembered) fold(c diff.Change) bool {
	if c.Action == diff.NoOp {
		return true
	}
	if c.Action == diff.Adopt {
		if c.Before == nil || c.Before.ID == "" {
			return false
		}
		i := slices.IndexFunc(r.objs, func(o diff.Object) bool { return !o.Managed && o.ID == c.Before.ID })
		if i < 0 {
			return false
		}
		r.objs[i].Managed, r.objs[i].Key = true, c.Key
		return true
	}
	i := slices.IndexFunc(r.objs, func(o diff.Object) bool { return o.Managed && o.Key == c.Key })
	if i < 0 {
		return false
	}
	o := &r.objs[i]
	switch c.Action {
	case diff.Update:
		for _, a := range c.Attrs {
			setAttr(&o.Attrs, a.Name, a.After)
		}
	case diff.Rename:
		if c.After == nil {
			return false
		}
		o.Name = c.After.Name
	case diff.Enable:
		o.Disabled = false
		o.Attrs.Delete(diff.AttrDisabledDate)
	case diff.Disable:
		if c.After == nil {
			return false
		}
		if o.Kind == diff.User {
			o.Disabled = true
		}
		setAttr(&o.Attrs, diff.AttrDisabledDate, c.After.Attrs.Get(diff.AttrDisabledDate))
	case diff.AddMember:
		if !slices.Contains(o.Members, c.Member) {
			if slices.IndexFunc(r.objs, func(m diff.Object) bool { return m.Managed && m.Key == c.Member }) < 0 {
				return false
			}
			o.Members = append(slices.Clone(o.Members), c.Member)
			slices.Sort(o.Members)
		}
	case diff.RemoveMember:
		if j := slices.Index(o.Members, c.Member); j >= 0 {
			o.Members = slices.Delete(slices.Clone(o.Members), j, j+1)
			if len(o.Members) == 0 {
				o.Members = nil
			}
		}
	case diff.Delete:
		r.objs = slices.Delete(r.objs, i, i+1)
		for j := range r.objs {
			if k := slices.Index(r.objs[j].Members, c.Key); k >= 0 {
				r.objs[j].Members = slices.Delete(slices.Clone(r.objs[j].Members), k, k+1)
				if len(r.objs[j].Members) == 0 {
					r.objs[j].Members = nil
				}
			}
		}
	default: // Create, Move: only the target knows the result
		return false
	}
	return true
}

func setAttr(a *diff.Attrs, name, value string) {
	if value == "" {
		a.Delete(name)
		return
	}
	a.Set(name, value)
}

func cloneObjects(objs []diff.Object) []diff.Object {
	out := slices.Clone(objs)
	for i := range out {
		out[i].Attrs = out[i].Attrs.Clone()
		out[i].Members = slices.Clone(out[i].Members)
	}
	return out
}
