package postgres

import (
	"cmp"
	"context"
	"database/sql"
	"fmt"
	"maps"
	"math"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/report"
)

// taskGroup accumulates the figures of a set of tasks: one period and
// region, one region, or all of them.
type taskGroup struct {
	created, assignedEver, assignedNow, done, cancelled, pending int64
	reassigned, reassignments, sla, breaches, within             int64
	waits, dones                                                 []float64
}

// merge adds o's figures to g (o's waits and dones are appended).
func (g *taskGroup) merge(o *taskGroup) {
	g.created += o.created
	g.assignedEver += o.assignedEver
	g.assignedNow += o.assignedNow
	g.done += o.done
	g.cancelled += o.cancelled
	g.pending += o.pending
	g.reassigned += o.reassigned
	g.reassignments += o.reassignments
	g.sla += o.sla
	g.breaches += o.breaches
	g.within += o.within
	g.waits = append(g.waits, o.waits...)
	g.dones = append(g.dones, o.dones...)
}

// taskFact is what one task adds to the groups it counts in.
type taskFact struct {
	status      string
	assignments int64
	wait, done  float64 // created → first assigned, last assigned → done, s; NaN: none
	latency     float64 // dispatch latency, s; NaN: none (cancelled before any assignment)
}

// add counts f in g and reports whether its latency breached target.
func (g *taskGroup) add(f taskFact, target float64) (breached bool) {
	g.created++
	switch f.status {
	case "assigned":
		g.assignedNow++
	case "done":
		g.done++
	case "cancelled":
		g.cancelled++
	case "pending":
		g.pending++
	}
	if f.assignments > 0 {
		g.assignedEver++
	}
	if f.assignments > 1 {
		g.reassigned++
		g.reassignments += f.assignments - 1
	}
	if !math.IsNaN(f.wait) {
		g.waits = append(g.waits, f.wait)
	}
	if !math.IsNaN(f.done) {
		g.dones = append(g.dones, f.done)
	}
	if math.IsNaN(f.latency) {
		return false
	}
	g.sla++
	if f.latency <= target {
		g.within++
		return false
	}
	g.breaches++
	return true
}

// quantile is report.Quantile of sorted values, nil (SQL's NULL) for none.
func quantile(sorted []float64, p float64) any {
	if len(sorted) == 0 {
		return nil
	}
	return report.Quantile(sorted, p)
}

func first(sorted []float64) any {
	if len(sorted) == 0 {
		return nil
	}
	return sorted[0]
}

func last(sorted []float64) any {
	if len(sorted) == 0 {
		return nil
	}
	return sorted[len(sorted)-1]
}

// values returns the group's figures by column name, as task_stats.sql
// names them; waits and dones must be sorted.
func (g *taskGroup) values() map[string]any {
	v := map[string]any{
		"created": g.created, "assigned_ever": g.assignedEver, "assigned_now": g.assignedNow,
		"done": g.done, "cancelled": g.cancelled, "pending": g.pending,
		"completion_rate":  float64(g.done) / float64(g.created),
		"reassigned_tasks": g.reassigned, "reassignments": g.reassignments,
		"assigned_tasks": int64(len(g.waits)), "wait_min_s": first(g.waits),
		"wait_p25_s": quantile(g.waits, 0.25), "wait_p50_s": quantile(g.waits, 0.5),
		"wait_p75_s": quantile(g.waits, 0.75), "wait_p90_s": quantile(g.waits, 0.9),
		"wait_p99_s": quantile(g.waits, 0.99), "wait_max_s": last(g.waits),
		"done_tasks": int64(len(g.dones)), "done_p50_s": quantile(g.dones, 0.5),
		"done_p90_s": quantile(g.dones, 0.9), "done_p99_s": quantile(g.dones, 0.99),
		"sla_tasks": g.sla, "breaches": g.breaches, "within_target_share": nil,
	}
	if g.created == 0 {
		v["completion_rate"] = nil
	}
	if g.sla > 0 {
		v["within_target_share"] = float64(g.within) / float64(g.sla)
	}
	return v
}

type periodRegion struct {
	period time.Time
	region string
}

// breach is one row of the latency_breaches table, compact: a month
// may list millions. Times are Unix microseconds; first is 0 for a task
// never assigned.
type breach struct {
	id, partition, region string
	created, first        int64
	latency               float64
}

// breachList is the latency_breaches table's report.RowSource.
type breachList []breach

func (l breachList) Len() int { return len(l) }

func (l breachList) Row(i int) []any {
	b := l[i]
	row := []any{b.id, b.partition, b.region, time.UnixMicro(b.created).UTC(), nil, b.latency}
	if b.first != 0 {
		row[4] = time.UnixMicro(b.first).UTC()
	}
	return row
}

// interned returns s, or the equal string seen before: a listing's
// partitions and regions are few, its rows many.
func interned(seen map[string]string, s string) string {
	if v, ok := seen[s]; ok {
		return v
	}
	seen[s] = s
	return s
}

// taskTables fills task_completion, latency_by_region,
// completion_by_worker_group and latency_breaches from one pass over the
// tasks created in the range (task_groups.sql, over the rollups):
// PostgreSQL hands the tasks' times over as binary arrays, a row per
// region, partition, status and worker group, and the waits, latencies and
// percentiles are computed here, with percentile_cont as report.Quantile:
// the figures task_stats.sql and latency_breaches.sql compute in
// PostgreSQL. Regions sort in byte order.
func taskTables(ctx context.Context, tx *sqlx.Tx, args []any, q report.Query, data *report.Data) error {
	// The end of an open wait: the range's end, or now (the transaction's
	// time, as now() in SQL) when that is earlier.
	var now time.Time
	if err := tx.GetContext(ctx, &now, "SELECT now()"); err != nil {
		return err
	}
	openEnd := min(q.To.UnixMicro(), now.UnixMicro())
	target := q.Target().Seconds()
	rows, err := tx.QueryContext(ctx, mustQuery("task_groups"),
		append(slices.Clone(args), time.UnixMicro(openEnd).UTC(), breachAfter(target))...)
	if err != nil {
		return err
	}
	defer rows.Close()
	groups := map[periodRegion]*taskGroup{}
	workerGroups := map[string]*taskGroup{} // of the tasks ever assigned
	var breaches breachList
	names := map[string]string{}
	seconds := func(us int64) float64 { return float64(us) / 1e6 }
	var (
		region, part, status               string
		workerGroup                        sql.NullString
		createdB, firstB, lastB, doneB, nB []byte
		idsB                               []byte
		created, first, last, doneAt, n    []int64
		ids                                []string
		lastCreated                        int64 = noTime
		g                                  *taskGroup
	)
	for rows.Next() {
		if err := rows.Scan(&region, &part, &status, &workerGroup, &createdB, &firstB, &lastB, &doneB, &nB, &idsB); err != nil {
			return err
		}
		region, part = interned(names, region), interned(names, part)
		if created, err = appendTimes(created[:0], createdB); err == nil {
			if first, err = appendTimes(first[:0], firstB); err == nil {
				if last, err = appendTimes(last[:0], lastB); err == nil {
					if doneAt, err = appendTimes(doneAt[:0], doneB); err == nil {
						if n, err = appendInt4s(n[:0], nB); err == nil {
							ids, err = appendTexts(ids[:0], idsB)
						}
					}
				}
			}
		}
		if err != nil {
			return fmt.Errorf("tasks of region %q, partition %q, status %s: %w", region, part, status, err)
		}
		isDone := status == "done"
		if len(first) != len(created) || len(n) != len(created) ||
			isDone && (len(last) != len(created) || len(doneAt) != len(created)) {
			return fmt.Errorf("tasks of region %q, partition %q, status %s: arrays of %d, %d, %d, %d, %d tasks",
				region, part, status, len(created), len(first), len(last), len(doneAt), len(n))
		}
		lastCreated, g = noTime, nil // a new region: look the group up again
		wg := workerGroups[workerGroup.String]
		if wg == nil && workerGroup.Valid {
			wg = &taskGroup{}
			workerGroups[workerGroup.String] = wg
		}
		next := 0
		for i, c := range created {
			if c != lastCreated || g == nil { // rows of one run's tasks often share it
				k := periodRegion{report.PeriodStart(time.UnixMicro(c), q.Period).UTC(), region}
				if g = groups[k]; g == nil {
					g = &taskGroup{}
					groups[k] = g
				}
				lastCreated = c
			}
			f := taskFact{status: status, assignments: n[i], wait: math.NaN(), done: math.NaN(), latency: math.NaN()}
			if first[i] != noTime {
				f.wait = seconds(first[i] - c)
			}
			if isDone && last[i] != noTime && doneAt[i] != noTime {
				f.done = seconds(doneAt[i] - last[i])
			}
			switch {
			case n[i] > 0 && first[i] != noTime:
				f.latency = f.wait
			case status != "cancelled":
				f.latency = seconds(openEnd - c)
			}
			if wg != nil && n[i] > 0 {
				wg.add(f, target)
			}
			if !g.add(f, target) {
				continue
			}
			if next == len(ids) {
				return fmt.Errorf("tasks of region %q, partition %q, status %s: more breaches than the %d ids given",
					region, part, status, len(ids))
			}
			b := breach{id: ids[next], partition: part, region: region, created: c, latency: f.latency}
			if first[i] != noTime {
				b.first = first[i]
			}
			breaches = append(breaches, b)
			next++
		}
		if next != len(ids) {
			return fmt.Errorf("tasks of region %q, partition %q, status %s: %d breaches, %d ids given",
				region, part, status, next, len(ids))
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}

	keys := make([]periodRegion, 0, len(groups))
	for k := range groups {
		keys = append(keys, k)
	}
	slices.SortFunc(keys, func(a, b periodRegion) int {
		return cmp.Or(a.period.Compare(b.period), cmp.Compare(a.region, b.region))
	})
	var regions []string
	for _, k := range keys {
		if !slices.Contains(regions, k.region) {
			regions = append(regions, k.region)
		}
		slices.Sort(groups[k].waits)
		slices.Sort(groups[k].dones)
	}
	slices.Sort(regions)
	// merged returns the figures of the groups whose key keep accepts,
	// their values sorted; built one at a time, so that at most one merged
	// copy of the waits is held beside the groups'.
	merged := func(keep func(periodRegion) bool) *taskGroup {
		var waits, dones int
		for _, k := range keys {
			if keep(k) {
				waits, dones = waits+len(groups[k].waits), dones+len(groups[k].dones)
			}
		}
		// Sized once: appending would copy the waits log2(n) times and
		// leave up to as much again unused.
		m := &taskGroup{waits: make([]float64, 0, waits), dones: make([]float64, 0, dones)}
		for _, k := range keys {
			if keep(k) {
				m.merge(groups[k])
			}
		}
		slices.Sort(m.waits)
		slices.Sort(m.dones)
		return m
	}

	tables := map[string]*report.Table{}
	for _, t := range report.Inputs() {
		tables[t.Name] = t
	}
	completion := tables[report.TableTaskCompletion]
	byRegionTable := tables[report.TableLatencyByRegion]
	list := tables[report.TableLatencyBreaches]
	project := func(t *report.Table, v map[string]any) []any {
		row := make([]any, len(t.Columns))
		for i, c := range t.Columns {
			row[i] = v[c.Name]
		}
		return row
	}
	for _, k := range keys {
		v := groups[k].values()
		v["period_start"], v["region"] = k.period, k.region
		completion.Rows = append(completion.Rows, project(completion, v))
	}
	for _, r := range regions {
		v := merged(func(k periodRegion) bool { return k.region == r }).values()
		v["region"] = r
		byRegionTable.Rows = append(byRegionTable.Rows, project(byRegionTable, v))
	}
	if len(keys) > 0 { // SQL's ROLLUP has a grand total only over rows
		v := merged(func(periodRegion) bool { return true }).values()
		v["region"] = "(all)"
		byRegionTable.Rows = append(byRegionTable.Rows, project(byRegionTable, v))
	}
	slices.SortFunc(breaches, func(a, b breach) int {
		return cmp.Or(cmp.Compare(b.latency, a.latency), cmp.Compare(a.id, b.id))
	})
	list.Source = breaches
	byGroup := tables[report.TableWorkerGroups]
	for _, name := range slices.Sorted(maps.Keys(workerGroups)) {
		g := workerGroups[name]
		slices.Sort(g.waits)
		slices.Sort(g.dones)
		v := g.values()
		v["worker_group"], v["assigned_tasks"] = cmp.Or(name, report.NoWorkerGroup), g.created
		byGroup.Rows = append(byGroup.Rows, project(byGroup, v))
	}
	for _, t := range []*report.Table{completion, byRegionTable, byGroup, list} {
		if err := t.Check(); err != nil {
			return err
		}
		data.Tables[t.Name] = t
	}
	return nil
}

// breachAfter is the smallest latency in microseconds whose seconds (as
// float64, microseconds / 10^6) exceed target seconds: the breach test
// task_groups.sql applies in integer microseconds.
func breachAfter(target float64) int64 {
	us := int64(math.Floor(target * 1e6))
	for float64(us)/1e6 > target {
		us--
	}
	for float64(us)/1e6 <= target {
		us++
	}
	return us
}
