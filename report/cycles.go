package report

import (
	"slices"
	"time"
)

// cycles checks the runs against the schedule, per partition: one cycle per
// tick in [From, To), the window from the tick to the next. A cycle ran when
// a run of the partition that did not fail started in its window, failed when
// every run in it failed, and was missed when none started. A ran cycle is
// late when its first run started more than q.Late after the tick (cron), or,
// for a fixed interval (whose phase is the scheduler's start), more than
// q.Late after the previous cycle's first start plus the interval.
// Availability is ran / due.
//
// A skipped run is recorded once per change of the partition's state, not
// per tick (jobs.Runner), so a window without a run is not missed when the
// partition's latest recorded run before it was skipped: the scheduler kept
// finding the same nothing to do and recorded nothing. Such a cycle counts
// as ran (never late) until the partition's next recorded run; an applied
// or failed run ends it, as the next skip after either is recorded again.
// runs may hold each partition's last run before From, which only carries
// its state into the range.
func cycles(q Query, runs []RunTime) (summary, breaches *Table) {
	summary = &Table{Name: "cycles", Title: "Scheduled cycles per partition (" + q.ScheduleText + ")", Columns: []Column{
		col("partition", "", String), col("due", "cycles", Int), col("ran", "cycles", Int), col("failed", "cycles", Int),
		col("missed", "cycles", Int), col("late", "cycles", Int), col("availability", "ran/due", Float)}}
	breaches = &Table{Name: "cycle_breaches", Title: "Missed, failed and late cycles", Columns: []Column{
		col("partition", "", String), col("due_at", "UTC", Time), col("kind", "", String),
		col("started_at", "UTC", Time), col("delay_s", "s", Float)}}
	if q.Schedule == nil {
		return summary, breaches
	}
	ticks := scheduleTicks(q)
	byPart := map[string][]RunTime{}
	for _, r := range runs {
		byPart[r.Partition] = append(byPart[r.Partition], r)
	}
	parts := make([]string, 0, len(byPart))
	for p := range byPart {
		parts = append(parts, p)
	}
	if q.Partition != "" {
		parts = []string{q.Partition}
	}
	slices.Sort(parts)
	for _, part := range parts {
		rs := byPart[part] // ordered by start
		var ran, failed, missed, late int64
		var prevStart time.Time
		last := "" // status of the latest run started before the window
		j := 0
		for k, tick := range ticks {
			end := q.To
			if k+1 < len(ticks) {
				end = ticks[k+1]
			}
			for ; j < len(rs) && rs[j].Start.Before(tick); j++ {
				last = rs[j].Status
			}
			var first time.Time
			ok, seen := false, false
			for ; j < len(rs) && rs[j].Start.Before(end); j++ {
				if !seen {
					first = rs[j].Start
				}
				seen = true
				ok = ok || rs[j].Status != "failed"
				last = rs[j].Status
			}
			switch {
			case !seen && last == "skipped":
				ran++ // idle: the same skip again, not recorded
				if !prevStart.IsZero() {
					prevStart = prevStart.Add(q.Fixed) // the unrecorded run kept the phase
				}
			case !seen:
				missed++
				breaches.Rows = append(breaches.Rows, []any{part, tick, "missed", nil, nil})
			case !ok:
				failed++
				breaches.Rows = append(breaches.Rows, []any{part, tick, "failed", first, first.Sub(tick).Seconds()})
			default:
				ran++
				due := tick
				if q.Fixed > 0 {
					due = first // not late without a previous cycle
					if !prevStart.IsZero() {
						due = prevStart.Add(q.Fixed)
					}
				}
				if d := first.Sub(due); d > q.Lateness() {
					late++
					breaches.Rows = append(breaches.Rows, []any{part, tick, "late", first, d.Seconds()})
				}
			}
			if seen {
				prevStart = first
			}
		}
		due := int64(len(ticks))
		var avail any
		if due > 0 {
			avail = float64(ran) / float64(due)
		}
		summary.Rows = append(summary.Rows, []any{part, due, ran, failed, missed, late, avail})
	}
	return summary, breaches
}

// scheduleTicks lists the ticks in [From, To): for a fixed interval, From
// and every interval after it; otherwise the schedule's.
func scheduleTicks(q Query) []time.Time {
	var ticks []time.Time
	if q.Fixed > 0 {
		for t := q.From; t.Before(q.To); t = t.Add(q.Fixed) {
			ticks = append(ticks, t)
		}
		return ticks
	}
	for t := q.Schedule.Next(q.From.Add(-time.Second)); t.Before(q.To) && !t.IsZero(); t = q.Schedule.Next(t) {
		if !t.Before(q.From) {
			ticks = append(ticks, t.UTC())
		}
	}
	return ticks
}
