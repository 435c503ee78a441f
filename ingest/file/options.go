package file

import (
	"time"

	"github.com/paidan/paidan"
)

// Limits of the dataset format. The limits on values (names, capacities,
// coordinates, times) are the domain's, defined in package paidan
// (paidan.MaxIDBytes, paidan.MaxCapacity, ...) and applied by
// paidan.ValidateTask and paidan.ValidateWorker, which Load calls on every
// row. A value beyond a limit is rejected with an *paidan.InputError
// wrapping paidan.ErrTooLong or paidan.ErrOutOfRange.
const (
	// MaxFieldBytes bounds any one field, lists included.
	MaxFieldBytes = 4096
	// MaxLineBytes bounds one physical line of a CSV file. It stops a file
	// without line breaks from being read whole into memory.
	MaxLineBytes = 1 << 20
	// MaxCapacity is paidan.MaxCapacity, the bound of a worker's capacity
	// and load, for generators that write datasets.
	MaxCapacity = paidan.MaxCapacity
	// DefaultMaxErrors is how many errors Load collects when
	// Options.MaxErrors is zero.
	DefaultMaxErrors = 20
)

// Format is the file format of a dataset's tables.
type Format uint8

// Dataset table formats.
const (
	CSV     Format = iota // tasks.csv, workers.csv; the zero value
	Parquet               // tasks.parquet, workers.parquet
)

// String returns "csv" or "parquet".
func (f Format) String() string {
	if f == Parquet {
		return "parquet"
	}
	return "csv"
}

// ext returns the file name extension of the format, with the dot.
func (f Format) ext() string { return "." + f.String() }

// Options controls Load. The zero value loads strictly: the first invalid
// row fails the load (after collecting up to DefaultMaxErrors errors).
type Options struct {
	// AsOf, when not zero, is the planning instant of the batch (kept in
	// UTC). Zero means the latest created_at among the loaded tasks (zero
	// if there are none).
	AsOf time.Time

	// SkipInvalid drops invalid rows instead of failing: each dropped row's
	// error is returned in Dataset.Skipped, and a task pinned to a dropped
	// worker is dropped too. Errors that concern a whole file (a missing
	// or unknown column, an unreadable file, a bad rules.yaml) still fail
	// the load.
	SkipInvalid bool

	// MaxErrors is how many errors a strict load collects before it stops
	// reading; zero means DefaultMaxErrors. It does not limit Skipped.
	MaxErrors int
}

// Dataset is what Load returns: a batch ready for planning and the rules
// to plan it with.
type Dataset struct {
	// Batch holds the valid tasks and workers in file order; an empty
	// table gives a nil slice. Partition is "". Equal skill and region
	// lists share one backing array: treat them as read-only.
	Batch *paidan.Batch
	// Rules are read from rules.yaml, or paidan.DefaultRules when the
	// directory has none.
	Rules paidan.Rules
	// RulesFile is the path of the rules file read; "" when the defaults
	// were used.
	RulesFile string
	// Skipped lists, in file order (workers first), the rows that
	// Options.SkipInvalid dropped, each with the reason. Empty for a strict
	// load.
	Skipped []*paidan.InputError
}

// WriteOptions controls Write. The zero value writes CSV without a rules
// file.
type WriteOptions struct {
	Format Format // CSV (the zero value) or Parquet
	// Rules, when not nil, is written as rules.yaml.
	Rules *paidan.Rules
}
