//go:build !unix

package file_test

import "time"

// cpuTime is not measured on this platform; benchmarks then omit the
// per-CPU-second figure.
func cpuTime() time.Duration { return 0 }
