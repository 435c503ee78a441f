package main

import (
	"context"
	"database/sql"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

func TestRun(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	url := pgtest.NewURL(t)
	if err := run(ctx, []string{"-db", url, "-runs", "100", "-assignments", "401", "-q"}); err != nil {
		t.Fatalf("run: %v", err)
	}
	db, err := sql.Open("postgres", url)
	if err != nil {
		t.Fatal(err)
	}
	defer db.Close()
	var runs, assignments int
	if err := db.QueryRow(`SELECT (SELECT count(*) FROM paidan.run), (SELECT count(*) FROM paidan.assignment)`).Scan(&runs, &assignments); err != nil {
		t.Fatal(err)
	}
	if runs != 100 || assignments != 400 {
		t.Errorf("%d runs, %d assignment rows; want 100, 400 (401 rounded down to two per task)", runs, assignments)
	}
	for _, c := range []struct {
		args []string
		want string
	}{
		{[]string{"-runs", "100"}, "-db is required"},
		{[]string{"-db", url, "-runs", "100", "-q"}, "holds"},
		{[]string{"-db", url, "-runs", "10", "-q"}, "want at least 100"},
		{[]string{"-runs", "x"}, "invalid value"},
	} {
		if err := run(ctx, c.args); err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("run %v: error %v, want one saying %q", c.args, err, c.want)
		}
	}
}
