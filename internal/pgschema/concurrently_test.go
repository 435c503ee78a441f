package pgschema

import (
	"fmt"
	"io/fs"
	"testing"
)

// nonConcurrentIndexes are the migrations allowed to build an index on an
// existing table without CONCURRENTLY, each with the reason. A new entry
// needs an upgrade note in CHANGELOG.md saying when to apply it.
var nonConcurrentIndexes = map[string]string{
	"00004_writeback_tuning.sql": "0.1.0's schema (versions 1-4), from before any release had a window; " +
		"a 0.1.0 database is upgraded with its schedulers stopped (CHANGELOG, 0.2.0's upgrade notes)",
	"00016_assignment_by_run_task.sql": "replaces the index on assignment (run_id) and drops the old one in one " +
		"transaction; it holds SHARE on assignment while it builds, so write-backs wait: the CHANGELOG's " +
		"upgrade note says to apply it in a quiet period or an announced maintenance window",
}

// indexViolations returns what breaks the index rule in one migration:
// an Up section that builds an index on a table the migration did not
// create must use CREATE INDEX CONCURRENTLY, which PostgreSQL runs only
// outside a transaction, so the file must be marked
// "-- +goose NO TRANSACTION". (A concurrent build takes SHARE UPDATE
// EXCLUSIVE and lets writes go on; a plain one takes SHARE and blocks the
// write-back and the business systems for the whole build.) Down
// sections are exempt: they run in a rollback that the operator plans.
func indexViolations(name, text string) ([]string, error) {
	st, err := parseStep(name, text)
	if err != nil {
		return nil, err
	}
	created := map[string]bool{}
	for _, l := range st.Locks {
		if l.Kind == "CREATE TABLE" {
			created[l.Table] = true
		}
	}
	var out []string
	for _, l := range st.Locks {
		switch {
		case l.Kind == "CREATE INDEX" && !created[l.Table]:
			out = append(out, fmt.Sprintf("%s: CREATE INDEX on existing table %s without CONCURRENTLY "+
				"(use CREATE INDEX CONCURRENTLY in a file marked -- +goose NO TRANSACTION, after DROP INDEX CONCURRENTLY IF EXISTS)", name, l.Table))
		case l.Kind == "CREATE INDEX CONCURRENTLY" && st.InTx:
			out = append(out, fmt.Sprintf("%s: CREATE INDEX CONCURRENTLY on %s in a transactional migration "+
				"(mark the file -- +goose NO TRANSACTION; PostgreSQL refuses a concurrent build inside a transaction)", name, l.Table))
		}
	}
	return out, nil
}

// TestIndexesBuiltConcurrently: every embedded migration builds its
// indexes on existing tables CONCURRENTLY, outside a transaction, except
// the listed ones; and every listed one still needs its exception.
func TestIndexesBuiltConcurrently(t *testing.T) {
	t.Parallel()
	names, err := fs.Glob(Migrations(), "*.sql")
	if err != nil {
		t.Fatal(err)
	}
	excepted := map[string]bool{}
	for _, name := range names {
		b, err := fs.ReadFile(Migrations(), name)
		if err != nil {
			t.Fatal(err)
		}
		v, err := indexViolations(name, string(b))
		if err != nil {
			t.Fatal(err)
		}
		if _, ok := nonConcurrentIndexes[name]; ok {
			excepted[name] = len(v) > 0
			continue
		}
		for _, msg := range v {
			t.Error(msg)
		}
	}
	for name := range nonConcurrentIndexes {
		switch used, ok := excepted[name]; {
		case !ok:
			t.Errorf("nonConcurrentIndexes lists %s, which is not an embedded migration", name)
		case !used:
			t.Errorf("nonConcurrentIndexes lists %s, which builds no index non-concurrently: remove the entry", name)
		}
	}
}

// TestIndexRuleCatches feeds the rule migrations that break it, and some
// that keep it.
func TestIndexRuleCatches(t *testing.T) {
	t.Parallel()
	tests := []struct {
		name, text string
		want       int
	}{
		{"plain index on an existing table", `-- x
-- +goose Up
CREATE INDEX task_by_region ON paidan.task (region);
-- +goose Down
DROP INDEX paidan.task_by_region;
`, 1},
		{"unique index, unqualified, IF NOT EXISTS", `-- x
-- +goose Up
CREATE UNIQUE INDEX IF NOT EXISTS w ON worker (lat, lon);
`, 1},
		{"concurrent build inside a transaction", `-- x
-- +goose Up
CREATE INDEX CONCURRENTLY task_by_region ON paidan.task (region);
`, 1},
		{"concurrent build outside a transaction", `-- x
-- +goose NO TRANSACTION
-- +goose Up
DROP INDEX CONCURRENTLY IF EXISTS paidan.task_by_region;
CREATE INDEX CONCURRENTLY task_by_region ON paidan.task (region);
-- +goose Down
CREATE INDEX task_by_region_old ON paidan.task (region);
`, 0},
		{"index on a table the migration creates", `-- x
-- +goose Up
CREATE TABLE paidan.note (id bigint, task_id text);
CREATE INDEX note_by_task ON paidan.note (task_id);
CREATE INDEX task_by_note ON paidan.task (id);
`, 1},
	}
	for _, tt := range tests {
		t.Run(tt.name, func(t *testing.T) {
			got, err := indexViolations("00099_x.sql", tt.text)
			if err != nil {
				t.Fatal(err)
			}
			if len(got) != tt.want {
				t.Errorf("%d violations %q; want %d", len(got), got, tt.want)
			}
		})
	}
}
