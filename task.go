package paidan

import "time"

// TaskID identifies a task. It is unique within a Batch.
type TaskID string

// WorkerID identifies a worker. It is unique within a Batch.
type WorkerID string

// Point is a location in degrees on the WGS84 sphere.
// Lat is in [-90, 90] and Lon in [-180, 180].
type Point struct {
	Lat, Lon float64
}

// Task is one unit of work waiting to be dispatched. Each task needs exactly
// one worker and uses one unit of that worker's capacity.
type Task struct {
	ID     TaskID
	Region string   // the region the task is in; matched against Worker.Regions
	Skills []string // skills a worker must all have; empty means any worker

	// Priority raises the penalty for leaving the task unassigned.
	// 0 is the lowest; the rules bound the highest.
	Priority int

	Location  Point
	CreatedAt time.Time // when the task started waiting
	DueAt     time.Time // latest arrival; zero means no deadline

	// PinnedWorker, when set, forces the task onto that worker.
	PinnedWorker WorkerID
	// PreviousWorker, when set, is the worker the last plan gave the task;
	// moving it elsewhere costs the rules' stability penalty.
	PreviousWorker WorkerID

	// Version is the row version a database source loaded; write-back assigns
	// the task only if it is unchanged since. Zero for file sources.
	Version int64
}

// Worker is someone (or something) that can take tasks, up to a capacity.
type Worker struct {
	ID      WorkerID
	Regions []string // regions the worker may serve; empty means every region
	Skills  []string

	Capacity int // tasks the worker may hold in total; never negative
	Load     int // tasks the worker already holds; Capacity-Load remain

	Location Point

	// ShiftStart and ShiftEnd bound when the worker can arrive at a task.
	// A zero ShiftStart means available now; a zero ShiftEnd means no end.
	ShiftStart, ShiftEnd time.Time

	// MaxDistanceKm caps the travel distance to a task for this worker;
	// zero means only the rules' limit applies.
	MaxDistanceKm float64
}

// Remaining returns the capacity the worker has left, never below zero.
func (w *Worker) Remaining() int {
	return max(w.Capacity-w.Load, 0)
}

// Batch is everything one planning run works on: the pending tasks and the
// available workers of one partition at one moment.
type Batch struct {
	Partition string    // the partition the batch came from; "" for a dataset
	AsOf      time.Time // the planning instant: waiting times and shifts are measured from it
	Tasks     []Task
	Workers   []Worker
}
