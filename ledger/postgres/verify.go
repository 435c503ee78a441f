package postgres

import (
	"context"
	"database/sql"
	_ "embed"
	"fmt"
	"slices"
	"time"

	"github.com/jmoiron/sqlx"

	"github.com/paidan/paidan/ledger"
)

var (
	//go:embed runs.sql
	runsSQL string
	//go:embed assignments.sql
	assignmentsSQL string
	//go:embed unassigned.sql
	unassignedSQL string
	//go:embed entries.sql
	entriesSQL string
	//go:embed verify_settings.sql
	verifySettingsSQL string
)

// VerifyOptions tunes Verify. The zero value checks the chain alone.
type VerifyOptions struct {
	// Expect, when not nil, is a head published earlier (and whose
	// signature the caller has checked): the chain must hold it.
	Expect *ledger.Head
}

// Verify recomputes every finished run's digests from the stored rows and
// checks the ledger's chain against them. The report names every
// disagreement in chain order; an error means the check could not run. It
// only reads, from one snapshot, and is safe for concurrent use.
func Verify(ctx context.Context, db *sqlx.DB, opts VerifyOptions) (*ledger.Report, error) {
	tx, err := db.BeginTxx(ctx, &sql.TxOptions{Isolation: sql.LevelRepeatableRead, ReadOnly: true})
	if err != nil {
		return nil, fmt.Errorf("verify ledger: %w", err)
	}
	defer tx.Rollback()
	if _, err := tx.ExecContext(ctx, verifySettingsSQL); err != nil {
		return nil, fmt.Errorf("verify ledger: settings: %w", err)
	}
	runs, err := readRuns(ctx, tx)
	if err != nil {
		return nil, fmt.Errorf("verify ledger: read runs: %w", err)
	}
	if err := readAssignments(ctx, tx, runs); err != nil {
		return nil, fmt.Errorf("verify ledger: read assignments: %w", err)
	}
	if err := readUnassigned(ctx, tx, runs); err != nil {
		return nil, fmt.Errorf("verify ledger: read unassigned: %w", err)
	}
	var chain ledger.Chain
	if opts.Expect != nil {
		chain.ExpectHead(*opts.Expect)
	}
	if err := readEntries(ctx, tx, runs, &chain); err != nil {
		return nil, fmt.Errorf("verify ledger: read entries: %w", err)
	}
	var without []string
	for id, r := range runs {
		if !r.entry {
			without = append(without, id)
		}
	}
	slices.Sort(without)
	return chain.Finish(without), nil
}

// runState is what Verify keeps per finished run.
type runState struct {
	now   ledger.Recomputed
	entry bool // a ledger entry names it
}

func readRuns(ctx context.Context, tx *sqlx.Tx) (map[string]*runState, error) {
	rows, err := tx.QueryContext(ctx, runsSQL)
	if err != nil {
		return nil, err
	}
	defer rows.Close()
	runs := make(map[string]*runState)
	empA, empU := ledger.EmptyAssignments(), ledger.EmptyUnassigned()
	for rows.Next() {
		var (
			r                           ledger.Run
			finished                    sql.NullTime
			rules, input, kpis, errText sql.NullString
		)
		if err := rows.Scan(&r.ID, &r.Partition, &r.StartedAt, &finished, &r.Status, &rules, &input,
			&r.Objective, &r.ObjectiveUnits, &r.DualBound, &r.Certificate, &kpis, &r.Assigned,
			&r.Conflicts, &errText); err != nil {
			return nil, err
		}
		r.FinishedAt = optTime(finished)
		r.RulesHash, r.InputHash, r.KPIs, r.Error = optText(rules), optText(input), optText(kpis), optText(errText)
		runs[r.ID] = &runState{now: ledger.Recomputed{
			RunDigest: r.Digest(), AssignmentDigest: empA, UnassignedDigest: empU,
		}}
	}
	return runs, rows.Err()
}

func readAssignments(ctx context.Context, tx *sqlx.Tx, runs map[string]*runState) error {
	rows, err := tx.QueryContext(ctx, assignmentsSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cur    string
		d      *ledger.RowDigest
		run, a = "", ledger.Assignment{}
	)
	flush := func() {
		if d == nil {
			return
		}
		if r := runs[cur]; r != nil {
			r.now.AssignmentCount, r.now.AssignmentDigest = d.Sum()
		}
	}
	for rows.Next() {
		if err := rows.Scan(&run, &a.TaskID, &a.WorkerID, &a.DistanceKm, &a.CostTravel, &a.CostBalance,
			&a.CostStability, &a.Pinned); err != nil {
			return err
		}
		if d == nil || run != cur {
			flush()
			cur, d = run, ledger.NewAssignmentDigest()
		}
		if err := d.AddAssignment(a); err != nil {
			return fmt.Errorf("run %q: %w", run, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

func readUnassigned(ctx context.Context, tx *sqlx.Tx, runs map[string]*runState) error {
	rows, err := tx.QueryContext(ctx, unassignedSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	var (
		cur    string
		d      *ledger.RowDigest
		run, u = "", ledger.Unassigned{}
	)
	flush := func() {
		if d == nil {
			return
		}
		if r := runs[cur]; r != nil {
			r.now.UnassignedCount, r.now.UnassignedDigest = d.Sum()
		}
	}
	for rows.Next() {
		if err := rows.Scan(&run, &u.TaskID, &u.Reason, &u.Detail); err != nil {
			return err
		}
		if d == nil || run != cur {
			flush()
			cur, d = run, ledger.NewUnassignedDigest()
		}
		if err := d.AddUnassigned(u); err != nil {
			return fmt.Errorf("run %q: %w", run, err)
		}
	}
	if err := rows.Err(); err != nil {
		return err
	}
	flush()
	return nil
}

func readEntries(ctx context.Context, tx *sqlx.Tx, runs map[string]*runState, chain *ledger.Chain) error {
	rows, err := tx.QueryContext(ctx, entriesSQL)
	if err != nil {
		return err
	}
	defer rows.Close()
	var e ledger.Entry
	var runD, aD, uD, prev, hash []byte
	for rows.Next() {
		if err := rows.Scan(&e.Seq, &e.RunID, &e.RecordedAt, &runD, &e.AssignmentCount, &aD,
			&e.UnassignedCount, &uD, &prev, &hash); err != nil {
			return err
		}
		for _, f := range []struct {
			dst  *ledger.Digest
			src  []byte
			name string
		}{{&e.RunDigest, runD, "run_digest"}, {&e.AssignmentDigest, aD, "assignment_digest"},
			{&e.UnassignedDigest, uD, "unassigned_digest"}, {&e.PrevHash, prev, "prev_hash"}, {&e.Hash, hash, "hash"}} {
			if err := digest(f.dst, f.src, fmt.Sprintf("paidan.ledger entry %d %s", e.Seq, f.name)); err != nil {
				return err
			}
		}
		var now *ledger.Recomputed
		if r := runs[e.RunID]; r != nil {
			now = &r.now
			r.entry = true
		}
		chain.Add(e, now)
	}
	return rows.Err()
}

// digest copies a 32-byte column into dst.
func digest(dst *ledger.Digest, src []byte, what string) error {
	if len(src) != len(dst) {
		return fmt.Errorf("%s: %d bytes, want %d", what, len(src), len(dst))
	}
	copy(dst[:], src)
	return nil
}

func optText(s sql.NullString) *string {
	if !s.Valid {
		return nil
	}
	return &s.String
}

func optTime(t sql.NullTime) *time.Time {
	if !t.Valid {
		return nil
	}
	return &t.Time
}
