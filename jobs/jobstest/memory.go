package jobstest

import (
	"context"
	"fmt"
	"slices"
	"sync"
	"testing"
	"time"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/jobs"
)

// Memory is an in-memory store that implements every interface of package
// jobs (Source, PartitionChecker, PlanWriter, Locker) with the contract
// the PostgreSQL adapters keep: a task is assigned only while pending at
// the version loaded, a worker never past its capacity, a run id applied
// at most once, a partition locked by one holder at a time. It is for
// tests; the zero value is empty and ready. Safe for concurrent use.
type Memory struct {
	mu      sync.Mutex
	parts   map[string]*memPartition
	runs    map[string]paidan.Run
	locks   map[string]bool
	version int64
}

type memPartition struct {
	asOf    time.Time
	tasks   []*memTask
	workers []paidan.Worker
}

type memTask struct {
	task   paidan.Task
	status string // pending, assigned, cancelled
	worker paidan.WorkerID
}

// NewMemory returns a Driver over a fresh Memory.
func NewMemory(testing.TB) *Driver {
	m := &Memory{}
	return &Driver{Source: m, Writer: m, Locker: m, Store: m}
}

func (m *Memory) init() {
	if m.parts == nil {
		m.parts, m.runs, m.locks = map[string]*memPartition{}, map[string]paidan.Run{}, map[string]bool{}
	}
}

// Seed stores b's tasks (pending) and workers in partition b.Partition.
func (m *Memory) Seed(_ testing.TB, b *paidan.Batch) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	p := m.parts[b.Partition]
	if p == nil {
		p = &memPartition{}
		m.parts[b.Partition] = p
	}
	p.asOf = b.AsOf
	for _, t := range b.Tasks {
		m.version++
		t.Version = m.version
		p.tasks = append(p.tasks, &memTask{task: t, status: "pending"})
	}
	p.workers = append(p.workers, b.Workers...)
}

// Cancel cancels a pending task, as a business system would.
func (m *Memory) Cancel(_ testing.TB, partition string, id paidan.TaskID) {
	m.mu.Lock()
	defer m.mu.Unlock()
	for _, t := range m.parts[partition].tasks {
		if t.task.ID == id && t.status == "pending" {
			t.status = "cancelled"
			m.version++
			t.task.Version = m.version
		}
	}
}

// Runs returns the runs recorded for partition.
func (m *Memory) Runs(_ testing.TB, partition string) []paidan.Run {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []paidan.Run
	for _, r := range m.runs {
		if r.Partition == partition {
			out = append(out, r)
		}
	}
	return out
}

// Assigned counts the assigned tasks of partition.
func (m *Memory) Assigned(_ testing.TB, partition string) int {
	m.mu.Lock()
	defer m.mu.Unlock()
	n := 0
	if p := m.parts[partition]; p != nil {
		for _, t := range p.tasks {
			if t.status == "assigned" {
				n++
			}
		}
	}
	return n
}

// Partitions lists the partitions with pending tasks, in name order.
func (m *Memory) Partitions(context.Context) ([]string, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	var out []string
	for name, p := range m.parts {
		if slices.ContainsFunc(p.tasks, func(t *memTask) bool { return t.status == "pending" }) {
			out = append(out, name)
		}
	}
	slices.Sort(out)
	return out, nil
}

// HasPartition reports whether partition has any task or worker.
func (m *Memory) HasPartition(_ context.Context, partition string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	_, ok := m.parts[partition]
	return ok, nil
}

// Load returns the partition's pending tasks and its workers, each with
// the tasks assigned to it as Load.
func (m *Memory) Load(_ context.Context, partition string) (*paidan.Batch, []*paidan.InputError, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	b := &paidan.Batch{Partition: partition}
	p := m.parts[partition]
	if p == nil {
		return b, nil, nil
	}
	b.AsOf = p.asOf
	load := map[paidan.WorkerID]int{}
	for _, t := range p.tasks {
		switch t.status {
		case "pending":
			b.Tasks = append(b.Tasks, t.task)
		case "assigned":
			load[t.worker]++
		}
	}
	for _, w := range p.workers {
		w.Load = load[w.ID]
		b.Workers = append(b.Workers, w)
	}
	return b, nil, nil
}

// Apply assigns each of the plan's tasks that is still pending at the
// version loaded to its worker while the worker has room, and records run
// applied; the other assignments come back as conflicts.
func (m *Memory) Apply(_ context.Context, run paidan.Run, plan *paidan.Plan, batch *paidan.Batch) (*jobs.WriteResult, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if r, ok := m.runs[run.ID]; ok && r.Status == paidan.RunApplied {
		return nil, fmt.Errorf("run %s: %w", run.ID, jobs.ErrAlreadyApplied)
	}
	p := m.parts[run.Partition]
	if p == nil {
		return nil, fmt.Errorf("apply run %s: no partition %q", run.ID, run.Partition)
	}
	loaded := map[paidan.TaskID]int64{}
	for _, t := range batch.Tasks {
		loaded[t.ID] = t.Version
	}
	room := map[paidan.WorkerID]int{}
	for _, w := range p.workers {
		room[w.ID] = w.Capacity
	}
	byID := map[paidan.TaskID]*memTask{}
	for _, t := range p.tasks {
		byID[t.task.ID] = t
		if t.status == "assigned" {
			room[t.worker]--
		}
	}
	res := &jobs.WriteResult{Conflicts: map[paidan.TaskID]string{}}
	for _, a := range plan.Assignments {
		t := byID[a.Task]
		switch {
		case t == nil:
			res.Conflicts[a.Task] = "task_gone"
		case t.status == "cancelled":
			res.Conflicts[a.Task] = "task_cancelled"
		case t.status != "pending" || t.task.Version != loaded[a.Task]:
			res.Conflicts[a.Task] = "task_changed"
		case room[a.Worker] <= 0:
			res.Conflicts[a.Task] = "worker_full"
		default:
			t.status, t.worker = "assigned", a.Worker
			room[a.Worker]--
			res.Assigned++
		}
	}
	run.Status, run.Assigned, run.Conflicts = paidan.RunApplied, res.Assigned, len(res.Conflicts)
	m.runs[run.ID] = run
	return res, nil
}

// WasApplied reports whether run id was applied.
func (m *Memory) WasApplied(_ context.Context, id string) (bool, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	return m.runs[id].Status == paidan.RunApplied, nil
}

// Record records a failed or skipped run; an applied id is refused.
func (m *Memory) Record(_ context.Context, run paidan.Run) error {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if m.runs[run.ID].Status == paidan.RunApplied {
		return fmt.Errorf("run %s: %w", run.ID, jobs.ErrAlreadyApplied)
	}
	m.runs[run.ID] = run
	return nil
}

// TryLock takes partition's lock, or fails with jobs.ErrLocked.
func (m *Memory) TryLock(_ context.Context, partition string) (jobs.Lock, error) {
	m.mu.Lock()
	defer m.mu.Unlock()
	m.init()
	if m.locks[partition] {
		return nil, fmt.Errorf("partition %q: %w", partition, jobs.ErrLocked)
	}
	m.locks[partition] = true
	return &memLock{m: m, partition: partition}, nil
}

type memLock struct {
	m         *Memory
	partition string
	released  bool
}

func (l *memLock) Check(context.Context) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.released || !l.m.locks[l.partition] {
		return fmt.Errorf("partition %q: %w", l.partition, jobs.ErrLockLost)
	}
	return nil
}

func (l *memLock) Release(context.Context) error {
	l.m.mu.Lock()
	defer l.m.mu.Unlock()
	if l.released {
		return fmt.Errorf("partition %q: lock released twice", l.partition)
	}
	l.released = true
	delete(l.m.locks, l.partition)
	return nil
}
