package backup

import (
	"context"
	"database/sql"
	"encoding/json"
	"errors"
	"fmt"
	"os"
	"path/filepath"
	"strings"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgschema"
)

// Options tunes Backup and Restore. The zero value works.
type Options struct {
	// Tools locates pg_dump, pg_dumpall and pg_restore; zero: PATH, then
	// /usr/lib/postgresql/*/bin.
	Tools Tools
	// PaidanVersion is recorded in the manifest; "" records "unknown".
	PaidanVersion string
}

// Backup writes a backup of db's paidan schema into dir, which must not
// exist: both pg_dump runs read the snapshot of one REPEATABLE READ
// transaction, which also counts every table's rows for the manifest. conn
// must reach the same database as db. The directory is written beside dir
// under a temporary name and renamed when complete, so dir holds a whole
// backup or nothing.
func Backup(ctx context.Context, db *sqlx.DB, conn Conn, dir string, opts Options) (*Manifest, error) {
	m, err := backup(ctx, db, conn, dir, opts)
	if err != nil {
		return nil, fmt.Errorf("backup to %s: %w", dir, err)
	}
	return m, nil
}

func backup(ctx context.Context, db *sqlx.DB, conn Conn, dir string, opts Options) (*Manifest, error) {
	if _, err := os.Lstat(dir); err == nil {
		return nil, fmt.Errorf("%s exists; back up into a new directory", dir)
	}
	tmp, err := os.MkdirTemp(filepath.Dir(dir), "."+filepath.Base(dir)+".tmp-*")
	if err != nil {
		return nil, err
	}
	defer os.RemoveAll(tmp) // after the rename, nothing is left to remove

	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, err
	}
	defer tx.Rollback()
	m := &Manifest{Format: ManifestFormat, PaidanVersion: opts.PaidanVersion, Tables: map[string]int64{}}
	if m.PaidanVersion == "" {
		m.PaidanVersion = "unknown"
	}
	if err := snapshotFacts(ctx, tx, m); err != nil {
		return nil, err
	}
	dumps := []struct {
		file string
		args []string
	}{
		{SchemaDumpFile, []string{"--schema=" + backupSchemaName, "--schema=" + pgschema.RiverSchema}},
		{VersionDumpFile, []string{"--table=" + versionTable}},
	}
	for _, d := range dumps {
		args := append([]string{"--format=custom", "--snapshot=" + m.Snapshot, "--no-password",
			"--file=" + filepath.Join(tmp, d.file)}, d.args...)
		if err := opts.Tools.run(ctx, conn, "pg_dump", append(args, "--dbname="+conn.ConnString)...); err != nil {
			return nil, err
		}
	}
	// The snapshot may end once both dumps have read it.
	if err := tx.Rollback(); err != nil {
		return nil, err
	}
	if err := opts.Tools.run(ctx, conn, "pg_dumpall", "--roles-only", "--no-role-passwords", "--no-password",
		"--file="+filepath.Join(tmp, RolesFile), "-l", m.Database, "--dbname="+conn.ConnString); err != nil {
		return nil, err
	}
	for _, name := range []string{SchemaDumpFile, VersionDumpFile, RolesFile} {
		n, sum, err := hashFile(filepath.Join(tmp, name))
		if err != nil {
			return nil, err
		}
		m.Files = append(m.Files, File{Name: name, Bytes: n, SHA256: sum})
	}
	b, err := json.MarshalIndent(m, "", "  ")
	if err != nil {
		return nil, err
	}
	if err := writeSynced(filepath.Join(tmp, ManifestFile), append(b, '\n')); err != nil {
		return nil, err
	}
	for _, f := range m.Files {
		if err := syncPath(filepath.Join(tmp, f.Name)); err != nil {
			return nil, err
		}
	}
	if err := syncPath(tmp); err != nil {
		return nil, err
	}
	if err := os.Rename(tmp, dir); err != nil {
		return nil, err
	}
	return m, syncPath(filepath.Dir(dir))
}

// snapshotFacts exports tx's snapshot and records, as of it, the versions,
// the row count of every table and the ledger head.
func snapshotFacts(ctx context.Context, tx *sqlx.Tx, m *Manifest) error {
	var facts struct {
		Snapshot string    `db:"snapshot"`
		Now      time.Time `db:"now"`
		Database string    `db:"database"`
		Server   string    `db:"server"`
	}
	if err := tx.GetContext(ctx, &facts, snapshotSQL); err != nil {
		return fmt.Errorf("export snapshot: %w", err)
	}
	m.Snapshot, m.CreatedAt, m.Database, m.ServerVersion = facts.Snapshot, facts.Now.UTC(), facts.Database, facts.Server
	counts, version, head, err := readState(ctx, tx)
	if err != nil {
		return err
	}
	m.Tables, m.SchemaVersion, m.LedgerHead = counts, version, head
	return nil
}

// readState returns the row count of every table of the schema and of the
// version table, the schema version and the ledger head (nil without a
// ledger), as q sees them.
func readState(ctx context.Context, q sqlx.QueryerContext) (map[string]int64, int64, *LedgerHead, error) {
	var tables []string
	if err := sqlx.SelectContext(ctx, q, &tables, tablesSQL); err != nil {
		return nil, 0, nil, fmt.Errorf("list tables: %w", err)
	}
	counts := make(map[string]int64, len(tables))
	for _, t := range tables {
		var n int64
		if err := sqlx.GetContext(ctx, q, &n, fmt.Sprintf(`SELECT count(*) FROM %s`, t)); err != nil {
			return nil, 0, nil, fmt.Errorf("count rows of %s: %w", t, err)
		}
		counts[t] = n
	}
	var version int64
	if err := sqlx.GetContext(ctx, q, &version, schemaVersionSQL); err != nil {
		return nil, 0, nil, fmt.Errorf("schema version: %w", err)
	}
	var head *LedgerHead
	if _, ok := counts["paidan.ledger"]; ok {
		head = &LedgerHead{Hash: strings.Repeat("00", 32)}
		if err := sqlx.GetContext(ctx, q, head, ledgerHeadSQL); err != nil && !errors.Is(err, sql.ErrNoRows) {
			return nil, 0, nil, fmt.Errorf("ledger head: %w", err)
		}
	}
	return counts, version, head, nil
}

func writeSynced(path string, b []byte) error {
	f, err := os.OpenFile(path, os.O_WRONLY|os.O_CREATE|os.O_EXCL, 0o644)
	if err != nil {
		return err
	}
	if _, err := f.Write(b); err != nil {
		f.Close()
		return err
	}
	if err := f.Sync(); err != nil {
		f.Close()
		return err
	}
	return f.Close()
}

func syncPath(path string) error {
	f, err := os.Open(path)
	if err != nil {
		return err
	}
	defer f.Close()
	return f.Sync()
}
