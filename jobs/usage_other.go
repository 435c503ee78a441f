//go:build !unix

package jobs

// processCPU is 0 where getrusage is missing: CPU seconds are not measured.
func processCPU() float64 { return 0 }
