package pgschema_test

import (
	"context"
	"crypto/sha256"
	"encoding/hex"
	"fmt"
	"os"
	"path/filepath"
	"sort"
	"testing"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestMain(m *testing.M) { pgtest.Main(m) }

// schemaExists reports whether the paidan schema is present.
func schemaExists(t *testing.T, db *sqlx.DB) bool {
	t.Helper()
	var n int
	if err := db.Get(&n, `SELECT count(*) FROM pg_namespace WHERE nspname = 'paidan'`); err != nil {
		t.Fatal(err)
	}
	return n == 1
}

func TestUpDownUp(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	db := pgtest.NewEmpty(t)
	m, err := pgschema.New(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	all, err := m.Status(ctx)
	if err != nil {
		t.Fatal(err)
	}
	if len(all) == 0 {
		t.Fatal("no migrations embedded")
	}
	latest := all[len(all)-1].Source.Version

	applied, err := m.Up(ctx)
	if err != nil {
		t.Fatalf("first up: %v", err)
	}
	if len(applied) != len(all) {
		t.Errorf("first up applied %d migrations, want %d", len(applied), len(all))
	}
	if !schemaExists(t, db) {
		t.Fatal("schema paidan missing after up")
	}
	if v, err := m.Version(ctx); err != nil || v != latest {
		t.Fatalf("version after up = %d, %v; want %d", v, err, latest)
	}
	again, err := m.Up(ctx)
	if err != nil || len(again) != 0 {
		t.Fatalf("second up applied %v, %v; want nothing", again, err)
	}

	// Every migration rolls back to the version before it and applies
	// again, from the newest down, then stays rolled back.
	for i := len(all) - 1; i >= 0; i-- {
		v := all[i].Source.Version
		prev := int64(0)
		if i > 0 {
			prev = all[i-1].Source.Version
		}
		for round := range 2 {
			if got, err := m.Down(ctx); err != nil || got != v {
				t.Fatalf("down from %d (round %d) rolled back %d, %v", v, round, got, err)
			}
			if got, err := m.Version(ctx); err != nil || got != prev {
				t.Fatalf("version after rolling %d back = %d, %v; want %d", v, got, err, prev)
			}
			if round == 1 {
				break
			}
			if got, err := m.UpTo(ctx, v); err != nil || len(got) != 1 || got[0] != v {
				t.Fatalf("up again from %d applied %v, %v; want [%d]", prev, got, err, v)
			}
		}
	}
	if schemaExists(t, db) {
		t.Fatal("schema paidan still present after rolling every migration back")
	}
	if v, err := m.Version(ctx); err != nil || v != 0 {
		t.Fatalf("version after down = %d, %v; want 0", v, err)
	}

	if _, err := m.Up(ctx); err != nil {
		t.Fatalf("up after down: %v", err)
	}
	if !schemaExists(t, db) {
		t.Fatal("schema paidan missing after up, down, up")
	}
}

// TestHashCoversEveryMigration recomputes Hash's documented digest (SHA-256
// over each migration's name, length and bytes, in name order) from the
// files in the source tree, not from the embedded copies Hash reads: the
// two must agree, and dropping any one migration from the digest must
// change it.
func TestHashCoversEveryMigration(t *testing.T) {
	t.Parallel()
	names, err := filepath.Glob(filepath.Join("migrations", "*.sql"))
	if err != nil || len(names) == 0 {
		t.Fatalf("migrations on disk: %v, %v", names, err)
	}
	sort.Strings(names)
	files := make([][]byte, len(names))
	for i, name := range names {
		if files[i], err = os.ReadFile(name); err != nil {
			t.Fatal(err)
		}
	}
	digest := func(skip int) string {
		h := sha256.New()
		for i, name := range names {
			if i == skip {
				continue
			}
			fmt.Fprintf(h, "%s\x00%d\x00", filepath.Base(name), len(files[i]))
			h.Write(files[i])
		}
		return hex.EncodeToString(h.Sum(nil))
	}
	got := pgschema.Hash()
	if want := digest(-1); got != want {
		t.Fatalf("Hash() = %s; the migrations in the source tree hash to %s", got, want)
	}
	for i, name := range names {
		if digest(i) == got {
			t.Errorf("Hash() does not change without %s", name)
		}
	}
}
