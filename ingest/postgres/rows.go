package postgres

import (
	"database/sql"

	"github.com/lib/pq"
)

// taskColumns are the columns of a task row that both the load (tasks.sql)
// and the snapshot (snapshot_tasks.sql) read, with the same names and the
// same handling of a time outside the domain's range: NULL in the time
// column and its text in the *_bad one.
type taskColumns struct {
	ID             string         `db:"id"`
	Region         string         `db:"region"`
	Skills         pq.StringArray `db:"skills"`
	Priority       int64          `db:"priority"`
	Lat            float64        `db:"lat"`
	Lon            float64        `db:"lon"`
	CreatedAt      sql.NullTime   `db:"created_at"`
	CreatedAtBad   sql.NullString `db:"created_at_bad"`
	DueAt          sql.NullTime   `db:"due_at"`
	DueAtBad       sql.NullString `db:"due_at_bad"`
	PinnedWorker   sql.NullString `db:"pinned_worker"`
	PreviousWorker sql.NullString `db:"previous_worker"`
	Version        int64          `db:"version"`
}

// workerColumns are the columns of a worker row that both the load
// (workers.sql) and the snapshot (snapshot_workers.sql) read.
type workerColumns struct {
	ID            string         `db:"id"`
	Regions       pq.StringArray `db:"regions"`
	Skills        pq.StringArray `db:"skills"`
	Capacity      int64          `db:"capacity"`
	Load          int64          `db:"load"`
	Lat           float64        `db:"lat"`
	Lon           float64        `db:"lon"`
	ShiftStart    sql.NullTime   `db:"shift_start"`
	ShiftStartBad sql.NullString `db:"shift_start_bad"`
	ShiftEnd      sql.NullTime   `db:"shift_end"`
	ShiftEndBad   sql.NullString `db:"shift_end_bad"`
	MaxDistanceKm float64        `db:"max_distance_km"`
}
