package paidan_test

import (
	"errors"
	"math"
	"strings"
	"testing"
	"time"

	"github.com/paidan/paidan"
)

var t0 = time.Date(2026, 1, 5, 8, 0, 0, 0, time.UTC)

func goodTask() paidan.Task {
	return paidan.Task{ID: "T1", Region: "north", Skills: []string{"a", "b"}, Priority: 2,
		Location: paidan.Point{Lat: 31, Lon: 121}, CreatedAt: t0, DueAt: t0.Add(time.Hour),
		PinnedWorker: "W1", PreviousWorker: "W9"}
}

func goodWorker() paidan.Worker {
	return paidan.Worker{ID: "W1", Regions: []string{"north"}, Skills: []string{"a"}, Capacity: 3, Load: 1,
		Location: paidan.Point{Lat: 31, Lon: 121}, ShiftStart: t0, ShiftEnd: t0.Add(8 * time.Hour), MaxDistanceKm: 10}
}

func TestValidateTask(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*paidan.Task)
		field string // "" when valid
		err   error
	}{
		{"valid", func(*paidan.Task) {}, "", nil},
		{"empty region and no deadline", func(t *paidan.Task) { t.Region, t.DueAt, t.Skills = "", time.Time{}, nil }, "", nil},
		{"limits exactly", func(t *paidan.Task) {
			t.ID = paidan.TaskID(strings.Repeat("x", paidan.MaxIDBytes))
			t.Priority, t.Location = paidan.MaxPriority, paidan.Point{Lat: -90, Lon: 180}
			t.CreatedAt, t.DueAt = paidan.MinTime(), paidan.MaxTime()
		}, "", nil},
		{"due equals created", func(t *paidan.Task) { t.DueAt = t.CreatedAt }, "", nil},
		{"empty id", func(t *paidan.Task) { t.ID = "" }, "id", paidan.ErrMissingValue},
		{"long id", func(t *paidan.Task) { t.ID = paidan.TaskID(strings.Repeat("x", paidan.MaxIDBytes+1)) }, "id", paidan.ErrTooLong},
		{"invalid UTF-8 id", func(t *paidan.Task) { t.ID = "T\xff" }, "id", paidan.ErrInvalidUTF8},
		{"newline in id", func(t *paidan.Task) { t.ID = "T1\nFAKE LOG LINE" }, "id", paidan.ErrControlChar},
		{"C1 control in region", func(t *paidan.Task) { t.Region = "north\u0085" }, "region", paidan.ErrControlChar},
		{"long region", func(t *paidan.Task) { t.Region = strings.Repeat("r", paidan.MaxNameBytes+1) }, "region", paidan.ErrTooLong},
		{"empty skill", func(t *paidan.Task) { t.Skills = []string{"a", ""} }, "skills", paidan.ErrMissingValue},
		{"repeated skill", func(t *paidan.Task) { t.Skills = []string{"a", "a"} }, "skills", paidan.ErrDuplicateID},
		{"too many skills", func(t *paidan.Task) { t.Skills = make([]string, paidan.MaxNames+1) }, "skills", paidan.ErrTooLong},
		{"negative priority", func(t *paidan.Task) { t.Priority = -1 }, "priority", paidan.ErrNegative},
		{"priority too high", func(t *paidan.Task) { t.Priority = paidan.MaxPriority + 1 }, "priority", paidan.ErrOutOfRange},
		{"NaN lat", func(t *paidan.Task) { t.Location.Lat = math.NaN() }, "lat", paidan.ErrNotFinite},
		{"infinite lon", func(t *paidan.Task) { t.Location.Lon = math.Inf(-1) }, "lon", paidan.ErrNotFinite},
		{"lat 90.5", func(t *paidan.Task) { t.Location.Lat = 90.5 }, "lat", paidan.ErrOutOfRange},
		{"no created_at", func(t *paidan.Task) { t.CreatedAt = time.Time{} }, "created_at", paidan.ErrMissingValue},
		{"created before 1970", func(t *paidan.Task) { t.CreatedAt = paidan.MinTime().Add(-time.Microsecond) }, "created_at", paidan.ErrOutOfRange},
		{"due after 2262", func(t *paidan.Task) { t.DueAt = paidan.MaxTime().Add(time.Microsecond) }, "due_at", paidan.ErrOutOfRange},
		{"due year 1 and a second", func(t *paidan.Task) { t.DueAt = time.Time{}.Add(time.Second) }, "due_at", paidan.ErrOutOfRange},
		{"due before created", func(t *paidan.Task) { t.DueAt = t.CreatedAt.Add(-time.Second) }, "due_at", paidan.ErrOutOfRange},
		{"tab in pinned worker", func(t *paidan.Task) { t.PinnedWorker = "W\t1" }, "pinned_worker", paidan.ErrControlChar},
		{"long previous worker", func(t *paidan.Task) {
			t.PreviousWorker = paidan.WorkerID(strings.Repeat("w", paidan.MaxIDBytes+1))
		}, "previous_worker", paidan.ErrTooLong},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			task := goodTask()
			tc.edit(&task)
			checkFieldError(t, paidan.ValidateTask(&task), tc.field, tc.err)
		})
	}
}

func TestValidateWorker(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name  string
		edit  func(*paidan.Worker)
		field string
		err   error
	}{
		{"valid", func(*paidan.Worker) {}, "", nil},
		{"open shift, load above capacity", func(w *paidan.Worker) { w.ShiftStart, w.ShiftEnd, w.Load = time.Time{}, time.Time{}, 9 }, "", nil},
		{"limits exactly", func(w *paidan.Worker) {
			w.Capacity, w.Load, w.MaxDistanceKm = paidan.MaxCapacity, paidan.MaxCapacity, paidan.MaxDistanceKm
			w.Location = paidan.Point{Lat: 90, Lon: -180}
		}, "", nil},
		{"empty id", func(w *paidan.Worker) { w.ID = "" }, "id", paidan.ErrMissingValue},
		{"escape in id", func(w *paidan.Worker) { w.ID = "W\x1b[31m" }, "id", paidan.ErrControlChar},
		{"bad region", func(w *paidan.Worker) { w.Regions = []string{"a\xc3"} }, "regions", paidan.ErrInvalidUTF8},
		{"repeated skill", func(w *paidan.Worker) { w.Skills = []string{"x", "y", "x"} }, "skills", paidan.ErrDuplicateID},
		{"negative capacity", func(w *paidan.Worker) { w.Capacity = -1 }, "capacity", paidan.ErrNegative},
		{"capacity too high", func(w *paidan.Worker) { w.Capacity = paidan.MaxCapacity + 1 }, "capacity", paidan.ErrOutOfRange},
		{"negative load", func(w *paidan.Worker) { w.Load = -1 }, "load", paidan.ErrNegative},
		{"lon 181", func(w *paidan.Worker) { w.Location.Lon = 181 }, "lon", paidan.ErrOutOfRange},
		{"shift start before 1970", func(w *paidan.Worker) { w.ShiftStart = time.Unix(-1, 0) }, "shift_start", paidan.ErrOutOfRange},
		{"shift end equals start", func(w *paidan.Worker) { w.ShiftEnd = w.ShiftStart }, "shift_end", paidan.ErrOutOfRange},
		{"shift end before start", func(w *paidan.Worker) { w.ShiftEnd = w.ShiftStart.Add(-time.Hour) }, "shift_end", paidan.ErrOutOfRange},
		{"NaN distance", func(w *paidan.Worker) { w.MaxDistanceKm = math.NaN() }, "max_distance_km", paidan.ErrNotFinite},
		{"negative distance", func(w *paidan.Worker) { w.MaxDistanceKm = -1 }, "max_distance_km", paidan.ErrNegative},
		{"distance beyond Earth", func(w *paidan.Worker) { w.MaxDistanceKm = paidan.MaxDistanceKm + 1 }, "max_distance_km", paidan.ErrOutOfRange},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			w := goodWorker()
			tc.edit(&w)
			checkFieldError(t, paidan.ValidateWorker(&w), tc.field, tc.err)
		})
	}
}

func checkFieldError(t *testing.T, err error, field string, want error) {
	t.Helper()
	if field == "" {
		if err != nil {
			t.Fatalf("got %v, want no error", err)
		}
		return
	}
	fe, ok := errors.AsType[*paidan.FieldError](err)
	if !ok || fe.Field != field || !errors.Is(err, want) {
		t.Fatalf("got %v, want a *FieldError on %s wrapping %v", err, field, want)
	}
	if !strings.HasPrefix(err.Error(), field+": ") {
		t.Errorf("message %q does not start with the field", err)
	}
}

func TestBatchValidate(t *testing.T) {
	t.Parallel()
	ok := &paidan.Batch{Partition: "north", Workers: []paidan.Worker{goodWorker()}, Tasks: []paidan.Task{goodTask()}}
	if err := ok.Validate(); err != nil {
		t.Fatalf("valid batch: %v", err)
	}
	bad := &paidan.Batch{Partition: "no\rrth", Workers: []paidan.Worker{goodWorker(), goodWorker()}}
	task, unpinned := goodTask(), goodTask()
	task.PinnedWorker = "W404"
	unpinned.ID, unpinned.Location.Lat = "T2", 100
	bad.Tasks = []paidan.Task{task, unpinned, goodTask()}
	err := bad.Validate()
	for _, want := range []struct {
		source, key, field string
		err                error
	}{
		{"batch", "", "partition", paidan.ErrControlChar},
		{"batch workers", "W1", "id", paidan.ErrDuplicateID},
		{"batch tasks", "T1", "pinned_worker", paidan.ErrUnknownRef},
		{"batch tasks", "T2", "lat", paidan.ErrOutOfRange},
		{"batch tasks", "T1", "id", paidan.ErrDuplicateID},
	} {
		found := false
		for _, e := range err.(interface{ Unwrap() []error }).Unwrap() {
			ie, ok := e.(*paidan.InputError)
			fe, _ := errors.AsType[*paidan.FieldError](e)
			if ok && ie.Source == want.source && ie.Key == want.key && fe != nil && fe.Field == want.field && errors.Is(e, want.err) {
				found = true
			}
		}
		if !found {
			t.Errorf("Validate = %v\nmissing %s %s %s: %v", err, want.source, want.key, want.field, want.err)
		}
	}

	many := &paidan.Batch{}
	for range 30 {
		w := goodWorker()
		w.Capacity = -1
		many.Workers = append(many.Workers, w)
	}
	errs := many.Validate().(interface{ Unwrap() []error }).Unwrap()
	if len(errs) != 21 || !strings.Contains(errs[20].Error(), "more invalid rows") {
		t.Errorf("30 bad rows gave %d errors (last %v); want 20 and a count", len(errs), errs[len(errs)-1])
	}
}
