package main

import (
	"path/filepath"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

// TestSeedConflicts seeds datasets/tiny (4 workers, 10 tasks) once, then
// again into the same and into another partition: ids are global, so every
// row conflicts. The default refuses with exit 1, naming rows and the
// partition holding them, and writes nothing; skip and update write and
// count.
func TestSeedConflicts(t *testing.T) {
	t.Parallel()
	dsn := pgtest.NewURL(t)
	db := openTest(t, dsn)
	tiny := filepath.Join("..", "..", "datasets", "tiny")
	counts := func() (workers, tasks int) {
		t.Helper()
		if err := db.Get(&workers, `SELECT count(*) FROM paidan.worker`); err != nil {
			t.Fatal(err)
		}
		if err := db.Get(&tasks, `SELECT count(*) FROM paidan.task`); err != nil {
			t.Fatal(err)
		}
		return workers, tasks
	}

	out, stderr, code := runCLI(t, "seed", "--db", dsn, "--dataset", tiny)
	if code != exitOK || out != "partition tiny: workers 4 of 4 inserted; tasks 10 of 10 inserted\n" {
		t.Fatalf("first seed: exit %d, stdout %q, stderr %q", code, out, stderr)
	}
	for _, p := range []string{"tiny", "t2"} {
		out, stderr, code = runCLI(t, "seed", "--db", dsn, "--dataset", tiny, "--partition", p)
		t.Logf("refused seed into %s:\n%s", p, stderr)
		if code != exitError || out != "" {
			t.Errorf("seed again into %s: exit %d, stdout %q; want exit %d and nothing on stdout", p, code, out, exitError)
		}
		for _, want := range []string{"4 worker and 10 task ids are taken", "table paidan.worker: ", "table paidan.task: ",
			"held by a worker of partition tiny (seeding " + p + ")", "held by a pending task of partition tiny", "--on-conflict"} {
			if !strings.Contains(stderr, want) {
				t.Errorf("seed again into %s: stderr %q lacks %q", p, stderr, want)
			}
		}
		if w, tk := counts(); w != 4 || tk != 10 {
			t.Errorf("after a refused seed: %d workers, %d tasks; want 4 and 10", w, tk)
		}
	}

	out, stderr, code = runCLI(t, "seed", "--db", dsn, "--dataset", tiny, "--partition", "t2", "--on-conflict", "skip")
	if want := "partition t2: workers 0 of 4 inserted, 0 updated, 4 skipped; tasks 0 of 10 inserted, 0 updated, 10 skipped\n"; code != exitOK || out != want {
		t.Errorf("seed --on-conflict skip: exit %d, stdout %q (stderr %q); want %q", code, out, stderr, want)
	}
	if _, err := db.Exec(`UPDATE paidan.task SET status = 'cancelled' WHERE id = (SELECT min(id) FROM paidan.task)`); err != nil {
		t.Fatal(err)
	}
	out, stderr, code = runCLI(t, "seed", "--db", dsn, "--dataset", tiny, "--partition", "t2", "--on-conflict", "update")
	if want := "partition t2: workers 0 of 4 inserted, 4 updated, 0 skipped; tasks 0 of 10 inserted, 9 updated, 1 skipped\n"; code != exitOK || out != want {
		t.Errorf("seed --on-conflict update: exit %d, stdout %q (stderr %q); want %q", code, out, stderr, want)
	}
	var moved int
	if err := db.Get(&moved, `SELECT count(*) FROM paidan.task WHERE partition = 't2'`); err != nil || moved != 9 {
		t.Errorf("%d tasks in partition t2 after the update (%v), want the 9 pending ones", moved, err)
	}
	if w, tk := counts(); w != 4 || tk != 10 {
		t.Errorf("after skip and update: %d workers, %d tasks; want 4 and 10", w, tk)
	}

	if _, stderr, code := runCLI(t, "seed", "--db", dsn, "--dataset", tiny, "--on-conflict", "merge"); code != exitUsage {
		t.Errorf("--on-conflict merge: exit %d (stderr %q), want %d", code, stderr, exitUsage)
	}
}

// TestSeedMissingDataset checks that a dataset directory that does not
// exist is named as such.
func TestSeedMissingDataset(t *testing.T) {
	t.Parallel()
	dir := filepath.Join(t.TempDir(), "nosuch")
	_, stderr, code := runCLI(t, "seed", "--db", "postgres://x@127.0.0.1:1/x", "--dataset", dir)
	if code != exitError || !strings.Contains(stderr, "no such dataset directory") || strings.Contains(stderr, "workers.csv") {
		t.Errorf("exit %d, stderr %q; want exit %d saying the directory does not exist", code, stderr, exitError)
	}
}
