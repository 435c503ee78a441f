package main

import (
	"bytes"
	"context"
	"encoding/json"
	"os"
	"path/filepath"
	"testing"

	"github.com/paidan/paidan/export/parquet"
)

func TestRun(t *testing.T) {
	t.Parallel()
	t.Run("writes the fixture", func(t *testing.T) {
		t.Parallel()
		dir := filepath.Join(t.TempDir(), "out")
		var stdout, stderr bytes.Buffer
		if err := run(context.Background(), []string{"-row-group-size", "2", dir}, &stdout, &stderr); err != nil {
			t.Fatalf("run: %v; stderr %s", err, stderr.String())
		}
		var printed parquet.Manifest
		if err := json.Unmarshal(stdout.Bytes(), &printed); err != nil {
			t.Fatalf("stdout is not a manifest: %v\n%s", err, stdout.String())
		}
		b, err := os.ReadFile(filepath.Join(dir, parquet.ManifestFile))
		if err != nil {
			t.Fatal(err)
		}
		var written parquet.Manifest
		if err := json.Unmarshal(b, &written); err != nil {
			t.Fatal(err)
		}
		if printed.RunID != "run-20261126-0001" || printed.PaidanVersion != "sample" || len(printed.Files) != 5 ||
			printed.Files[1] != written.Files[1] {
			t.Errorf("printed manifest %+v, written %+v", printed, written)
		}
	})
	t.Run("usage", func(t *testing.T) {
		t.Parallel()
		for _, args := range [][]string{nil, {"a", "b"}, {"-row-group-size", "x", "dir"}} {
			if err := run(context.Background(), args, &bytes.Buffer{}, &bytes.Buffer{}); err == nil {
				t.Errorf("run(%q) succeeded, want a usage error", args)
			}
		}
	})
}
