package pgschema_test

import (
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

// TestWriteBackIndexesWithoutDeduplication: after migration 00066 the two
// unique-keyed indexes the write-back fills do not deduplicate (since
// 00067 the second is assignment's primary key, (run_id, task_id), which
// took over from assignment_by_run_task), and the index whose keys repeat
// (a worker's tasks) still does.
func TestWriteBackIndexesWithoutDeduplication(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	for _, tt := range []struct {
		index string
		want  string
	}{
		{"paidan.task_pkey", "{deduplicate_items=off}"},
		{"paidan.assignment_pkey", "{deduplicate_items=off}"},
		{"paidan.task_assigned_by_worker", "{}"},
	} {
		var got string
		if err := db.Get(&got, `SELECT coalesce(reloptions, '{}')::text FROM pg_class WHERE oid = $1::regclass`, tt.index); err != nil {
			t.Fatal(err)
		}
		if got != tt.want {
			t.Errorf("%s: reloptions = %s; want %s", tt.index, got, tt.want)
		}
	}
}
