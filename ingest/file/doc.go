// Package file loads dispatch datasets from files and writes them back.
//
// In the pipeline it is a source: it turns a dataset directory into a
// *paidan.Batch and paidan.Rules for the model, with every value validated
// first; a dataset-only run links no database driver.
//
//	source ──► ingest ──► model ──► solver ──► plan ──► write-back ──► export
//	           ^^^^^^ ingest/file
//
// # Dataset directory
//
// A dataset is a directory holding
//
//	tasks.csv   or tasks.parquet    (required)
//	workers.csv or workers.parquet  (required)
//	rules.yaml                      (optional; paidan.DefaultRules otherwise)
//
// A CSV table has a header row; columns are matched by name in any order,
// an unknown or repeated column is an error, and optional columns may be
// left out. A Parquet table has the same column names as flat columns:
// strings, integers (INT32/INT64), floats (FLOAT/DOUBLE) and timestamps
// (INT64 TIMESTAMP in ms, µs or ns); a null is an empty value. Lists
// (skills, regions) are ';'-separated strings in both formats.
//
// tasks:
//
//	id               name, required, unique
//	region           name, required
//	skills           list of names; empty: no skill needed
//	priority         integer 0..paidan.MaxPriority; empty: 0
//	lat, lon         degrees, required, in [-90, 90] and [-180, 180]
//	created_at       RFC 3339 time, required
//	due_at           RFC 3339 time, not before created_at; empty: no deadline
//	pinned_worker    id of a worker of the dataset; empty: not pinned
//	previous_worker  worker id, which may be absent (off today); empty: none
//
// workers:
//
//	id               name, required, unique
//	regions          list of names; empty: serves every region
//	skills           list of names; empty: none
//	capacity         integer 0..paidan.MaxCapacity, required
//	load             integer 0..paidan.MaxCapacity, tasks already held; empty: 0
//	lat, lon         degrees, required
//	shift_start      RFC 3339 time; empty: available now
//	shift_end        RFC 3339 time, after shift_start; empty: no end
//	max_distance_km  number 0..paidan.MaxDistanceKm; empty or 0: the rules' limit
//
// The rules on values are the domain's: Load calls paidan.ValidateTask and
// paidan.ValidateWorker on every row, whose limits (paidan.MaxIDBytes,
// paidan.MaxNameBytes, paidan.MaxNames, the time range MinUnixMicro to
// MaxUnixMicro, ...) are the ones the PostgreSQL schema checks too. The
// format adds its own: a name (an id, a region, a skill) is Unicode letters
// and digits and the characters _ - . : @ / # +, so that lists need no
// quoting. Numbers are written as Go's strconv reads them, without spaces;
// NaN and infinities are rejected. Times are RFC 3339 with any offset, read
// as UTC. Every field is valid UTF-8 of at most MaxFieldBytes bytes, every
// CSV line at most MaxLineBytes. A dataset directory that does not exist,
// or holds a table as both CSV and Parquet (ErrAmbiguousTable), says so.
//
// # Errors
//
// Every problem with the input is a *paidan.InputError naming the file
// ("tasks.csv"), the 1-based line (the row number in Parquet), the 1-based
// column and the column name, and wrapping a paidan sentinel (ErrSyntax,
// ErrOutOfRange, ErrDuplicateID, ...) for errors.Is. A strict Load
// collects up to Options.MaxErrors of them; Options.SkipInvalid drops bad
// rows instead and lists them in Dataset.Skipped.
//
// # Performance
//
// Load reads each table in one pass after a fast line-counting pass that
// sizes the result: a goroutine splits rows into fields a chunk ahead while
// the caller validates them. It allocates once per row beyond the row's own
// id, interns region and skill names and shares equal lists, and needs no
// hash set of ids while they arrive in increasing order. A million tasks
// (about 80 MB of CSV) load in about a CPU-second; see BenchmarkLoad.
package file
