package report

import (
	"errors"
	"fmt"
	"time"
)

// Period is the length of the buckets a report's time series use.
type Period string

// The periods a report can group by. Buckets start at midnight UTC; weeks
// start on Monday (ISO 8601).
const (
	Day   Period = "day"
	Week  Period = "week"
	Month Period = "month"
)

// ParsePeriod returns the period named s ("day", "week" or "month").
func ParsePeriod(s string) (Period, error) {
	switch p := Period(s); p {
	case Day, Week, Month:
		return p, nil
	}
	return "", fmt.Errorf("period %q: want day, week or month", s)
}

// Schedule says when the scheduler's cycles were due: Next(t) is the first
// tick after t. A github.com/robfig/cron/v3 schedule satisfies it, as does
// jobs.Every.
type Schedule interface {
	Next(time.Time) time.Time
}

// Query says what a report covers and the thresholds it measures against.
// From, To and Period are required; the other zero values work.
type Query struct {
	From, To  time.Time // the range [From, To)
	Partition string    // "" means every partition
	Period    Period

	// LatencyTarget is the dispatch latency (task created → first
	// assigned) the service level promises. Zero means 15 minutes.
	LatencyTarget time.Duration
	// PendingAfter: a task still waiting at To after this long is listed
	// as pending too long. Zero means 1 hour.
	PendingAfter time.Duration

	// Schedule is when cycles were due, for the service-level section; nil
	// means none is checked. ScheduleText describes it ("every 5m",
	// "cron */5 * * * *"). Fixed says Schedule is a fixed interval whose
	// phase is the scheduler's start, not the clock's: a cycle is then
	// late when it started more than Late after the previous cycle's
	// start plus the interval, rather than more than Late after its tick.
	Schedule     Schedule
	ScheduleText string
	Fixed        time.Duration
	// Late is the tolerance before a cycle counts as late. Zero means 1
	// minute.
	Late time.Duration

	// ListLimit caps the rows of a listing (breaches, runs) shown in the
	// HTML; the files hold every row. Zero means 50.
	ListLimit int
}

// Validate reports a query without a range, with an empty range or an
// unknown period.
func (q *Query) Validate() error {
	switch {
	case q.From.IsZero() || q.To.IsZero():
		return errors.New("report: query without From or To")
	case !q.To.After(q.From):
		return fmt.Errorf("report: range %s to %s is empty", q.From.Format(time.RFC3339), q.To.Format(time.RFC3339))
	case q.LatencyTarget < 0 || q.PendingAfter < 0 || q.Late < 0:
		return errors.New("report: negative threshold")
	}
	if _, err := ParsePeriod(string(q.Period)); err != nil {
		return fmt.Errorf("report: %w", err)
	}
	return nil
}

// Target returns LatencyTarget or its default.
func (q *Query) Target() time.Duration { return orDefault(q.LatencyTarget, 15*time.Minute) }

// Pending returns PendingAfter or its default.
func (q *Query) Pending() time.Duration { return orDefault(q.PendingAfter, time.Hour) }

// Lateness returns Late or its default.
func (q *Query) Lateness() time.Duration { return orDefault(q.Late, time.Minute) }

// Limit returns ListLimit or its default.
func (q *Query) Limit() int {
	if q.ListLimit <= 0 {
		return 50
	}
	return q.ListLimit
}

func orDefault(d, def time.Duration) time.Duration {
	if d == 0 {
		return def
	}
	return d
}
