package runner

import (
	"fmt"
	"log/slog"
	"math/rand/v2"
	"strconv"
	"strings"

	"github.com/orgsync/orgsync/diff"
	"github.com/orgsync/orgsync/naming"
	"github.com/orgsync/orgsync/orgmodel"
)

// NamingStandard returns the configured username standard. Names: "uni-login"
// (default: 4 name letters + 4-digit sequence), "name+digits:N" (4 letters
// + N random digits), "digits+name", "prefix:N" (Prefix + name + N-digit
// suffix), "random:N"; anything containing "{" is a template such as
// "{first:3}{last:3}{n}" (see naming.ParseStandard).
func (u UsernameConfig) NamingStandard() (*naming.Standard, error) {
	name, arg, _ := strings.Cut(u.Standard, ":")
	num := func(def int) (int, error) {
		if arg == "" {
			return def, nil
		}
		n, err := strconv.Atoi(arg)
		if err != nil {
			return 0, fmt.Errorf("%w: usernames.standard %q: %q is not a number", ErrConfig, u.Standard, arg)
		}
		return n, nil
	}
	var (
		std *naming.Standard
		err error
	)
	switch {
	case strings.Contains(u.Standard, "{"):
		std, err = naming.ParseStandard("usernames.standard", u.Standard)
	case name == "" || name == "uni-login":
		std = naming.UNILogin()
	case name == "name+digits":
		var n int
		if n, err = num(4); err == nil {
			std, err = naming.NameDigits(n)
		}
	case name == "digits+name":
		std = naming.DigitsName()
	case name == "prefix":
		var n int
		if n, err = num(2); err == nil {
			std, err = naming.PrefixName(u.Prefix, n)
		}
	case name == "random":
		var n int
		if n, err = num(8); err == nil {
			std, err = naming.Random(n)
		}
	default:
		err = fmt.Errorf("unknown standard %q", u.Standard)
	}
	if err != nil {
		return nil, fmt.Errorf("%w: usernames: %w", ErrConfig, err)
	}
	return std, nil
}

// Generator returns a username generator whose collision check sees every
// username in the target (managed or not), every username in the state,
// every username the source reserved and every name in taken (usernames
// the target holds beyond what it read, see Job.Taken).
func (u UsernameConfig) Generator(actual []diff.Object, state map[string]string, s *orgmodel.Snapshot, taken ...string) (*naming.Generator, error) {
	std, err := u.NamingStandard()
	if err != nil {
		return nil, err
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
