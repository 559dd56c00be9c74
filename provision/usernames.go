package provision

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/diff/desired"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// Generator returns a username generator for the configured standard
// (naming.StandardByName) whose collision check sees every username in
// the target (managed or not), every username in the state and every
// username the source reserved and every name in taken (usernames the
// target holds beyond what it read, see Job.Taken).
func (u UsernameConfig) Generator(actual []diff.Object, state map[string]string, s *orgmodel.Snapshot, taken ...string) (*naming.Generator, error) {
	std, err := naming.StandardByName(u.Standard, u.Prefix)
	if err != nil {
		return nil, fmt.Errorf("%w: usernames: %w", ErrConfig, err)
	}
	reserved := naming.NewReserved()
	for _, name := range taken {
		reserved.Add(name)
	}
	for _, o := range actual {
		if o.Kind == diff.User {
			reserved.Add(o.Attrs.Get(diff.AttrUsername))
		}
	}
	for _, name := range state {
		reserved.Add(name)
	}
	for _, p := range s.Persons {
		reserved.Add(p.Username)
	}
	opt := naming.Options{Deny: u.DenyList, Salt: []byte(u.Salt)}
	if u.Seed != 0 {
		opt.Rand = rand.NewChaCha8(seed32(u.Seed))
	}
	g, err := naming.NewGenerator(std, reserved, opt)
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

// dropTakenUsernames forgets the usernames in the state that someone else
// holds in the target (taken) while no managed user of ours carries them:
// a username given out before the target's whole domain was checked, or
// taken by hand since, would fail the create on every run. The person
// gets the next free username instead.
func dropTakenUsernames(state map[string]string, actual []diff.Object, taken []string, log *slog.Logger) {
	ours := map[string]bool{}
	for _, o := range actual {
		if o.Kind == diff.User && o.Managed {
			ours[strings.ToLower(o.Attrs.Get(diff.AttrUsername))] = true
		}
	}
	held := make(map[string]bool, len(taken))
	for _, n := range taken {
		held[strings.ToLower(n)] = true
	}
	for pid, name := range state {
		if l := strings.ToLower(name); held[l] && !ours[l] {
			log.Warn("username in the state file is taken in the target by another account; giving the person a new one", "person", pid, "username", name)
			delete(state, pid)
		}
	}
}
