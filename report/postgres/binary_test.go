package postgres

import (
	"encoding/binary"
	"math"
	"slices"
	"strings"
	"testing"
)

// binArray encodes a one-dimensional array as array_send does.
func binArray(oid uint32, elems ...[]byte) []byte {
	b := binary.BigEndian.AppendUint32(nil, 1)
	b = binary.BigEndian.AppendUint32(b, 0)
	b = binary.BigEndian.AppendUint32(b, oid)
	b = binary.BigEndian.AppendUint32(b, uint32(len(elems)))
	b = binary.BigEndian.AppendUint32(b, 1)
	for _, e := range elems {
		if e == nil {
			b = binary.BigEndian.AppendUint32(b, math.MaxUint32) // -1: NULL
			continue
		}
		b = binary.BigEndian.AppendUint32(b, uint32(len(e)))
		b = append(b, e...)
	}
	return b
}

func be64(v uint64) []byte { return binary.BigEndian.AppendUint64(nil, v) }

func TestBinaryArrays(t *testing.T) {
	f, err := appendFloat8s([]float64{9}, binArray(oidFloat8, be64(math.Float64bits(1.5)), be64(math.Float64bits(0.1))))
	if err != nil || !slices.Equal(f, []float64{9, 1.5, 0.1}) {
		t.Errorf("float8[]: %v, %v; want [9 1.5 0.1]", f, err)
	}
	n, err := appendInt8s(nil, binArray(oidInt8, be64(uint64(1_000_000)), be64(math.MaxUint64)), func(v int64) float64 { return float64(v) / 1e6 })
	if err != nil || !slices.Equal(n, []float64{1, -1e-6}) {
		t.Errorf("int8[]: %v, %v; want [1 -1e-06]", n, err)
	}
	s, err := appendTexts(nil, binArray(oidText, []byte("t-1"), []byte("")))
	if err != nil || !slices.Equal(s, []string{"t-1", ""}) {
		t.Errorf("text[]: %q, %v", s, err)
	}
	ts, err := appendTimes(nil, binArray(oidTimestamptz, be64(0), nil, be64(1)))
	if err != nil || !slices.Equal(ts, []int64{pgEpochMicros, noTime, pgEpochMicros + 1}) {
		t.Errorf("timestamptz[]: %v, %v; want 2000-01-01 in Unix microseconds, NULL, one more", ts, err)
	}
	i4, err := appendInt4s(nil, binArray(oidInt4, binary.BigEndian.AppendUint32(nil, 3), nil, binary.BigEndian.AppendUint32(nil, math.MaxUint32)))
	if err != nil || !slices.Equal(i4, []int64{3, 0, -1}) {
		t.Errorf("int4[]: %v, %v; want [3 0 -1]", i4, err)
	}
	if _, err := appendTimes(nil, binArray(oidTimestamptz, []byte{})); err == nil {
		t.Error("timestamptz[] with an empty element: no error")
	}
	empty := binary.BigEndian.AppendUint32(make([]byte, 0, 12), 0)
	empty = binary.BigEndian.AppendUint32(empty, 0)
	empty = binary.BigEndian.AppendUint32(empty, oidInt8)
	for name, b := range map[string][]byte{"NULL array": nil, "empty array": empty} {
		if got, err := appendInt8s(nil, b, func(v int64) int64 { return v }); err != nil || len(got) != 0 {
			t.Errorf("%s: %v, %v; want no elements", name, got, err)
		}
	}
	good := binArray(oidInt8, be64(1))
	for name, c := range map[string]struct {
		b    []byte
		want string
	}{
		"wrong element type": {binArray(oidFloat8, be64(1)), "element type 701, want 20"},
		"NULL element":       {binArray(oidInt8, nil), "NULL element"},
		"truncated":          {good[:len(good)-1], "element of 8 at 24"},
		"trailing bytes":     {append(slices.Clone(good), 0), "1 bytes after its 1 elements"},
		"short element":      {binArray(oidInt8, []byte{1, 2}), "not 8 bytes"},
		"two dimensions":     {binary.BigEndian.AppendUint32(nil, 2), "2 dimensions"},
		"header cut":         {good[:6], "truncated at 8"},
		"element length cut": {good[:22], "truncated at 20"},
	} {
		_, err := appendInt8s(nil, c.b, func(v int64) int64 { return v })
		if err == nil || !strings.Contains(err.Error(), c.want) {
			t.Errorf("%s: error %v, want one saying %q", name, err, c.want)
		}
	}
}

func TestBreachAfter(t *testing.T) {
	for _, target := range []float64{0, 1e-6, 0.1, 0.3, 900, 900.0000005, 1234.567891, 86400 * 365} {
		us := breachAfter(target)
		if !(float64(us)/1e6 > target) || float64(us-1)/1e6 > target {
			t.Errorf("breachAfter(%v) = %d: %v > target is %v, %v > target is %v", target, us,
				float64(us)/1e6, float64(us)/1e6 > target, float64(us-1)/1e6, float64(us-1)/1e6 > target)
		}
	}
}
