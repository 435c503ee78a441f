package ledger

import (
	"encoding/binary"
	"hash"
	"math"
	"time"
)

// encoder writes fields in the ledger's canonical encoding to a hash.
type encoder struct {
	h   hash.Hash
	buf [13]byte
}

func (e *encoder) null() { e.h.Write([]byte{0}) }

// text writes a present text (or bytes) field.
func (e *encoder) text(s string) {
	e.buf[0] = 1
	binary.BigEndian.PutUint32(e.buf[1:5], uint32(len(s)))
	e.h.Write(e.buf[:5])
	e.h.Write([]byte(s))
}

// optText writes s, or NULL when s is nil.
func (e *encoder) optText(s *string) {
	if s == nil {
		e.null()
		return
	}
	e.text(*s)
}

func (e *encoder) bytes(b []byte) {
	e.buf[0] = 1
	binary.BigEndian.PutUint32(e.buf[1:5], uint32(len(b)))
	e.h.Write(e.buf[:5])
	e.h.Write(b)
}

func (e *encoder) int(v int64) {
	e.buf[0] = 1
	binary.BigEndian.PutUint64(e.buf[1:9], uint64(v))
	e.h.Write(e.buf[:9])
}

func (e *encoder) float(v float64) {
	e.buf[0] = 1
	binary.BigEndian.PutUint64(e.buf[1:9], math.Float64bits(v))
	e.h.Write(e.buf[:9])
}

func (e *encoder) bool(v bool) {
	e.buf[0], e.buf[1] = 1, 0
	if v {
		e.buf[1] = 1
	}
	e.h.Write(e.buf[:2])
}

func (e *encoder) time(t time.Time) { e.int(t.UnixMicro()) }

// optTime writes t, or NULL when t is nil.
func (e *encoder) optTime(t *time.Time) {
	if t == nil {
		e.null()
		return
	}
	e.time(*t)
}
