package model

import (
	"crypto/sha256"
	"encoding/binary"
	"encoding/hex"
	"hash"
	"math"
	"slices"
	"time"

	"github.com/paidan/paidan"
)

// RulesHash returns the hex SHA-256 of a canonical binary encoding of r:
// every field in declaration order, numbers as fixed-width big-endian,
// strings length-prefixed. Equal rules hash equally on every platform.
func RulesHash(r paidan.Rules) string {
	e := newEncoder()
	e.float(r.Resolution)
	e.int(int64(r.CandidatesPerTask))
	e.float(r.MaxDistanceKm)
	e.float(r.SpeedKmh)
	e.float(r.TravelCostPerKm)
	u := r.Unassigned
	e.float(u.Base)
	e.float(u.PerPriority)
	e.float(u.PerWaitingHour)
	e.float(u.MaxWaitingHours)
	e.int(int64(len(r.Balance)))
	for _, t := range r.Balance {
		e.float(t.Above)
		e.float(t.CostPerTask)
	}
	e.float(r.StabilityPenalty)
	return e.sum()
}

// InputHash returns the hex SHA-256 of a canonical binary encoding of b:
// partition, planning instant, then every task and every worker in batch
// order, field by field. Skill and region lists are sets, so they are
// encoded sorted; times are encoded as Unix nanoseconds (zero time as a
// distinct marker), so the hash ignores time zones.
func InputHash(b *paidan.Batch) string {
	e := newEncoder()
	e.str(b.Partition)
	e.time(b.AsOf)
	e.int(int64(len(b.Tasks)))
	for i := range b.Tasks {
		t := &b.Tasks[i]
		e.str(string(t.ID))
		e.str(t.Region)
		e.set(t.Skills)
		e.int(int64(t.Priority))
		e.float(t.Location.Lat)
		e.float(t.Location.Lon)
		e.time(t.CreatedAt)
		e.time(t.DueAt)
		e.str(string(t.PinnedWorker))
		e.str(string(t.PreviousWorker))
		e.int(t.Version)
	}
	e.int(int64(len(b.Workers)))
	for i := range b.Workers {
		w := &b.Workers[i]
		e.str(string(w.ID))
		e.set(w.Regions)
		e.set(w.Skills)
		e.int(int64(w.Capacity))
		e.int(int64(w.Load))
		e.float(w.Location.Lat)
		e.float(w.Location.Lon)
		e.time(w.ShiftStart)
		e.time(w.ShiftEnd)
		e.float(w.MaxDistanceKm)
	}
	return e.sum()
}

type encoder struct {
	h   hash.Hash
	buf [8]byte
}

func newEncoder() *encoder { return &encoder{h: sha256.New()} }

func (e *encoder) int(v int64) {
	binary.BigEndian.PutUint64(e.buf[:], uint64(v))
	e.h.Write(e.buf[:])
}

func (e *encoder) float(v float64) {
	if v == 0 {
		v = 0 // -0 and +0 are the same value
	}
	e.int(int64(math.Float64bits(v)))
}

func (e *encoder) str(s string) {
	e.int(int64(len(s)))
	e.h.Write([]byte(s))
}

func (e *encoder) set(ss []string) {
	ss = slices.Clone(ss)
	slices.Sort(ss)
	ss = slices.Compact(ss)
	e.int(int64(len(ss)))
	for _, s := range ss {
		e.str(s)
	}
}

func (e *encoder) time(t time.Time) {
	if t.IsZero() {
		e.int(0)
		return
	}
	e.int(1)
	e.int(t.UnixNano())
}

func (e *encoder) sum() string { return hex.EncodeToString(e.h.Sum(nil)) }

// deriveRunID names a plan after its inputs: "plan-" and the first 12 hex
// digits of the SHA-256 of the input and rules hashes.
func deriveRunID(inputHash, rulesHash string) string {
	s := sha256.Sum256([]byte(inputHash + rulesHash))
	return "plan-" + hex.EncodeToString(s[:6])
}
