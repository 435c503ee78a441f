package report

import (
	"fmt"
	"slices"
	"time"
)

// Report is a built report: its sections in order, each a list of items
// (a plot and the table of its numbers, or a table alone).
type Report struct {
	Query    Query
	Sections []Section
}

// Section is one part of the report.
type Section struct {
	ID    string // the HTML id: dispatch, completion, resources, service
	Title string
	Intro string
	Items []Item
}

// Item is a table of figures, with the plot that draws them if any.
type Item struct {
	Table *Table
	Plot  *Plot  // nil: the table alone
	Note  string // what the figures mean, where it is not obvious
	List  bool   // a listing: the HTML shows the first Query.Limit() rows
}

// Tables returns every table of the report, once each, in the order of the
// sections.
func (r *Report) Tables() []*Table {
	var out []*Table
	for _, s := range r.Sections {
		for _, it := range s.Items {
			if !slices.Contains(out, it.Table) { // one table may carry several plots
				out = append(out, it.Table)
			}
		}
	}
	return out
}

// Build derives the report of q from data: the input tables as read, the
// tables computed from them (per-period sums, histograms, fairness,
// scheduled cycles), and a plot for each series. It fails when an input
// table is missing or malformed.
func Build(data *Data, q Query) (*Report, error) {
	if err := q.Validate(); err != nil {
		return nil, err
	}
	in := map[string]*Table{}
	for _, want := range Inputs() {
		t, ok := data.Tables[want.Name]
		if !ok {
			return nil, fmt.Errorf("report: input table %s missing", want.Name)
		}
		if len(t.Columns) != len(want.Columns) {
			return nil, fmt.Errorf("report: input table %s has %d columns, want %d", want.Name, len(t.Columns), len(want.Columns))
		}
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
		in[want.Name] = t
	}
	b := builder{q: q, in: in}
	r := &Report{Query: q, Sections: []Section{b.dispatch(), b.completion(), b.resources(), b.service(data.Runs)}}
	seen := map[string]bool{}
	for _, t := range r.Tables() {
		if seen[t.Name] {
			return nil, fmt.Errorf("report: two tables named %s", t.Name)
		}
		seen[t.Name] = true
		if err := t.Check(); err != nil {
			return nil, fmt.Errorf("report: %w", err)
		}
	}
	return r, nil
}

type builder struct {
	q  Query
	in map[string]*Table
}

// periodLabel is the x-axis label of time series.
func (b *builder) periodLabel() string { return string(b.q.Period) + " (start, UTC)" }

// periods lists the period starts of the range.
func (b *builder) periods() []time.Time {
	var out []time.Time
	for t := PeriodStart(b.q.From, b.q.Period); t.Before(b.q.To); {
		out = append(out, t)
		switch b.q.Period {
		case Week:
			t = t.AddDate(0, 0, 7)
		case Month:
			t = t.AddDate(0, 1, 0)
		default:
			t = t.AddDate(0, 0, 1)
		}
	}
	return out
}

// sumBy sums column valueCol of t per period (column "period_start") and per
// the value of column keyCol ("" for one series named total), giving one
// series per key over every period of the range (zero where absent).
func (b *builder) sumBy(t *Table, keyCol string, valueCols ...string) []Series {
	periods := b.periods()
	idx := map[time.Time]int{}
	for i, p := range periods {
		idx[p] = i
	}
	sums := map[string][]float64{}
	var keys []string
	if keyCol == "" { // one series per column, zeros without rows
		for _, vc := range valueCols {
			sums[vc] = make([]float64, len(periods))
			keys = append(keys, vc)
		}
	}
	pc := t.Col("period_start")
	for _, row := range t.Rows {
		for _, vc := range valueCols {
			key := vc
			if keyCol != "" {
				key, _ = row[t.Col(keyCol)].(string)
			}
			if _, ok := sums[key]; !ok {
				sums[key] = make([]float64, len(periods))
				keys = append(keys, key)
			}
			i, ok := idx[row[pc].(time.Time)]
			if !ok {
				continue
			}
			sums[key][i] += num(row[t.Col(vc)])
		}
	}
	if keyCol != "" {
		slices.Sort(keys)
	}
	x := make([]float64, len(periods))
	for i, p := range periods {
		x[i] = float64(p.Unix())
	}
	out := make([]Series, 0, len(keys))
	for _, k := range keys {
		name := k
		if keyCol != "" && k == "" {
			name = "(none)"
		}
		out = append(out, Series{Name: name, X: x, Y: sums[k]})
	}
	return out
}

// num is a numeric cell as float64; 0 for nil.
func num(v any) float64 {
	switch v := v.(type) {
	case int64:
		return float64(v)
	case float64:
		return v
	}
	return 0
}

func (b *builder) dispatch() Section {
	runs, disp, left, applied := b.in[TableRuns], b.in[TableDispatched], b.in[TableLeftOut], b.in[TableAppliedRuns]
	s := Section{ID: "dispatch", Title: "Dispatch statistics",
		Intro: "Runs started in the range and what the applied ones decided: tasks dispatched, tasks left out and why, the objective and its parts, travel, and the optimality certificate of every applied run."}
	s.Items = append(s.Items, Item{Table: runs, Plot: &Plot{Title: "Runs per " + string(b.q.Period), XLabel: b.periodLabel(), YLabel: "runs",
		Series: b.sumBy(runs, "", "applied", "skipped", "failed")}})
	s.Items = append(s.Items, Item{Table: disp, Plot: &Plot{Title: "Tasks dispatched per " + string(b.q.Period) + ", by region",
		XLabel: b.periodLabel(), YLabel: "assignments", Series: b.sumBy(disp, "region", "assignments")},
		Note: "assignments counts every assignment written back; tasks counts each task once per row (a task reassigned in the period counts once)."})

	// Left out: one bar per reason, tasks summed over periods and partitions.
	reasons := map[string]float64{}
	for _, row := range left.Rows {
		reasons[row[left.Col("reason")].(string)] += num(row[left.Col("tasks")])
	}
	var labels []string
	for r := range reasons {
		labels = append(labels, r)
	}
	slices.Sort(labels)
	values := make([]float64, len(labels))
	for i, l := range labels {
		values[i] = reasons[l]
	}
	s.Items = append(s.Items, Item{Table: left, Plot: &Plot{Title: "Tasks left out, by reason", XLabel: "reason", YLabel: "tasks (once per " + string(b.q.Period) + ")",
		Kind: Bars, Labels: labels, Values: values},
		Note: "A task left out by several runs counts once per period, under the reason of its last run; task_runs counts every run that left it out, runs_waited_* how many runs each task waited through."})

	obj := b.perPeriodPartition(applied, "objective_by_period", "Objective and its components per period (applied runs)",
		[]string{"objective", "cost_travel", "cost_balance", "cost_stability", "penalty", "conflict_cost"}, "cost")
	s.Items = append(s.Items, Item{Table: obj, Plot: &Plot{Title: "Objective components per " + string(b.q.Period), XLabel: b.periodLabel(), YLabel: "cost",
		Series: b.sumBy(obj, "", "cost_travel", "cost_balance", "cost_stability", "penalty", "conflict_cost")},
		Note: "objective = travel + balance + stability + penalty + conflict_cost. The objective is the plan's; the cost columns are the assignments written back; penalty is the penalties of the tasks the plan left out (objective less the plan's assignment costs, from the run's KPIs); conflict_cost is the cost of planned assignments the write-back refused."})

	hist := b.in[TableDistanceHistogram]
	var hl []string
	var hv []float64
	for _, row := range hist.Rows {
		hl = append(hl, FormatValue(row[0])+"–"+FormatValue(row[1]))
		hv = append(hv, num(row[2]))
	}
	s.Items = append(s.Items, Item{Table: b.in[TableDistanceSummary]})
	s.Items = append(s.Items, Item{Table: hist, Plot: &Plot{Title: "Travel distance distribution", XLabel: "distance (km)", YLabel: "assignments",
		Kind: Bars, Labels: hl, Values: hv}})

	cert := &Table{Name: "certificates", Title: "Certificate status of the applied runs per period", Columns: []Column{
		col("period_start", "UTC", Time), col("verified", "runs", Int), col("failed", "runs", Int), col("unchecked", "runs", Int)}}
	counts := map[time.Time]*[3]int64{}
	for _, row := range applied.Rows {
		p := PeriodStart(row[applied.Col("started_at")].(time.Time), b.q.Period)
		c := counts[p]
		if c == nil {
			c = new([3]int64)
			counts[p] = c
		}
		switch row[applied.Col("certificate")] {
		case "verified":
			c[0]++
		case "failed":
			c[1]++
		default:
			c[2]++
		}
	}
	for _, p := range b.periods() {
		if c := counts[p]; c != nil {
			cert.Rows = append(cert.Rows, []any{p, c[0], c[1], c[2]})
		}
	}
	s.Items = append(s.Items, Item{Table: cert})
	s.Items = append(s.Items, Item{Table: applied, List: true,
		Note: "Every applied run with its certificate (gap_units = objective_units − dual_bound; 0 proves the plan optimal)."})
	return s
}

// perPeriodPartition sums the columns of a per-run table (started_at,
// partition) per period and partition into a new table.
func (b *builder) perPeriodPartition(t *Table, name, title string, cols []string, unit string) *Table {
	out := &Table{Name: name, Title: title, Columns: []Column{col("period_start", "UTC", Time), col("partition", "", String), col("runs", "runs", Int)}}
	for _, c := range cols {
		out.Columns = append(out.Columns, col(c, unit, Float))
	}
	type key struct {
		p    time.Time
		part string
	}
	sums := map[key][]float64{}
	runs := map[key]int64{}
	var keys []key
	for _, row := range t.Rows {
		k := key{PeriodStart(row[t.Col("started_at")].(time.Time), b.q.Period), row[t.Col("partition")].(string)}
		if _, ok := sums[k]; !ok {
			sums[k] = make([]float64, len(cols))
			keys = append(keys, k)
		}
		runs[k]++
		for i, c := range cols {
			sums[k][i] += num(row[t.Col(c)])
		}
	}
	slices.SortFunc(keys, func(a, b key) int {
		if c := a.p.Compare(b.p); c != 0 {
			return c
		}
		return compareStrings(a.part, b.part)
	})
	for _, k := range keys {
		row := []any{k.p, k.part, runs[k]}
		for _, v := range sums[k] {
			row = append(row, v)
		}
		out.Rows = append(out.Rows, row)
	}
	return out
}

func compareStrings(a, b string) int {
	switch {
	case a < b:
		return -1
	case a > b:
		return 1
	}
	return 0
}

func (b *builder) completion() Section {
	tc, lat := b.in[TableTaskCompletion], b.in[TableLatencyByRegion]
	s := Section{ID: "completion", Title: "Task completion",
		Intro: "The tasks created in the range, by their status now (pending → assigned → done or cancelled, or back to pending): completion, waiting times, reassignments, and the tasks still waiting."}
	// Completion rate per period and region: done / created.
	var series []Series
	created := b.sumBy(tc, "region", "created")
	done := b.sumBy(tc, "region", "done")
	for i := range created {
		y := make([]float64, len(created[i].Y))
		for j := range y {
			if created[i].Y[j] > 0 {
				y[j] = done[i].Y[j] / created[i].Y[j]
			}
		}
		series = append(series, Series{Name: created[i].Name, X: created[i].X, Y: y})
	}
	s.Items = append(s.Items, Item{Table: tc, Plot: &Plot{Title: "Completion rate per " + string(b.q.Period) + " of creation, by region",
		XLabel: b.periodLabel(), YLabel: "done / created", Series: series},
		Note: "wait = created → first assigned; done = last assigned → done (the task's last update). reassignments counts assignments after a task's first."})
	var boxes []Box
	for _, row := range lat.Rows {
		if row[lat.Col("wait_min_s")] == nil {
			continue
		}
		boxes = append(boxes, Box{Label: row[0].(string), Low: num(row[lat.Col("wait_min_s")]), Q1: num(row[lat.Col("wait_p25_s")]),
			Median: num(row[lat.Col("wait_p50_s")]), Q3: num(row[lat.Col("wait_p75_s")]), High: num(row[lat.Col("wait_max_s")])})
	}
	s.Items = append(s.Items, Item{Table: lat, Plot: &Plot{Title: "Created → first assigned, per region (box p25–p75, line p50, whiskers min–max)",
		XLabel: "region", YLabel: "seconds", Kind: Boxes, Boxes: boxes}})
	wg := b.in[TableWorkerGroups]
	var groups []string
	var rates []float64
	for _, row := range wg.Rows {
		groups = append(groups, row[wg.Col("worker_group")].(string))
		rates = append(rates, num(row[wg.Col("completion_rate")]))
	}
	s.Items = append(s.Items, Item{Table: wg, Plot: &Plot{Title: "Completion rate per worker group", XLabel: "worker group",
		YLabel: "done / assigned", Kind: Bars, Labels: groups, Values: rates},
		Note: fmt.Sprintf("Each task counts once, under the group of the worker of its latest assignment (its group when that run was rolled up); %s: workers without a group. breaches: dispatch latency over %s.", NoWorkerGroup, b.q.Target())})
	s.Items = append(s.Items, Item{Table: b.in[TablePendingTooLong], List: true,
		Note: fmt.Sprintf("Tasks pending now that had waited more than %s by the end of the range.", b.q.Pending())})
	return s
}

func (b *builder) resources() Section {
	wu, applied := b.in[TableWorkerUtilization], b.in[TableAppliedRuns]
	s := Section{ID: "resources", Title: "Resource usage",
		Intro: "How evenly the workers are loaded, what the runs cost the engine, and how large the database is."}
	var utils []float64
	for _, row := range wu.Rows {
		if v, ok := row[wu.Col("utilization")].(float64); ok {
			utils = append(utils, v)
		}
	}
	slices.Sort(utils)
	hist := &Table{Name: "utilization_histogram", Title: "Worker utilization distribution (active workers with capacity, now)", Columns: []Column{
		col("bin_from", "load/capacity", Float), col("bin_to", "load/capacity", Float), col("workers", "workers", Int)}}
	var labels []string
	var values []float64
	for i := range 10 {
		lo, hi := float64(i)/10, float64(i+1)/10
		var n int64
		for _, u := range utils {
			if u >= lo && (u < hi || i == 9) {
				n++
			}
		}
		hist.Rows = append(hist.Rows, []any{lo, hi, n})
		labels = append(labels, fmt.Sprintf("%d–%d%%", i*10, (i+1)*10))
		values = append(values, float64(n))
	}
	s.Items = append(s.Items, Item{Table: hist, Plot: &Plot{Title: "Worker utilization", XLabel: "load / capacity", YLabel: "workers",
		Kind: Bars, Labels: labels, Values: values}, Note: "The last bin holds fully loaded workers (100%)."})
	fair := &Table{Name: "utilization_fairness", Title: "Worker utilization summary and fairness", Columns: []Column{
		col("workers", "workers", Int), col("mean", "load/capacity", Float), col("p50", "load/capacity", Float),
		col("p90", "load/capacity", Float), col("max", "load/capacity", Float), col("gini", "0 = equal", Float)}}
	if len(utils) > 0 {
		var sum float64
		for _, u := range utils {
			sum += u
		}
		fair.Rows = append(fair.Rows, []any{int64(len(utils)), sum / float64(len(utils)), Quantile(utils, 0.5),
			Quantile(utils, 0.9), utils[len(utils)-1], Gini(utils)})
	} else {
		fair.Rows = append(fair.Rows, []any{int64(0), nil, nil, nil, nil, nil})
	}
	s.Items = append(s.Items, Item{Table: fair, Note: "gini is the Gini coefficient of the workers' utilization: 0 when every worker is equally loaded."})
	s.Items = append(s.Items, Item{Table: wu, List: true})

	st := b.in[TableStageDurations]
	var sl []string
	var sv []float64
	for _, row := range st.Rows {
		sl = append(sl, row[0].(string))
		sv = append(sv, num(row[st.Col("p50_s")]))
	}
	s.Items = append(s.Items, Item{Table: st, Plot: &Plot{Title: "Median duration per stage", XLabel: "stage", YLabel: "seconds (p50)",
		Kind: Bars, Labels: sl, Values: sv}, Note: "run is the whole run (started → finished); the stages are those recorded in paidan.run_usage."})

	usage := &Table{Name: "engine_usage", Title: "Engine CPU and peak memory per period (applied runs with usage recorded)", Columns: []Column{
		col("period_start", "UTC", Time), col("runs", "runs", Int), col("cpu_seconds", "s", Float),
		col("cpu_seconds_max", "s", Float), col("peak_memory_max_mib", "MiB", Float)}}
	type acc struct {
		n           int64
		cpu, cpuMax float64
		mem         float64
	}
	per := map[time.Time]*acc{}
	for _, row := range applied.Rows {
		cpu, ok := row[applied.Col("cpu_seconds")].(float64)
		if !ok {
			continue
		}
		p := PeriodStart(row[applied.Col("started_at")].(time.Time), b.q.Period)
		a := per[p]
		if a == nil {
			a = &acc{}
			per[p] = a
		}
		a.n++
		a.cpu += cpu
		a.cpuMax = max(a.cpuMax, cpu)
		a.mem = max(a.mem, num(row[applied.Col("peak_memory_bytes")])/(1<<20))
	}
	for _, p := range b.periods() {
		if a := per[p]; a != nil {
			usage.Rows = append(usage.Rows, []any{p, a.n, a.cpu, a.cpuMax, a.mem})
		}
	}
	s.Items = append(s.Items, Item{Table: usage, Plot: &Plot{Title: "Engine CPU seconds per " + string(b.q.Period), XLabel: b.periodLabel(), YLabel: "CPU seconds",
		Series: b.sumBy(usage, "", "cpu_seconds")}})
	s.Items = append(s.Items, Item{Table: usage, Plot: &Plot{Title: "Engine peak memory per " + string(b.q.Period), XLabel: b.periodLabel(), YLabel: "MiB (largest run)",
		Series: b.sumBy(usage, "", "peak_memory_max_mib")}})

	growth := &Table{Name: "database_growth", Title: "Rows added per period", Columns: []Column{
		col("period_start", "UTC", Time), col("runs", "rows", Int), col("assignments", "rows", Int), col("unassigned", "rows", Int)}}
	r := b.sumBy(b.in[TableRuns], "", "applied", "skipped", "failed", "running")
	a := b.sumBy(b.in[TableDispatched], "", "assignments")
	u := b.sumBy(b.in[TableLeftOut], "", "task_runs")
	for i, p := range b.periods() {
		var runs float64
		for _, s := range r {
			runs += s.Y[i]
		}
		growth.Rows = append(growth.Rows, []any{p, int64(runs), int64(a[0].Y[i]), int64(u[0].Y[i])})
	}
	s.Items = append(s.Items, Item{Table: growth, Plot: &Plot{Title: "Database growth: rows added per " + string(b.q.Period), XLabel: b.periodLabel(), YLabel: "rows",
		Series: b.sumBy(growth, "", "runs", "assignments", "unassigned")}})
	s.Items = append(s.Items, Item{Table: b.in[TableDatabaseSize], Note: "Sizes on disk when the report was made, tables with their indexes."})
	return s
}

func (b *builder) service(runs []RunTime) Section {
	s := Section{ID: "service", Title: "Service levels",
		Intro: fmt.Sprintf("Scheduled against actual cycles, the scheduler's availability (share of due cycles that ran), and dispatch latency (created → first assigned) against the target of %s.", b.q.Target())}
	summary, breaches := cycles(b.q, runs)
	note := "A cycle ran when a run of the partition that did not fail started between its tick and the next; it is late when it started more than " + b.q.Lateness().String() + " after it was due."
	if b.q.Schedule == nil {
		note = "No schedule was given (--every or --cron), so cycles are not checked."
	}
	var labels []string
	var values []float64
	for _, row := range summary.Rows {
		labels = append(labels, row[0].(string))
		values = append(values, num(row[summary.Col("availability")]))
	}
	s.Items = append(s.Items, Item{Table: summary, Plot: &Plot{Title: "Scheduler availability per partition", XLabel: "partition", YLabel: "cycles ran / due",
		Kind: Bars, Labels: labels, Values: values}, Note: note})
	s.Items = append(s.Items, Item{Table: breaches, List: true})

	tc := b.in[TableTaskCompletion]
	lt := &Table{Name: "latency_target", Title: "Dispatch latency against the target per period", Columns: []Column{
		col("period_start", "UTC", Time), col("target_s", "s", Float), col("sla_tasks", "tasks", Int),
		col("breaches", "tasks", Int), col("within_target_share", "share", Float)}}
	sla := b.sumBy(tc, "", "sla_tasks", "breaches")
	share := Series{Name: "within target"}
	for i, p := range b.periods() {
		n, br := sla[0].Y[i], sla[1].Y[i]
		var v any
		if n > 0 {
			v = (n - br) / n
			share.X = append(share.X, float64(p.Unix()))
			share.Y = append(share.Y, (n-br)/n)
		}
		lt.Rows = append(lt.Rows, []any{p, b.q.Target().Seconds(), int64(n), int64(br), v})
	}
	s.Items = append(s.Items, Item{Table: lt, Plot: &Plot{Title: "Tasks dispatched within the latency target", XLabel: b.periodLabel(), YLabel: "share of tasks",
		Series: []Series{share}}, Note: "sla_tasks: tasks created in the period, except those cancelled before any assignment; a task never assigned counts with its wait so far."})
	s.Items = append(s.Items, Item{Table: b.in[TableLatencyBreaches], List: true})
	return s
}
