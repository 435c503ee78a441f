package ledger

import (
	"crypto/sha256"
	"fmt"
	"time"
)

// Digest is a SHA-256 sum.
type Digest [sha256.Size]byte

// String returns the digest in lower-case hex.
func (d Digest) String() string { return fmt.Sprintf("%x", d[:]) }

// Domain tags: the first field of each hashed encoding, so that no
// encoding of one kind can be read as another.
const (
	tagRun        = "paidan.run/v1"
	tagAssignment = "paidan.assignment/v1"
	tagUnassigned = "paidan.unassigned/v1"
	tagEntry      = "paidan.ledger/v1"
)

// Run holds the figures of a finished run as paidan.run stores them. A nil
// pointer is a NULL column. KPIs is the jsonb column's text as PostgreSQL
// prints it (kpis::text), which is deterministic for a stored value.
type Run struct {
	ID             string
	Partition      string
	StartedAt      time.Time
	FinishedAt     *time.Time
	Status         string
	RulesHash      *string
	InputHash      *string
	Objective      float64
	ObjectiveUnits int64
	DualBound      int64
	Certificate    string
	KPIs           *string
	Assigned       int64
	Conflicts      int64
	Error          *string
}

// Digest returns the SHA-256 of the run's figures in the canonical
// encoding, field by field in the order of the struct.
func (r *Run) Digest() Digest {
	e := encoder{h: sha256.New()}
	e.text(tagRun)
	e.text(r.ID)
	e.text(r.Partition)
	e.time(r.StartedAt)
	e.optTime(r.FinishedAt)
	e.text(r.Status)
	e.optText(r.RulesHash)
	e.optText(r.InputHash)
	e.float(r.Objective)
	e.int(r.ObjectiveUnits)
	e.int(r.DualBound)
	e.text(r.Certificate)
	e.optText(r.KPIs)
	e.int(r.Assigned)
	e.int(r.Conflicts)
	e.optText(r.Error)
	var d Digest
	e.h.Sum(d[:0])
	return d
}

// Assignment is one assignment row of a run (from paidan.assignment or
// paidan.assignment_archive), in the columns the ledger covers. Whether it
// is still active is not covered: that changes when the task moves on.
type Assignment struct {
	TaskID        string
	WorkerID      string
	DistanceKm    float64
	CostTravel    float64
	CostBalance   float64
	CostStability float64
	Pinned        bool
}

// Unassigned is one paidan.unassigned row of a run.
type Unassigned struct {
	TaskID string
	Reason string
	Detail string
}

// RowDigest accumulates the digest of one run's rows of one table. Rows
// must be added in ascending byte order of their task id (COLLATE "C").
// The zero value is not usable; call NewAssignmentDigest or
// NewUnassignedDigest.
type RowDigest struct {
	e     encoder
	count int64
	last  string
}

// NewAssignmentDigest starts the digest of a run's assignment rows.
func NewAssignmentDigest() *RowDigest { return newRowDigest(tagAssignment) }

// NewUnassignedDigest starts the digest of a run's unassigned rows.
func NewUnassignedDigest() *RowDigest { return newRowDigest(tagUnassigned) }

func newRowDigest(tag string) *RowDigest {
	d := &RowDigest{e: encoder{h: sha256.New()}}
	d.e.text(tag)
	return d
}

// order checks that task comes after the previous row's task.
func (d *RowDigest) order(task string) error {
	if d.count > 0 && task <= d.last {
		return fmt.Errorf("ledger: task %q after %q: rows must come in ascending byte order of task id, each once", task, d.last)
	}
	d.last = task
	d.count++
	return nil
}

// AddAssignment adds an assignment row. It returns an error if the row is
// out of order.
func (d *RowDigest) AddAssignment(a Assignment) error {
	if err := d.order(a.TaskID); err != nil {
		return err
	}
	d.e.text(a.TaskID)
	d.e.text(a.WorkerID)
	d.e.float(a.DistanceKm)
	d.e.float(a.CostTravel)
	d.e.float(a.CostBalance)
	d.e.float(a.CostStability)
	d.e.bool(a.Pinned)
	return nil
}

// AddUnassigned adds an unassigned row. It returns an error if the row is
// out of order.
func (d *RowDigest) AddUnassigned(u Unassigned) error {
	if err := d.order(u.TaskID); err != nil {
		return err
	}
	d.e.text(u.TaskID)
	d.e.text(u.Reason)
	d.e.text(u.Detail)
	return nil
}

// Sum returns the number of rows added and their digest.
func (d *RowDigest) Sum() (int64, Digest) {
	var out Digest
	d.e.h.Sum(out[:0])
	return d.count, out
}

// EmptyAssignments is the digest of a run without assignment rows.
func EmptyAssignments() Digest { _, d := NewAssignmentDigest().Sum(); return d }

// EmptyUnassigned is the digest of a run without unassigned rows.
func EmptyUnassigned() Digest { _, d := NewUnassignedDigest().Sum(); return d }
