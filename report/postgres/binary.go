package postgres

import (
	"encoding/binary"
	"fmt"
	"math"
)

// PostgreSQL type OIDs of the arrays the report reads in binary.
const (
	oidInt8        = 20
	oidInt4        = 23
	oidText        = 25
	oidFloat8      = 701
	oidTimestamptz = 1184
)

// noTime stands for a NULL timestamptz element.
const noTime = math.MinInt64

// pgEpochMicros is PostgreSQL's epoch, 2000-01-01 UTC, in Unix microseconds.
const pgEpochMicros = 946_684_800_000_000

// arrayElements walks a one-dimensional array in PostgreSQL's binary
// format (array_send) whose elements are of type oid, calling fn with each
// element's bytes, nil for a NULL element when nulls is true. A NULL array
// (nil) has no elements; a NULL element (unless nulls), a wrong type or
// more than one dimension is an error.
func arrayElements(b []byte, oid uint32, nulls bool, fn func([]byte)) error {
	if b == nil {
		return nil
	}
	u32 := func(at int) (uint32, error) {
		if len(b) < at+4 {
			return 0, fmt.Errorf("binary array: %d bytes, truncated at %d", len(b), at)
		}
		return binary.BigEndian.Uint32(b[at:]), nil
	}
	ndim, err := u32(0)
	if err != nil {
		return err
	}
	if ndim == 0 {
		return nil
	}
	if ndim != 1 {
		return fmt.Errorf("binary array: %d dimensions, want 1", ndim)
	}
	elem, err := u32(8)
	if err != nil {
		return err
	}
	if elem != oid {
		return fmt.Errorf("binary array: element type %d, want %d", elem, oid)
	}
	n, err := u32(12)
	if err != nil {
		return err
	}
	at := 20
	for range n {
		size, err := u32(at)
		if err != nil {
			return err
		}
		at += 4
		if int32(size) < 0 {
			if !nulls {
				return fmt.Errorf("binary array: NULL element")
			}
			fn(nil)
			continue
		}
		if len(b) < at+int(size) {
			return fmt.Errorf("binary array: %d bytes, element of %d at %d", len(b), size, at)
		}
		fn(b[at : at+int(size)])
		at += int(size)
	}
	if at != len(b) {
		return fmt.Errorf("binary array: %d bytes after its %d elements", len(b)-at, n)
	}
	return nil
}

// appendFloat8s appends the elements of a binary float8[] to dst.
func appendFloat8s(dst []float64, b []byte) ([]float64, error) {
	var bad bool
	err := arrayElements(b, oidFloat8, false, func(e []byte) {
		if len(e) != 8 {
			bad = true
			return
		}
		dst = append(dst, math.Float64frombits(binary.BigEndian.Uint64(e)))
	})
	if err == nil && bad {
		err = fmt.Errorf("binary array: float8 element not 8 bytes")
	}
	return dst, err
}

// appendInt8s appends the elements of a binary int8[] to dst, each through
// conv.
func appendInt8s[T any](dst []T, b []byte, conv func(int64) T) ([]T, error) {
	var bad bool
	err := arrayElements(b, oidInt8, false, func(e []byte) {
		if len(e) != 8 {
			bad = true
			return
		}
		dst = append(dst, conv(int64(binary.BigEndian.Uint64(e))))
	})
	if err == nil && bad {
		err = fmt.Errorf("binary array: int8 element not 8 bytes")
	}
	return dst, err
}

// appendTexts appends the elements of a binary text[] to dst. They share
// one copy of b (a listing's ids are many and small).
func appendTexts(dst []string, b []byte) ([]string, error) {
	all := string(b)
	err := arrayElements(b, oidText, false, func(e []byte) {
		at := cap(b) - cap(e) // e's offset in b
		dst = append(dst, all[at:at+len(e)])
	})
	return dst, err
}

// appendTimes appends the elements of a binary timestamptz[] to dst as
// Unix microseconds, noTime for NULL.
func appendTimes(dst []int64, b []byte) ([]int64, error) {
	var bad bool
	err := arrayElements(b, oidTimestamptz, true, func(e []byte) {
		switch len(e) {
		case 0:
			if e == nil {
				dst = append(dst, noTime)
				return
			}
			bad = true
		case 8:
			dst = append(dst, int64(binary.BigEndian.Uint64(e))+pgEpochMicros)
		default:
			bad = true
		}
	})
	if err == nil && bad {
		err = fmt.Errorf("binary array: timestamptz element not 8 bytes")
	}
	return dst, err
}

// appendInt4s appends the elements of a binary int4[] to dst, 0 for NULL.
func appendInt4s(dst []int64, b []byte) ([]int64, error) {
	var bad bool
	err := arrayElements(b, oidInt4, true, func(e []byte) {
		switch {
		case e == nil:
			dst = append(dst, 0)
		case len(e) == 4:
			dst = append(dst, int64(int32(binary.BigEndian.Uint32(e))))
		default:
			bad = true
		}
	})
	if err == nil && bad {
		err = fmt.Errorf("binary array: int4 element not 4 bytes")
	}
	return dst, err
}
