//go:build unix

package rolemodel_test

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time (user + system) this process has used so far,
// children not included.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
