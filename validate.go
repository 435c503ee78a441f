package paidan

import (
	"errors"
	"fmt"
	"math"
	"time"
	"unicode"
	"unicode/utf8"
)

// ErrControlChar reports a control character (Unicode category Cc: U+0000
// to U+001F and U+007F to U+009F) in an id or a name, where it could
// forge log lines, break CSV readers or hide text on a terminal.
var ErrControlChar = errors.New("paidan: control character")

// FieldError names the field of a task or worker that breaks a domain rule.
// Field is spelled as the dataset columns and the database columns are
// ("lat", "shift_end", "skills"), so a loader can report it as a column.
type FieldError struct {
	Field string
	Err   error // wraps a sentinel such as ErrOutOfRange
}

// Error implements error as "field: cause".
func (e *FieldError) Error() string { return e.Field + ": " + e.Err.Error() }

// Unwrap returns the cause.
func (e *FieldError) Unwrap() error { return e.Err }

// maxBatchErrors is how many rows Batch.Validate reports before it stops.
const maxBatchErrors = 20

// ValidateTask reports the first field of t that breaks a domain rule, as a
// *FieldError, or nil:
//   - id: 1 to MaxIDBytes bytes of UTF-8 without control characters;
//     pinned_worker and previous_worker likewise, or empty;
//   - region: empty, or a name (1 to MaxNameBytes bytes of UTF-8 without
//     control characters); skills: at most MaxNames distinct names;
//   - priority: 0 to MaxPriority;
//   - lat, lon: finite, within [MinLat, MaxLat] and [MinLon, MaxLon];
//   - created_at: set, within [MinTime, MaxTime]; due_at: zero (no
//     deadline) or within that range and not before created_at.
//
// It does not check references to workers; Batch.Validate does.
func ValidateTask(t *Task) error {
	if err := firstFail(
		"id", checkText(string(t.ID), MaxIDBytes, true),
		"region", checkText(t.Region, MaxNameBytes, false),
		"skills", checkNames(t.Skills),
		"priority", checkInt(t.Priority, 0, MaxPriority),
		"lat", checkFloat(t.Location.Lat, MinLat, MaxLat),
		"lon", checkFloat(t.Location.Lon, MinLon, MaxLon),
		"created_at", checkTime(t.CreatedAt, true),
		"due_at", checkTime(t.DueAt, false),
		"pinned_worker", checkText(string(t.PinnedWorker), MaxIDBytes, false),
		"previous_worker", checkText(string(t.PreviousWorker), MaxIDBytes, false),
	); err != nil {
		return err
	}
	if !t.DueAt.IsZero() && t.DueAt.Before(t.CreatedAt) {
		return &FieldError{"due_at", fmt.Errorf("%s is before created_at %s: %w",
			t.DueAt.UTC().Format(time.RFC3339Nano), t.CreatedAt.UTC().Format(time.RFC3339Nano), ErrOutOfRange)}
	}
	return nil
}

// ValidateWorker reports the first field of w that breaks a domain rule, as
// a *FieldError, or nil:
//   - id: 1 to MaxIDBytes bytes of UTF-8 without control characters;
//   - regions, skills: at most MaxNames distinct names (1 to MaxNameBytes
//     bytes of UTF-8 without control characters);
//   - capacity, load: 0 to MaxCapacity (a load above capacity leaves no
//     room, see Worker.Remaining);
//   - lat, lon: finite, within [MinLat, MaxLat] and [MinLon, MaxLon];
//   - shift_start, shift_end: zero (open) or within [MinTime, MaxTime];
//     when both are set the shift ends after it starts;
//   - max_distance_km: finite, 0 to MaxDistanceKm.
func ValidateWorker(w *Worker) error {
	if err := firstFail(
		"id", checkText(string(w.ID), MaxIDBytes, true),
		"regions", checkNames(w.Regions),
		"skills", checkNames(w.Skills),
		"capacity", checkInt(w.Capacity, 0, MaxCapacity),
		"load", checkInt(w.Load, 0, MaxCapacity),
		"lat", checkFloat(w.Location.Lat, MinLat, MaxLat),
		"lon", checkFloat(w.Location.Lon, MinLon, MaxLon),
		"shift_start", checkTime(w.ShiftStart, false),
		"shift_end", checkTime(w.ShiftEnd, false),
		"max_distance_km", checkFloat(w.MaxDistanceKm, 0, MaxDistanceKm),
	); err != nil {
		return err
	}
	if !w.ShiftStart.IsZero() && !w.ShiftEnd.IsZero() && !w.ShiftEnd.After(w.ShiftStart) {
		return &FieldError{"shift_end", fmt.Errorf("%s is not after shift_start %s: %w",
			w.ShiftEnd.UTC().Format(time.RFC3339Nano), w.ShiftStart.UTC().Format(time.RFC3339Nano), ErrOutOfRange)}
	}
	return nil
}

// ValidatePartition reports a partition name that is not empty (a dataset's
// batch has none) and not a name: 1 to MaxNameBytes bytes of UTF-8 without
// control characters.
func ValidatePartition(p string) error {
	if err := checkText(p, MaxNameBytes, false); err != nil {
		return &FieldError{"partition", err}
	}
	return nil
}

// Validate checks the whole batch: its partition name, every worker
// (ValidateWorker) and task (ValidateTask), that ids are unique among the
// batch's workers and among its tasks, and that every pinned worker is a
// worker of the batch. It returns nil or the errors joined
// (errors.Join), at most 20 of them, each an *InputError whose Source is
// "batch workers" or "batch tasks", whose Key is the row's id and whose
// cause is a *FieldError; a last one counts the errors left out.
func (b *Batch) Validate() error {
	var errs []error
	n := 0
	add := func(source, id string, err error) {
		n++
		if len(errs) < maxBatchErrors {
			errs = append(errs, &InputError{Source: source, Key: clip(id), Err: err})
		}
	}
	if err := ValidatePartition(b.Partition); err != nil {
		add("batch", "", err)
	}
	workers := make(map[WorkerID]int, len(b.Workers))
	for i := range b.Workers {
		w := &b.Workers[i]
		if err := ValidateWorker(w); err != nil {
			add("batch workers", string(w.ID), err)
		}
		if j, dup := workers[w.ID]; dup {
			add("batch workers", string(w.ID), &FieldError{"id", fmt.Errorf("also worker %d of the batch: %w", j+1, ErrDuplicateID)})
			continue
		}
		workers[w.ID] = i
	}
	tasks := make(map[TaskID]int, len(b.Tasks))
	for i := range b.Tasks {
		t := &b.Tasks[i]
		if err := ValidateTask(t); err != nil {
			add("batch tasks", string(t.ID), err)
		}
		if j, dup := tasks[t.ID]; dup {
			add("batch tasks", string(t.ID), &FieldError{"id", fmt.Errorf("also task %d of the batch: %w", j+1, ErrDuplicateID)})
			continue
		}
		tasks[t.ID] = i
		if p := t.PinnedWorker; p != "" {
			if _, ok := workers[p]; !ok {
				add("batch tasks", string(t.ID), &FieldError{"pinned_worker",
					fmt.Errorf("%q is not a worker of the batch: %w", clip(string(p)), ErrUnknownRef)})
			}
		}
	}
	if n > len(errs) {
		errs = append(errs, fmt.Errorf("batch: %d more invalid rows not listed", n-len(errs)))
	}
	return errors.Join(errs...)
}

// firstFail takes (field, error) pairs and returns the first non-nil error
// as a *FieldError of its field.
func firstFail(pairs ...any) error {
	for i := 0; i+1 < len(pairs); i += 2 {
		if err, _ := pairs[i+1].(error); err != nil {
			return &FieldError{Field: pairs[i].(string), Err: err}
		}
	}
	return nil
}

// checkText reports a value that is not UTF-8 of 1 to max bytes without
// control characters; an empty value is allowed unless required.
func checkText(s string, max int, required bool) error {
	switch {
	case s == "" && required:
		return ErrMissingValue
	case len(s) > max:
		return fmt.Errorf("%d bytes, want at most %d: %w", len(s), max, ErrTooLong)
	case !utf8.ValidString(s):
		return fmt.Errorf("%q: %w", clip(s), ErrInvalidUTF8)
	}
	for i, r := range s {
		if unicode.IsControl(r) {
			return fmt.Errorf("%q: %U at byte %d: %w", clip(s), r, i, ErrControlChar)
		}
	}
	return nil
}

// checkNames reports a list of more than MaxNames names, an item that is
// not a name, or a repeated name.
func checkNames(names []string) error {
	if len(names) > MaxNames {
		return fmt.Errorf("%d names, want at most %d: %w", len(names), MaxNames, ErrTooLong)
	}
	for i, s := range names {
		if err := checkText(s, MaxNameBytes, true); err != nil {
			return fmt.Errorf("item %d: %w", i+1, err)
		}
		for _, prev := range names[:i] {
			if prev == s {
				return fmt.Errorf("%q listed twice: %w", clip(s), ErrDuplicateID)
			}
		}
	}
	return nil
}

func checkInt(v, lo, hi int) error {
	switch {
	case v < 0 && lo == 0:
		return fmt.Errorf("%d: %w", v, ErrNegative)
	case v < lo || v > hi:
		return fmt.Errorf("%d, want a value in [%d, %d]: %w", v, lo, hi, ErrOutOfRange)
	}
	return nil
}

func checkFloat(v, lo, hi float64) error {
	switch {
	case math.IsNaN(v) || math.IsInf(v, 0):
		return fmt.Errorf("%g: %w", v, ErrNotFinite)
	case v < 0 && lo == 0:
		return fmt.Errorf("%g: %w", v, ErrNegative)
	case v < lo || v > hi:
		return fmt.Errorf("%g, want a value in [%g, %g]: %w", v, lo, hi, ErrOutOfRange)
	}
	return nil
}

// checkTime reports a time outside [MinTime, MaxTime]; the zero time (not
// set) is allowed unless required.
func checkTime(t time.Time, required bool) error {
	switch {
	case t.IsZero() && required:
		return ErrMissingValue
	case t.IsZero():
		return nil
	case t.Before(MinTime()) || t.After(MaxTime()):
		return fmt.Errorf("%s, want a time from %s to %s: %w", t.UTC().Format(time.RFC3339Nano),
			MinTime().Format(time.RFC3339), MaxTime().Format(time.RFC3339Nano), ErrOutOfRange)
	}
	return nil
}

// clip shortens s for an error message, at a rune boundary.
func clip(s string) string {
	const n = 40
	if len(s) <= n {
		return s
	}
	for i := n; i > 0; i-- {
		if utf8.RuneStart(s[i]) {
			return s[:i] + "…"
		}
	}
	return s[:n] + "…"
}
