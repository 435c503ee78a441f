package pgschema_test

import (
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

// TestAssignmentReadersUseAnIndex: since migration 00067 paidan.assignment
// has two indexes, the primary key (run_id, task_id) and
// assignment_task_active (task_id, nullif(active, false)). Each reader
// still finds its rows through one of them on a table of 20 runs of 1,000
// tasks, written run after run as write-backs write them: a page of a run's rows in task order (the console's run page, the
// ledger entry's read) is a range of the primary key, without a sort, and
// all of a task's assignments, active or not (a task's history, the
// archive of a deleted task), are a range of assignment_task_active.
func TestAssignmentReadersUseAnIndex(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	for _, q := range []string{
		`INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w1', 'p', 1, 0, 0)`,
		`INSERT INTO paidan.task (id, partition, lat, lon)
			SELECT 't' || lpad(i::text, 5, '0'), 'p', 0, 0 FROM generate_series(1, 1000) i`,
		`INSERT INTO paidan.run (id, partition) SELECT 'r' || lpad(i::text, 2, '0'), 'p' FROM generate_series(1, 20) i`,
		`INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance,
				cost_stability, active)
			SELECT r.id, t.id, 'w1', 0, 0, 0, 0, false FROM paidan.run r, paidan.task t ORDER BY r.id, t.id`,
		`ANALYZE paidan.assignment`,
	} {
		if _, err := db.Exec(q); err != nil {
			t.Fatalf("%s: %v", q, err)
		}
	}
	for _, tt := range []struct {
		name, query string
		index       string
	}{
		{"a page of a run's rows in task order",
			`SELECT task_id, worker_id FROM paidan.assignment WHERE run_id = 'r07' AND task_id > 't00500'
			 ORDER BY task_id LIMIT 100`, "assignment_pkey"},
		{"a run's rows", `SELECT count(*) FROM paidan.assignment WHERE run_id = 'r07'`, "assignment_pkey"},
		{"a task's assignments", `SELECT run_id FROM paidan.assignment WHERE task_id = 't00042'`, "assignment_task_active"},
		{"a task's active assignment", `SELECT run_id FROM paidan.assignment WHERE task_id = 't00042' AND active`,
			"assignment_task_active"},
	} {
		var lines []string
		if err := db.Select(&lines, `EXPLAIN (COSTS OFF) `+tt.query); err != nil {
			t.Fatalf("%s: %v", tt.name, err)
		}
		plan := strings.Join(lines, "\n") + "\n"
		usesIndex := strings.Contains(plan, " "+tt.index+"\n") || strings.Contains(plan, " "+tt.index+" ")
		if !usesIndex || strings.Contains(plan, "Seq Scan") || strings.Contains(plan, "Sort") {
			t.Errorf("%s: plan\n%s\nwant a range of %s, no sequential scan, no sort", tt.name, plan, tt.index)
		}
	}
}
