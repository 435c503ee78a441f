package jobstest_test

import (
	"testing"

	"github.com/paidan/paidan/jobs/jobstest"
)

func TestMemory(t *testing.T) { jobstest.Exercise(t, jobstest.NewMemory) }
