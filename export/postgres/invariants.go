package postgres

import (
	"context"
	_ "embed"
	"errors"
	"fmt"
	"strings"

	"github.com/jmoiron/sqlx"
)

// ErrInvariant means the dispatch tables break an invariant.
var ErrInvariant = errors.New("export/postgres: invariant violated")

//go:embed invariants.sql
var invariantsSQL string

// CheckInvariants checks the invariants that the schema and the write-back
// keep together, and which no single constraint can state:
//   - every worker's load equals the number of its tasks in status assigned,
//     and that number is within its capacity;
//   - every assigned task has exactly one active assignment, of the run and
//     worker the task names, and every active assignment's task is assigned
//     to it;
//   - every task that names a run (assigned, done, or cancelled after
//     assignment) and every assignment belongs to an applied run, and
//     every applied run's assigned count equals its number of assignments;
//   - every paidan.unassigned row belongs to an applied run, and no run
//     both assigned a task and left it out.
//
// It returns nil when they hold, or an error wrapping ErrInvariant that lists
// up to 50 violations. It is one statement, so it sees one snapshot of the
// tables, and it only reads. Tests call it after every test; operators may
// call it on a live database too. It is safe for concurrent use.
func CheckInvariants(ctx context.Context, db sqlx.QueryerContext) error {
	var violations []struct {
		Invariant string `db:"invariant"`
		Key       string `db:"key"`
	}
	if err := sqlx.SelectContext(ctx, db, &violations, invariantsSQL); err != nil {
		return fmt.Errorf("check invariants: %w", err)
	}
	if len(violations) == 0 {
		return nil
	}
	lines := make([]string, len(violations))
	for i, v := range violations {
		lines[i] = v.Invariant + ": " + v.Key
	}
	return fmt.Errorf("%w:\n%s", ErrInvariant, strings.Join(lines, "\n"))
}
