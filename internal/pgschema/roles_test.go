package pgschema_test

import (
	"context"
	"errors"
	"fmt"
	"net/url"
	"slices"
	"sort"
	"strings"
	"testing"

	"github.com/jmoiron/sqlx"
	"github.com/lib/pq"

	"github.com/paidan/paidan/internal/pgtest"
)

// The group roles the migrations create.
const (
	runtime  = "paidan_runtime"
	business = "paidan_business"
	reader   = "paidan_reader"
	console  = "paidan_console"
)

var roles = []string{runtime, business, reader, console}

// Column lists of the grants that name columns.
const (
	taskInsert   = "id,partition,region,skills,priority,lat,lon,created_at,due_at,pinned_worker,previous_worker"
	taskUpdate   = "partition,region,skills,priority,lat,lon,due_at,pinned_worker,previous_worker,status"
	workerInsert = "id,partition,regions,skills,capacity,active,lat,lon,shift_start,shift_end,max_distance_km,worker_group"
	workerUpdate = "partition,regions,skills,capacity,active,lat,lon,shift_start,shift_end,max_distance_km,worker_group"
)

// basePrivileges and privileges() are the privilege matrix: every object of schema paidan (and
// the schema itself) with the privileges each group role holds on it, by
// grant or through PUBLIC. A role absent from an object's map holds nothing
// on it. "INSERT(a,b)" means INSERT on those columns only. The matrix is
// exhaustive both ways: TestPrivilegeMatrix fails on a privilege held that
// is not listed, on one listed that is not held, and on an object of the
// schema that is not listed (add a table, view, sequence or function and
// this test fails until its row says who may do what with it).
var basePrivileges = []privilege{
	{"schema paidan", map[string][]string{runtime: {"USAGE"}, business: {"USAGE"}, reader: {"USAGE"}, console: {"USAGE"}}},
	{"table task", map[string][]string{
		runtime:  {"SELECT"},
		business: {"SELECT", "DELETE", "INSERT(" + taskInsert + ")", "UPDATE(" + taskUpdate + ")"},
		reader:   {"SELECT"},
		console:  {"SELECT", "UPDATE(pinned_worker)"},
	}},
	{"table worker", map[string][]string{
		runtime:  {"SELECT"},
		business: {"SELECT", "DELETE", "INSERT(" + workerInsert + ")", "UPDATE(" + workerUpdate + ")"},
		reader:   {"SELECT"},
		console:  {"SELECT"},
	}},
	// UPDATE(as_of): the runtime records a run's planning instant once,
	// after its write-back (00045; run_guard lets only that change through).
	{"table run", map[string][]string{runtime: {"SELECT", "UPDATE(as_of)"}, business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table assignment", map[string][]string{business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table unassigned", map[string][]string{business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	// The console's tables (00015).
	{"table account", map[string][]string{console: {"SELECT", "INSERT", "UPDATE(role,disabled,password_hash,updated_at)"}}},
	{"table console_session", map[string][]string{console: {"SELECT", "INSERT", "DELETE"}}},
	{"table api_token", map[string][]string{console: {"SELECT", "INSERT", "UPDATE(revoked_at)"}}},
	{"table partition_pause", map[string][]string{runtime: {"SELECT"}, console: {"SELECT", "INSERT", "DELETE"}}},
	{"table audit", map[string][]string{console: {"SELECT", "INSERT"}}},
	// Each run's resource usage (00030), which the runtime role appends,
	// reports read (00054) and the console's run page shows (00056).
	{"table run_usage", map[string][]string{runtime: {"SELECT", "INSERT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	// History kept (00020) and the run ledger (00021): readable, changed
	// by triggers running as the owner only.
	{"table assignment_archive", map[string][]string{business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table edit_history", map[string][]string{business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table ledger", map[string][]string{reader: {"SELECT"}, console: {"SELECT"}}},
	{"table ledger_lock", nil},
	{"sequence edit_history_id_seq", nil},
	{"function ledger_text", nil},
	{"function ledger_bytes", nil},
	{"function ledger_int", nil},
	{"function ledger_float", nil},
	{"function ledger_bool", nil},
	{"function ledger_time", nil},
	{"function ledger_record", nil},
	// Announced maintenance windows (00040): the scheduler reads them, the
	// console announces and cancels them.
	{"table maintenance", map[string][]string{runtime: {"SELECT"}, console: {"SELECT", "INSERT", "UPDATE(cancelled_by,cancelled_at)"}}},
	{"sequence maintenance_id_seq", nil},
	// Push subscribers (00050): changed by the owner only; the runtime
	// role delivers and so reads the secret; the console reads the rest.
	{"table subscriber", map[string][]string{runtime: {"SELECT"}, console: {"SELECT(id,name,url,events,single,created_by,created_at)"}}},
	{"sequence subscriber_id_seq", nil},
	{"sequence account_id_seq", nil},
	{"sequence api_token_id_seq", nil},
	{"sequence audit_id_seq", nil},
	// The report rollups (00053): readable by every group role, filled only
	// by report_rollup(), which the roles that run reports may call.
	{"table run_rollup", map[string][]string{runtime: {"SELECT"}, business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table run_region_rollup", map[string][]string{runtime: {"SELECT"}, business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"table task_rollup", map[string][]string{runtime: {"SELECT"}, business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"function report_rollup", map[string][]string{runtime: {"EXECUTE"}, reader: {"EXECUTE"}, console: {"EXECUTE"}}},
	// Scheduled reports (00054): the scheduler records them, readers and
	// the console list them.
	{"table report_run", map[string][]string{
		runtime: {"SELECT", "INSERT(period,range_from,range_to,dir)", "UPDATE(finished_at,status,files,error)"},
		reader:  {"SELECT"}, console: {"SELECT"},
	}},
	{"sequence report_run_id_seq", nil},
	// Kept run inputs (00048): the runtime appends and prunes through
	// prune_run_input; readers and the console read.
	{"table run_input", map[string][]string{runtime: {"SELECT", "INSERT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"function prune_run_input", map[string][]string{runtime: {"EXECUTE"}}},
	// Runs on request, schedulers' heartbeats and the rules-change audit
	// (00056): the console requests, the runtime claims and beats.
	{"table run_request", map[string][]string{runtime: {"SELECT", "UPDATE(claimed_by,claimed_at,run_id,outcome,done_at)"},
		reader: {"SELECT"}, console: {"SELECT", "INSERT(partition,requested_by,note)"}}},
	{"sequence run_request_id_seq", nil},
	{"table scheduler_heartbeat", map[string][]string{runtime: {"SELECT", "INSERT", "DELETE", "UPDATE(partitions,next_at,beat_at)"},
		reader: {"SELECT"}, console: {"SELECT"}}},
	{"view partition_backlog", map[string][]string{runtime: {"SELECT"}, business: {"SELECT"}, reader: {"SELECT"}, console: {"SELECT"}}},
	{"function run_request_notify", nil},
	{"function run_rules_change", nil},
	{"function apply_run", map[string][]string{runtime: {"EXECUTE"}}},
	// Whether a statement runs inside apply_run (00046): the reference
	// checks call it, as the owner.
	{"function write_back_active", nil},
	{"function start_run", map[string][]string{runtime: {"EXECUTE"}}},
	{"function finish_run", map[string][]string{runtime: {"EXECUTE"}}},
	// Worker streams (00058): the console issues and revokes worker
	// tokens and reads the applied-run feed, which only a trigger writes;
	// dead deliveries are re-enqueued through retry_delivery (00059).
	{"table worker_token", map[string][]string{console: {"SELECT", "INSERT(worker_id,name,hash,prefix,created_by,expires_at)", "UPDATE(revoked_at)"}}},
	{"sequence worker_token_id_seq", nil},
	{"table run_applied", map[string][]string{reader: {"SELECT"}, console: {"SELECT"}}},
	{"sequence run_applied_seq_seq", nil},
	{"function run_applied_record", nil},
	{"function retry_delivery", map[string][]string{console: {"EXECUTE"}}},
	{"function claim_run", nil},
	{"function take_partition_lock", nil},
	{"function lock_workers", nil},
}

// triggerFunctions are the schema's trigger functions. No role may call
// one (a trigger fires whatever its caller's privileges); each gets a row
// of its own in privileges and a refused call per role in operations.
var triggerFunctions = []string{
	"task_guard", "worker_guard", "run_guard", "task_after_update", "task_after_delete",
	"task_check_references", "assignment_check_references", "unassigned_check_references",
	"task_delete_assignments", "worker_check_referenced", "run_check_referenced",
	"audit_append_only", "archive_assignments", "task_history", "worker_history", "worker_group_history", "deletion_history",
	"refuse_change", "ledger_append", "run_input_check", "task_limits",
}

// privilege is one row of the privilege matrix.
type privilege struct {
	object string // kind and name, as objectsOfSchema names it
	grants map[string][]string
}

// privileges returns the whole privilege matrix.
func privileges() []privilege {
	all := slices.Clone(basePrivileges)
	for _, f := range triggerFunctions {
		all = append(all, privilege{"function " + f, nil})
	}
	return all
}

// consoleObjects are the console's tables and sequences (00015), which
// only paidan_console may use (and paidan_runtime read, for pauses).
var consoleObjects = []struct{ object, query string }{
	{"table account", `SELECT count(*) FROM paidan.account`},
	{"table console_session", `SELECT count(*) FROM paidan.console_session`},
	{"table api_token", `SELECT count(*) FROM paidan.api_token`},
	{"table audit", `SELECT count(*) FROM paidan.audit`},
	{"table partition_pause", `INSERT INTO paidan.partition_pause (partition, paused_by) VALUES ('north', 'x')`},
	{"sequence account_id_seq", `SELECT nextval('paidan.account_id_seq')`},
	{"sequence api_token_id_seq", `SELECT nextval('paidan.api_token_id_seq')`},
	{"sequence audit_id_seq", `SELECT nextval('paidan.audit_id_seq')`},
}

// historyObjects are the tables, sequences and functions of history kept
// (00020), the run ledger (00021) and maintenance windows (00040): the
// readers may read; nobody changes them with a plain statement or calls
// their functions (triggers and the console's own grants do that).
var historyObjects = []struct {
	object, read, change string
	readers              []string
}{
	{"table assignment_archive", `SELECT count(*) FROM paidan.assignment_archive`, `DELETE FROM paidan.assignment_archive`, []string{business, reader, console}},
	{"table edit_history", `SELECT count(*) FROM paidan.edit_history`, `UPDATE paidan.edit_history SET old_value = NULL`, []string{business, reader, console}},
	{"table ledger", `SELECT count(*) FROM paidan.ledger`, `DELETE FROM paidan.ledger`, []string{reader, console}},
	{"table ledger_lock", `SELECT count(*) FROM paidan.ledger_lock`, "", nil},
	{"table maintenance", `SELECT count(*) FROM paidan.maintenance`, `DELETE FROM paidan.maintenance`, []string{runtime, console}},
	{"sequence maintenance_id_seq", `SELECT nextval('paidan.maintenance_id_seq')`, "", nil},
	{"sequence edit_history_id_seq", `SELECT nextval('paidan.edit_history_id_seq')`, "", nil},
	{"function ledger_text", `SELECT paidan.ledger_text('x')`, "", nil},
	{"function ledger_bytes", `SELECT paidan.ledger_bytes('x'::bytea)`, "", nil},
	{"function ledger_int", `SELECT paidan.ledger_int(1)`, "", nil},
	{"function ledger_float", `SELECT paidan.ledger_float(1)`, "", nil},
	{"function ledger_bool", `SELECT paidan.ledger_bool(true)`, "", nil},
	{"function ledger_time", `SELECT paidan.ledger_time(now())`, "", nil},
	{"function ledger_record", `SELECT paidan.ledger_record('r')`, "", nil},
}

// runRequestOperations cover 00056: the console requests a run, the
// runtime claims it and records its heartbeat; nobody else changes them.
var runRequestOperations = func() []operation {
	const (
		request = `INSERT INTO paidan.run_request (partition, requested_by) VALUES ('north', 'account:ann')`
		claim   = `UPDATE paidan.run_request SET claimed_by = 'h:1', claimed_at = now()`
		beat    = `INSERT INTO paidan.scheduler_heartbeat (scheduler, next_at) VALUES ('h:1', now())`
	)
	ops := []operation{
		{console, "table run_request", "request a run", request, ""},
		{console, "table run_request", "claim a request", claim, "42501"},
		{runtime, "table run_request", "claim a request", claim, ""},
		{runtime, "table run_request", "request a run", request, "42501"},
		{runtime, "table scheduler_heartbeat", "record its heartbeat", beat, ""},
		{console, "table scheduler_heartbeat", "read heartbeats", `SELECT count(*) FROM paidan.scheduler_heartbeat`, ""},
		{console, "table scheduler_heartbeat", "record a heartbeat", beat, "42501"},
		{reader, "table run_request", "read requests", `SELECT count(*) FROM paidan.run_request`, ""},
		{reader, "table scheduler_heartbeat", "read heartbeats", `SELECT count(*) FROM paidan.scheduler_heartbeat`, ""},
		{business, "table run_request", "read requests", `SELECT count(*) FROM paidan.run_request`, "42501"},
		{business, "table scheduler_heartbeat", "read heartbeats", `SELECT count(*) FROM paidan.scheduler_heartbeat`, "42501"},
	}
	for _, role := range roles {
		ops = append(ops,
			operation{role, "view partition_backlog", "read the backlog", `SELECT count(*) FROM paidan.partition_backlog`, ""},
			operation{role, "sequence run_request_id_seq", "take a request number", `SELECT nextval('paidan.run_request_id_seq')`, "42501"},
			operation{role, "function run_request_notify", "call run_request_notify", `SELECT paidan.run_request_notify()`, "42501"},
			operation{role, "function run_rules_change", "call run_rules_change", `SELECT paidan.run_rules_change()`, "42501"})
	}
	return ops
}()

// workerStreamOperations cover 00058 and 00059: the console issues and
// revokes worker tokens, reads the applied-run feed (readers too) and
// re-enqueues dead deliveries through retry_delivery; nobody writes the
// feed but its trigger.
var workerStreamOperations = func() []operation {
	const (
		issue  = `INSERT INTO paidan.worker_token (worker_id, name, hash, prefix, created_by, expires_at) VALUES ('w1', 'app', sha256('x'), 'pdw_x', 'account:ann', now() + interval '1 day')`
		revoke = `UPDATE paidan.worker_token SET revoked_at = now()`
		feed   = `SELECT count(*) FROM paidan.run_applied`
		forge  = `INSERT INTO paidan.run_applied (run_id, partition) VALUES ('r-x', 'north')`
		retry  = `SELECT paidan.retry_delivery(1, 'account:ann')`
	)
	ops := []operation{
		{console, "table worker_token", "issue a worker token", issue, ""},
		{console, "table worker_token", "revoke worker tokens", revoke, ""},
		{console, "table worker_token", "delete worker tokens", `DELETE FROM paidan.worker_token`, "42501"},
		{console, "table run_applied", "read the applied-run feed", feed, ""},
		{console, "table run_applied", "forge an applied run", forge, "42501"},
		// P0002: allowed to call, and no such delivery job.
		{console, "function retry_delivery", "re-enqueue a dead delivery", retry, "P0002"},
		{reader, "table run_applied", "read the applied-run feed", feed, ""},
	}
	for _, role := range []string{runtime, business, reader} {
		ops = append(ops,
			operation{role, "table worker_token", "issue a worker token", issue, "42501"},
			operation{role, "function retry_delivery", "re-enqueue a dead delivery", retry, "42501"})
	}
	for _, role := range []string{runtime, business} {
		ops = append(ops, operation{role, "table run_applied", "read the applied-run feed", feed, "42501"})
	}
	for _, role := range roles {
		ops = append(ops,
			operation{role, "sequence worker_token_id_seq", "draw a worker token id", `SELECT nextval('paidan.worker_token_id_seq')`, "42501"},
			operation{role, "sequence run_applied_seq_seq", "draw a feed number", `SELECT nextval('paidan.run_applied_seq_seq')`, "42501"},
			operation{role, "function run_applied_record", "call run_applied_record", `SELECT paidan.run_applied_record()`, "42501"})
	}
	return ops
}()

// operations returns the whole role × operation matrix.
func operations() []operation {
	all := slices.Clone(baseOperations)
	all = append(all, workerStreamOperations...)
	for _, o := range consoleObjects {
		for _, role := range []string{runtime, business, reader} {
			all = append(all, operation{role, o.object, "use " + o.object, o.query, "42501"})
		}
	}
	all = append(all, operation{runtime, "table partition_pause", "read pauses", `SELECT count(*) FROM paidan.partition_pause`, ""})
	all = append(all,
		operation{runtime, "table run_usage", "record a run's usage", `INSERT INTO paidan.run_usage (run_id, cpu_seconds, peak_memory_bytes) VALUES ('r-applied', 1.5, 1024)`, ""},
		operation{runtime, "table run_usage", "change a run's usage", `UPDATE paidan.run_usage SET cpu_seconds = 0`, "42501"},
		operation{business, "table run_usage", "read usage", `SELECT count(*) FROM paidan.run_usage`, "42501"},
		operation{reader, "table run_usage", "read usage", `SELECT count(*) FROM paidan.run_usage`, ""},  // reports read it (00054)
		operation{console, "table run_usage", "read usage", `SELECT count(*) FROM paidan.run_usage`, ""}, // the run page's stages (00056)
		operation{console, "table run_usage", "change usage", `UPDATE paidan.run_usage SET cpu_seconds = 0`, "42501"})
	for _, role := range roles {
		for _, table := range []string{"run_rollup", "run_region_rollup", "task_rollup"} {
			all = append(all,
				operation{role, "table " + table, "read " + table, "SELECT count(*) FROM paidan." + table, ""},
				operation{role, "table " + table, "change " + table, "DELETE FROM paidan." + table, "42501"})
		}
		want := ""
		if role == business {
			want = "42501"
		}
		all = append(all, operation{role, "function report_rollup", "roll up runs", "SELECT paidan.report_rollup()", want})
		read := "42501"
		if role != business {
			read = ""
		}
		start := "42501"
		if role == runtime {
			start = ""
		}
		all = append(all,
			operation{role, "table report_run", "read report runs", "SELECT count(*) FROM paidan.report_run", read},
			operation{role, "table report_run", "record a report run",
				"INSERT INTO paidan.report_run (period, range_from, range_to, dir) VALUES ('day', '2026-11-01Z', '2026-11-02Z', '/r')", start},
			operation{role, "table report_run", "delete report runs", "DELETE FROM paidan.report_run", "42501"},
			operation{role, "sequence report_run_id_seq", "draw a report run id", "SELECT nextval('paidan.report_run_id_seq')", "42501"})
	}
	const keepInput = `INSERT INTO paidan.run_input (run_id, partition, format, input_hash, rules_hash, sha256, size, data)
		VALUES ('r-applied', 'north', 'rundir-tar/1', repeat('a', 64), repeat('b', 64), repeat('c', 64), 1, '\x00')`
	all = append(all,
		operation{runtime, "table run_input", "keep an input that is not the run's", keepInput, "23514"},
		operation{runtime, "table run_input", "read kept inputs", `SELECT count(*) FROM paidan.run_input`, ""},
		operation{runtime, "table run_input", "delete kept inputs", `DELETE FROM paidan.run_input`, "42501"},
		operation{business, "table run_input", "keep an input", keepInput, "42501"},
		operation{business, "table run_input", "read kept inputs", `SELECT count(*) FROM paidan.run_input`, "42501"},
		operation{reader, "table run_input", "read kept inputs", `SELECT count(*) FROM paidan.run_input`, ""},
		operation{console, "table run_input", "read kept inputs", `SELECT count(*) FROM paidan.run_input`, ""},
		operation{console, "table run_input", "delete kept inputs", `DELETE FROM paidan.run_input`, "42501"},
		operation{runtime, "function prune_run_input", "prune kept inputs", `SELECT paidan.prune_run_input('north', 1)`, ""},
		operation{runtime, "function prune_run_input", "prune every kept input", `SELECT paidan.prune_run_input('north', 0)`, "22023"},
		operation{business, "function prune_run_input", "prune kept inputs", `SELECT paidan.prune_run_input('north', 1)`, "42501"},
		operation{reader, "function prune_run_input", "prune kept inputs", `SELECT paidan.prune_run_input('north', 1)`, "42501"},
		operation{console, "function prune_run_input", "prune kept inputs", `SELECT paidan.prune_run_input('north', 1)`, "42501"})
	all = append(all, runRequestOperations...)
	// Push subscribers (00050): only the owner adds or removes one; the
	// delivering runtime reads the secret, the console everything else.
	all = append(all,
		operation{runtime, "table subscriber", "read subscribers' secrets", `SELECT count(secret) FROM paidan.subscriber`, ""},
		operation{console, "table subscriber", "read subscribers", `SELECT count(url) FROM paidan.subscriber`, ""},
		operation{console, "table subscriber", "read subscribers' secrets", `SELECT count(secret) FROM paidan.subscriber`, "42501"})
	for _, role := range roles {
		all = append(all,
			operation{role, "table subscriber", "add a subscriber", `INSERT INTO paidan.subscriber (name, url, events, secret, created_by) VALUES ('x', 'https://x', '{assigned}', '0123456789abcdef', 'x')`, "42501"},
			operation{role, "table subscriber", "remove subscribers", `DELETE FROM paidan.subscriber`, "42501"},
			operation{role, "sequence subscriber_id_seq", "draw a subscriber id", `SELECT nextval('paidan.subscriber_id_seq')`, "42501"})
	}
	for _, role := range []string{business, reader} {
		all = append(all, operation{role, "table subscriber", "read subscribers", `SELECT count(url) FROM paidan.subscriber`, "42501"})
	}
	for _, f := range triggerFunctions {
		for _, role := range roles {
			all = append(all, operation{role, "function " + f, "call " + f, "SELECT paidan." + f + "()", "42501"})
		}
	}
	for _, o := range historyObjects {
		for _, role := range roles {
			want := "42501"
			if slices.Contains(o.readers, role) {
				want = ""
			}
			all = append(all, operation{role, o.object, "read " + o.object, o.read, want})
			if o.change != "" {
				all = append(all, operation{role, o.object, "change " + o.object, o.change, "42501"})
			}
		}
	}
	return all
}

// objectsOfSchema lists every table, view, sequence and function of schema
// paidan, and the schema itself, as "kind name".
const objectsOfSchema = `
SELECT 'schema paidan'
UNION ALL
SELECT CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                      WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE 'foreign table' END
       || ' ' || c.relname
FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
WHERE n.nspname = 'paidan' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
UNION ALL
SELECT DISTINCT 'function ' || p.proname
FROM pg_proc p JOIN pg_namespace n ON n.oid = p.pronamespace
WHERE n.nspname = 'paidan'`

// heldPrivileges lists every privilege the group roles hold on schema
// paidan and its objects, as "object role privilege", a column privilege
// as "PRIV(column)" when the role lacks it on the whole table.
const heldPrivileges = `
WITH r(role) AS (SELECT unnest($1::text[])),
rel AS (
    SELECT c.oid, c.relname, c.relkind,
           CASE c.relkind WHEN 'r' THEN 'table' WHEN 'p' THEN 'table' WHEN 'v' THEN 'view'
                          WHEN 'm' THEN 'materialized view' WHEN 'S' THEN 'sequence' ELSE 'foreign table' END AS kind
    FROM pg_class c JOIN pg_namespace n ON n.oid = c.relnamespace
    WHERE n.nspname = 'paidan' AND c.relkind IN ('r', 'p', 'v', 'm', 'S', 'f')
)
SELECT 'schema paidan ' || r.role || ' ' || p.priv
FROM r, unnest(ARRAY['USAGE', 'CREATE']) p(priv)
WHERE has_schema_privilege(r.role, 'paidan', p.priv)
UNION ALL
SELECT rel.kind || ' ' || rel.relname || ' ' || r.role || ' ' || p.priv
FROM rel, r, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'DELETE', 'TRUNCATE', 'REFERENCES', 'TRIGGER']) p(priv)
WHERE rel.relkind <> 'S' AND has_table_privilege(r.role, rel.oid, p.priv)
UNION ALL
SELECT rel.kind || ' ' || rel.relname || ' ' || r.role || ' ' || p.priv || '(' || a.attname || ')'
FROM rel JOIN pg_attribute a ON a.attrelid = rel.oid AND a.attnum > 0 AND NOT a.attisdropped,
     r, unnest(ARRAY['SELECT', 'INSERT', 'UPDATE', 'REFERENCES']) p(priv)
WHERE rel.relkind <> 'S' AND has_column_privilege(r.role, rel.oid, a.attnum, p.priv)
  AND NOT has_table_privilege(r.role, rel.oid, p.priv)
UNION ALL
SELECT rel.kind || ' ' || rel.relname || ' ' || r.role || ' ' || p.priv
FROM rel, r, unnest(ARRAY['USAGE', 'SELECT', 'UPDATE']) p(priv)
WHERE rel.relkind = 'S' AND has_sequence_privilege(r.role, rel.oid, p.priv)
UNION ALL
SELECT DISTINCT 'function ' || f.proname || ' ' || r.role || ' EXECUTE'
FROM pg_proc f JOIN pg_namespace n ON n.oid = f.pronamespace, r
WHERE n.nspname = 'paidan' AND has_function_privilege(r.role, f.oid, 'EXECUTE')`

// TestPrivilegeMatrix compares what each group role holds on the migrated
// schema with the privilege matrix, both ways, and checks that the matrix
// names every object of the schema.
func TestPrivilegeMatrix(t *testing.T) {
	t.Parallel()
	db := pgtest.New(t)

	var objects []string
	if err := db.Select(&objects, objectsOfSchema); err != nil {
		t.Fatal(err)
	}
	listed := make(map[string]bool)
	for _, p := range privileges() {
		listed[p.object] = true
	}
	for _, o := range objects {
		if !listed[o] {
			t.Errorf("%s is not in the privilege matrix: add its row (who may do what with it)", o)
		}
		delete(listed, o)
	}
	for o := range listed {
		t.Errorf("the privilege matrix lists %s, which the schema does not have", o)
	}

	var held []string
	if err := db.Select(&held, heldPrivileges, pq.StringArray(roles)); err != nil {
		t.Fatal(err)
	}
	var want []string
	for _, p := range privileges() {
		for role, privs := range p.grants {
			for _, priv := range privs {
				name, cols, ok := strings.Cut(priv, "(")
				if !ok {
					want = append(want, p.object+" "+role+" "+priv)
					continue
				}
				for _, col := range strings.Split(strings.TrimSuffix(cols, ")"), ",") {
					want = append(want, p.object+" "+role+" "+name+"("+col+")")
				}
			}
		}
	}
	for _, extra := range difference(held, want) {
		t.Errorf("held but not in the matrix: %s", extra)
	}
	for _, missing := range difference(want, held) {
		t.Errorf("in the matrix but not held: %s", missing)
	}
}

// difference returns the elements of a not in b, sorted.
func difference(a, b []string) []string {
	in := make(map[string]bool, len(b))
	for _, s := range b {
		in[s] = true
	}
	var out []string
	for _, s := range a {
		if !in[s] {
			out = append(out, s)
		}
	}
	sort.Strings(out)
	return out
}

// The fixture of TestRoleOperations, arranged by the owner: partition
// "north" with workers w1 and w2, pending tasks t-pend and t-left, and
// t-asg assigned to w1 by the applied run r-applied (which left t-left out:
// no_skill); partition "held" with the running run r-running, whose
// partition lock another session holds for the whole test, as a scheduler
// planning it does.
const fixture = `
INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES
    ('w1', 'north', 5, 0, 0), ('w2', 'north', 5, 0, 0), ('w-spare', 'north', 5, 0, 0);
INSERT INTO paidan.task (id, partition, lat, lon) VALUES
    ('t-pend', 'north', 0, 0), ('t-asg', 'north', 0, 0), ('t-left', 'north', 0, 0), ('t-held', 'held', 0, 0);
SELECT * FROM paidan.apply_run('r-applied', 'north', NULL, '{t-asg}', '{w1}', '{1}', '{0}', '{1}', '{1}',
    '{0}', '{0}', '{f}', '{t-left}', '{no_skill}', '{"no worker with skill x"}', 'rules', 'input', 1, 1000, 1000,
    'verified', '{}');
SELECT paidan.start_run('r-running', 'held', NULL);`

// Calls of the write-back functions, as the runtime role makes them.
const (
	applyPend = `SELECT * FROM paidan.apply_run('r-new', 'north', NULL, '{t-pend}', '{w2}', '{1}', '{0}', '{1}',
		'{1}', '{0}', '{0}', '{f}', '{}', '{}', '{}', 'rules', 'input', 1, 1000, 1000, 'verified', '{}')`
	finishRunning = `SELECT paidan.finish_run('r-running', 'held', 'failed', NULL, NULL, '', '', 0, 0, 0,
		'unchecked', '{}', 'failed by someone else')`
)

// baseOperations and operations() are the role × operation matrix: each statement, run by a login
// role that holds nothing but the group role, in a transaction of its own
// that is rolled back, with lock_timeout 200ms. want is "" when the
// statement must succeed, otherwise the SQLSTATE it must fail with (42501
// insufficient_privilege, 23514 check_violation, 55P03 lock_not_available,
// PD001 run applied already). object names the object the statement is
// about; TestRoleOperations checks that every object of the schema has a
// case for every role.
var baseOperations = []operation{
	// The runtime role reads the batch and writes only through the
	// write-back functions.
	{runtime, "table task", "read tasks", `SELECT count(*) FROM paidan.task`, ""},
	{runtime, "table task", "cancel every pending task", `UPDATE paidan.task SET status = 'cancelled' WHERE status = 'pending'`, "42501"},
	{runtime, "table task", "mark assigned tasks done", `UPDATE paidan.task SET status = 'done' WHERE status = 'assigned'`, "42501"},
	{runtime, "table task", "assign without a write-back", `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w2', assigned_run = 'r-applied' WHERE id = 't-pend'`, "42501"},
	{runtime, "table task", "insert a task", `INSERT INTO paidan.task (id, partition, lat, lon) VALUES ('t9', 'north', 0, 0)`, "42501"},
	{runtime, "table task", "delete tasks", `DELETE FROM paidan.task`, "42501"},
	{runtime, "table task", "truncate tasks", `TRUNCATE paidan.task CASCADE`, "42501"},
	{runtime, "table worker", "read workers", `SELECT count(*) FROM paidan.worker`, ""},
	{runtime, "table worker", "raise a capacity", `UPDATE paidan.worker SET capacity = 100`, "42501"},
	{runtime, "table worker", "reset a load", `UPDATE paidan.worker SET load = 0`, "42501"},
	{runtime, "table run", "read runs", `SELECT count(*) FROM paidan.run`, ""},
	{runtime, "table run", "insert a run applied with any figures", `INSERT INTO paidan.run (id, partition, status, finished_at, certificate, assigned) VALUES ('r-x', 'north', 'applied', now(), 'verified', 99)`, "42501"},
	{runtime, "table run", "insert a running run", `INSERT INTO paidan.run (id, partition) VALUES ('r-x', 'north')`, "42501"},
	{runtime, "table run", "fail a running run by UPDATE", `UPDATE paidan.run SET status = 'failed', finished_at = now() WHERE id = 'r-running'`, "42501"},
	{runtime, "table run", "delete runs", `DELETE FROM paidan.run`, "42501"},
	{runtime, "table assignment", "read assignments", `SELECT count(*) FROM paidan.assignment`, "42501"},
	{runtime, "table assignment", "insert an assignment", `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability) VALUES ('r-applied', 't-pend', 'w1', 0, 0, 0, 0)`, "42501"},
	{runtime, "table assignment", "retire an assignment", `UPDATE paidan.assignment SET active = false`, "42501"},
	{runtime, "table unassigned", "insert an unassigned row", `INSERT INTO paidan.unassigned (run_id, task_id, reason) VALUES ('r-applied', 't-pend', 'no_skill')`, "42501"},
	{runtime, "table unassigned", "read unassigned rows", `SELECT count(*) FROM paidan.unassigned`, "42501"},
	{runtime, "function apply_run", "write back a plan", applyPend, ""},
	{runtime, "function apply_run", "apply an applied run again", `SELECT * FROM paidan.apply_run('r-applied', 'north', NULL, '{t-pend}', '{w2}', '{1}', '{0}', '{1}', '{1}', '{0}', '{0}', '{f}', '{}', '{}', '{}', '', '', 0, 0, 0, 'verified', '{}')`, "PD001"},
	{runtime, "function apply_run", "apply a plan whose certificate did not verify", `SELECT * FROM paidan.apply_run('r-new', 'north', NULL, '{t-pend}', '{w2}', '{1}', '{0}', '{1}', '{1}', '{0}', '{0}', '{f}', '{}', '{}', '{}', '', '', 0, 0, 0, 'failed', '{}')`, "23514"},
	{runtime, "function apply_run", "write into a run of a partition a scheduler holds", `SELECT * FROM paidan.apply_run('r-running', 'held', NULL, '{t-held}', '{w1}', '{1}', '{0}', '{1}', '{1}', '{0}', '{0}', '{f}', '{}', '{}', '{}', '', '', 0, 0, 0, 'verified', '{}')`, "55P03"},
	{runtime, "function finish_run", "fail another scheduler's run", finishRunning, "55P03"},
	{runtime, "function finish_run", "record a failed run", `SELECT paidan.finish_run('r-failed', 'north', 'failed', NULL, NULL, '', '', 0, 0, 0, 'unchecked', '{}', 'solver timed out')`, ""},
	{runtime, "function finish_run", "finish a run as applied", `SELECT paidan.finish_run('r-x', 'north', 'applied', NULL, NULL, '', '', 0, 0, 0, 'verified', '{}', '')`, "PD003"},
	{runtime, "function finish_run", "fail an applied run", `SELECT paidan.finish_run('r-applied', 'north', 'failed', NULL, NULL, '', '', 0, 0, 0, 'unchecked', '{}', 'x')`, "PD001"},
	{runtime, "function start_run", "start a run", `SELECT paidan.start_run('r-x', 'north', NULL)`, ""},
	{runtime, "function start_run", "start a run of a partition a scheduler holds", `SELECT paidan.start_run('r-x', 'held', NULL)`, "55P03"},
	{runtime, "function claim_run", "claim a run directly", `SELECT paidan.claim_run('r-x', 'north', NULL)`, "42501"},
	{runtime, "function take_partition_lock", "call the lock helper", `SELECT paidan.take_partition_lock('north')`, "42501"},
	{runtime, "function lock_workers", "lock workers", `SELECT paidan.lock_workers('{w1}')`, "42501"},
	{runtime, "function write_back_active", "ask whether a write-back runs", `SELECT paidan.write_back_active()`, "42501"},
	{runtime, "schema paidan", "create a table", `CREATE TABLE paidan.scratch (id int)`, "42501"},
	{runtime, "schema paidan", "disable the guards", `ALTER TABLE paidan.task DISABLE TRIGGER USER`, "42501"},

	// The business role owns tasks and workers; it never assigns, and
	// never writes paidan's tables or the maintained columns.
	{business, "table task", "insert a pending task", `INSERT INTO paidan.task (id, partition, region, priority, lat, lon, due_at) VALUES ('t9', 'north', 'r1', 3, 1, 2, now() + interval '1 day')`, ""},
	{business, "table task", "insert an assigned task", `INSERT INTO paidan.task (id, partition, lat, lon, status, assigned_worker, assigned_run) VALUES ('t9', 'north', 0, 0, 'assigned', 'w1', 'r-applied')`, "42501"},
	{business, "table task", "edit a task", `UPDATE paidan.task SET priority = 9, region = 'r2' WHERE id = 't-pend'`, ""},
	{business, "table task", "cancel a pending task", `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-pend'`, ""},
	{business, "table task", "complete an assigned task", `UPDATE paidan.task SET status = 'done' WHERE id = 't-asg'`, ""},
	{business, "table task", "unassign a task", `UPDATE paidan.task SET status = 'pending' WHERE id = 't-asg'`, ""},
	{business, "table task", "assign a task", `UPDATE paidan.task SET status = 'assigned', assigned_worker = 'w2', assigned_run = 'r-applied' WHERE id = 't-pend'`, "42501"},
	{business, "table task", "set assigned without a worker", `UPDATE paidan.task SET status = 'assigned' WHERE id = 't-pend'`, "23514"},
	{business, "table task", "set a version", `UPDATE paidan.task SET version = 1`, "42501"},
	{business, "table task", "delete a task", `DELETE FROM paidan.task WHERE id = 't-pend'`, ""},
	{business, "table task", "truncate tasks", `TRUNCATE paidan.task CASCADE`, "42501"},
	{business, "table worker", "insert a worker", `INSERT INTO paidan.worker (id, partition, capacity, lat, lon, skills) VALUES ('w9', 'north', 3, 0, 0, '{forklift}')`, ""},
	{business, "table worker", "upsert a worker", `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w2', 'north', 7, 0, 0) ON CONFLICT (id) DO UPDATE SET capacity = excluded.capacity`, ""},
	{business, "table worker", "deactivate a worker", `UPDATE paidan.worker SET active = false WHERE id = 'w2'`, ""},
	{business, "table worker", "write a load", `UPDATE paidan.worker SET load = 0`, "42501"},
	{business, "table worker", "insert a worker with a load", `INSERT INTO paidan.worker (id, partition, capacity, lat, lon, load) VALUES ('w9', 'north', 3, 0, 0, 0)`, "42501"},
	{business, "table worker", "delete an unreferenced worker", `DELETE FROM paidan.worker WHERE id = 'w-spare'`, ""},
	{business, "table worker", "delete a worker a task references", `DELETE FROM paidan.worker WHERE id = 'w1'`, "23503"},
	{business, "table worker", "move a worker a task references", `UPDATE paidan.worker SET partition = 'south' WHERE id = 'w1'`, ""},
	{business, "table task", "delete an assigned task and its assignment", `DELETE FROM paidan.task WHERE id = 't-asg'`, ""},
	{business, "table run", "read runs", `SELECT count(*) FROM paidan.run`, ""},
	{business, "table run", "insert a run", `INSERT INTO paidan.run (id, partition) VALUES ('r-x', 'north')`, "42501"},
	{business, "table run", "fail a run", `UPDATE paidan.run SET status = 'failed', finished_at = now() WHERE id = 'r-running'`, "42501"},
	{business, "table assignment", "read assignments", `SELECT count(*) FROM paidan.assignment`, ""},
	{business, "table assignment", "insert an assignment", `INSERT INTO paidan.assignment (run_id, task_id, worker_id, distance_km, cost_travel, cost_balance, cost_stability) VALUES ('r-applied', 't-pend', 'w1', 0, 0, 0, 0)`, "42501"},
	{business, "table unassigned", "read unassigned rows", `SELECT count(*) FROM paidan.unassigned`, ""},
	{business, "table unassigned", "delete unassigned rows", `DELETE FROM paidan.unassigned`, "42501"},
	{business, "function apply_run", "write back a plan", applyPend, "42501"},
	{business, "function start_run", "start a run", `SELECT paidan.start_run('r-x', 'north', NULL)`, "42501"},
	{business, "function finish_run", "fail a run", finishRunning, "42501"},
	{business, "function claim_run", "claim a run", `SELECT paidan.claim_run('r-x', 'north', NULL)`, "42501"},
	{business, "function take_partition_lock", "call the lock helper", `SELECT paidan.take_partition_lock('north')`, "42501"},
	{business, "function lock_workers", "lock workers", `SELECT paidan.lock_workers('{w1}')`, "42501"},
	{business, "function write_back_active", "ask whether a write-back runs", `SELECT paidan.write_back_active()`, "42501"},
	{business, "schema paidan", "create a table", `CREATE TABLE paidan.scratch (id int)`, "42501"},

	// The reader role reads.
	{reader, "table task", "read tasks", `SELECT count(*) FROM paidan.task`, ""},
	{reader, "table task", "cancel a task", `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-pend'`, "42501"},
	{reader, "table worker", "read workers", `SELECT count(*) FROM paidan.worker`, ""},
	{reader, "table worker", "insert a worker", `INSERT INTO paidan.worker (id, partition, capacity, lat, lon) VALUES ('w9', 'north', 3, 0, 0)`, "42501"},
	{reader, "table run", "read runs", `SELECT count(*) FROM paidan.run`, ""},
	{reader, "table run", "delete runs", `DELETE FROM paidan.run`, "42501"},
	{reader, "table assignment", "read assignments", `SELECT count(*) FROM paidan.assignment`, ""},
	{reader, "table assignment", "retire an assignment", `UPDATE paidan.assignment SET active = false`, "42501"},
	{reader, "table unassigned", "read unassigned rows", `SELECT count(*) FROM paidan.unassigned`, ""},
	{reader, "table unassigned", "insert an unassigned row", `INSERT INTO paidan.unassigned (run_id, task_id, reason) VALUES ('r-applied', 't-pend', 'no_skill')`, "42501"},
	{reader, "function apply_run", "write back a plan", applyPend, "42501"},
	{reader, "function start_run", "start a run", `SELECT paidan.start_run('r-x', 'north', NULL)`, "42501"},
	{reader, "function finish_run", "fail a run", finishRunning, "42501"},
	{reader, "function claim_run", "claim a run", `SELECT paidan.claim_run('r-x', 'north', NULL)`, "42501"},
	{reader, "function take_partition_lock", "call the lock helper", `SELECT paidan.take_partition_lock('north')`, "42501"},
	{reader, "function lock_workers", "lock workers", `SELECT paidan.lock_workers('{w1}')`, "42501"},
	{reader, "function write_back_active", "ask whether a write-back runs", `SELECT paidan.write_back_active()`, "42501"},
	{reader, "schema paidan", "create a table", `CREATE TABLE paidan.scratch (id int)`, "42501"},

	// The console role holds nothing on the dispatch schema (the
	// console's own migrations grant it its tables).
	{console, "table task", "read tasks", `SELECT count(*) FROM paidan.task`, ""},
	{console, "table task", "pin a task to a worker", `UPDATE paidan.task SET pinned_worker = 'w2' WHERE id = 't-pend'`, ""},
	{console, "table task", "cancel a task", `UPDATE paidan.task SET status = 'cancelled' WHERE id = 't-pend'`, "42501"},
	{console, "table worker", "read workers", `SELECT count(*) FROM paidan.worker`, ""},
	{console, "table worker", "raise a capacity", `UPDATE paidan.worker SET capacity = 100`, "42501"},
	{console, "table run", "read runs", `SELECT count(*) FROM paidan.run`, ""},
	{console, "table run", "fail a run", `UPDATE paidan.run SET status = 'failed', finished_at = now() WHERE id = 'r-running'`, "42501"},
	{console, "table assignment", "read assignments", `SELECT count(*) FROM paidan.assignment`, ""},
	{console, "table unassigned", "read unassigned rows", `SELECT count(*) FROM paidan.unassigned`, ""},
	{console, "table account", "create an account", `INSERT INTO paidan.account (login, role, password_hash) VALUES ('ann', 'viewer', '$argon2id$v=19$m=65536,t=1,p=1$c2FsdA$aGFzaA')`, ""},
	{console, "table console_session", "read sessions", `SELECT count(*) FROM paidan.console_session`, ""},
	{console, "table api_token", "read tokens", `SELECT count(*) FROM paidan.api_token`, ""},
	{console, "table partition_pause", "pause a partition", `INSERT INTO paidan.partition_pause (partition, paused_by) VALUES ('north', 'account:ann')`, ""},
	{console, "table audit", "append to the audit trail", `INSERT INTO paidan.audit (actor, action) VALUES ('account:ann', 'run.view')`, ""},
	{console, "table audit", "rewrite the audit trail", `UPDATE paidan.audit SET actor = 'x'`, "42501"},
	{console, "table audit", "delete the audit trail", `DELETE FROM paidan.audit`, "42501"},
	{console, "sequence account_id_seq", "draw an account id", `SELECT nextval('paidan.account_id_seq')`, "42501"},
	{console, "sequence api_token_id_seq", "draw a token id", `SELECT nextval('paidan.api_token_id_seq')`, "42501"},
	{console, "sequence audit_id_seq", "draw an audit id", `SELECT nextval('paidan.audit_id_seq')`, "42501"},
	{console, "function apply_run", "write back a plan", applyPend, "42501"},
	{console, "function start_run", "start a run", `SELECT paidan.start_run('r-x', 'north', NULL)`, "42501"},
	{console, "function finish_run", "fail a run", finishRunning, "42501"},
	{console, "function claim_run", "claim a run", `SELECT paidan.claim_run('r-x', 'north', NULL)`, "42501"},
	{console, "function take_partition_lock", "call the lock helper", `SELECT paidan.take_partition_lock('north')`, "42501"},
	{console, "function lock_workers", "lock workers", `SELECT paidan.lock_workers('{w1}')`, "42501"},
	{console, "function write_back_active", "ask whether a write-back runs", `SELECT paidan.write_back_active()`, "42501"},
	{console, "schema paidan", "create a table", `CREATE TABLE paidan.scratch (id int)`, "42501"},
}

// operation is one row of the role × operation matrix.
type operation struct {
	role, object, name, query, want string
}

// TestRoleOperations runs the role × operation matrix on a real server:
// each group role through a login role of its own, as an operator sets
// them up, against the fixture.
func TestRoleOperations(t *testing.T) {
	t.Parallel()
	ctx := context.Background()
	dsn := pgtest.NewURL(t)
	owner := connect(t, dsn, "", "")
	if _, err := owner.ExecContext(ctx, fixture); err != nil {
		t.Fatalf("fixture: %v", err)
	}
	// A scheduler plans partition "held" for the whole test.
	holder, err := owner.Connx(ctx)
	if err != nil {
		t.Fatal(err)
	}
	defer holder.Close()
	if _, err := holder.ExecContext(ctx, `SELECT pg_advisory_lock(1885432164, hashtext('held'))`); err != nil {
		t.Fatal(err)
	}

	var objects []string
	if err := owner.Select(&objects, objectsOfSchema); err != nil {
		t.Fatal(err)
	}
	ops := operations()
	for _, role := range roles {
		for _, o := range objects {
			if !slices.ContainsFunc(ops, func(op operation) bool {
				return op.role == role && op.object == o
			}) {
				t.Errorf("no operation of %s on %s in the matrix: add one", role, o)
			}
		}
	}

	logins := make(map[string]*sqlx.DB)
	for _, role := range roles {
		login := "paidan_test_as_" + strings.TrimPrefix(role, "paidan_")
		createLogin(t, login, role)
		logins[role] = connect(t, dsn, login, login)
	}
	for _, op := range ops {
		t.Run(strings.TrimPrefix(op.role, "paidan_")+"/"+op.name, func(t *testing.T) {
			got := pqCode(t, tryAndRollBack(ctx, logins[op.role], op.query))
			if got != op.want {
				want := "success"
				if op.want != "" {
					want = "SQLSTATE " + op.want
				}
				t.Errorf("%s as %s: got SQLSTATE %q, want %s\n%s", op.name, op.role, got, want, op.query)
			}
		})
	}
}

// tryAndRollBack runs query in a transaction that it rolls back, and
// returns its error.
func tryAndRollBack(ctx context.Context, db *sqlx.DB, query string) error {
	tx, err := db.BeginTxx(ctx, nil)
	if err != nil {
		return err
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, `SET LOCAL lock_timeout = '200ms'`); err != nil {
		return err
	}
	_, err = tx.ExecContext(ctx, query)
	return err
}

// pqCode returns the SQLSTATE of a server error, "" for nil, and fails the
// test on any other error.
func pqCode(t *testing.T, err error) string {
	t.Helper()
	if err == nil {
		return ""
	}
	var e *pq.Error
	if !errors.As(err, &e) {
		t.Fatalf("not a server error: %v", err)
	}
	return string(e.Code)
}

// createLogin creates a login role that is a member of group and holds
// nothing of its own, once per server (roles are server-wide; an advisory
// lock keeps concurrent test processes apart).
func createLogin(t *testing.T, login, group string) {
	t.Helper()
	ctx := context.Background()
	tx, err := pgtest.Admin(t).BeginTxx(ctx, nil)
	if err != nil {
		t.Fatal(err)
	}
	defer tx.Rollback()
	for _, q := range []string{
		fmt.Sprintf(`SELECT pg_advisory_xact_lock(hashtext(%s))`, pq.QuoteLiteral(login)),
		fmt.Sprintf(`DO $$ BEGIN
			IF NOT EXISTS (SELECT FROM pg_roles WHERE rolname = %s) THEN
				CREATE ROLE %s LOGIN INHERIT PASSWORD %s;
			END IF;
		END $$`, pq.QuoteLiteral(login), pq.QuoteIdentifier(login), pq.QuoteLiteral(login)),
		fmt.Sprintf(`GRANT %s TO %s`, pq.QuoteIdentifier(group), pq.QuoteIdentifier(login)),
	} {
		if _, err := tx.ExecContext(ctx, q); err != nil {
			t.Fatalf("create login %s: %v", login, err)
		}
	}
	if err := tx.Commit(); err != nil {
		t.Fatalf("create login %s: %v", login, err)
	}
}

// connect opens dsn, as user with password when user is not empty, and
// closes the pool at test end.
func connect(t *testing.T, dsn, user, password string) *sqlx.DB {
	t.Helper()
	u, err := url.Parse(dsn)
	if err != nil {
		t.Fatal(err)
	}
	if user != "" {
		u.User = url.UserPassword(user, password)
	}
	db, err := sqlx.Open("postgres", u.String())
	if err != nil {
		t.Fatal(err)
	}
	t.Cleanup(func() { db.Close() })
	return db
}
