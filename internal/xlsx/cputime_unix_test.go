//go:build unix

package xlsx

import (
	"syscall"
	"time"
)

// cpuTime is the CPU time the process has used (user and system), so a
// benchmark can report the work per operation apart from the machine's
// load.
func cpuTime() time.Duration {
	var ru syscall.Rusage
	if err := syscall.Getrusage(syscall.RUSAGE_SELF, &ru); err != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
