package parquet_test

import (
	"context"
	"errors"
	"path/filepath"
	"testing"
	"unicode/utf8"

	"github.com/paidan/paidan"
	"github.com/paidan/paidan/export/parquet"
	"github.com/paidan/paidan/export/parquet/internal/fixture"
)

// FuzzWriteStrings checks that any task id, region and detail either
// round-trip exactly through the files or, when not valid UTF-8, are
// rejected with ErrInvalidPlan before anything is written.
func FuzzWriteStrings(f *testing.F) {
	f.Add("t3", "north", "region north: no worker with skill forklift")
	f.Add("", "", "")
	f.Add("任务-1", "华东", "区域华东：没有叉车技能的工人")
	f.Add("t\x00", "a'b\"c", "line\nbreak\ttab")
	f.Add("t\xff", "north", "bad")
	f.Add("t", "north", "\xc3")
	f.Fuzz(func(t *testing.T, task, region, detail string) {
		plan := fixture.Plan()
		plan.Unassigned[0].Task = paidan.TaskID(task)
		plan.Unassigned[0].Region = region
		plan.Unassigned[0].Detail = detail
		dir := filepath.Join(t.TempDir(), "out")
		_, err := parquet.Write(context.Background(), dir, plan, parquet.Options{})
		if !utf8.ValidString(task + region + detail) {
			if !errors.Is(err, parquet.ErrInvalidPlan) {
				t.Fatalf("invalid UTF-8: err = %v, want ErrInvalidPlan", err)
			}
			if got := entries(t, dir); len(got) != 0 {
				t.Fatalf("rejected plan left %v", got)
			}
			return
		}
		if err != nil {
			t.Fatalf("Write: %v", err)
		}
		got := readRows[parquet.UnassignedRow](t, dir, parquet.UnassignedFile)[0]
		if got.TaskID != task || got.Region != region || got.Detail != detail {
			t.Errorf("read back %q, %q, %q; wrote %q, %q, %q", got.TaskID, got.Region, got.Detail, task, region, detail)
		}
	})
}
