package pgschema

import (
	"context"
	"crypto/sha256"
	"database/sql"
	"embed"
	"encoding/hex"
	"errors"
	"fmt"
	"io/fs"
	"log/slog"
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
	"github.com/riverqueue/river/riverdriver/riverdatabasesql"
	"github.com/riverqueue/river/rivermigrate"
)

// VersionTable is the table that records applied migrations.
const VersionTable = "paidan_schema_version"

// lockID is the advisory lock key that serialises concurrent migrators.
const lockID = 0x7061696461_6e00 // "paidan\0"

// riverLockID is the advisory lock key that serialises River's migrations.
const riverLockID = 0x7061696461_6e72 // "paidanr"

//go:embed migrations/*.sql
var embedded embed.FS

// Migrations returns the embedded migration files.
func Migrations() fs.FS {
	sub, err := fs.Sub(embedded, "migrations")
	if err != nil {
		panic(err) // the embed pattern guarantees the directory exists
	}
	return sub
}

// RiverSchema is the schema of River's tables (the job queue of push
// deliveries and partition jobs). Migration RiverVersion creates it with
// its grants; River's own migrations, which Up runs after paidan's, create
// its tables.
const (
	RiverSchema  = "paidan_river"
	RiverVersion = 50
)

// Migrator applies paidan's migrations to one database, then River's.
// It holds a PostgreSQL advisory lock while it works, so that two
// migrators on the same database never interleave.
type Migrator struct {
	p  *goose.Provider
	db *sql.DB
}

// New returns a Migrator for db over the embedded migrations. The caller
// keeps ownership of db.
func New(db *sql.DB) (*Migrator, error) {
	return NewFS(db, Migrations())
}

// NewFS is New over the goose SQL files at the root of fsys instead of the
// embedded ones, recorded in the same version table under the same
// advisory lock. Tests use it to rehearse a later release's migrations on
// top of this one's: fsys then holds the embedded files and the later ones.
func NewFS(db *sql.DB, fsys fs.FS) (*Migrator, error) {
	locker, err := lock.NewPostgresSessionLocker(lock.WithLockID(lockID))
	if err != nil {
		return nil, fmt.Errorf("pgschema: %w", err)
	}
	p, err := goose.NewProvider(goose.DialectPostgres, db, fsys,
		goose.WithTableName(VersionTable),
		goose.WithSessionLocker(locker),
		goose.WithDisableGlobalRegistry(true),
	)
	if err != nil {
		return nil, fmt.Errorf("pgschema: %w", err)
	}
	return &Migrator{p: p, db: db}, nil
}

// Up applies every pending migration, one at a time, and returns the
// versions applied. A migration that fails with a serialization failure
// (another database of the cluster created a role it creates) is run
// again at once, up to 5 times.
func (m *Migrator) Up(ctx context.Context) ([]int64, error) {
	var applied []int64
	for {
		res, err := m.upByOne(ctx)
		if errors.Is(err, goose.ErrNoNextVersion) {
			if err := m.upRiver(ctx); err != nil {
				return nil, err
			}
			return applied, nil
		}
		if err != nil {
			return nil, fmt.Errorf("migrate up: %w", err)
		}
		applied = append(applied, res.Source.Version)
	}
}

// UpTo applies the pending migrations numbered up to version, e.g. to
// bring a database to the schema of a previous release. It returns the
// versions applied.
func (m *Migrator) UpTo(ctx context.Context, version int64) ([]int64, error) {
	res, err := m.p.UpTo(ctx, version)
	if err != nil {
		return nil, fmt.Errorf("migrate up to %d: %w", version, err)
	}
	if err := m.upRiver(ctx); err != nil {
		return nil, err
	}
	return versions(res), nil
}

// upRiver applies River's pending migrations to RiverSchema once paidan's
// migration RiverVersion (which creates the schema and its default
// privileges) is applied. River applies each of its versions in a
// transaction of its own (some add enum values, which must commit before
// use); a session advisory lock, held on a connection of its own, keeps
// concurrent migrators from interleaving.
func (m *Migrator) upRiver(ctx context.Context) error {
	v, err := m.p.GetDBVersion(ctx)
	if err != nil {
		return fmt.Errorf("schema version: %w", err)
	}
	if v < RiverVersion {
		return nil
	}
	conn, err := m.db.Conn(ctx)
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	defer conn.Close()
	if _, err := conn.ExecContext(ctx, `SELECT pg_advisory_lock($1)`, int64(riverLockID)); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	defer conn.ExecContext(context.WithoutCancel(ctx), `SELECT pg_advisory_unlock($1)`, int64(riverLockID))
	rm, err := rivermigrate.New(riverdatabasesql.New(m.db), &rivermigrate.Config{
		Schema: RiverSchema,
		Logger: slog.New(slog.DiscardHandler),
	})
	if err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	if _, err := rm.Migrate(ctx, rivermigrate.DirectionUp, nil); err != nil {
		return fmt.Errorf("migrate river: %w", err)
	}
	return nil
}

// Down rolls back the latest applied migration and returns its version.
// It returns goose.ErrNoNextVersion wrapped when nothing is applied.
func (m *Migrator) Down(ctx context.Context) (int64, error) {
	res, err := m.p.Down(ctx)
	if err != nil {
		return 0, fmt.Errorf("migrate down: %w", err)
	}
	return res.Source.Version, nil
}

// Status describes one migration: its version, file and whether (and when)
// it is applied.
type Status = goose.MigrationStatus

// Status returns the state of every known migration, oldest first.
func (m *Migrator) Status(ctx context.Context) ([]*Status, error) {
	st, err := m.p.Status(ctx)
	if err != nil {
		return nil, fmt.Errorf("migrate status: %w", err)
	}
	return st, nil
}

// Version returns the latest applied version, 0 when none is.
func (m *Migrator) Version(ctx context.Context) (int64, error) {
	v, err := m.p.GetDBVersion(ctx)
	if err != nil {
		return 0, fmt.Errorf("schema version: %w", err)
	}
	return v, nil
}

// Hash returns a hex SHA-256 over the names and contents of every embedded
// migration: two binaries with the same Hash create the same schema.
func Hash() string {
	h := sha256.New()
	fsys := Migrations()
	names, err := fs.Glob(fsys, "*.sql")
	if err != nil {
		panic(err) // a constant, valid pattern
	}
	sort.Strings(names)
	for _, name := range names {
		b, err := fs.ReadFile(fsys, name)
		if err != nil {
			panic(err) // embedded files are always readable
		}
		fmt.Fprintf(h, "%s\x00%d\x00", name, len(b))
		h.Write(b)
	}
	return hex.EncodeToString(h.Sum(nil))
}

func versions(res []*goose.MigrationResult) []int64 {
	v := make([]int64, len(res))
	for i, r := range res {
		v[i] = r.Source.Version
	}
	return v
}
