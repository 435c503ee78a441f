package paidan

import "time"

// Limits on the values of tasks, workers and partitions, in one place.
// Validate, ValidateTask and ValidateWorker enforce them; every loader
// (ingest/file, ingest/postgres) calls those, and the PostgreSQL schema's
// CHECK constraints mirror them (a test in ingest/postgres compares the two
// on a live database). Sizes are in bytes of UTF-8.
const (
	// MaxIDBytes bounds a task or worker id and a worker reference
	// (pinned_worker, previous_worker).
	MaxIDBytes = 200
	// MaxNameBytes bounds a partition, region or skill name.
	MaxNameBytes = 200
	// MaxNames bounds the names in a list (a task's skills, a worker's
	// regions or skills).
	MaxNames = 64
	// MaxCapacity bounds a worker's capacity and load.
	MaxCapacity = 1_000_000
	// MaxPriority bounds a task's priority; 0 is the lowest.
	MaxPriority = 1000
	// MaxDistanceKm bounds a worker's own travel limit: Earth's
	// circumference.
	MaxDistanceKm = 40_000
	// MinLat, MaxLat, MinLon and MaxLon bound a Point, in degrees.
	MinLat, MaxLat = -90, 90
	MinLon, MaxLon = -180, 180
	// MinUnixMicro and MaxUnixMicro bound every time, in microseconds since
	// the Unix epoch: from 1970-01-01T00:00:00Z to
	// 2262-04-11T23:47:16.854775Z. Every store paidan uses holds that range
	// exactly (PostgreSQL timestamptz, Parquet nanosecond timestamps, Go's
	// UnixNano), and the zero time.Time, which means "not set", lies
	// outside it.
	MinUnixMicro = 0
	MaxUnixMicro = (1<<63 - 1) / 1000
)

// MinTime returns the earliest valid time, 1970-01-01T00:00:00Z.
func MinTime() time.Time { return time.UnixMicro(MinUnixMicro).UTC() }

// MaxTime returns the latest valid time, 2262-04-11T23:47:16.854775Z.
func MaxTime() time.Time { return time.UnixMicro(MaxUnixMicro).UTC() }
