package runner

import (
	"fmt"
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
// username in the target (managed or not), every username in the state
// and every username the source reserved.
func (u UsernameConfig) Generator(actual []diff.Object, state map[string]string, s *orgmodel.Snapshot) (*naming.Generator, error) {
	std, err := u.NamingStandard()
	if err != nil {
		return nil, err
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
	opt := naming.Options{Deny: u.DenyList, Salt: []byte(u.Salt)}
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
