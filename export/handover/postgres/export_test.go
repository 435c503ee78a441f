package postgres_test

import (
	"bytes"
	"context"
	"encoding/json"
	"errors"
	"os"
	"path/filepath"
	"slices"
	"strings"
	"testing"
	"time"

	parquetgo "github.com/parquet-go/parquet-go"

	"github.com/paidan/paidan/backup"
	"github.com/paidan/paidan/export/handover"
	handoverpg "github.com/paidan/paidan/export/handover/postgres"
	"github.com/paidan/paidan/internal/pgtest"
)

// fixture fills every exported table with at least one row, as the owner.
const fixture = `
INSERT INTO paidan.worker (id, partition, capacity, lat, lon, skills, regions) VALUES
    ('w1', 'north', 5, 1.5, 2.5, '{forklift,"with space"}', '{}'), ('w2', 'north', 5, 0, 0, '{}', '{r1}');
INSERT INTO paidan.run (id, partition, status, finished_at, certificate, assigned, rules_hash, input_hash, kpis)
    VALUES ('r1', 'north', 'applied', now(), 'verified', 1, 'rules', 'input', '{"assigned": 1}');
INSERT INTO paidan.task (id, partition, lat, lon, skills, due_at) VALUES
    ('t1', 'north', 0, 0, '{forklift}', NULL), ('t2', 'north', 0, 0, '{}', '2030-01-02T03:04:05.123456Z');
UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w1', assigned_run = 'r1' WHERE id = 't1';
INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability)
    VALUES ('r1', 't1', 'w1', 1.25, 3, 0.5, 0);
INSERT INTO paidan.unassigned (run_id, task_id, reason, detail) VALUES ('r1', 't2', 'no_skill', 'no worker with skill x');
INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes, stages) VALUES ('r1', 0.5, 1024, '{"load": 0.1}');
INSERT INTO paidan.account (login, role, password_hash) VALUES ('ann', 'admin', '$argon2id$v=19$m=65536,t=1,p=1$c2FsdA$U0VDUkVUSEFTSA');
INSERT INTO paidan.api_token (account_id, name, role, hash, prefix, expires_at)
    SELECT id, 'ci', 'viewer', sha256('token-secret'), 'pdn_ab', now() + interval '1 day' FROM paidan.account;
INSERT INTO paidan.console_session (id_hash, account_id, expires_at) SELECT sha256('cookie'), id, now() + interval '1 hour' FROM paidan.account;
INSERT INTO paidan.audit (actor, action, target, after) VALUES ('shell:root', 'account.create', 'ann', '{"login": "ann"}');
INSERT INTO paidan.partition_pause (partition, paused_by) VALUES ('north', 'account:ann');
INSERT INTO paidan.maintenance (starts_at, ends_at, message, announced_by) VALUES (now(), now() + interval '1 hour', 'upgrade', 'account:ann');
UPDATE paidan.worker SET capacity = 6 WHERE id = 'w2';
DELETE FROM paidan.task WHERE id = 't1';`

func exportFixture(t *testing.T) (string, *handover.Manifest) {
	t.Helper()
	db := pgtest.New(t)
	ctx := context.Background()
	if _, err := db.Exec(fixture); err != nil {
		t.Fatal(err)
	}
	src, err := handoverpg.Begin(ctx, db)
	if err != nil {
		t.Fatal(err)
	}
	defer src.Close()
	out := filepath.Join(t.TempDir(), "handover")
	m, err := handover.Export(ctx, src, out, handover.Options{Version: "test"})
	if err != nil {
		t.Fatal(err)
	}
	return out, m
}

// TestExportWritesEveryTableReadableWithoutSecrets exports a database with
// a row in every table and reads the files back with parquet-go's reader:
// every table is exported or excluded with a reason, the rows and values
// round-trip (lists, NULLs, microsecond times, JSON), the history and
// archive keep the deleted task, and no password hash, token hash or
// session id is anywhere in the export.
func TestExportWritesEveryTableReadableWithoutSecrets(t *testing.T) {
	t.Parallel()
	out, m := exportFixture(t)
	rows := map[string]int64{}
	for _, mt := range m.Tables {
		rows[mt.Name] = mt.Rows
		if (mt.File == "") == (mt.Excluded == "") {
			t.Errorf("%s: file %q, excluded %q: want exactly one", mt.Name, mt.File, mt.Excluded)
		}
	}
	for name, want := range map[string]int64{"paidan.task": 1, "paidan.worker": 2, "paidan.run": 1,
		"paidan.assignment": 0, "paidan.assignment_archive": 1, "paidan.unassigned": 1, "paidan.run_usage": 1,
		"paidan.account": 1, "paidan.api_token": 1, "paidan.audit": 1, "paidan.ledger": 1,
		"paidan.maintenance": 1, "paidan.partition_pause": 1, "paidan.console_session": 0} {
		if got, ok := rows[name]; !ok || got != want {
			t.Errorf("%s: %d rows (listed %v), want %d", name, got, ok, want)
		}
	}
	if rows["paidan.edit_history"] < 2 {
		t.Errorf("edit_history: %d rows, want the capacity edit and the task delete", rows["paidan.edit_history"])
	}

	type worker struct {
		ID       string    `parquet:"id"`
		Skills   []string  `parquet:"skills,list"`
		Capacity *int64    `parquet:"capacity"`
		Lat      *float64  `parquet:"lat"`
		Updated  time.Time `parquet:"updated_at,timestamp(microsecond)"`
	}
	ws, err := parquetgo.ReadFile[worker](filepath.Join(out, "worker.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if len(ws) != 2 || ws[0].ID != "w1" || !slices.Equal(ws[0].Skills, []string{"forklift", "with space"}) ||
		len(ws[1].Skills) != 0 || *ws[1].Capacity != 6 || *ws[0].Lat != 1.5 || ws[0].Updated.IsZero() {
		t.Errorf("worker.parquet = %+v", ws)
	}
	type task struct {
		ID    string     `parquet:"id"`
		DueAt *time.Time `parquet:"due_at,optional,timestamp(microsecond)"`
	}
	ts, err := parquetgo.ReadFile[task](filepath.Join(out, "task.parquet"))
	if err != nil {
		t.Fatal(err)
	}
	if want := time.Date(2030, 1, 2, 3, 4, 5, 123456000, time.UTC); len(ts) != 1 || ts[0].DueAt == nil || !ts[0].DueAt.Equal(want) {
		t.Errorf("task.parquet = %+v, want t2 due %v", ts, want)
	}
	type archived struct {
		TaskID     string  `parquet:"task_id"`
		CostTotal  float64 `parquet:"cost_total"`
		ArchivedBy string  `parquet:"archived_by"`
	}
	as, err := parquetgo.ReadFile[archived](filepath.Join(out, "assignment_archive.parquet"))
	if err != nil || len(as) != 1 || as[0].TaskID != "t1" || as[0].CostTotal != 3.5 || as[0].ArchivedBy == "" {
		t.Errorf("assignment_archive.parquet = %+v, %v", as, err)
	}
	type usage struct {
		Stages string `parquet:"stages"`
	}
	us, err := parquetgo.ReadFile[usage](filepath.Join(out, "run_usage.parquet"))
	if err != nil || len(us) != 1 || !json.Valid([]byte(us[0].Stages)) || !strings.Contains(us[0].Stages, `"load"`) {
		t.Errorf("run_usage.parquet = %+v, %v", us, err)
	}
	type ledger struct {
		Seq  int64  `parquet:"seq"`
		Hash []byte `parquet:"hash"`
	}
	ls, err := parquetgo.ReadFile[ledger](filepath.Join(out, "ledger.parquet"))
	if err != nil || len(ls) != 1 || ls[0].Seq != 1 || len(ls[0].Hash) != 32 {
		t.Errorf("ledger.parquet = %+v, %v", ls, err)
	}

	// No secret column in the files, no secret value in any byte of the
	// export (decompressed: every string column read back).
	for _, name := range []string{"account.parquet", "api_token.parquet"} {
		f, err := os.Open(filepath.Join(out, name))
		if err != nil {
			t.Fatal(err)
		}
		st, _ := f.Stat()
		pf, err := parquetgo.OpenFile(f, st.Size())
		if err != nil {
			t.Fatal(err)
		}
		for _, secret := range []string{"password_hash", "hash"} {
			if _, ok := pf.Schema().Lookup(secret); ok {
				t.Errorf("%s has column %s", name, secret)
			}
		}
		f.Close()
	}
	if _, err := os.Stat(filepath.Join(out, "console_session.parquet")); !errors.Is(err, os.ErrNotExist) {
		t.Errorf("console_session.parquet exists (%v); sessions are excluded", err)
	}
	type account struct {
		Login string `parquet:"login"`
		Role  string `parquet:"role"`
	}
	acc, err := parquetgo.ReadFile[account](filepath.Join(out, "account.parquet"))
	if err != nil || len(acc) != 1 || acc[0].Login != "ann" || acc[0].Role != "admin" {
		t.Errorf("account.parquet = %+v, %v", acc, err)
	}
	entries, _ := os.ReadDir(out)
	for _, e := range entries {
		b, _ := os.ReadFile(filepath.Join(out, e.Name()))
		if bytes.Contains(b, []byte("$argon2id$v=")) || bytes.Contains(b, []byte("U0VDUkVUSEFTSA")) {
			t.Errorf("%s contains the password hash", e.Name())
		}
	}
}

// TestExportDictionaryDescribesEveryColumn: the dictionary lists every
// table and column of the catalog with its description and its Parquet
// type, and says why excluded tables and omitted columns are not there.
func TestExportDictionaryDescribesEveryColumn(t *testing.T) {
	t.Parallel()
	out, m := exportFixture(t)
	b, err := os.ReadFile(filepath.Join(out, handover.DictionaryJSON))
	if err != nil {
		t.Fatal(err)
	}
	var d handover.Dictionary
	if err := json.Unmarshal(b, &d); err != nil {
		t.Fatal(err)
	}
	if len(d.Tables) != len(m.Tables) || d.SchemaVersion != m.SchemaVersion || d.SchemaVersion < 55 {
		t.Fatalf("dictionary: %d tables, schema %d; manifest %d tables, schema %d", len(d.Tables), d.SchemaVersion, len(m.Tables), m.SchemaVersion)
	}
	md, err := os.ReadFile(filepath.Join(out, handover.DictionaryMarkdown))
	if err != nil {
		t.Fatal(err)
	}
	for _, tb := range d.Tables {
		if tb.Description == "" {
			t.Errorf("%s: no description", tb.Name)
		}
		if !bytes.Contains(md, []byte("\n## "+tb.Name+"\n")) {
			t.Errorf("dictionary.md has no section %s", tb.Name)
		}
		for _, c := range tb.Columns {
			exported := tb.Excluded == "" && c.Omitted == ""
			if c.Description == "" || c.Type == "" || exported != (c.ParquetType != "") {
				t.Errorf("%s.%s: %+v", tb.Name, c.Name, c)
			}
		}
	}
	want := map[string]string{"account.password_hash": "credential", "api_token.hash": "credential"}
	for _, tb := range d.Tables {
		for _, c := range tb.Columns {
			if w, ok := want[tb.Name+"."+c.Name]; ok && !strings.Contains(c.Omitted, w) {
				t.Errorf("%s.%s omitted %q, want a reason naming %q", tb.Name, c.Name, c.Omitted, w)
			}
		}
		if tb.Name == "console_session" && tb.Excluded == "" {
			t.Error("console_session is not excluded")
		}
	}
}

// TestExportVerify: the manifest verifies with the backup package's
// checks; a flipped byte in any file, a missing file or a table file left
// off the manifest is refused, naming the file.
func TestExportVerify(t *testing.T) {
	t.Parallel()
	out, _ := exportFixture(t)
	if _, err := handover.Verify(out); err != nil {
		t.Fatalf("Verify of a fresh export: %v", err)
	}
	for _, name := range []string{"assignment_archive.parquet", handover.DictionaryMarkdown} {
		path := filepath.Join(out, name)
		b, err := os.ReadFile(path)
		if err != nil {
			t.Fatal(err)
		}
		flipped := slices.Clone(b)
		flipped[len(flipped)/2] ^= 0x01
		if err := os.WriteFile(path, flipped, 0o640); err != nil {
			t.Fatal(err)
		}
		_, err = handover.Verify(out)
		if !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), name+": SHA-256") {
			t.Errorf("Verify after flipping a byte of %s: %v", name, err)
		}
		if err := os.WriteFile(path, b, 0o640); err != nil {
			t.Fatal(err)
		}
	}
	if err := os.Remove(filepath.Join(out, "ledger.parquet")); err != nil {
		t.Fatal(err)
	}
	if _, err := handover.Verify(out); !errors.Is(err, backup.ErrCorrupt) || !strings.Contains(err.Error(), "ledger.parquet") {
		t.Errorf("Verify without ledger.parquet: %v", err)
	}
}
