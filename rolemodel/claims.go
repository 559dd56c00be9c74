package rolemodel

import (
	"slices"
	"strings"
	"time"
)

// Claims is what an identity provider says about a user at a time (the
// standard's federated user management): per IT system the roles and rights
// the user holds, each with its restrictions, so that the IT system can
// trust a token instead of keeping its own user silo.
type Claims struct {
	User     string         `json:"user"`
	PersonID string         `json:"personId,omitempty"`
	ValidAt  time.Time      `json:"validAt"`
	Systems  []SystemClaims `json:"systems"`
}

// SystemClaims are the claims for one IT system.
type SystemClaims struct {
	System string  `json:"system"`
	Roles  []Claim `json:"roles,omitempty"`
	Rights []Claim `json:"rights,omitempty"`
	// Rules are the time-window and limit rules, valid at the instant,
	// that name one of the user's rights in this IT system: the IT system
	// enforces them when the right is used.
	Rules []Rule `json:"rules,omitempty"`
}

// Claim is a role or right with its restrictions ("kind=value"); no
// restrictions means general.
type Claim struct {
	ID           string   `json:"id"`
	Restrictions []string `json:"restrictions,omitempty"`
}

// Claims returns the user's claims at the result's instant. A role appears
// under each IT system it names and each IT system of its rights; a right
// under its IT system. A role or right held through several assignments
// carries the union of their restrictions, or none when one of them is
// general.
func (r *Result) Claims(user string) Claims {
	c := Claims{User: user, ValidAt: r.At, Systems: []SystemClaims{}}
	i, ok := r.userIdx[user]
	if !ok {
		return c
	}
	c.PersonID = r.person[i]
	type k struct{ sys, id string }
	roles := map[k][]string{}
	rights := map[k][]string{}
	general := map[k]bool{}
	put := func(into map[k][]string, key k, restr []Restriction) {
		if len(restr) == 0 {
			general[key] = true
		}
		list := into[key]
		if list == nil {
			list = []string{}
		}
		for _, x := range restr {
			list = append(list, x.String())
		}
		into[key] = list
	}
	for _, g := range r.grants[i] {
		_, _, restr := r.source(g)
		ro := &r.m.cat.Roles[g.role]
		systems := slices.Clone(ro.Systems)
		for _, gp := range r.m.closure[g.role] {
			x := &r.m.cat.Rights[gp.right]
			systems = append(systems, x.System)
			put(rights, k{x.System, "right:" + x.ID}, restr)
		}
		slices.Sort(systems)
		for _, s := range slices.Compact(systems) {
			put(roles, k{s, "role:" + ro.ID}, restr)
		}
	}
	bySys := map[string]*SystemClaims{}
	for _, from := range []map[k][]string{roles, rights} {
		for key, restr := range from {
			sc := bySys[key.sys]
			if sc == nil {
				sc = &SystemClaims{System: key.sys}
				bySys[key.sys] = sc
			}
			cl := Claim{ID: key.id[strings.IndexByte(key.id, ':')+1:]}
			if !general[key] {
				slices.Sort(restr)
				cl.Restrictions = slices.Compact(restr)
			}
			if strings.HasPrefix(key.id, "role:") {
				sc.Roles = append(sc.Roles, cl)
			} else {
				sc.Rights = append(sc.Rights, cl)
			}
		}
	}
	for _, ru := range r.RulesFor(user) {
		for _, x := range ru.Rights {
			j, ok := r.m.rightIdx[x]
			if !ok {
				continue
			}
			if sc := bySys[r.m.cat.Rights[j].System]; sc != nil && !slices.ContainsFunc(sc.Rules, func(q Rule) bool { return q.ID == ru.ID }) {
				sc.Rules = append(sc.Rules, ru)
			}
		}
	}
	byID := func(a, b Claim) int { return strings.Compare(a.ID, b.ID) }
	for _, sc := range bySys {
		slices.SortFunc(sc.Roles, byID)
		slices.SortFunc(sc.Rights, byID)
		c.Systems = append(c.Systems, *sc)
	}
	slices.SortFunc(c.Systems, func(a, b SystemClaims) int { return strings.Compare(a.System, b.System) })
	return c
}

// AttributeValues renders one IT system's roles in the SAML attribute
// value format "role[:restriction]": a general role is its ID alone; a
// restricted role gives one value per restriction, "role:kind=value".
// Rights are left out: an IT system that uses rights reads the JSON form.
func (s SystemClaims) AttributeValues() []string {
	var out []string
	for _, c := range s.Roles {
		if len(c.Restrictions) == 0 {
			out = append(out, c.ID)
			continue
		}
		for _, x := range c.Restrictions {
			out = append(out, c.ID+":"+x)
		}
	}
	return out
}
