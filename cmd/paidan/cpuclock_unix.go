//go:build unix

package main

import (
	"syscall"
	"time"
)

// processCPU returns the user and system CPU time of the process so far
// (zero when the system does not say), which progress lines print: on a
// shared machine it tells a stage's work from its waiting for a CPU.
func processCPU() time.Duration {
	var ru syscall.Rusage
	if syscall.Getrusage(syscall.RUSAGE_SELF, &ru) != nil {
		return 0
	}
	return time.Duration(ru.Utime.Nano() + ru.Stime.Nano())
}
