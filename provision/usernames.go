package provision

import (
	"fmt"
	"math/rand/v2"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// Generator returns a username generator for the configured standard
// (naming.StandardByName) whose collision check sees every username in
// the target (managed or not), every username in the state and every
// username the source reserved.
func (u UsernameConfig) Generator(actual []diff.Object, state map[string]string, s *orgmodel.Snapshot) (*naming.Generator, error) {
	std, err := naming.StandardByName(u.Standard, u.Prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: usernames: %w", ErrConfig, err)
	}
	taken := naming.NewReserved()
	for _, o := range actual {
		if o.Kind == diff.User {
			taken.Add(o.Attrs.Get(diff.AttrUsername))
		}
	}
	for _, name := range state {
		taken.Add(name)
	}
	for _, p := range s.Persons {
		taken.Add(p.Username)
	}
	opt := naming.Options{Deny: u.DenyList}
	if u.Seed != 0 {
		opt.Rand = rand.NewChaCha8(seed32(u.Seed))
	}
	g, err := naming.NewGenerator(std, taken, opt)
	if err != nil {
		return nil, fmt.Errorf("%w: usernames: %w", ErrConfig, err)
	}
	return g, nil
}

func seed32(n int64) [32]byte {
	var b [32]byte
	for i := range 8 {
		b[i] = byte(n >> (8 * i))
	}
	return b
}

// usernamesFromTarget copies into names the usernames of the managed users
// in the target: usernames already in the target win over the state, so
// a crash after a create but before the state was saved (or a lost state
// file) renames nobody.
func usernamesFromTarget(names map[string]string, actual []diff.Object) {
	for _, o := range actual {
		if pid := desired.PersonID(o.Key); pid != "" && o.Managed && o.Attrs.Get(diff.AttrUsername) != "" {
			names[pid] = o.Attrs.Get(diff.AttrUsername)
		}
	}
}
