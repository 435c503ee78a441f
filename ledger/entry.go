package ledger

import (
	"crypto/sha256"
	"time"
)

// Entry is one row of paidan.ledger: run RunID's digests when it finished,
// chained to the entry before it.
type Entry struct {
	Seq              int64 // 1, 2, ... in commit order
	RunID            string
	RecordedAt       time.Time
	RunDigest        Digest
	AssignmentCount  int64
	AssignmentDigest Digest
	UnassignedCount  int64
	UnassignedDigest Digest
	PrevHash         Digest // the previous entry's Hash; zero for the first
	Hash             Digest
}

// ComputeHash returns the hash the entry's content gives: SHA-256 over the
// tag "paidan.ledger/v1", Seq, RunID, RecordedAt, RunDigest,
// AssignmentCount, AssignmentDigest, UnassignedCount, UnassignedDigest and
// PrevHash, each in the canonical encoding (digests as 32-byte bytes
// fields).
func (e *Entry) ComputeHash() Digest {
	enc := encoder{h: sha256.New()}
	enc.text(tagEntry)
	enc.int(e.Seq)
	enc.text(e.RunID)
	enc.time(e.RecordedAt)
	enc.bytes(e.RunDigest[:])
	enc.int(e.AssignmentCount)
	enc.bytes(e.AssignmentDigest[:])
	enc.int(e.UnassignedCount)
	enc.bytes(e.UnassignedDigest[:])
	enc.bytes(e.PrevHash[:])
	var d Digest
	enc.h.Sum(d[:0])
	return d
}

// Head is the end of a chain: the last entry's number and hash. The head
// of an empty chain is zero.
type Head struct {
	Seq  int64
	Hash Digest
}
