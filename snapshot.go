package paidan

import "time"

// The records of a snapshot: every row of the dispatch state as a store
// holds it (ingest/postgres.Snapshot reads them, export/parquet writes
// them), for hand-overs and archives. Unlike Task and Worker, which are
// what a plan needs, they carry the bookkeeping columns too. An empty
// string or a zero time is a missing (NULL) value.

// TaskRecord is one task row with its dispatch state.
type TaskRecord struct {
	ID, Partition, Region        string
	Skills                       []string
	Priority                     int64
	Lat, Lon                     float64
	CreatedAt, DueAt             time.Time
	PinnedWorker, PreviousWorker string
	Status                       string // pending, assigned, done or cancelled
	AssignedWorker, AssignedRun  string
	Version                      int64
	UpdatedAt                    time.Time
}

// WorkerRecord is one worker row.
type WorkerRecord struct {
	ID, Partition        string
	Regions, Skills      []string
	Capacity, Load       int64
	Active               bool
	Lat, Lon             float64
	ShiftStart, ShiftEnd time.Time
	MaxDistanceKm        float64
	Version              int64
	UpdatedAt            time.Time
}

// RunRecord is one run row; KPIs is the JSON text the store holds.
type RunRecord struct {
	ID, Partition         string
	StartedAt, FinishedAt time.Time
	Status                string
	RulesHash, InputHash  string
	Objective             float64
	ObjectiveUnits        int64
	DualBound             int64
	Certificate           string
	KPIs                  string
	Assigned, Conflicts   int64
	Error                 string
}

// AssignmentRecord is one assignment row: what an applied run decided for
// one task.
type AssignmentRecord struct {
	RunID, TaskID, WorkerID                string
	DistanceKm                             float64
	CostTravel, CostBalance, CostStability float64
	CostTotal                              float64
	Pinned, Active                         bool
	CreatedAt                              time.Time
}

// UnassignedRecord is one unassigned row: why an applied run left a task
// out.
type UnassignedRecord struct {
	RunID, TaskID string
	Reason        string // a Reason code
	Detail        string
	CreatedAt     time.Time
}
