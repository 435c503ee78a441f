// Package postgres adapts jobs' interfaces to paidan's PostgreSQL schema:
// Source over ingest/postgres, Writer over export/postgres, and Locker,
// the per-partition advisory lock that keeps runs of a partition apart
// across processes and machines.
//
//	locker := &postgres.Locker{DB: db}
//	r := &jobs.Runner{
//		Source: &postgres.Source{DB: db},
//		Writer: &postgres.Writer{DB: db, Locker: locker}, // writes on the lock's connection
//		Locker: locker,
//		Rules:  paidan.DefaultRules(),
//	}
//	res := r.Run(ctx, "north")
//
// Every query is parameterised. The connecting role needs the
// paidan_runtime role's privileges and nothing more.
package postgres
