package postgres_test

import (
	"context"
	"testing"

	"github.com/paidan/paidan/export/handover"
	handoverpg "github.com/paidan/paidan/export/handover/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// TestEveryTableAndColumnIsDescribed reads the migrated catalog: every
// table and every column of the paidan schema has a COMMENT ON text, which
// the data dictionary publishes as its meaning.
func TestEveryTableAndColumnIsDescribed(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	tables, err := handoverpg.Tables(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	if len(tables) < 15 {
		t.Fatalf("catalog lists %d tables, want at least the 15 of the dispatch, console and history migrations", len(tables))
	}
	for _, tb := range tables {
		if tb.Comment == "" {
			t.Errorf("table paidan.%s has no COMMENT ON TABLE", tb.Name)
		}
		for _, c := range tb.Columns {
			if c.Comment == "" {
				t.Errorf("column paidan.%s.%s has no COMMENT ON COLUMN", tb.Name, c.Name)
			}
		}
	}
}

// TestPolicyCoversEverySchemaTable: each table of the migrated schema is
// either exported or excluded with a reason by handover.Policy, and the
// policy names no table the schema lacks (a renamed table would otherwise
// silently stop being exported).
func TestPolicyCoversEverySchemaTable(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)
	tables, err := handoverpg.Tables(context.Background(), db)
	if err != nil {
		t.Fatal(err)
	}
	policy := handover.Policy()
	seen := map[string]bool{}
	for _, tb := range tables {
		seen[tb.Name] = true
		if _, ok := policy[tb.Name]; !ok {
			t.Errorf("table paidan.%s has no export decision in handover.Policy: export it or exclude it with the reason", tb.Name)
		}
	}
	for name := range policy {
		if !seen[name] {
			t.Errorf("handover.Policy decides on paidan.%s, which the schema does not have", name)
		}
	}
	if _, err := handover.Plan(tables, policy); err != nil {
		t.Errorf("Plan: %v", err)
	}
}
