// Package route spreads one desired state over several targets of the same
// kind: each object goes to the target configured for its institution
// (diff.Object.Institution). It serves any diff.Target — Entra tenants, AD
// forests, Google domains — so that staff of one municipality or school
// never share a directory with the pupils of another.
//
// route imports only diff; it is not an adapter and does no I/O of its own
// beyond calling the targets it is given.
package route

import (
	"context"
	"errors"
	"fmt"
	"maps"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
)

// ErrConfig is wrapped by every error of New: a route or default naming an
// unknown target, no targets, a nil target.
var ErrConfig = errors.New("invalid route config")

var _ diff.Target = (*Router)(nil)

// Router is a diff.Target over several named targets. Objects without an
// institution (municipality-wide groups) and institutions without a route
// go to the default target; with no default they are refused.
//
// A group's members must live in the group's target; Prepare removes the
// others from the desired state (no directory can hold members that live
// in another directory).
type Router struct {
	targets map[string]diff.Target
	routes  map[string]string
	def     string

	mu    sync.Mutex
	where map[string]string // key -> target, from Read and Apply
	ids   map[string]string // object id -> target, from Read (adoption candidates)
}

// New returns a Router over targets (by name), routing institution numbers
// to target names; def names the default target ("" for none). Every route
// and the default must name a target. The maps are not copied: do not
// change them while the Router is in use.
func New(targets map[string]diff.Target, routes map[string]string, def string) (*Router, error) {
	var errs []error
	if len(targets) == 0 {
		errs = append(errs, fmt.Errorf("%w: no targets", ErrConfig))
	}
	for _, name := range slices.Sorted(maps.Keys(targets)) {
		if targets[name] == nil {
			errs = append(errs, fmt.Errorf("%w: target %q is nil", ErrConfig, name))
		}
	}
	for _, inst := range slices.Sorted(maps.Keys(routes)) {
		if _, ok := targets[routes[inst]]; !ok {
			errs = append(errs, fmt.Errorf("%w: institution %s routes to unknown target %q", ErrConfig, inst, routes[inst]))
		}
	}
	if _, ok := targets[def]; def != "" && !ok {
		errs = append(errs, fmt.Errorf("%w: default target %q is unknown", ErrConfig, def))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, fmt.Errorf("route: %w", err)
	}
	return &Router{targets: targets, routes: routes, def: def, where: map[string]string{}}, nil
}

// Target returns the name of the target an institution's objects go to.
// It fails with diff.ErrConstraint when the institution has no route and
// there is no default.
func (r *Router) Target(institution string) (string, error) {
	if name, ok := r.routes[institution]; ok {
		return name, nil
	}
	if r.def != "" {
		return r.def, nil
	}
	return "", fmt.Errorf("route: %w: no target for institution %q and no default", diff.ErrConstraint, institution)
}

// Read reads every target (concurrently) and returns all their objects.
// Two targets holding the same key is an error (diff.ErrInvalidPlan).
func (r *Router) Read(ctx context.Context) ([]diff.Object, error) {
	names := slices.Sorted(maps.Keys(r.targets))
	res := make([][]diff.Object, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			res[i], errs[i] = r.targets[name].Read(ctx)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("route: read target %s: %w", name, errs[i])
			}
		})
	}
	wg.Wait()
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	where, ids := map[string]string{}, map[string]string{}
	var out []diff.Object
	var dup []error
	for i, name := range names {
		for _, o := range res[i] {
			if o.Key != "" {
				if prev, ok := where[o.Key]; ok {
					dup = append(dup, fmt.Errorf("route: key %s is in targets %s and %s", o.Key, prev, name))
				}
				where[o.Key] = name
			}
			if o.ID != "" {
				ids[o.ID] = name
			}
			out = append(out, o)
		}
	}
	if err := errors.Join(dup...); err != nil {
		return nil, fmt.Errorf("%w: %w", diff.ErrInvalidPlan, err)
	}
	r.mu.Lock()
	r.where, r.ids = where, ids
	r.mu.Unlock()
	return out, nil
}

// Apply sends a change to its object's target: the target it was read
// from (by key, or by object id for an adopted object), else the target
// of its institution. A member change whose member lives in another target
// than the group fails with diff.ErrConstraint.
func (r *Router) Apply(ctx context.Context, c diff.Change) error {
	name, err := r.route(c.Key, c.Institution())
	if c.Before != nil && c.Before.ID != "" {
		r.mu.Lock()
		if t, ok := r.ids[c.Before.ID]; ok {
			name, err = t, nil
		}
		r.mu.Unlock()
	}
	if err != nil {
		return fmt.Errorf("route: %s %s: %w", c.Action, c.Key, err)
	}
	if c.Member != "" {
		r.mu.Lock()
		mt, known := r.where[c.Member]
		r.mu.Unlock()
		if known && mt != name {
			return fmt.Errorf("route: %s %s: %w: member %s lives in target %s, the group in %s", c.Action, c.Key, diff.ErrConstraint, c.Member, mt, name)
		}
	}
	if err := r.targets[name].Apply(ctx, c); err != nil {
		return err
	}
	r.mu.Lock()
	if c.Action == diff.Delete {
		delete(r.where, c.Key)
	} else {
		r.where[c.Key] = name
	}
	r.mu.Unlock()
	return nil
}

func (r *Router) route(key, institution string) (string, error) {
	r.mu.Lock()
	name, ok := r.where[key]
	r.mu.Unlock()
	if ok {
		return name, nil
	}
	return r.Target(institution)
}

var _ diff.Preparer = (*Router)(nil)

// Prepare splits the desired state by target, lets each target that has a
// Prepare method adapt its share, and removes group members that live in
// another target than their group. Objects that cannot be routed are
// returned unchanged (Apply then refuses them with an error).
func (r *Router) Prepare(desired []diff.Object) []diff.Object {
	targetOf := map[string]string{}
	share := map[string][]diff.Object{}
	var unrouted []diff.Object
	for _, o := range desired {
		name, err := r.Target(o.Institution)
		if err != nil {
			unrouted = append(unrouted, o)
			continue
		}
		targetOf[o.Key] = name
		share[name] = append(share[name], o)
	}
	out := unrouted
	for _, name := range slices.Sorted(maps.Keys(share)) {
		objs := share[name]
		objs = diff.Prepare(r.targets[name], objs)
		for _, o := range objs {
			if len(o.Members) > 0 {
				o = o.Clone()
				o.Members = slices.DeleteFunc(o.Members, func(m string) bool {
					t, ok := targetOf[m]
					return ok && t != name
				})
			}
			out = append(out, o)
		}
	}
	return out
}

// String lists the routes and the default, for logs.
func (r *Router) String() string {
	var b strings.Builder
	b.WriteString("router:")
	for _, inst := range slices.Sorted(maps.Keys(r.routes)) {
		fmt.Fprintf(&b, " %s->%s", inst, r.routes[inst])
	}
	if r.def != "" {
		fmt.Fprintf(&b, " default->%s", r.def)
	}
	return b.String()
}
