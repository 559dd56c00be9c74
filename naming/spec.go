package naming

import (
	"errors"
	"fmt"
	"strconv"
	"strings"
)

// ErrStandardName is matched (errors.Is) by StandardByName's error for a
// name it does not know or a malformed argument.
var ErrStandardName = errors.New("unknown username standard")

// StandardByName returns the username standard a configuration file names
// in one short string, the mini-language of the starter binaries:
//
//	""  or "uni-login"  UNILogin: 4 name letters + a 4-digit sequence
//	"name+digits:N"     NameDigits(N): 4 letters + N random digits (default 4)
//	"digits+name"       DigitsName
//	"prefix:N"          PrefixName(prefix, N) (default 2)
//	"random:N"          Random(N) (default 8)
//	anything with "{"   a template, see ParseStandard, e.g. "{first:3}{last:3}{n}"
//
// prefix is used by "prefix" only. Errors name spec; a bad template is a
// *TemplateError (ErrTemplate), anything else matches ErrStandardName or
// says which argument is out of range.
func StandardByName(spec, prefix string) (*Standard, error) {
	if strings.Contains(spec, "{") {
		return ParseStandard("usernames.standard", spec)
	}
	name, arg, hasArg := strings.Cut(spec, ":")
	num := func(def int) (int, error) {
		if !hasArg {
			return def, nil
		}
		n, err := strconv.Atoi(arg)
		if err != nil {
			return 0, fmt.Errorf("username standard %q: %w: %q is not a number", spec, ErrStandardName, arg)
		}
		return n, nil
	}
	var (
		std *Standard
		n   int
		err error
	)
	switch name {
	case "", "uni-login":
		if hasArg {
			return nil, fmt.Errorf("username standard %q: %w: uni-login takes no argument", spec, ErrStandardName)
		}
		return UNILogin(), nil
	case "digits+name":
		if hasArg {
			return nil, fmt.Errorf("username standard %q: %w: digits+name takes no argument", spec, ErrStandardName)
		}
		return DigitsName(), nil
	case "name+digits":
		if n, err = num(4); err == nil {
			std, err = NameDigits(n)
		}
	case "prefix":
		if n, err = num(2); err == nil {
			std, err = PrefixName(prefix, n)
		}
	case "random":
		if n, err = num(8); err == nil {
			std, err = Random(n)
		}
	default:
		return nil, fmt.Errorf("username standard %q: %w: want uni-login, name+digits:N, digits+name, prefix:N, random:N or a template with {}", spec, ErrStandardName)
	}
	if err != nil {
		if errors.Is(err, ErrStandardName) {
			return nil, err
		}
		return nil, fmt.Errorf("username standard %q: %w", spec, err)
	}
	return std, nil
}
