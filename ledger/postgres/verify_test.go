package postgres_test

import (
	"context"
	"fmt"
	"net/url"
	"slices"
	"strings"
	"sync"
	"testing"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/internal/pgschema"
	"github.com/paidan/paidan/internal/pgtest"
	"github.com/paidan/paidan/ledger"
	"github.com/paidan/paidan/ledger/postgres"
)

// threeRuns records two applied runs and a failed one. The rows are
// written as the schema owner: the ledger's trigger does not depend on who
// writes a run or how (direct statements here, the write-back elsewhere).
// runtime is the runtime role, for the privilege checks.
func threeRuns(t *testing.T) (owner, runtime *sqlx.DB) {
	t.Helper()
	owner, runtime = pgtest.NewRuntime(t)
	seed(t, owner)
	finishRun(t, owner, "run-1", "applied", []row{{"a", "w1", 1.5, 0.1}, {"B", "w2", 0, 2}, {"é", "w1", 3, 1e10}},
		map[string]string{"Z": "no_skill", "t-1": "no_capacity"})
	finishRun(t, owner, "run-2", "failed", nil, nil)
	finishRun(t, owner, "run-3", "applied", []row{{"t-2", "w2", 0.25, 7}}, map[string]string{"t-3": "out_of_range"})
	return owner, runtime
}

func verify(t *testing.T, db *sqlx.DB, opts postgres.VerifyOptions) *ledger.Report {
	t.Helper()
	r, err := postgres.Verify(context.Background(), db, opts)
	if err != nil {
		t.Fatalf("Verify: %v", err)
	}
	return r
}

// TestVerifyRecomputesTheDatabasesHashes: the entries the database's
// trigger computed are the ones Go computes from the rows.
func TestVerifyRecomputesTheDatabasesHashes(t *testing.T) {
	t.Parallel()
	owner, _ := threeRuns(t)
	r := verify(t, owner, postgres.VerifyOptions{})
	if !r.OK() || r.Entries != 3 || r.Head.Seq != 3 {
		t.Fatalf("report: entries %d, head %d, findings %v; want 3 entries, none", r.Entries, r.Head.Seq, r.Findings)
	}
	var ids []string
	if err := owner.Select(&ids, `SELECT run_id FROM paidan.ledger ORDER BY seq`); err != nil {
		t.Fatal(err)
	}
	if want := []string{"run-1", "run-2", "run-3"}; len(ids) != 3 || ids[0] != want[0] || ids[2] != want[2] {
		t.Errorf("ledger order %v, want %v", ids, want)
	}
	var counts struct {
		A int64 `db:"assignment_count"`
		U int64 `db:"unassigned_count"`
	}
	if err := owner.Get(&counts, `SELECT assignment_count, unassigned_count FROM paidan.ledger WHERE run_id = 'run-1'`); err != nil {
		t.Fatal(err)
	}
	if counts.A != 3 || counts.U != 2 {
		t.Errorf("run-1 entry counts %+v, want 3 assignments, 2 unassigned", counts)
	}
}

// TestOwnerTamperingWithTriggersDisabled rewrites an applied run's rows as
// a superuser with every trigger disabled, and as the schema owner with its
// own triggers disabled; verify names the run each time.
func TestOwnerTamperingWithTriggersDisabled(t *testing.T) {
	t.Parallel()
	for _, tc := range []struct {
		name    string
		asSuper bool
		sql     []string
		run     string
		kind    ledger.Kind
	}{
		{"superuser rewrites an assignment's worker", true, []string{
			`ALTER TABLE paidan.assignment DISABLE TRIGGER ALL`,
			`UPDATE paidan.assignment SET worker_id = 'w2' WHERE run_id = 'run-1' AND task_id = 'a'`,
			`ALTER TABLE paidan.assignment ENABLE TRIGGER ALL`,
		}, "run-1", ledger.AssignmentsChanged},
		{"superuser deletes an assignment", true, []string{
			`ALTER TABLE paidan.assignment DISABLE TRIGGER ALL`,
			`DELETE FROM paidan.assignment WHERE run_id = 'run-3'`,
			`ALTER TABLE paidan.assignment ENABLE TRIGGER ALL`,
		}, "run-3", ledger.AssignmentsChanged},
		{"owner changes a cost by one ulp", false, []string{
			`ALTER TABLE paidan.assignment DISABLE TRIGGER USER`,
			`UPDATE paidan.assignment SET cost_travel = 2.0000000000000004 WHERE run_id = 'run-1' AND task_id = 'B'`,
		}, "run-1", ledger.AssignmentsChanged},
		{"owner rewrites a final run's objective", false, []string{
			`ALTER TABLE paidan.run DISABLE TRIGGER USER`,
			`UPDATE paidan.run SET objective = 0 WHERE id = 'run-3'`,
		}, "run-3", ledger.FiguresChanged},
		{"owner rewrites an unassigned reason", false, []string{
			`UPDATE paidan.unassigned SET reason = 'no_region' WHERE run_id = 'run-1' AND task_id = 'Z'`,
		}, "run-1", ledger.UnassignedChanged},
		{"owner deletes a ledger entry", false, []string{
			`ALTER TABLE paidan.ledger DISABLE TRIGGER USER`,
			`DELETE FROM paidan.ledger WHERE seq = 2`,
		}, "run-3", ledger.SeqGap},
	} {
		t.Run(tc.name, func(t *testing.T) {
			t.Parallel()
			owner, _ := threeRuns(t)
			db := owner
			if tc.asSuper {
				db = superuser(t, owner)
			}
			for _, q := range tc.sql {
				exec(t, db, q)
			}
			r := verify(t, owner, postgres.VerifyOptions{})
			if r.OK() {
				t.Fatalf("tampering went unnoticed")
			}
			f := r.Findings[0]
			if f.RunID != tc.run || f.Kind != tc.kind {
				t.Errorf("first finding %v, want %v of run %q (all: %v)", f, tc.kind, tc.run, r.Findings)
			}
			if tc.kind == ledger.SeqGap && !slices.ContainsFunc(r.Findings, func(f ledger.Finding) bool {
				return f.Kind == ledger.NoEntry && f.RunID == "run-2"
			}) {
				t.Errorf("findings %v do not name run-2 as a finished run without entry", r.Findings)
			}
		})
	}
}

// TestLedgerIsAppendOnly: no role but the schema owner holds a privilege
// to change the ledger or the history tables, and the runtime role's
// attempts fail.
func TestLedgerIsAppendOnly(t *testing.T) {
	t.Parallel()
	owner, runtime := threeRuns(t)
	var holders []string
	err := owner.Select(&holders, `
		SELECT r.rolname || ' ' || p.priv || ' ' || t.tbl
		FROM pg_roles r
		CROSS JOIN unnest(ARRAY['paidan.ledger', 'paidan.ledger_lock', 'paidan.edit_history', 'paidan.assignment_archive']) t(tbl)
		CROSS JOIN unnest(ARRAY['INSERT', 'UPDATE', 'DELETE', 'TRUNCATE']) p(priv)
		-- Superusers and the predefined roles only a superuser grants
		-- (pg_write_all_data) stand above privileges.
		WHERE NOT r.rolsuper AND r.rolname NOT LIKE 'pg\_%'
		  AND r.oid <> (SELECT relowner FROM pg_class WHERE oid = t.tbl::regclass)
		  AND has_table_privilege(r.oid, t.tbl, p.priv)
		ORDER BY 1`)
	if err != nil {
		t.Fatal(err)
	}
	if len(holders) > 0 {
		t.Errorf("roles other than the owner may change the append-only tables: %v", holders)
	}
	for _, q := range []string{
		`UPDATE paidan.ledger SET hash = prev_hash`,
		`DELETE FROM paidan.ledger`,
		`TRUNCATE paidan.ledger`,
		`INSERT INTO paidan.ledger SELECT seq + 10, 'run-2', recorded_at, run_digest, assignment_count, assignment_digest, unassigned_count, unassigned_digest, prev_hash, hash FROM paidan.ledger WHERE seq = 1`,
		`DELETE FROM paidan.ledger_lock`,
		`SELECT paidan.ledger_record('run-1')`,
		`DELETE FROM paidan.edit_history`,
	} {
		if _, err := runtime.Exec(q); pqCode(err) != "42501" {
			t.Errorf("runtime %s: %v, want permission denied (42501)", q, err)
		}
	}
	// Even the owner meets the guard triggers unless it disables them.
	for _, q := range []string{`UPDATE paidan.ledger SET hash = prev_hash`, `DELETE FROM paidan.ledger`, `TRUNCATE paidan.ledger`} {
		if _, err := owner.Exec(q); pqCode(err) != "23514" {
			t.Errorf("owner %s: %v, want check_violation (23514)", q, err)
		}
	}
}

// TestConcurrentRunsChainInCommitOrder commits runs from many sessions at
// once; the chain stays one unbroken sequence.
func TestConcurrentRunsChainInCommitOrder(t *testing.T) {
	t.Parallel()
	owner := pgtest.New(t)
	seed(t, owner)
	var wg sync.WaitGroup
	for i := range 8 {
		wg.Add(1)
		go func() {
			defer wg.Done()
			for j := range 5 {
				finishRun(t, owner, "run-"+string(rune('a'+i))+string(rune('0'+j)), "failed", nil, nil)
			}
		}()
	}
	wg.Wait()
	r := verify(t, owner, postgres.VerifyOptions{})
	if !r.OK() || r.Entries != 40 {
		t.Errorf("entries %d, findings %v; want 40, none", r.Entries, r.Findings)
	}
}

// TestSignedHeadDetectsARewrittenChain: a head signed before the whole
// chain is rebuilt (entries and head rewritten consistently) exposes it.
func TestSignedHeadDetectsARewrittenChain(t *testing.T) {
	t.Parallel()
	owner, _ := threeRuns(t)
	head := verify(t, owner, postgres.VerifyOptions{}).Head
	if r := verify(t, owner, postgres.VerifyOptions{Expect: &head}); !r.OK() {
		t.Fatalf("intact chain against its own head: %v", r.Findings)
	}
	// The owner changes run-2, wipes the ledger and has the database
	// rebuild a consistent chain from the changed rows.
	for _, q := range []string{
		`ALTER TABLE paidan.run DISABLE TRIGGER USER`,
		`ALTER TABLE paidan.ledger DISABLE TRIGGER USER`,
		`UPDATE paidan.run SET error = 'rewritten' WHERE id = 'run-2'`,
		`DELETE FROM paidan.ledger`,
		`SELECT paidan.ledger_record(id) FROM (SELECT id FROM paidan.run ORDER BY id) r`,
	} {
		exec(t, owner, q)
	}
	if r := verify(t, owner, postgres.VerifyOptions{}); !r.OK() {
		t.Fatalf("the rebuilt chain should be consistent in itself: %v", r.Findings)
	}
	r := verify(t, owner, postgres.VerifyOptions{Expect: &head})
	if r.OK() || r.Findings[0].Kind != ledger.SignedHeadMismatch {
		t.Errorf("findings %v, want %v", r.Findings, ledger.SignedHeadMismatch)
	}
}

// TestDeletedTaskKeepsTheRunVerified: deleting a task moves its assignment
// rows to the archive, which the ledger counts with the live ones.
func TestDeletedTaskKeepsTheRunVerified(t *testing.T) {
	t.Parallel()
	owner, _ := threeRuns(t)
	exec(t, owner, `DELETE FROM paidan.task WHERE id IN ('a', 't-2')`)
	if r := verify(t, owner, postgres.VerifyOptions{}); !r.OK() || r.Entries != 3 {
		t.Errorf("after deleting tasks: entries %d, findings %v; want 3, none", r.Entries, r.Findings)
	}
}

// TestVerifyInEveryServerEncoding: the database computes the same entries
// as Go whatever its encoding. ledger_record (00060) takes a text's length
// prefix from the stored bytes in a UTF8 or SQL_ASCII database and from
// its UTF-8 conversion otherwise; in a LATIN1 database "é" is one stored
// byte and two UTF-8 ones, so a wrong length prefix breaks the chain.
func TestVerifyInEveryServerEncoding(t *testing.T) {
	t.Parallel()
	for _, enc := range []string{"SQL_ASCII", "LATIN1"} {
		t.Run(enc, func(t *testing.T) {
			t.Parallel()
			owner := databaseIn(t, enc)
			seed(t, owner)
			finishRun(t, owner, "run-1", "applied", []row{{"a", "w1", 1.5, 0.1}, {"é", "w2", 3, 1e10}},
				map[string]string{"Z": "no_skill"})
			r := verify(t, owner, postgres.VerifyOptions{})
			if !r.OK() || r.Entries != 1 {
				t.Fatalf("%s: entries %d, findings %v; want 1 entry, none", enc, r.Entries, r.Findings)
			}
		})
	}
}

// databaseIn returns the owner's connection to a new migrated database of
// server encoding enc, dropped when the test ends.
func databaseIn(t *testing.T, enc string) *sqlx.DB {
	t.Helper()
	u, err := url.Parse(pgtest.NewEmptyURL(t))
	if err != nil {
		t.Fatal(err)
	}
	admin := pgtest.Admin(t)
	name := fmt.Sprintf("paidan_%s_%d", strings.ToLower(enc), time.Now().UnixNano())
	exec(t, admin, fmt.Sprintf(`CREATE DATABASE %s OWNER %s ENCODING '%s' LC_COLLATE 'C' LC_CTYPE 'C' TEMPLATE template0`,
		name, u.User.Username(), enc))
	t.Cleanup(func() { admin.Exec(fmt.Sprintf(`DROP DATABASE IF EXISTS %s WITH (FORCE)`, name)) })
	u.Path = "/" + name
	db := open(t, u.String())
	m, err := pgschema.New(db.DB)
	if err != nil {
		t.Fatal(err)
	}
	if _, err := m.Up(context.Background()); err != nil {
		t.Fatalf("migrate the %s database: %v", enc, err)
	}
	return db
}
