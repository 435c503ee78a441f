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
	"sort"

	"github.com/pressly/goose/v3"
	"github.com/pressly/goose/v3/lock"
)

// VersionTable is the table that records applied migrations.
const VersionTable = "paidan_schema_version"

// lockID is the advisory lock key that serialises concurrent migrators.
const lockID = 0x7061696461_6e00 // "paidan\0"

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

// Migrator applies paidan's migrations to one database.
// It holds a PostgreSQL session advisory lock while it works, so that two
// migrators on the same database never interleave.
type Migrator struct {
	p *goose.Provider
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
	return &Migrator{p: p}, nil
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
	return versions(res), nil
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
