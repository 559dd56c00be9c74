package entra

import (
	"context"
	"errors"
	"fmt"
	"slices"
	"strings"
	"sync"

	"github.com/orgsync/orgsync/diff"
)

var _ diff.Target = (*Router)(nil)

// Router is a diff.Target that spreads one desired state over several
// tenants: each object goes to the tenant configured for its institution
// (Object.Institution), so that staff of one municipality or school never
// share a directory with the pupils of another. Objects without an
// institution (municipality-wide groups) and institutions without a route
// go to the default tenant; with no default they are refused.
//
// A group's members must live in the group's tenant; Prepare removes the
// others from the desired state (Graph cannot hold members from another
// tenant).
type Router struct {
	tenants map[string]diff.Target
	routes  map[string]string
	def     string

	mu    sync.Mutex
	where map[string]string // key -> tenant, from Read and Apply
	ids   map[string]string // object id -> tenant, from Read (adoption candidates)
}

// NewRouter returns a Router over tenants (by name), routing institution
// numbers to tenant names; def names the default tenant ("" for none).
// Every route and the default must name a tenant.
func NewRouter(tenants map[string]diff.Target, routes map[string]string, def string) (*Router, error) {
	var errs []error
	if len(tenants) == 0 {
		errs = append(errs, fmt.Errorf("%w: router: no tenants", ErrConfig))
	}
	for name, t := range tenants {
		if t == nil {
			errs = append(errs, fmt.Errorf("%w: router: tenant %q is nil", ErrConfig, name))
		}
	}
	for inst, name := range routes {
		if _, ok := tenants[name]; !ok {
			errs = append(errs, fmt.Errorf("%w: router: institution %s routes to unknown tenant %q", ErrConfig, inst, name))
		}
	}
	if _, ok := tenants[def]; def != "" && !ok {
		errs = append(errs, fmt.Errorf("%w: router: default tenant %q is unknown", ErrConfig, def))
	}
	if err := errors.Join(errs...); err != nil {
		return nil, err
	}
	return &Router{tenants: tenants, routes: routes, def: def, where: map[string]string{}}, nil
}

// Tenant returns the tenant an institution's objects go to.
func (r *Router) Tenant(institution string) (string, error) {
	if name, ok := r.routes[institution]; ok {
		return name, nil
	}
	if r.def != "" {
		return r.def, nil
	}
	return "", fmt.Errorf("entra: router: %w: no tenant for institution %q and no default", diff.ErrConstraint, institution)
}

// Read reads every tenant (concurrently) and returns all their objects.
// Two tenants holding the same key is an error.
func (r *Router) Read(ctx context.Context) ([]diff.Object, error) {
	names := slices.Sorted(mapKeys(r.tenants))
	res := make([][]diff.Object, len(names))
	errs := make([]error, len(names))
	var wg sync.WaitGroup
	for i, name := range names {
		wg.Go(func() {
			res[i], errs[i] = r.tenants[name].Read(ctx)
			if errs[i] != nil {
				errs[i] = fmt.Errorf("entra: router: read tenant %s: %w", name, errs[i])
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
					dup = append(dup, fmt.Errorf("entra: router: key %s is in tenants %s and %s", o.Key, prev, name))
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

// Apply sends a change to its object's tenant: the tenant it was read
// from (by key, or by object id for an adopted object), else the tenant
// of its institution.
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
		return fmt.Errorf("entra: router: %s %s: %w", c.Action, c.Key, err)
	}
	if c.Member != "" {
		r.mu.Lock()
		mt, known := r.where[c.Member]
		r.mu.Unlock()
		if known && mt != name {
			return fmt.Errorf("entra: router: %s %s: %w: member %s lives in tenant %s, the group in %s", c.Action, c.Key, diff.ErrConstraint, c.Member, mt, name)
		}
	}
	if err := r.tenants[name].Apply(ctx, c); err != nil {
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
	return r.Tenant(institution)
}

// preparer is implemented by targets that adapt desired objects (Client).
type preparer interface {
	Prepare([]diff.Object) []diff.Object
}

// Prepare splits the desired state by tenant, lets each tenant that has a
// Prepare method adapt its share, and removes group members that live in
// another tenant than their group. Objects that cannot be routed are
// returned unchanged (Apply then refuses them with an error).
func (r *Router) Prepare(desired []diff.Object) []diff.Object {
	tenantOf := map[string]string{}
	share := map[string][]diff.Object{}
	var unrouted []diff.Object
	for _, o := range desired {
		name, err := r.Tenant(o.Institution)
		if err != nil {
			unrouted = append(unrouted, o)
			continue
		}
		tenantOf[o.Key] = name
		share[name] = append(share[name], o)
	}
	out := unrouted
	for _, name := range slices.Sorted(mapKeys(share)) {
		objs := share[name]
		if p, ok := r.tenants[name].(preparer); ok {
			objs = p.Prepare(objs)
		}
		for _, o := range objs {
			if len(o.Members) > 0 {
				o = o.Clone()
				o.Members = slices.DeleteFunc(o.Members, func(m string) bool {
					t, ok := tenantOf[m]
					return ok && t != name
				})
			}
			out = append(out, o)
		}
	}
	return out
}

// String lists the tenants and routes, for logs.
func (r *Router) String() string {
	var b strings.Builder
	b.WriteString("entra router:")
	for _, inst := range slices.Sorted(mapKeys(r.routes)) {
		fmt.Fprintf(&b, " %s->%s", inst, r.routes[inst])
	}
	if r.def != "" {
		fmt.Fprintf(&b, " default->%s", r.def)
	}
	return b.String()
}
