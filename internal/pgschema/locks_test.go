package pgschema

import (
	"strings"
	"testing"
)

func TestClassify(t *testing.T) {
	t.Parallel()
	tests := []struct {
		stmt, kind, table, lock string
	}{
		{"CREATE TABLE paidan.maintenance (id bigint)", "CREATE TABLE", "paidan.maintenance", "ACCESS EXCLUSIVE on the new table"},
		{"CREATE INDEX run_partition_started ON paidan.run (partition)", "CREATE INDEX", "paidan.run", "SHARE"},
		{"CREATE UNIQUE INDEX CONCURRENTLY IF NOT EXISTS t_x ON paidan.task (x)", "CREATE INDEX CONCURRENTLY", "paidan.task", "SHARE UPDATE EXCLUSIVE"},
		{"ALTER TABLE paidan.task ADD COLUMN note text", "ADD COLUMN", "paidan.task", "ACCESS EXCLUSIVE, brief"},
		{"ALTER TABLE paidan.task ADD CONSTRAINT c CHECK (x > 0) NOT VALID", "ADD CONSTRAINT NOT VALID", "paidan.task", "ACCESS EXCLUSIVE, brief"},
		{"ALTER TABLE paidan.task VALIDATE CONSTRAINT c", "VALIDATE CONSTRAINT", "paidan.task", "SHARE UPDATE EXCLUSIVE"},
		{"ALTER TABLE paidan.assignment\n DROP CONSTRAINT assignment_pkey,\n ADD PRIMARY KEY (task_id, run_id)", "ALTER TABLE", "paidan.assignment", "ACCESS EXCLUSIVE (may scan"},
		{"ALTER TABLE paidan.assignment\n DROP CONSTRAINT assignment_pkey,\n ADD CONSTRAINT assignment_pkey PRIMARY KEY USING INDEX k", "ADD CONSTRAINT USING INDEX", "paidan.assignment", "ACCESS EXCLUSIVE, brief"},
		{"ALTER INDEX paidan.task_pkey SET (deduplicate_items = off)", "ALTER INDEX SET", "paidan.task_pkey", "SHARE UPDATE EXCLUSIVE"},
		{"DROP TABLE paidan.maintenance", "DROP TABLE", "paidan.maintenance", "ACCESS EXCLUSIVE"},
		{"CREATE TRIGGER t BEFORE UPDATE ON paidan.task FOR EACH ROW EXECUTE FUNCTION f()", "CREATE TRIGGER", "paidan.task", "SHARE ROW EXCLUSIVE"},
		{"UPDATE paidan.task SET x = 1", "DML", "paidan.task", "ROW EXCLUSIVE"},
		{"GRANT SELECT ON paidan.maintenance TO paidan_runtime", "GRANT SELECT", "", "none on tables"},
		{"VACUUM paidan.task", "VACUUM PAIDAN.TASK", "", "unclassified"},
	}
	for _, tt := range tests {
		got := classify(tt.stmt)
		if got.Kind != tt.kind || got.Table != tt.table || !strings.HasPrefix(got.Lock, tt.lock) {
			t.Errorf("classify(%q) = %+v; want kind %q, table %q, lock starting %q", tt.stmt, got, tt.kind, tt.table, tt.lock)
		}
	}
}

// TestPlanReadsEveryMigration: every embedded migration parses, says what
// it does, and every statement of its Up section is classified.
func TestPlanReadsEveryMigration(t *testing.T) {
	t.Parallel()
	steps, err := Plan(0)
	if err != nil {
		t.Fatal(err)
	}
	if len(steps) == 0 || steps[len(steps)-1].Version != Latest() {
		t.Fatalf("Plan(0) = %d steps; want every migration up to %d", len(steps), Latest())
	}
	for _, s := range steps {
		if s.About == "" {
			t.Errorf("%s has no leading comment saying what it does", s.File)
		}
		if len(s.Locks) == 0 {
			t.Errorf("%s: no statements found in its Up section", s.File)
		}
		for _, l := range s.Locks {
			if strings.HasPrefix(l.Lock, "unclassified") {
				t.Errorf("%s: statement %q is not classified", s.File, l.Kind)
			}
		}
	}
	last, err := Plan(Latest() - 1)
	if err != nil || len(last) != 1 {
		t.Fatalf("Plan(latest-1) = %d steps, %v; want only the newest", len(last), err)
	}
	if l := last[0]; l.Locks[0].Kind != "CREATE FUNCTION" || l.Locks[0].Table != "" {
		t.Errorf("newest migration's first statement = %+v; want CREATE FUNCTION (paidan.task_limits)", l.Locks[0])
	}
}
