package pgschema_test

import (
	"context"
	"errors"
	"strings"
	"testing"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
)

func TestWindowCoversEmbeddedMigrations(t *testing.T) {
	t.Parallel()
	if l := pgschema.Latest(); l < pgschema.MinSchema || l > pgschema.MaxSchema {
		t.Errorf("newest embedded migration %d is outside the window %d-%d: a fresh 'migrate up' would leave a schema this binary refuses",
			l, pgschema.MinSchema, pgschema.MaxSchema)
	}
}

func TestCheckWindow(t *testing.T) {
	t.Parallel()
	ctx := context.Background()

	t.Run("inside", func(t *testing.T) {
		t.Parallel()
		owner, runtime := pgtest.NewRuntime(t)
		v, err := pgschema.CheckWindow(ctx, owner.DB)
		if err != nil || v != pgschema.Latest() {
			t.Fatalf("CheckWindow as owner = %d, %v; want %d, nil", v, err, pgschema.Latest())
		}
		// The runtime role holds nothing of the version table but what
		// 00040 grants to PUBLIC.
		v, err = pgschema.CheckWindow(ctx, runtime.DB)
		if err != nil || v != pgschema.Latest() {
			t.Fatalf("CheckWindow as paidan_runtime = %d, %v; want %d, nil", v, err, pgschema.Latest())
		}
	})

	t.Run("below", func(t *testing.T) {
		t.Parallel()
		db := pgtest.New(t)
		m, err := pgschema.New(db.DB)
		if err != nil {
			t.Fatal(err)
		}
		for {
			v, err := m.Version(ctx)
			if err != nil {
				t.Fatal(err)
			}
			if v < pgschema.MinSchema {
				break
			}
			if _, err := m.Down(ctx); err != nil {
				t.Fatal(err)
			}
		}
		v, err := pgschema.CheckWindow(ctx, db.DB)
		var we *pgschema.WindowError
		if !errors.Is(err, pgschema.ErrOutsideWindow) || !errors.As(err, &we) || we.Version != v || v >= pgschema.MinSchema {
			t.Fatalf("CheckWindow below the window = %d, %v; want a WindowError for a version below %d", v, err, pgschema.MinSchema)
		}
		if !strings.Contains(err.Error(), "older than this binary supports") || !strings.Contains(err.Error(), "paidan migrate up") {
			t.Errorf("message %q does not say the schema is too old and how to mend it", err)
		}
	})

	t.Run("empty", func(t *testing.T) {
		t.Parallel()
		db := pgtest.NewEmpty(t)
		v, err := pgschema.CheckWindow(ctx, db.DB)
		if v != 0 || !errors.Is(err, pgschema.ErrOutsideWindow) || !strings.Contains(err.Error(), "no paidan schema") {
			t.Fatalf("CheckWindow on an empty database = %d, %v; want 0 and a no-schema WindowError", v, err)
		}
	})

	t.Run("above", func(t *testing.T) {
		t.Parallel()
		db := pgtest.New(t)
		// A later release's contract migration, numbered above the window.
		if _, err := db.Exec(`INSERT INTO `+pgschema.VersionTable+` (version_id, is_applied) VALUES ($1, true)`,
			pgschema.MaxSchema+1); err != nil {
			t.Fatal(err)
		}
		v, err := pgschema.CheckWindow(ctx, db.DB)
		if v != pgschema.MaxSchema+1 || !errors.Is(err, pgschema.ErrOutsideWindow) || !strings.Contains(err.Error(), "newer than this binary understands") {
			t.Fatalf("CheckWindow above the window = %d, %v; want %d and a too-new WindowError", v, err, pgschema.MaxSchema+1)
		}
	})

	t.Run("top of the window", func(t *testing.T) {
		t.Parallel()
		db := pgtest.New(t)
		// The next release's expand migrations may go up to MaxSchema.
		if _, err := db.Exec(`INSERT INTO `+pgschema.VersionTable+` (version_id, is_applied) VALUES ($1, true)`,
			pgschema.MaxSchema); err != nil {
			t.Fatal(err)
		}
		if v, err := pgschema.CheckWindow(ctx, db.DB); err != nil || v != pgschema.MaxSchema {
			t.Fatalf("CheckWindow at MaxSchema = %d, %v; want %d, nil", v, err, pgschema.MaxSchema)
		}
	})
}
