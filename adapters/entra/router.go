package entra

import (
	"fmt"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/route"
)

var _ diff.Target = (*Router)(nil)

// Router spreads one desired state over several Entra tenants: each object
// goes to the tenant configured for its institution, so that staff of one
// municipality or school never share a directory with the pupils of
// another. It is the generic route.Router (which any target can use) with
// the Entra vocabulary: tenants, ErrConfig.
//
// A group's members must live in the group's tenant; Prepare removes the
// others from the desired state (Graph cannot hold members from another
// tenant).
type Router struct {
	*route.Router
}

// NewRouter returns a Router over tenants (by name), routing institution
// numbers to tenant names; def names the default tenant ("" for none).
// Every route and the default must name a tenant; errors wrap both
// ErrConfig and route.ErrConfig.
func NewRouter(tenants map[string]diff.Target, routes map[string]string, def string) (*Router, error) {
	r, err := route.New(tenants, routes, def)
	if err != nil {
		return nil, fmt.Errorf("entra: %w: %w", ErrConfig, err)
	}
	return &Router{Router: r}, nil
}

// Tenant returns the tenant an institution's objects go to.
func (r *Router) Tenant(institution string) (string, error) {
	return r.Target(institution)
}
